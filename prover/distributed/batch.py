"""`prover bench --workers N`: the bench runner's own Worker, one per Ray actor, over (problem, attempt) pairs.

`RayWorkers` has the runner's Worker interface (start, run_all, close), so `run_bench` writes the records
to the same resumable JSONL as they arrive, in whatever order they finish. A worker that dies is replaced
and its attempt tried once more; a second death is recorded as that attempt's error.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from prover.bench.datasets import Problem
from prover.bench.runner import Worker, attempt_config, run_settings
from prover.config import Config
from prover.distributed.pool import TaskFailure, WorkerPool


class BenchWorker(Worker):
    """The runner's Worker; with a policy server, every attempt asks it instead of a policy of its own."""

    def __init__(self, cfg: Config, policy_server: Any = None) -> None:
        super().__init__(cfg)
        self.policy_server = policy_server

    def _policy_for(self, cfg: Config) -> Any:
        if self.policy_server is None:
            return super()._policy_for(cfg)
        from prover.distributed.policy_server import PolicyClient

        return PolicyClient(self.policy_server)


def failed_record(problem: Problem, index: int, cfg: Config, reason: str) -> dict[str, Any]:
    """The record of an attempt whose worker died twice, shaped like the runner's crash records (its
    time is unknown: the work died with the worker)."""
    return {
        "problem": problem.name, "attempt": index, "split": problem.split, "source": problem.source,
        "difficulty": problem.difficulty, "theorem": problem.theorem.statement, "proved": False, "proof": None,
        "tactics": [], "stats": {"env_calls": None, "policy_calls": None, "nodes": None, "seconds": None},
        "stop_reason": "crashed", "verdict": None, "error": f"attempt crashed: {reason}",
        "run": run_settings(attempt_config(cfg, index)),
    }


class RayWorkers:
    """cfg.ray.workers BenchWorker actors on local Ray (or cfg.ray.address), sharing one policy server if any."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.pool: WorkerPool | None = None
        self.policy_server: Any = None
        self._started_ray = False

    def start(self) -> None:
        """Bring everything up; a worker that cannot start (Lean missing) is one ProverError, here."""
        if self.pool is not None:
            return
        import ray

        from prover.distributed.policy_server import start_policy_server
        from prover.distributed.runtime import init_ray
        from prover.distributed.workers import wants_policy_server

        self._started_ray = init_ray(self.cfg.ray)
        try:
            if wants_policy_server(self.cfg):
                self.policy_server = start_policy_server(self.cfg)
            actor = ray.remote(BenchWorker).options(num_cpus=1, max_restarts=0)
            self.pool = WorkerPool(self.cfg.ray.workers, lambda: actor.remote(self.cfg, self.policy_server),
                                   ready="start")
        except BaseException:
            self.close()
            raise

    def run_all(self, todo: Iterable[tuple[Problem, int]]) -> Iterator[dict[str, Any]]:
        """Each attempt's record as it finishes."""
        self.start()
        assert self.pool is not None
        for (problem, index), result in self.pool.map_unordered(todo, lambda a, item: a.run.remote(*item)):
            if isinstance(result, TaskFailure):
                result = failed_record(problem, index, self.cfg, result.reason)
            yield result

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
