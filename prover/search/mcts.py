"""MCTS with PUCT over proof states.

A simulation is three steps, exposed separately so that a driver can keep several in flight at once:
`select()` walks down by PUCT and picks one untried tactic (virtual loss marks the path), `evaluate(sel)`
runs the tactic and, for a new state, the policy's value (the only part that touches the env; a
distributed driver may do it elsewhere and build the Evaluation itself), `backup(sel, ev)` records the
outcome in the graph and propagates the value. `run()` is the plain one-at-a-time driver.

Tactics are tried lazily: a node's proposals are actions with priors, and the env is called only when
PUCT picks an untried one, so the env budget goes where the search looks. Progressive widening: PUCT
ranges over the best ceil(widen_c * (N+1)^widen_alpha) live tactics of a node visited N times, and the
policy is asked for more once fewer than that are known. Failed tactics, cycles and duplicates are
pruned for good; a node with nothing left to try is dead (a lost game: value 0 is backed up along the
path that found it out), and so is the root when the space is exhausted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from prover.config import SearchConfig
from prover.core import Progress, Proved, State, StepResult, Usage
from prover.search.graph import Edge, Node, SearchGraph


@dataclass
class Selection:
    path: list[int]  # node ids from the root to the node whose tactic is tried
    tactic: str
    prior: float  # the tactic's log-prob
    state: State  # the state the tactic runs on


@dataclass(slots=True, eq=False)
class Entry:
    """A live tactic of a node: not failed or pruned, not leading to a dead node. Kept up to date so
    that selection reads nothing else."""

    tactic: str
    logp: float
    prior: float  # the normalised prior PUCT weighs it by
    child: int | None = None  # None: not tried yet
    edge: Edge | None = None


@dataclass
class Evaluation:
    result: StepResult
    value: float | None = None  # the policy's value of a new child state; None when it was not asked


class MCTS:
    def __init__(self, env, policy, root: State, cfg: SearchConfig, usage: Usage) -> None:
        self.env, self.policy, self.cfg = env, policy, cfg
        self.graph = SearchGraph(root, cfg.budget(), usage, cfg.max_tactics)
        self.in_flight = 0
        self.done: str | None = None  # set when the search is over: "proved", "exhausted" or a budget
        self.simulations = 0
        self.live: dict[int, list[Entry]] = {}  # per node, its live tactics in prior order
        g = self.graph
        if g.proved_id is None and g.stop_reason() is None and g.policy_allowed():
            node = g.node(g.root)
            node.value = node.value_sum = g.evaluate(policy, root)
            node.visits = 1

    def _q(self, node: Node, default: float) -> float:
        """A node's mean value as PUCT sees it: virtual losses count as visits of value 0."""
        if node.status != "open":
            return 1.0 if node.status == "proved" else 0.0
        n = node.visits + node.vloss * self.cfg.virtual_loss
        return node.value_sum / n if n > 0 else default

    # -- the live tactics of a node ----------------------------------------------------------------

    def _rebuild(self, nid: int) -> list[Entry]:
        g = self.graph
        node, kids, nodes = g.nodes[nid], g.children[nid], g.nodes
        props = node.proposals
        total = sum(math.exp(lp) for _, lp in props) or 1.0
        live = []
        for tactic, logp in props:
            if tactic in node.failed or tactic in node.pruned:
                continue
            child = node.tried.get(tactic)
            if child is not None and nodes[child].status == "dead":
                continue
            live.append(Entry(tactic, logp, math.exp(logp) / total, child, None if child is None else kids[child]))
        self.live[nid] = live
        return live

    def _widen(self, nid: int, limit: float) -> list[Entry] | None:
        """The node's live tactics, after asking the policy for more while fewer than `limit` are known.
        None: the policy budget ran out before the node had any."""
        node = self.graph.nodes[nid]
        live = self.live.get(nid) or self._rebuild(nid)
        while len(live) < limit and not node.saturated:
            if not self.graph.policy_allowed():
                return live or None
            have = len(node.proposals)
            k = min(self.cfg.max_tactics, max(math.ceil(limit), self.cfg.num_tactics if have == 0 else 2 * have))
            self.graph.propose(self.policy, nid, k)
            live = self._rebuild(nid)
        return live

    def _kill(self, nid: int) -> None:
        """A dead node leaves the live lists of its parents."""
        self.graph.nodes[nid].status = "dead"
        for parent in self.graph.g.pred[nid]:
            if parent in self.live:
                self.live[parent] = [e for e in self.live[parent] if e.child != nid]

    # -- the three steps of a simulation -----------------------------------------------------------

    def select(self) -> Selection | None:
        """Walk down by PUCT to an untried tactic and mark the path with virtual loss. None when the
        search is over (`done` says why) or, with simulations in flight, when everything left is taken."""
        g, cfg = self.graph, self.cfg
        nodes, lives = g.nodes, self.live
        vl, c_puct, wc, wa, max_depth = cfg.virtual_loss, cfg.c_puct, cfg.widen_c, cfg.widen_alpha, cfg.max_depth
        sqrt = math.sqrt
        while self.done is None:
            if g.proved_id is not None:
                self.done = "proved"
                break
            reason = g.stop_reason(self.in_flight)
            if reason is not None:
                self.done = reason if self.in_flight == 0 else None
                return None
            path, nid = [g.root], g.root
            while True:
                node = nodes[nid]
                n = node.visits + node.vloss * vl
                live = lives.get(nid)
                if live is not None and len(live) == 1 and node.saturated and not node.pending:
                    child = live[0].child  # one move left here: nothing to weigh
                    if child is None:
                        return self._claim(path, live[0].tactic, live[0].logp)
                    nid = child
                    path.append(nid)
                    continue
                limit = wc * (n + 1) ** wa  # PUCT looks at the best ceil(limit) live tactics
                if live is None or (len(live) < limit and not node.saturated):
                    live = self._widen(nid, limit) if len(path) <= max_depth else []
                    if live is None:  # the policy budget ran out here
                        self.done = g.stop_reason() if self.in_flight == 0 else None
                        return None
                pending = node.pending
                if not live or (pending and all(e.tactic in pending for e in live)):
                    if pending:
                        return None  # everything here is in flight: wait for a backup
                    self._kill(nid)
                    if nid == g.root:
                        self.done = "exhausted" if self.in_flight == 0 else None
                        return None
                    self._add(path, 0.0)  # a dead end is a lost game: its ancestors learn it
                    break  # start again from the root
                # PUCT value of each entry: Q (first-play urgency `fpu` for an untried tactic) plus
                # c_puct * prior * sqrt(N) / (1 + n); written out here, the hottest loop of the search.
                fpu = node.value_sum / n if n > 0 else 0.5
                scale = c_puct * sqrt(n if n > 1.0 else 1.0)
                best, best_score, seen = None, -math.inf, 0
                for entry in live:
                    if seen >= limit:
                        break
                    child = entry.child
                    if child is None:
                        if pending and entry.tactic in pending:
                            continue
                        score = fpu + scale * entry.prior
                    else:
                        kid, edge = nodes[child], entry.edge
                        assert edge is not None  # a tried entry always has its edge
                        nc = kid.visits + kid.vloss * vl
                        q = kid.value_sum / nc if nc > 0 else fpu
                        score = q + scale * entry.prior / (1.0 + edge.visits + edge.vloss * vl)
                    seen += 1
                    if score > best_score:
                        best, best_score = entry, score
                assert best is not None  # some live entry is not pending (checked above)
                if best.child is None:
                    return self._claim(path, best.tactic, best.logp)
                nid = best.child
                path.append(nid)
        return None

    def _add(self, path: list[int], value: float) -> None:
        nodes, adj = self.graph.nodes, self.graph.children
        for nid in path:
            nodes[nid].visits += 1
            nodes[nid].value_sum += value
        for u, v in zip(path, path[1:], strict=False):
            adj[u][v].visits += 1

    def _claim(self, path: list[int], tactic: str, logp: float) -> Selection:
        nodes, adj = self.graph.nodes, self.graph.children
        parent = None
        for nid in path:
            nodes[nid].vloss += 1
            if parent is not None:
                adj[parent][nid].vloss += 1
            parent = nid
        leaf = nodes[path[-1]]
        leaf.pending.add(tactic)
        self.in_flight += 1
        return Selection(path, tactic, logp, leaf.state)

    def evaluate(self, sel: Selection) -> Evaluation:
        """Run the tactic; ask the policy's value of the resulting state if it is new."""
        g = self.graph
        result = g.step(self.env, sel.path[-1], sel.tactic)
        if isinstance(result, Progress) and result.state.goals not in g.index and g.policy_allowed():
            return Evaluation(result, g.evaluate(self.policy, result.state))
        return Evaluation(result)

    def backup(self, sel: Selection, ev: Evaluation) -> None:
        """Record the outcome, lift the virtual loss, and add the value along the path (Proved = 1)."""
        g = self.graph
        nodes, adj = g.nodes, g.children
        leaf_id = sel.path[-1]
        leaf = nodes[leaf_id]
        leaf.pending.discard(sel.tactic)
        self.in_flight -= 1
        self.simulations += 1
        child, kind = g.record(leaf_id, sel.tactic, sel.prior, ev.result)
        live = self.live.get(leaf_id, [])
        for i, entry in enumerate(live):
            if entry.tactic == sel.tactic:
                if kind in ("new", "known") and child is not None and nodes[child].status != "dead":
                    entry.child, entry.edge = child, adj[leaf_id][child]
                else:  # failed, a cycle, a duplicate, or a transposition into a dead end
                    del live[i]
                break
        value: float | None = None
        if isinstance(ev.result, Proved):
            value = 1.0
        elif kind == "new":
            value = ev.value if ev.value is not None else self._q(leaf, 0.5)
        elif kind == "known" and child is not None:
            value = self._q(nodes[child], self._q(leaf, 0.5))
        if kind == "new":
            assert child is not None and value is not None  # a new node has an id, and got a value above
            node = nodes[child]
            node.value = node.value_sum = value
            node.visits = 1
        parent = None
        for nid in sel.path:
            node = nodes[nid]
            node.vloss -= 1
            if value is not None:
                node.visits += 1
                node.value_sum += value
            if parent is not None:
                edge = adj[parent][nid]
                edge.vloss -= 1
                if value is not None:
                    edge.visits += 1
            parent = nid
        if child is not None and value is not None:
            adj[leaf_id][child].visits += 1
        if g.proved_id is not None:
            self.done = "proved"

    def run(self) -> str:
        """Simulate one at a time until proved, exhausted or out of budget; returns why it stopped."""
        while (sel := self.select()) is not None:
            self.backup(sel, self.evaluate(sel))
        return self.done or self.graph.stop_reason() or "exhausted"
