"""Export a search graph: JSON for machines, a PNG (proof path in red) for a person.

The picture lays the graph out as a tree (the shortest-path tree from the root: leaves side by side,
parents centred over their children, one row per depth); edges outside that tree (transpositions) are
drawn faint. Nodes are coloured by value; only the proof path carries labels, so a few hundred nodes stay
legible.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx

from prover.core import ProverError


def to_json(g: nx.DiGraph) -> dict[str, Any]:
    """Nodes (goals, visits, value, status), edges (tactic, prior, result), failed tactics as edges to null."""
    on_path = set(g.graph.get("proof_path", []))
    nodes, edges = [], []
    for nid, d in g.nodes(data=True):
        visits = d.get("visits", 0)
        value = d["value_sum"] / visits if visits and "value_sum" in d else d.get("value")
        node = {"id": nid, "goals": list(d["goals"]), "visits": visits, "value": value,
                "status": d.get("status"), "depth": d.get("depth"), "on_proof": nid in on_path}
        if d.get("score") is not None:
            node["score"] = d["score"]
        nodes.append(node)
        priors = dict(d.get("proposals", []))
        for tactic, message in d.get("failed", {}).items():
            edges.append({"source": nid, "target": None, "tactic": tactic, "prior": priors.get(tactic),
                          "result": "failed", "message": message})
        for tactic, why in d.get("pruned", {}).items():
            edges.append({"source": nid, "target": None, "tactic": tactic, "prior": priors.get(tactic),
                          "result": why})
    path_edges = set(zip(g.graph.get("proof_path", []), g.graph.get("proof_path", [])[1:], strict=False))
    for u, v, d in g.edges(data=True):
        edges.append({"source": u, "target": v, "tactic": d["tactic"], "prior": d["prior"], "result": d["result"],
                      "visits": d.get("visits", 0), "on_proof": (u, v) in path_edges})
    meta = {k: v for k, v in g.graph.items() if k != "proof_path"}
    return {**meta, "proof_path": list(g.graph.get("proof_path", [])), "nodes": nodes, "edges": edges}


def tree_layout(g: nx.DiGraph, root: int) -> dict[int, tuple[float, float]]:
    """Leaves of the shortest-path tree at consecutive x, parents centred above, y = -depth."""
    parent = {root: None}
    order = [root]
    for u, v in nx.bfs_edges(g, root):
        parent[v] = u
        order.append(v)
    children: dict[int, list[int]] = {n: [] for n in order}
    for n in order[1:]:
        children[parent[n]].append(n)
    depth = {root: 0}
    for n in order[1:]:
        depth[n] = depth[parent[n]] + 1
    x: dict[int, float] = {}
    next_leaf = 0.0
    stack = [(root, False)]
    while stack:  # iterative post-order: deep graphs must not hit the recursion limit
        n, done = stack.pop()
        if done or not children[n]:
            if children[n]:
                x[n] = (x[children[n][0]] + x[children[n][-1]]) / 2
            else:
                x[n], next_leaf = next_leaf, next_leaf + 1
            continue
        stack.append((n, True))
        stack.extend((c, False) for c in reversed(children[n]))
    return {n: (x[n], -float(depth[n])) for n in order}


def draw(g: nx.DiGraph, path: str | Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    root = g.graph.get("root", 0)
    pos = tree_layout(g, root)
    sub = g.subgraph(pos)
    proof = list(g.graph.get("proof_path", []))
    proof_edges = list(zip(proof, proof[1:], strict=False))
    width = max(pos.values(), key=lambda p: p[0])[0] + 1 if pos else 1
    height = -min((p[1] for p in pos.values()), default=0) + 1
    fig, ax = plt.subplots(figsize=(min(6 + 0.12 * width, 60), min(3 + 0.9 * height, 40)))
    values = []
    for n in sub.nodes:
        d = g.nodes[n]
        v = d["value_sum"] / d["visits"] if d.get("visits") else d.get("value")
        values.append(1.0 if d.get("status") == "proved" else (0.5 if v is None else v))
    size = 900 / max(1.0, len(pos) ** 0.5)
    nx.draw_networkx_edges(sub, pos, ax=ax, edge_color="#bbbbbb", width=0.6, arrows=False)
    drawn = nx.draw_networkx_nodes(sub, pos, ax=ax, node_size=size, node_color=values, cmap="viridis", vmin=0,
                                   vmax=1, linewidths=1.5,
                                   edgecolors=["#cc0000" if n in proof else "none" for n in sub.nodes])
    fig.colorbar(drawn, ax=ax, shrink=0.5, label="value (mean backed-up)")
    if proof_edges:
        nx.draw_networkx_edges(sub, pos, edgelist=proof_edges, ax=ax, edge_color="#cc0000", width=2.5,
                               arrows=True, arrowsize=12)
        labels = {(u, v): _short(g.edges[u, v]["tactic"], 28) for u, v in proof_edges}
        nx.draw_networkx_edge_labels(sub, pos, edge_labels=labels, ax=ax, font_size=8, font_color="#cc0000")
    goal = g.nodes[root]["goals"]
    title = f"{g.graph.get('algorithm', 'search')}: {g.number_of_nodes()} states, " \
            f"{g.graph.get('stop_reason', '')}   root: {_short(goal[-1] if goal else '', 80)}"
    ax.set_title(title, fontsize=10)
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _short(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def write_graph(g: nx.DiGraph, path: str | Path) -> tuple[Path, Path]:
    """`tree.png` (or any name) -> tree.png and tree.json next to each other."""
    base = Path(path)
    png, js = base.with_suffix(".png"), base.with_suffix(".json")
    try:
        js.write_text(json.dumps(to_json(g), ensure_ascii=False, indent=1) + "\n")
        draw(g, png)
    except OSError as e:
        raise ProverError(f"cannot write the search graph to {base}: {e.strerror}") from e
    return png, js
