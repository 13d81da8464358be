"""Proof search over the ProofEnv and Policy protocols: MCTS, best-first, and random rollouts.

`search(env, policy, root, cfg, usage)` runs the algorithm named by `cfg.algorithm` inside the budget of
`cfg.budget()` (counting into `usage`, which the caller may have started: the attempt counts `open`) and
returns the proof, if any, as the tactics along a path of states from the root to the proved state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from prover.config import SearchConfig
from prover.core import State, Usage
from prover.search.bestfirst import best_first
from prover.search.graph import SearchGraph
from prover.search.mcts import MCTS, Evaluation, Selection
from prover.search.rollout import rollouts


@dataclass
class SearchResult:
    tactics: list[str] | None  # the proof: tactics from the root state to no goals; None if not found
    stop_reason: str  # "proved" | "exhausted" (nothing left to try) | the exhausted budget's name
    graph: nx.DiGraph = field(repr=False)  # the search graph; statistics and the proof path in graph.graph
    stats: dict[str, Any] = field(default_factory=dict)


def finish(graph: SearchGraph, algorithm: str, reason: str, **stats: Any) -> SearchResult:
    """The one end of every search, local or over workers: a proof found wins over any stop reason;
    the graph is handed over with its statistics (and `stats`, e.g. the workers') in graph.graph."""
    tactics = graph.proof()
    if tactics is not None:
        reason = "proved"
    g = graph.finish()
    g.graph["stats"].update(stats)
    g.graph.update(algorithm=algorithm, stop_reason=reason, usage=graph.usage.as_dict())
    return SearchResult(tactics, reason, g, g.graph["stats"])


def search(env, policy, root: State, cfg: SearchConfig, usage: Usage) -> SearchResult:
    if cfg.algorithm == "mcts":
        mcts = MCTS(env, policy, root, cfg, usage)
        reason = mcts.run()
        graph = mcts.graph
    elif cfg.algorithm == "bfs":
        graph, reason = best_first(env, policy, root, cfg, usage)
    else:
        graph, reason = rollouts(env, policy, root, cfg, usage)
    return finish(graph, cfg.algorithm, reason)


__all__ = ["MCTS", "Evaluation", "SearchGraph", "SearchResult", "Selection", "finish", "search"]
