"""The Ray executor: one Runner per Ray actor, over tasks; the shared policy server when it is wanted.

Workers die (a Lean process takes its actor down, a node goes away): the pool replaces a dead worker and
tries its task once more; a second death is that task's crash record. Every other record is untouched.

A policy server serves a model to every worker (`ray.policy_server`, see prover.distributed.workers). It
holds one policy at a time: tasks are run in groups of equal policy settings, and before a group starts
the server loads that group's policy (a new round's checkpoint) and says so, so no search of the group
sees the old one. Without a server each worker loads the task's policy itself before the task's search.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from prover.attempts.record import AttemptRecord, run_settings
from prover.attempts.runner import Runner, Task, _policy_key
from prover.config import Config


class RayExecutor:
    """cfg.ray.workers Runner actors on local Ray (or the cluster at cfg.ray.address)."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.workers = cfg.ray.workers
        self.pool: Any = None
        self.policy_server: Any = None
        self._server_policy: str | None = None
        self._started_ray = False

    def start(self) -> None:
        if self.pool is not None:
            return
        import ray

        from prover.distributed.pool import WorkerPool
        from prover.distributed.runtime import init_ray

        self._started_ray = init_ray(self.cfg.ray)
        try:
            actor = ray.remote(Runner).options(num_cpus=1, max_restarts=0)
            self.pool = WorkerPool(self.cfg.ray.workers, lambda: actor.remote(self.cfg), ready="start")
        except BaseException:
            self.close()
            raise

    def _server_for(self, cfg: Config) -> Any:
        """The policy server holding cfg's policy (started or reloaded now), or None if cfg wants none."""
        from prover.distributed.workers import wants_policy_server

        if not wants_policy_server(cfg):
            return None
        import ray

        from prover.distributed.policy_server import start_policy_server

        key = _policy_key(cfg)
        if self.policy_server is None:
            self.policy_server = start_policy_server(cfg)
        elif self._server_policy != key:
            ray.get(self.policy_server.load.remote(cfg))  # returns once the new policy is in place
        self._server_policy = key
        return self.policy_server

    def run(self, tasks: Iterable[Task]) -> Iterator[AttemptRecord]:
        from prover.distributed.pool import TaskFailure

        self.start()
        groups: dict[str, list[Task]] = {}
        for task in tasks:
            groups.setdefault(_policy_key(task.cfg), []).append(task)
        for group in groups.values():
            server = self._server_for(group[0].cfg)
            for task, result in self.pool.map_unordered(group, lambda a, t, s=server: a.run.remote(t, s)):
                if isinstance(result, TaskFailure):
                    result = AttemptRecord.crashed(task.problem, task.attempt, run_settings(task.cfg), result.reason)
                yield result

    def policy_stats(self) -> dict[str, Any] | None:
        import ray

        return None if self.policy_server is None else ray.get(self.policy_server.stats.remote())

    def close(self) -> None:
        import ray

        if self.pool is not None:
            self.pool.close()
            self.pool = None
        if self.policy_server is not None:
            ray.kill(self.policy_server)
            self.policy_server = None
        if self._started_ray:
            ray.shutdown()
            self._started_ray = False

    def __enter__(self) -> RayExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
