"""Environment workers: Ray actors that each own one ProofEnv (for Lean, its REPL pool) and a policy.

The worker's policy is the shared policy server, through a PolicyClient, when the configuration asks for
one (a model); cheap policies (automation, uniform) run in the worker itself, where a round trip to a
server would only add latency. The worker runs the unchanged search code on its own env.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from prover.config import Config
from prover.core import ProverError, Theorem

CHEAP_POLICIES = ("automation", "uniform")


def wants_policy_server(cfg: Config) -> bool:
    """Whether searches should share one batched policy server (cfg.ray.policy_server)."""
    if cfg.ray.policy_server == "auto":
        return cfg.policy.kind not in CHEAP_POLICIES
    return cfg.ray.policy_server == "always"


class EnvWorker:
    """One env (made by make_env) and one policy; a failure to build them is reported by `ready`, not raised."""

    def __init__(self, cfg: Config, policy_server: Any = None) -> None:
        self.cfg = cfg
        self.env: Any = None
        self.policy: Any = None
        self.error: str | None = None
        # Lean proof states live in this process only: the tree search keeps them here, keyed by tactic path.
        self.states: dict[tuple[str, ...], Any] = {}
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

    def pid(self) -> int:
        return os.getpid()

    def _require(self) -> None:
        if self.error is not None:
            raise ProverError(self.error)

    def attempt(self, theorem: Theorem) -> dict[str, Any]:
        """One attempt (open, search, final check) on this worker's env: the record `prover prove --json` prints."""
        from prover.search.attempt import attempt

        self._require()
        return attempt(self.env, self.policy, theorem, self.cfg.search).to_json()

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run fn(env, policy, *args) here: how other subsystems (the bench runner) use a worker."""
        self._require()
        return fn(self.env, self.policy, *args)

    @classmethod
    def spawn(cls, cfg: Config, policy_server: Any = None) -> Any:
        """Start one as a Ray actor (one CPU, not restarted by Ray: the pool replaces dead workers)."""
        import ray

        return ray.remote(cls).options(num_cpus=1, max_restarts=0).remote(cfg, policy_server)

    def close(self) -> None:
        if self.env is not None:
            self.env.close()
            self.env = None
