"""A pool of REPL Workers (lean.pool_size), safe to share between threads.

A caller takes a worker for the length of a `with pool.acquire(...)` block: for a new statement, a free
worker whose process already holds the statement's import set (in turn, to spread the load), else one
that holds none, else the free worker used longest ago (it will replace its process); for a step, the
worker the proof state lives in (`index`). Workers are started together with the configured header;
with pickling on, the first pickles its imports so the others start by unpickling them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from prover.config import LeanConfig
from prover.env.lean.client import ReplProcess
from prover.env.lean.worker import HeaderPickles, Worker


class ReplPool:
    def __init__(self, cfg: LeanConfig, spawn: Callable[[], ReplProcess]) -> None:
        if cfg.pool_size < 1:
            raise ValueError("lean.pool_size must be at least 1")
        self.cfg = cfg
        self.spawn = spawn
        self.pickles = HeaderPickles(cfg.pickle_header)
        self.workers = [Worker(i, spawn, cfg, self.pickles) for i in range(cfg.pool_size)]
        self._busy = [False] * cfg.pool_size
        self._last_used = [0] * cfg.pool_size
        self._clock = 0
        self._cond = threading.Condition()
        self._next = 0
        self._closed = False

    def start(self) -> None:
        """Start every process with the header. Raises what the first failure raised (ReplFailure, ...).
        The first starts alone (with pickling on, it pickles the imports), and so does the second (the
        first to unpickle), so an unreadable pickle turns pickling off before the others start."""
        self.workers[0].start()
        rest = self.workers[1:]
        if rest and self.pickles.enabled:  # the first unpickle alone: a pickle that cannot be read costs one
            rest[0].start()
            rest = rest[1:]
        if rest:
            with ThreadPoolExecutor(len(rest)) as ex:
                for future in [ex.submit(w.start) for w in rest]:
                    future.result()

    @contextmanager
    def acquire(self, index: int | None = None, imports: frozenset[str] | None = None) -> Iterator[Worker]:
        """A worker for the caller alone: worker `index`, or a free one, best for `imports` (see above)."""
        with self._cond:
            while True:
                if self._closed:
                    raise RuntimeError("the Lean pool is closed")
                chosen = self._pick(index, imports)
                if chosen is not None:
                    break
                self._cond.wait()
            self._busy[chosen] = True
            self._clock += 1
            self._last_used[chosen] = self._clock
        try:
            yield self.workers[chosen]
        finally:
            with self._cond:
                self._busy[chosen] = False
                self._cond.notify_all()

    def _pick(self, index: int | None, imports: frozenset[str] | None) -> int | None:
        if index is not None:
            return None if self._busy[index] else index
        n = len(self.workers)
        free = [i for i in ((self._next + k) % n for k in range(n)) if not self._busy[i]]
        if not free:
            return None
        same = [i for i in free if imports is None or self.workers[i].imports in (imports, None)]
        same.sort(key=lambda i: self.workers[i].imports is None)  # a matching process before an empty one
        chosen = same[0] if same else min(free, key=lambda i: self._last_used[i])
        self._next = (chosen + 1) % n
        return chosen

    @property
    def restarts(self) -> int:
        return sum(w.restarts for w in self.workers)

    @property
    def starts(self) -> int:
        return sum(w.starts for w in self.workers)

    @property
    def recycles(self) -> int:
        return sum(w.recycles for w in self.workers)

    def close(self) -> None:
        """Stop every process (waiting for users to let go of their workers) and remove the pickles."""
        with self._cond:  # in-flight requests end within their timeout; after that, kill under them
            self._cond.wait_for(lambda: not any(self._busy), timeout=self.cfg.timeout + 5)
            self._closed = True
            self._cond.notify_all()
        for w in self.workers:
            w.close()
        self.pickles.cleanup()
