"""The search graph: one typed Node per distinct goal list, shared by every search.

A node is keyed by an integer id (its index in `nodes`); `index` maps the goals tuple to it, so a state
reached by two paths (a transposition) is ONE node with several parents. The graph is kept acyclic: a
tactic that leads back to a state from which its own state is reachable is recorded as a "cycle" and
never followed (no proof needs it: the target was reachable from the root without that edge). Failed
tactics are remembered on their node so that no search retries them. All goals-free states are the
single "proved" node.

The searches read and write `Node` and `Edge` fields (slotted dataclasses: typed, and as fast as dicts);
a networkx DiGraph holds the structure (paths, ancestors). `finish()` copies every field into the
networkx node and edge attributes under the same names, for export, training examples and variants.

The budget has one owner, core.Usage: every env and policy call the search makes (or a worker made for
it) is counted here, through `step`/`propose`/`evaluate`/`charge`, and checked with `Usage.exhausted`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import networkx as nx

from prover.core import Budget, Failed, Proved, State, StepResult, Usage

PROVED_GOALS: tuple[str, ...] = ()


@dataclass(slots=True, eq=False)
class Node:
    goals: tuple[str, ...]
    state: State
    depth: int
    visits: int = 0
    value_sum: float = 0.0
    vloss: int = 0  # simulations in flight through this node (MCTS virtual loss)
    value: float | None = None  # the policy's estimate
    status: str = "open"  # "open" | "proved" | "dead"
    proposals: list[tuple[str, float]] = field(default_factory=list)  # (tactic, log-prob), best first
    saturated: bool = False  # the policy has no more to offer here
    tried: dict[str, int | None] = field(default_factory=dict)  # tactic -> child id (None: no child)
    failed: dict[str, str] = field(default_factory=dict)  # tactic -> the verifier's message
    pruned: dict[str, str] = field(default_factory=dict)  # tactic -> "cycle" | "duplicate"
    pending: set[str] = field(default_factory=set)  # tactics in flight
    score: float | None = None  # best-first: the summed log-prob it was expanded with


@dataclass(slots=True, eq=False)
class Edge:
    tactic: str
    prior: float  # log-prob
    result: str  # "progress" | "proved"
    visits: int = 0
    vloss: int = 0


_NODE_FIELDS = [f.name for f in fields(Node)]
_EDGE_FIELDS = [f.name for f in fields(Edge)]


class SearchGraph:
    def __init__(self, root: State, budget: Budget, usage: Usage, max_tactics: int = 64) -> None:
        self.max_tactics = max_tactics
        self.g = nx.DiGraph()
        self.nodes: list[Node] = []
        self.children: list[dict[int, Edge]] = []  # children[id][child id] -> the edge
        self.index: dict[tuple[str, ...], int] = {}
        self.budget = budget
        self.usage = usage
        self.proved_id: int | None = None
        self.counts = {"steps": 0, "failed": 0, "transpositions": 0, "cycles": 0}
        self.root = self._add_node(root, depth=0)
        if root.solved:
            self.proved_id = self.root

    # -- nodes ------------------------------------------------------------------------------------

    def node(self, nid: int) -> Node:
        return self.nodes[nid]

    def _add_node(self, state: State, depth: int) -> int:
        nid = len(self.nodes)
        self.g.add_node(nid)
        self.nodes.append(Node(state.goals, state, depth, status="proved" if state.solved else "open"))
        self.children.append({})
        self.index[state.goals] = nid
        self.usage.nodes = len(self.nodes)
        return nid

    # -- budget-checked calls to the env and the policy -----------------------------------------

    def stop_reason(self, in_flight: int = 0) -> str | None:
        """The exhausted budget, counting `in_flight` env calls already promised, or None."""
        return self.usage.exhausted(self.budget, in_flight)

    def policy_allowed(self) -> bool:
        return self.usage.policy_call_allowed(self.budget)

    def propose(self, policy, nid: int, k: int) -> int:
        """Ask the policy for up to k tactics at a node; merge new ones in. Returns how many were new."""
        node = self.nodes[nid]
        self.usage.policy_calls += 1
        [got] = policy.propose([node.state.text], k)
        known = {t for t, _ in node.proposals}
        fresh = []
        for tactic, logp in got:
            if tactic not in known:
                known.add(tactic)
                fresh.append((tactic, float(logp)))
        node.proposals.extend(fresh)
        node.proposals.sort(key=lambda tl: -tl[1])  # stable: ties keep the policy's order
        if not fresh or len(got) < k or len(node.proposals) >= self.max_tactics:
            node.saturated = True
        return len(fresh)

    def evaluate(self, policy, state: State) -> float:
        self.usage.policy_calls += 1
        return float(policy.value([state.text])[0])

    def step(self, env, nid: int, tactic: str) -> StepResult:
        self.charge(env_calls=1)
        return env.step(self.nodes[nid].state, tactic)

    def charge(self, env_calls: int = 1, policy_calls: int = 0) -> None:
        """Count one step of the search that took these calls (made here, or by a worker for it)."""
        self.usage.env_calls += env_calls
        self.usage.policy_calls += policy_calls
        self.counts["steps"] += 1

    # -- recording a step -------------------------------------------------------------------------

    def record(self, nid: int, tactic: str, logp: float, result: StepResult) -> tuple[int | None, str]:
        """Put a step's outcome into the graph. Returns (child id, kind), kind one of "new", "known"
        (a transposition: an existing state, now with one more parent), "duplicate" (an edge from this
        node already leads there), "failed" or "cycle" (child id None)."""
        node = self.nodes[nid]
        node.tried[tactic] = None
        if isinstance(result, Failed):
            node.failed[tactic] = result.message
            self.counts["failed"] += 1
            return None, "failed"
        state = result.state
        if isinstance(result, Proved) and state.goals:
            state = State(PROVED_GOALS, state.handle)
        child = self.index.get(state.goals)
        kind = "new" if child is None else "known"
        if child is None:
            child = self._add_node(state, node.depth + 1)
        elif child in self.children[nid]:
            if self.children[nid][child].tactic != tactic:
                node.pruned[tactic] = "duplicate"
            return child, "duplicate"
        elif child == nid or (self.children[child] and nx.has_path(self.g, child, nid)):
            node.pruned[tactic] = "cycle"
            self.counts["cycles"] += 1
            return None, "cycle"
        else:
            self.counts["transpositions"] += 1
        node.tried[tactic] = child
        self.g.add_edge(nid, child)
        self.children[nid][child] = Edge(tactic, logp, "proved" if isinstance(result, Proved) else "progress")
        if isinstance(result, Proved):
            self.proved_id = child
        return child, kind

    # -- results ----------------------------------------------------------------------------------

    def proof_path(self) -> list[int]:
        return [] if self.proved_id is None else nx.shortest_path(self.g, self.root, self.proved_id)

    def proof(self) -> list[str] | None:
        """The tactics along a shortest path from the root to the proved node, or None."""
        if self.proved_id is None:
            return None
        path = self.proof_path()
        return [self.children[u][v].tactic for u, v in zip(path, path[1:], strict=False)]

    def stats(self) -> dict[str, Any]:
        proof = self.proof()
        return {**self.counts, "nodes": len(self.nodes), "edges": self.g.number_of_edges(),
                "max_depth": max(n.depth for n in self.nodes),
                "proof_length": None if proof is None else len(proof)}

    def finish(self) -> nx.DiGraph:
        """The graph as handed to callers: every node's and edge's fields as networkx attributes (a
        best-first `score` only where one was set), statistics in `graph.graph`."""
        path = self.proof_path()
        for nid in path:
            self.nodes[nid].status = "proved"
        for nid, node in enumerate(self.nodes):
            attrs = {name: getattr(node, name) for name in _NODE_FIELDS}
            if attrs["score"] is None:
                del attrs["score"]
            self.g.nodes[nid].update(attrs)
        for u, kids in enumerate(self.children):
            for v, edge in kids.items():
                self.g.adj[u][v].update({name: getattr(edge, name) for name in _EDGE_FIELDS})
        self.g.graph.update(root=self.root, proved=self.proved_id, proof_path=path, stats=self.stats())
        return self.g
