"""Environment workers for one search tree over several processes (prover.distributed.tree): Ray actors
that each own one ProofEnv (for Lean, its REPL pool) and a policy, and keep the proof states they made.

Many attempts (bench, training) run on prover.attempts' executors instead; both ask `wants_policy_server`.
"""

from __future__ import annotations

from typing import Any

from prover.config import Config
from prover.core import Failed, Progress, Proof, Proved, ProverError, State, StepResult, Theorem, Verdict

CHEAP_POLICIES = ("automation", "uniform")


def wants_policy_server(cfg: Config) -> bool:
    """Whether searches should share one batched policy server (cfg.ray.policy_server).

    "auto": for a model, when the cluster has a GPU for it. Cheap policies (automation, uniform) run in
    each worker, where a round trip would only add latency; on CPUs alone one server thread would serve
    every worker, slower than a model in each, and merged batches change what a seeded sampler draws, so
    the records would depend on the number of workers."""
    if cfg.ray.policy_server == "auto":
        from prover.distributed.runtime import has_gpu
        from prover.policy import policy_kind

        return policy_kind(cfg) not in CHEAP_POLICIES and has_gpu()
    return cfg.ray.policy_server == "always"


class EnvWorker:
    """One env (made by make_env) and one policy; a failure to build them is reported by `ready`, not raised."""

    def __init__(self, cfg: Config, policy_server: Any = None) -> None:
        self.cfg = cfg
        self.env: Any = None
        self.policy: Any = None
        self.error: str | None = None
        # Lean proof states live in this process only: the tree search keeps the ones made here, by goals.
        self.theorem: Theorem | None = None
        self.states: dict[tuple[str, ...], State] = {}
        try:
            from prover.env import make_env

            self.env = make_env(cfg)
            if policy_server is not None:
                from prover.distributed.policy_server import PolicyClient

                self.policy = PolicyClient(policy_server)
            else:
                from prover.policy import make_policy

                self.policy = make_policy(cfg)
        except ProverError as e:
            self.error = str(e)

    def ready(self) -> None:
        """Raise the one-line reason this worker cannot work (e.g. EnvUnavailable), if there is one."""
        self._require()

    def _require(self) -> None:
        if self.error is not None:
            raise ProverError(self.error)

    # --- one search tree over several workers (prover.distributed.tree) -----------------------------

    def open_tree(self, theorem: Theorem) -> tuple[str, ...]:
        """Open the theorem of a shared search tree here (forgetting any earlier tree); its root's goals."""
        self._require()
        self.theorem, self.states = theorem, {}
        root = self.env.open(theorem)
        self.states[root.goals] = root
        return root.goals

    def _state(self, path_goals: list[tuple[str, ...]], path_tactics: list[str]) -> tuple[State, int]:
        """The state at the end of a path (node goals from the root, and the tactics between them): made
        here before, or replayed from the deepest state on the path this process holds. Also returns the
        env calls the replay took."""
        start = max(i for i, goals in enumerate(path_goals) if goals in self.states or i == 0)
        calls = 0
        if path_goals[start] not in self.states:  # only the root can be missing: this worker is new
            assert self.theorem is not None
            self.open_tree(self.theorem)
            calls += 1
        state = self.states[path_goals[start]]
        for tactic, goals in zip(path_tactics[start:], path_goals[start + 1:], strict=True):
            result = self.env.step(state, tactic)
            calls += 1
            if isinstance(result, Failed) or result.state.goals != goals:
                raise ProverError(f"replaying {tactic!r} on this worker did not reach the same state")
            state = result.state
            self.states[goals] = state
        return state, calls

    def expand(self, theorem: Theorem, path_goals: list[tuple[str, ...]], path_tactics: list[str], tactic: str,
               want_value: bool) -> tuple[StepResult, float | None, int, int]:
        """Run `tactic` on the state at the end of the path; for a state new to this worker, its value.

        Returns (result with the handle stripped, value or None, env calls, policy calls). The handle stays
        here, keyed by goals, so later expansions routed to this worker step the same proof state.
        """
        self._require()
        if self.theorem != theorem:
            self.open_tree(theorem)
        state, calls = self._state(path_goals, path_tactics)
        result = self.env.step(state, tactic)
        calls += 1
        if isinstance(result, Failed):
            return result, None, calls, 0
        child = result.state
        seen = child.goals in self.states
        self.states.setdefault(child.goals, child)
        value = None
        if isinstance(result, Progress) and want_value and not seen:
            value = float(self.policy.value([child.text])[0])
        bare = State(child.goals)
        return (Proved(bare) if isinstance(result, Proved) else Progress(bare)), value, calls, int(value is not None)

    def verify(self, theorem: Theorem, tactics: list[str]) -> Verdict:
        self._require()
        return self.env.verify(theorem, Proof(theorem, tuple(tactics)))

    @classmethod
    def spawn(cls, cfg: Config, policy_server: Any = None) -> Any:
        """Start one as a Ray actor (one CPU, not restarted by Ray: the pool replaces dead workers)."""
        import ray

        return ray.remote(cls).options(num_cpus=1, max_restarts=0).remote(cfg, policy_server)

    def close(self) -> None:
        if self.env is not None:
            self.env.close()
            self.env = None
