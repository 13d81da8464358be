"""A pool of env worker actors that hands out work, replaces workers that die, and retries their work once."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from prover.core import ProverError

T = TypeVar("T")


@dataclass(frozen=True)
class TaskFailure:
    """Work that failed twice (or whose worker died twice): the one-line reason, for the result record."""

    reason: str


class WorkerPool:
    """`n` worker actors made by `spawn()` (Ray must be up). Each must have a method `ready` that raises
    (a ProverError naming the fix) when the worker cannot work, e.g. Lean is missing."""

    def __init__(self, n: int, spawn: Callable[[], Any], ready: str = "ready") -> None:
        if n < 1:
            raise ProverError("the number of workers must be at least 1")
        import ray

        cpus = int(ray.cluster_resources().get("CPU", 0))
        if n > cpus:  # each worker takes one CPU; the rest would wait for one forever
            raise ProverError(f"--workers {n} needs {n} CPUs but Ray has {cpus}: use --workers {max(cpus, 1)} "
                              "or fewer, or a larger cluster (--ray-address)")
        self.spawn = spawn
        self.ready = ready
        self.replaced = 0  # workers started to replace dead ones
        self.actors = [spawn() for _ in range(n)]
        self._wait_ready(self.actors)

    def _wait_ready(self, actors: list[Any]) -> None:
        import ray

        from prover.distributed.runtime import root_cause

        try:
            ray.get([getattr(a, self.ready).remote() for a in actors])
        except ray.exceptions.RayError as e:
            self.close()
            raise ProverError(f"an env worker did not start: {root_cause(e)}") from e

    def replace(self, slot: int) -> None:
        """Start a new worker in `slot` (the old one is killed if it still runs); its readiness shows in its first task."""
        import ray

        ray.kill(self.actors[slot])
        self.actors[slot] = self.spawn()
        self.replaced += 1

    def map_unordered(
        self, items: Iterable[T], submit: Callable[[Any, T], Any], retries: int = 1
    ) -> Iterator[tuple[T, Any]]:
        """Yield (item, result) as results arrive, one task in flight per worker.

        `submit(actor, item)` starts the work and returns its ObjectRef. Work whose worker died (the
        worker is replaced) or that raised is tried again up to `retries` times, then yields a
        TaskFailure with the reason. Nothing else is lost: other workers' results are untouched.
        """
        import ray

        from prover.distributed.runtime import root_cause

        queue: deque[tuple[int, T]] = deque(enumerate(items))
        tries: dict[int, int] = {}
        idle = list(range(len(self.actors)))[::-1]
        inflight: dict[Any, tuple[int, int, T]] = {}
        while queue or inflight:
            while idle and queue:
                slot = idle.pop()
                index, item = queue.popleft()
                inflight[submit(self.actors[slot], item)] = (slot, index, item)
            [ref], _ = ray.wait(list(inflight), num_returns=1)
            slot, index, item = inflight.pop(ref)
            try:
                result = ray.get(ref)
            except ray.exceptions.RayError as e:
                if isinstance(e, ray.exceptions.RayActorError):
                    self.replace(slot)
                    reason = f"worker died: {root_cause(e)}"
                else:
                    reason = root_cause(e)
                idle.append(slot)
                tries[index] = tries.get(index, 0) + 1
                if tries[index] <= retries:
                    queue.appendleft((index, item))
                    continue
                result = TaskFailure(f"{reason} (tried {tries[index]} times)")
            else:
                idle.append(slot)
            yield item, result

    def close(self) -> None:
        """Close every worker (so Lean REPLs exit cleanly), then end the actors."""
        import ray

        refs = []
        for actor in self.actors:
            try:
                refs.append(actor.close.remote())
            except ray.exceptions.RayError:
                pass
        if refs:
            ray.wait(refs, num_returns=len(refs), timeout=10)
        for actor in self.actors:
            ray.kill(actor)
        self.actors = []
