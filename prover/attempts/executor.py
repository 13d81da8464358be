"""The executor protocol: run these tasks, yield each record as it finishes (in no fixed order).

`make_executor(cfg)` is the one place local or Ray is chosen for attempts (`cfg.ray.used`: from
`ray.workers` and `ray.address`, i.e. `--workers` / `--ray-address`); the CLI calls it once and hands the
executor down to bench, expert iteration and the rest. Records are the same either way: an attempt depends
on its task only (its seeds come from the attempt index, never from what else a worker ran before).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from prover.attempts.record import AttemptRecord
from prover.attempts.runner import Runner, Task
from prover.config import Config
from prover.policy.base import Policy


class Executor(Protocol):
    def start(self) -> None:
        """Bring workers up; a worker that cannot work (Lean missing) is one ProverError, here."""

    def run(self, tasks: Iterable[Task]) -> Iterator[AttemptRecord]:
        """Each task's record as it finishes. A crash is a record (stop_reason "crashed"), never lost."""
        ...

    def close(self) -> None: ...


class LocalExecutor:
    """Every task in this process, in order, on one Runner: no Ray (what `--workers 1` gets, and debugging).
    With `policy`, every attempt uses that policy object instead of building one from its task's config."""

    workers = 1

    def __init__(self, cfg: Config, policy: Policy | None = None) -> None:
        self.runner = Runner(cfg, policy)

    def start(self) -> None:
        self.runner.start()

    def run(self, tasks: Iterable[Task]) -> Iterator[AttemptRecord]:
        for task in tasks:
            yield self.runner.run(task)

    def close(self) -> None:
        self.runner.close()

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_executor(cfg: Config) -> Executor:
    """Local for one worker and no cluster address; else Ray (local Ray, or the cluster at ray.address)."""
    if not cfg.ray.used:
        return LocalExecutor(cfg)
    from prover.attempts.ray_executor import RayExecutor

    return RayExecutor(cfg)
