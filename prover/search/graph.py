"""The search graph: one networkx DiGraph node per distinct goal list, shared by every search.

A node is keyed by an integer id; `index` maps the goals tuple to it, so a state reached by two paths
(a transposition) is ONE node with several parents. The graph is kept acyclic: a tactic that leads back
to a state from which its own state is reachable is recorded as a "cycle" and never followed (no proof
needs it: the target was reachable from the root without that edge). Failed tactics are remembered on
their node so that no search retries them. All goals-free states are the single "proved" node.

Node attributes: goals, state, depth, visits, value_sum, vloss, value (the policy's estimate), status
("open" | "proved" | "dead"), proposals [(tactic, log-prob)], saturated (the policy has no more to
offer), tried {tactic: child id}, failed {tactic: message}, pruned {tactic: "cycle" | "duplicate"},
pending {tactics in flight}.
Edge attributes: tactic, prior (log-prob), result ("progress" | "proved"), visits, vloss.
`nodes[id]` and `children[id][child]` are the very attribute dicts networkx holds (not copies): the
searches read and write them at plain dict speed, and the exported graph sees every change.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from prover.core import Budget, Failed, Proved, State, StepResult, Usage

PROVED_GOALS: tuple[str, ...] = ()


class SearchGraph:
    def __init__(self, root: State, budget: Budget, usage: Usage, max_tactics: int = 64) -> None:
        self.max_tactics = max_tactics
        self.g = nx.DiGraph()
        self.nodes: dict[int, dict[str, Any]] = {}
        self.children: dict[int, dict[int, dict[str, Any]]] = {}
        self.index: dict[tuple[str, ...], int] = {}
        self.budget = budget
        self.usage = usage
        self.proved_id: int | None = None
        self.counts = {"steps": 0, "failed": 0, "transpositions": 0, "cycles": 0}
        self.root = self._add_node(root, depth=0)
        if root.solved:
            self.proved_id = self.root

    # -- nodes ------------------------------------------------------------------------------------

    def node(self, nid: int) -> dict[str, Any]:
        return self.nodes[nid]

    def _add_node(self, state: State, depth: int) -> int:
        nid = len(self.nodes)
        self.g.add_node(nid, goals=state.goals, state=state, depth=depth, visits=0, value_sum=0.0, vloss=0,
                        value=None, status="proved" if state.solved else "open", proposals=[], saturated=False,
                        tried={}, failed={}, pruned={}, pending=set())
        self.nodes[nid] = self.g.nodes[nid]
        self.children[nid] = {}
        self.index[state.goals] = nid
        self.usage.nodes = len(self.nodes)
        return nid

    # -- budget-checked calls to the env and the policy -----------------------------------------

    def stop_reason(self, in_flight: int = 0) -> str | None:
        """The exhausted budget, counting `in_flight` env calls already promised, or None."""
        b, u = self.budget, self.usage
        if b.env_calls is not None and u.env_calls + in_flight >= b.env_calls:
            return "env_calls"
        if b.nodes is not None and u.nodes + in_flight >= b.nodes:
            return "nodes"
        return u.exhausted(b)

    def policy_allowed(self) -> bool:
        return self.budget.policy_calls is None or self.usage.policy_calls < self.budget.policy_calls

    def propose(self, policy, nid: int, k: int) -> int:
        """Ask the policy for up to k tactics at a node; merge new ones in. Returns how many were new."""
        node = self.node(nid)
        self.usage.policy_calls += 1
        [got] = policy.propose([node["state"].text], k)
        known = {t for t, _ in node["proposals"]}
        fresh = []
        for tactic, logp in got:
            if tactic not in known:
                known.add(tactic)
                fresh.append((tactic, float(logp)))
        node["proposals"].extend(fresh)
        node["proposals"].sort(key=lambda tl: -tl[1])  # stable: ties keep the policy's order
        if not fresh or len(got) < k or len(node["proposals"]) >= self.max_tactics:
            node["saturated"] = True
        return len(fresh)

    def evaluate(self, policy, state: State) -> float:
        self.usage.policy_calls += 1
        return float(policy.value([state.text])[0])

    def step(self, env, nid: int, tactic: str) -> StepResult:
        self.usage.env_calls += 1
        self.counts["steps"] += 1
        return env.step(self.node(nid)["state"], tactic)

    # -- recording a step -------------------------------------------------------------------------

    def record(self, nid: int, tactic: str, logp: float, result: StepResult) -> tuple[int | None, str]:
        """Put a step's outcome into the graph. Returns (child id, kind), kind one of "new", "known"
        (a transposition: an existing state, now with one more parent), "duplicate" (an edge from this
        node already leads there), "failed" or "cycle" (child id None)."""
        node = self.node(nid)
        node["tried"][tactic] = None
        if isinstance(result, Failed):
            node["failed"][tactic] = result.message
            self.counts["failed"] += 1
            return None, "failed"
        state = result.state
        if isinstance(result, Proved) and state.goals:
            state = State(PROVED_GOALS, state.handle)
        child = self.index.get(state.goals)
        kind = "new" if child is None else "known"
        if child is None:
            child = self._add_node(state, node["depth"] + 1)
        elif child in self.children[nid]:
            if self.children[nid][child]["tactic"] != tactic:
                node["pruned"][tactic] = "duplicate"
            return child, "duplicate"
        elif child == nid or (self.children[child] and nx.has_path(self.g, child, nid)):
            node["pruned"][tactic] = "cycle"
            self.counts["cycles"] += 1
            return None, "cycle"
        else:
            self.counts["transpositions"] += 1
        node["tried"][tactic] = child
        self.g.add_edge(nid, child, tactic=tactic, prior=logp, visits=0, vloss=0,
                        result="proved" if isinstance(result, Proved) else "progress")
        self.children[nid][child] = self.g.adj[nid][child]
        if isinstance(result, Proved):
            self.proved_id = child
        return child, kind

    # -- results ----------------------------------------------------------------------------------

    def proof(self) -> list[str] | None:
        """The tactics along a shortest path from the root to the proved node, or None."""
        if self.proved_id is None:
            return None
        path = nx.shortest_path(self.g, self.root, self.proved_id)
        return [self.g.edges[u, v]["tactic"] for u, v in zip(path, path[1:], strict=False)]

    def proof_path(self) -> list[int]:
        return [] if self.proved_id is None else nx.shortest_path(self.g, self.root, self.proved_id)

    def stats(self) -> dict[str, Any]:
        depths = [d for _, d in self.g.nodes(data="depth")]
        proof = self.proof()
        return {**self.counts, "nodes": self.g.number_of_nodes(), "edges": self.g.number_of_edges(),
                "max_depth": max(depths), "proof_length": None if proof is None else len(proof)}

    def finish(self) -> nx.DiGraph:
        """The graph as handed to callers, with statistics in `graph.graph`."""
        path = self.proof_path()
        for nid in path:
            self.nodes[nid]["status"] = "proved"
        self.g.graph.update(root=self.root, proved=self.proved_id, proof_path=path, stats=self.stats())
        return self.g
