"""Dynamic batching in front of any Policy: concurrent requests are merged into one model call.

Plain threads, no Ray: the policy server actor wraps this, and it can be measured on its own. One
background thread owns the policy (models are not thread-safe and want big batches); callers hand in a
request and wait on a Future. A batch closes when it holds `max_batch` states or `max_wait_ms` has passed
since its first request arrived, whichever comes first.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from prover.policy.base import Policy

_STOP = object()


@dataclass
class _Request:
    op: str  # "propose" | "value"
    states: list[str]
    k: int
    future: Future = field(default_factory=Future)


@dataclass
class BatchStats:
    """What the server did: how many requests came in and how large the model calls were."""

    requests: int = 0
    states: int = 0
    calls: int = 0
    sizes: Counter = field(default_factory=Counter)  # states per model call -> how many calls

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "states": self.states,
            "calls": self.calls,
            "max_batch_seen": max(self.sizes, default=0),
            "mean_batch": round(self.states / self.calls, 3) if self.calls else 0.0,
            "sizes": dict(sorted(self.sizes.items())),
        }


class BatchingPolicy:
    """A Policy that merges concurrent `propose` / `value` calls into batches for the wrapped policy."""

    def __init__(self, policy: Policy, max_batch: int = 32, max_wait_ms: float = 5.0) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.policy = policy
        self.max_batch = max_batch
        self.max_wait = max_wait_ms / 1000.0
        self.stats = BatchStats()
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="policy-batcher", daemon=True)
        self._thread.start()

    # --- the Policy protocol (blocking) and its non-blocking form -------------------------------------

    def propose(self, states: Sequence[str], k: int) -> list[list[tuple[str, float]]]:
        return self.submit("propose", states, k).result()

    def value(self, states: Sequence[str]) -> list[float]:
        return self.submit("value", states).result()

    def submit(self, op: str, states: Sequence[str], k: int = 0) -> Future:
        if op not in ("propose", "value"):
            raise ValueError(f"unknown policy operation {op!r}")
        request = _Request(op, list(states), k)
        if not request.states:
            request.future.set_result([])
        else:
            self._queue.put(request)
        return request.future

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout=5)

    # --- the batching thread -------------------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            pending, size = [first], len(first.states)
            deadline = time.monotonic() + self.max_wait
            stop = False
            while size < self.max_batch:
                left = deadline - time.monotonic()
                try:
                    request = self._queue.get(timeout=left) if left > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if request is _STOP:
                    stop = True
                    break
                pending.append(request)
                size += len(request.states)
            self._run(pending)
            if stop:
                return

    def _run(self, pending: list[_Request]) -> None:
        """Answer every pending request: one group per (operation, k), each cut into model calls of at most max_batch."""
        groups: dict[tuple[str, int], list[_Request]] = {}
        for request in pending:
            groups.setdefault((request.op, request.k), []).append(request)
        self.stats.requests += len(pending)
        for (op, k), requests in groups.items():
            states = [s for r in requests for s in r.states]
            try:
                answers: list[Any] = []
                for i in range(0, len(states), self.max_batch):
                    chunk = states[i:i + self.max_batch]
                    out = self.policy.propose(chunk, k) if op == "propose" else self.policy.value(chunk)
                    if len(out) != len(chunk):
                        raise RuntimeError(f"policy {op} returned {len(out)} answers for {len(chunk)} states")
                    answers.extend(out)
                    self.stats.calls += 1
                    self.stats.states += len(chunk)
                    self.stats.sizes[len(chunk)] += 1
            except Exception as e:  # the callers see the policy's own error
                for r in requests:
                    r.future.set_exception(e)
                continue
            at = 0
            for r in requests:
                r.future.set_result(answers[at:at + len(r.states)])
                at += len(r.states)
