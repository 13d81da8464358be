"""One MCTS tree for one hard theorem, its simulations run in parallel on several env workers.

The tree, selection (PUCT with virtual loss) and backup stay on the driver, in the unchanged
`prover.search.mcts.MCTS`; only its `evaluate` step (run one tactic, and the value of a new state) goes
to a worker. Lean proof states live in one REPL process, so `TreeEnv` routes a state's expansions to a
worker that made that state; when none of those is free, a free worker replays the tactic path from the
root (its env calls are counted against the budget and reported as `replay_calls`). A worker that dies is
replaced and its expansion tried once more; a second failure counts as that tactic failing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prover.config import SearchConfig
from prover.core import Failed, Proof, ProverError, State, StatementError, StepResult, Theorem, Usage, Verdict
from prover.distributed.pool import WorkerPool

Goals = tuple[str, ...]


class WorkerLost(ProverError):
    """An expansion did not come back: its worker died (it has been replaced) or could not replay the path."""


@dataclass
class _Job:
    slot: int
    goals: Goals
    tactic: str
    want_value: bool


class TreeEnv:
    """A ProofEnv over a pool's EnvWorkers for one theorem at a time, plus the non-blocking submit/finish
    pair the parallel search uses. It remembers which workers hold each state and one path to it."""

    def __init__(self, pool: WorkerPool) -> None:
        self.pool = pool
        self.theorem: Theorem | None = None
        self.owners: dict[Goals, set[int]] = {}
        self.parent: dict[Goals, tuple[Goals, str] | None] = {}  # goals -> (parent goals, tactic) on one path
        self.busy = [0] * len(pool.actors)
        self.jobs: dict[Any, _Job] = {}
        self.replay_calls = 0
        self.replaced = 0

    # -- the ProofEnv protocol ----------------------------------------------------------------------

    def open(self, theorem: Theorem) -> State:
        import ray

        self.theorem = theorem
        try:
            goals = self._get(lambda: ray.get(self.pool.actors[0].open_tree.remote(theorem)), 0)
        except WorkerLost as e:
            if not self.replaced:  # a statement error is the theorem's; a dead worker gets one more go
                raise StatementError(str(e)) from e
            goals = self._get(lambda: ray.get(self.pool.actors[0].open_tree.remote(theorem)), 0)
        self.owners, self.parent = {goals: {0}}, {goals: None}
        return State(goals)

    def step(self, state: State, tactic: str) -> StepResult:
        return self.finish(self.submit(state, tactic, want_value=False))[0]

    def verify(self, theorem: Theorem, proof: Proof) -> Verdict:
        import ray

        slot = min(range(len(self.busy)), key=self.busy.__getitem__)
        return self._get(lambda: ray.get(self.pool.actors[slot].verify.remote(theorem, list(proof.tactics))), slot)

    def close(self) -> None:
        """The pool belongs to the caller; nothing to release here."""

    # -- non-blocking expansion ---------------------------------------------------------------------

    def idle(self) -> bool:
        return 0 in self.busy

    def submit(self, state: State, tactic: str, want_value: bool) -> Any:
        """Start `tactic` on `state` on a free worker that holds it, else any free one (it will replay)."""
        owners = self.owners.get(state.goals, set())
        order = sorted(range(len(self.busy)), key=lambda s: (self.busy[s], s not in owners))
        slot = order[0]
        path = self._path(state.goals)
        ref = self.pool.actors[slot].expand.remote(
            self.theorem, [g for g, _ in path], [t for _, t in path[1:]], tactic, want_value)
        self.busy[slot] += 1
        self.jobs[ref] = _Job(slot, state.goals, tactic, want_value)
        return ref

    def wait(self, refs: list[Any]) -> Any:
        import ray

        [ref], _ = ray.wait(refs, num_returns=1)
        return ref

    def finish(self, ref: Any) -> tuple[StepResult, float | None, int, int]:
        """(result, value, env calls, policy calls) of a submitted expansion; WorkerLost if it failed."""
        import ray

        job = self.jobs.pop(ref)
        self.busy[job.slot] -= 1
        result, value, calls, policy_calls = self._get(lambda: ray.get(ref), job.slot)
        self.owners.setdefault(job.goals, set()).add(job.slot)  # a replay left the state there
        self.replay_calls += calls - 1
        if not isinstance(result, Failed):
            child = result.state.goals
            self.owners.setdefault(child, set()).add(job.slot)
            self.parent.setdefault(child, (job.goals, job.tactic))
        return result, value, calls, policy_calls

    def _path(self, goals: Goals) -> list[tuple[Goals, str | None]]:
        """(goals, tactic that led there) from the root to `goals`, along the first path found to it."""
        path: list[tuple[Goals, str | None]] = []
        at: Goals | None = goals
        while at is not None:
            link = self.parent[at]
            path.append((at, link[1] if link else None))
            at = link[0] if link else None
        return path[::-1]

    def _get(self, fetch: Any, slot: int) -> Any:
        import ray

        from prover.distributed.runtime import root_cause

        try:
            return fetch()
        except ray.exceptions.RayActorError as e:
            self.pool.replace(slot)
            self.replaced += 1
            for holders in self.owners.values():
                holders.discard(slot)
            raise WorkerLost(f"worker died: {root_cause(e)}") from e
        except ray.exceptions.RayTaskError as e:
            raise WorkerLost(root_cause(e)) from e


def parallel_mcts(env: TreeEnv, policy: Any, root: State, cfg: SearchConfig, usage: Usage) -> Any:
    """MCTS with up to one simulation in flight per worker; the same SearchResult as `prover.search.search`."""
    from prover.search import MCTS, Evaluation, finish

    mcts = MCTS(None, policy, root, cfg, usage)  # env None: `evaluate` never runs here, workers do it
    g = mcts.graph
    inflight: dict[Any, tuple[Any, int]] = {}  # ref -> (selection, tries so far)
    while True:
        while env.idle() and mcts.done is None and (sel := mcts.select()) is not None:
            inflight[env.submit(sel.state, sel.tactic, g.policy_allowed())] = (sel, 1)
        if not inflight:
            break
        ref = env.wait(list(inflight))
        sel, tries = inflight.pop(ref)
        try:
            result, value, calls, policy_calls = env.finish(ref)
        except WorkerLost as e:
            if tries < 2:
                inflight[env.submit(sel.state, sel.tactic, g.policy_allowed())] = (sel, tries + 1)
                continue
            result, value, calls, policy_calls = Failed(str(e)), None, 0, 0
        g.charge(env_calls=calls, policy_calls=policy_calls)  # the worker's calls, counted where the budget is
        mcts.backup(sel, Evaluation(result, value))
    return finish(g, "mcts", mcts.done or g.stop_reason() or "exhausted",
                  workers=len(env.busy), replay_calls=env.replay_calls, workers_replaced=env.replaced)
