"""Random rollouts: the floor any search should clear.

From the root, sample a tactic by the policy's prior and run it; on failure sample another at the same
state; stop a rollout at a dead end or after `rollout_depth` steps and start again from the root. No
statistics guide it and nothing is pruned between rollouts: the graph only records what happened.
"""

from __future__ import annotations

import math
import random

from prover.config import SearchConfig
from prover.core import State, Usage
from prover.search.graph import SearchGraph


def rollouts(env, policy, root: State, cfg: SearchConfig, usage: Usage) -> tuple[SearchGraph, str]:
    g = SearchGraph(root, cfg.budget(), usage, cfg.max_tactics)
    rng = random.Random(cfg.seed)
    while g.proved_id is None:
        nid = g.root
        for _ in range(cfg.rollout_depth):
            node = g.node(nid)
            if not node.proposals and not node.saturated:
                if not g.policy_allowed():
                    return g, g.stop_reason() or "policy_calls"
                g.propose(policy, nid, cfg.num_tactics)
            candidates = list(node.proposals)
            if not candidates and nid == g.root:
                return g, "exhausted"
            moved = False
            while candidates and not moved:
                if (reason := g.stop_reason()) is not None:
                    return g, reason
                i = rng.choices(range(len(candidates)), weights=[math.exp(lp) for _, lp in candidates])[0]
                tactic, logp = candidates.pop(i)
                result = g.step(env, nid, tactic)
                child, _ = g.record(nid, tactic, logp, result)
                if g.proved_id is not None:
                    return g, "proved"
                if child is not None:  # None: the tactic failed or led back to an ancestor
                    nid, moved = child, True
            if not moved:
                break
    return g, "proved"
