"""Training examples from a verified proof's search graph (prover.search.graph's node and edge attributes).

Along the proof path: (state, tactic) pairs with value 1. Off it: states the search expanded that cannot
reach the proved node (they led nowhere) as value-0 examples, the most visited first, since those are
where the value head wasted the most search.
"""

from __future__ import annotations

import networkx as nx

from prover.learn.buffer import Example


def _text(g: nx.DiGraph, nid: int) -> str:
    return "\n\n".join(g.nodes[nid]["goals"])


def examples_from_graph(g: nx.DiGraph, problem: str, source: str, max_negatives: int = 4) -> list[Example]:
    """Nothing for a graph without a proof: a failed search says nothing sure about its states."""
    path = g.graph.get("proof_path") or []
    proved = g.graph.get("proved")
    if proved is None or len(path) < 2:
        return []
    out = [Example(_text(g, u), g.edges[u, v]["tactic"], 1.0, source, problem)
           for u, v in zip(path, path[1:], strict=False)]
    alive = nx.ancestors(g, proved) | {proved}
    dead = [n for n, d in g.nodes(data=True) if n not in alive and (d.get("tried") or g.out_degree(n))]
    dead.sort(key=lambda n: (-g.nodes[n].get("visits", 0), n))
    out += [Example(_text(g, n), None, 0.0, source, problem) for n in dead[:max_negatives]]
    return out
