"""Best-first search by cumulative log-prob: the baseline MCTS must beat at equal budget.

A state's score is the summed log-prob of the tactics leading to it (or the mean, with `length_normalize`).
`bfs_expand = "node"` (GPT-f, ReProver): the best open state is expanded next, the policy proposes
`num_tactics` tactics and every one is run. `"tactic"`: one tactic at a time, the untried one that would
make the best-scored path, wherever it is; a state's tactics are asked of the policy when the state's
own score comes up. At small budgets that matters: expanding whole nodes spends 8 env calls a node on
tactics the policy itself ranks low. A state reached again by a better path is re-queued with the better
score (transpositions share one node).
"""

from __future__ import annotations

import heapq
import itertools

from prover.config import SearchConfig
from prover.core import State, Usage
from prover.search.graph import SearchGraph


def best_first(env, policy, root: State, cfg: SearchConfig, usage: Usage) -> tuple[SearchGraph, str]:
    g = SearchGraph(root, cfg.budget(), usage, cfg.max_tactics)
    best: dict[int, tuple[float, int]] = {g.root: (0.0, 0)}  # node -> (summed log-prob, path length)
    order = itertools.count()  # ties break first-queued first
    # (key, order, node, tactic, its log-prob): a tactic to run, or, with tactic None, a node to expand
    heap: list[tuple[float, int, int, str | None, float]] = [(0.0, next(order), g.root, None, 0.0)]
    expanded: set[int] = set()
    one_by_one = cfg.bfs_expand == "tactic"

    def key(total: float, length: int) -> float:
        return -(total / length if cfg.length_normalize and length else total)

    def queue_tactics(nid: int) -> None:
        total, length = best[nid]
        tried = g.node(nid).tried
        for tactic, logp in g.node(nid).proposals:
            if tactic not in tried:
                heapq.heappush(heap, (key(total + logp, length + 1), next(order), nid, tactic, logp))

    while heap:
        if g.proved_id is not None:
            return g, "proved"
        if (reason := g.stop_reason()) is not None or not g.policy_allowed():
            return g, reason or "policy_calls"
        _, _, nid, tactic, logp = heapq.heappop(heap)
        node = g.node(nid)
        total, length = best[nid]
        if tactic is None:
            if nid in expanded:
                continue
            expanded.add(nid)
            node.score = total
            node.visits = 1
            g.propose(policy, nid, cfg.num_tactics)
            if one_by_one:
                queue_tactics(nid)
                continue
            tactics = list(node.proposals)
        elif tactic in node.tried:
            continue  # queued again by a better path, and run since
        else:
            tactics = [(tactic, logp)]
        for tactic, logp in tactics:
            if (reason := g.stop_reason()) is not None:
                return g, reason
            child, kind = g.record(nid, tactic, logp, g.step(env, nid, tactic))
            if g.proved_id is not None:
                return g, "proved"
            if child is None or length + 1 >= cfg.max_depth:
                continue
            cand = (total + logp, length + 1)
            if child in best and key(*cand) >= key(*best[child]):
                continue
            best[child] = cand
            if child not in expanded:
                heapq.heappush(heap, (key(*cand), next(order), child, None, 0.0))
            elif one_by_one:  # its untried tactics now make better paths
                queue_tactics(child)
    return g, "proved" if g.proved_id is not None else "exhausted"
