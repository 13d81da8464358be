"""Best-first search by cumulative log-prob: the baseline MCTS must beat at equal budget.

The open state with the highest summed log-prob of the tactics leading to it (or the mean, with
`length_normalize`) is expanded next: the policy proposes `num_tactics` tactics and each is run. A state
reached again by a better path is re-queued with the better score (transpositions share one node).
"""

from __future__ import annotations

import heapq

from prover.config import SearchConfig
from prover.core import State, Usage
from prover.search.graph import SearchGraph


def best_first(env, policy, root: State, cfg: SearchConfig, usage: Usage) -> tuple[SearchGraph, str]:
    g = SearchGraph(root, cfg.budget(), usage, cfg.max_tactics)
    best: dict[int, tuple[float, int]] = {g.root: (0.0, 0)}  # node -> (summed log-prob, path length)
    heap: list[tuple[float, int]] = [(0.0, g.root)]
    expanded: set[int] = set()

    def key(total: float, length: int) -> float:
        return -(total / length if cfg.length_normalize and length else total)

    while heap:
        if g.proved_id is not None:
            return g, "proved"
        if (reason := g.stop_reason()) is not None or not g.policy_allowed():
            return g, reason or "policy_calls"
        _, nid = heapq.heappop(heap)
        if nid in expanded:
            continue
        expanded.add(nid)
        node = g.node(nid)
        total, length = best[nid]
        node["score"] = total
        node["visits"] = 1
        g.propose(policy, nid, cfg.num_tactics)
        for tactic, logp in list(node["proposals"]):
            if (reason := g.stop_reason()) is not None:
                return g, reason
            child, kind = g.record(nid, tactic, logp, g.step(env, nid, tactic))
            if g.proved_id is not None:
                return g, "proved"
            if child is None or child in expanded or length + 1 >= cfg.max_depth:
                continue
            cand = (total + logp, length + 1)
            if child not in best or key(*cand) < key(*best[child]):
                best[child] = cand
                heapq.heappush(heap, (key(*cand), child))
    return g, "proved" if g.proved_id is not None else "exhausted"
