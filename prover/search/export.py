"""Export a search graph: JSON for machines, a PNG (proof path in red) for a person.

The picture lays the graph out as a tree (the shortest-path tree from the root: leaves side by side,
parents centred over their children, one row per depth); edges outside that tree (transpositions) are
drawn faint. Nodes are coloured by what varies, with a colour bar that says which: the backed-up value
when the values differ, else the visit count, else the size of the subtree below (a policy that knows
nothing gives every state the value 0.5; a failed search is then still a picture of where the budget
went). The proof path is drawn in red with its tactics; the largest branches (the root's biggest
subtrees and the heaviest path below the biggest) are labelled with their tactic and size, so a failed
search says which moves ate the budget. A legend explains the marks.
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


def _tree(g: nx.DiGraph, root: int) -> tuple[list[int], dict[int, int | None], dict[int, list[int]]]:
    """The shortest-path tree from the root: nodes in BFS order, parents, children."""
    parent: dict[int, int | None] = {root: None}
    order = [root]
    for u, v in nx.bfs_edges(g, root):
        parent[v] = u
        order.append(v)
    children: dict[int, list[int]] = {n: [] for n in order}
    for n in order[1:]:
        children[parent[n]].append(n)  # type: ignore[index]
    return order, parent, children


def tree_layout(g: nx.DiGraph, root: int) -> dict[int, tuple[float, float]]:
    """Leaves of the shortest-path tree at consecutive x, parents centred above, y = -depth."""
    order, parent, children = _tree(g, root)
    depth = {root: 0}
    for n in order[1:]:
        depth[n] = depth[parent[n]] + 1  # type: ignore[index]
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


def subtree_sizes(g: nx.DiGraph, root: int) -> dict[int, int]:
    """States in each node's subtree of the shortest-path tree (itself included)."""
    order, parent, _ = _tree(g, root)
    size = dict.fromkeys(order, 1)
    for n in reversed(order[1:]):
        size[parent[n]] += size[n]  # type: ignore[index]
    return size


def largest_branches(g: nx.DiGraph, root: int, top: int = 4, heavy: int = 3) -> list[tuple[int, int]]:
    """Tree edges worth a label: the chain of single moves from the root (at most 3), then the `top`
    largest subtrees where the tree first branches, then `heavy` more steps down the heaviest path."""
    _, _, children = _tree(g, root)
    size = subtree_sizes(g, root)
    edges: list[tuple[int, int]] = []
    fork = root
    while len(children[fork]) == 1:
        if len(edges) < 3:
            edges.append((fork, children[fork][0]))
        fork = children[fork][0]
    kids = sorted(children[fork], key=lambda c: -size[c])
    edges += [(fork, c) for c in kids[:top]]
    n = kids[0] if kids else None
    for _ in range(heavy):
        if n is None or not children[n]:
            break
        c = max(children[n], key=lambda k: size[k])
        edges.append((n, c))
        n = c
    return edges


def node_colouring(g: nx.DiGraph, nodes: list[int], root: int) -> tuple[list[float], str, bool]:
    """(colour values, what they are, log scale?): the backed-up value if it varies, else visits if they
    vary (three counts or more), else the subtree size."""
    values = []
    for n in nodes:
        d = g.nodes[n]
        v = d["value_sum"] / d["visits"] if d.get("visits") and "value_sum" in d else d.get("value")
        values.append(1.0 if d.get("status") == "proved" else v)
    known = [v for v in values if v is not None]
    if known and max(known) - min(known) > 1e-9:
        return [0.5 if v is None else v for v in values], "value (mean backed-up; proved = 1)", False
    visits = [g.nodes[n].get("visits", 0) for n in nodes]
    if len(set(visits)) >= 3:  # MCTS; best-first marks a node or two at most
        return [max(1, v) for v in visits], "visits", True
    size = subtree_sizes(g, root)
    return [size[n] for n in nodes], "states in the subtree below", True


def figure(g: nx.DiGraph):
    """The picture as a matplotlib Figure (object API: no pyplot state)."""
    from matplotlib.colors import LogNorm, Normalize
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    root = g.graph.get("root", 0)
    pos = tree_layout(g, root)
    sub = g.subgraph(pos)
    nodes = list(pos)
    proof = list(g.graph.get("proof_path", []))
    proof_edges = list(zip(proof, proof[1:], strict=False))
    width = max(p[0] for p in pos.values()) + 1 if pos else 1
    height = -min((p[1] for p in pos.values()), default=0) + 1
    fig = Figure(figsize=(min(8 + 0.12 * width, 60), min(4 + 0.9 * height, 40)))
    ax = fig.subplots()
    colour, what, log = node_colouring(g, nodes, root)
    norm = LogNorm(vmin=1, vmax=max(2, max(colour))) if log else Normalize(vmin=0, vmax=1)
    size = 900 / max(1.0, len(pos) ** 0.5)
    tree_edges = {(u, v) for u, v in nx.bfs_edges(g, root)}
    other = [e for e in sub.edges if e not in tree_edges]
    nx.draw_networkx_edges(sub, pos, edgelist=sorted(tree_edges), ax=ax, edge_color="#999999", width=0.7, arrows=False)
    nx.draw_networkx_edges(sub, pos, edgelist=other, ax=ax, edge_color="#dddddd", width=0.5, arrows=False,
                           style="dotted")
    dead = {n for n in nodes if g.nodes[n].get("status") == "dead"}
    rings = ["#cc0000" if n in proof else ("#555555" if n in dead else "none") for n in nodes]
    drawn = nx.draw_networkx_nodes(sub, pos, nodelist=nodes, ax=ax, node_size=size, node_color=colour,
                                   cmap="viridis", vmin=None if log else 0, vmax=None if log else 1,
                                   linewidths=1.5, edgecolors=rings)
    drawn.set_norm(norm)
    fig.colorbar(drawn, ax=ax, shrink=0.6, label=what)
    if proof_edges:
        nx.draw_networkx_edges(sub, pos, edgelist=proof_edges, ax=ax, edge_color="#cc0000", width=2.5,
                               arrows=True, arrowsize=12)
        labels = {(u, v): _short(g.edges[u, v]["tactic"], 28) for u, v in proof_edges}
        nx.draw_networkx_edge_labels(sub, pos, edge_labels=labels, ax=ax, font_size=8, font_color="#cc0000")
    sizes = subtree_sizes(g, root)
    for u, v in largest_branches(g, root):
        if (u, v) in proof_edges:
            continue
        x, y = pos[v]
        ax.annotate(f"{_short(g.edges[u, v]['tactic'], 30)}\n{sizes[v]} states", (x, y), xytext=(6, 6),
                    textcoords="offset points", fontsize=7, color="#222222",
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#888888", "alpha": 0.85})
    legend = [Line2D([], [], color="#999999", lw=0.7, label="tactic (shortest-path tree)"),
              Line2D([], [], color="#dddddd", lw=0.8, ls=":", label="another way to a known state"),
              Line2D([], [], marker="o", ls="", mfc="white", mec="#555555", label="dead end (nothing left to try)")]
    if proof_edges:
        legend.insert(0, Line2D([], [], color="#cc0000", lw=2.5, label="proof"))
    ax.legend(handles=legend, loc="upper right", fontsize=7, framealpha=0.9)
    goal = g.nodes[root]["goals"]
    title = f"{g.graph.get('algorithm', 'search')}: {g.number_of_nodes()} states, {g.graph.get('stop_reason', '')}\n" \
            f"root: {_short(goal[-1] if goal else '', 70)}\n" \
            f"colour: {what}\nlabels: the largest branches (tactic, states below)"
    ax.set_title(title, fontsize=10)
    ax.axis("off")
    fig.tight_layout()
    return fig


def draw(g: nx.DiGraph, path: str | Path) -> None:
    figure(g).savefig(path, dpi=110)


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
