"""A Worker: one REPL process that keeps its header environments, and replaces itself when it fails.

Each process elaborates a header (`import Mathlib` ...) once and reuses that environment id for every
statement. The first process to elaborate a header pickles it (`{"pickleTo": ...}`); later processes and
restarts unpickle it (`{"unpickleEnvFrom": ...}`) instead. A process that times out, crashes, garbles
its output or passes its memory cap is killed and replaced at once, with the configured header replayed;
`generation` counts the replacements, so a proof-state id from an earlier process is never sent to a
later one.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prover.config import LeanConfig
from prover.core import StatementError
from prover.env.lean.client import ReplFailure, ReplOverMemory, ReplProcess
from prover.env.lean.protocol import CommandResponse, ErrorResponse, Response


class HeaderPickles:
    """Pickled header environments shared by the processes of one pool, in a directory that lives as long."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._dir = tempfile.TemporaryDirectory(prefix="prover-headers-") if enabled else None
        self._paths: dict[str, Path] = {}
        self._lock = threading.Lock()

    def get(self, header: str) -> Path | None:
        with self._lock:
            return self._paths.get(header)

    def target(self, header: str) -> Path | None:
        """Where a header's pickle should go, or None when pickling is off or it is already there."""
        if self._dir is None:
            return None
        with self._lock:
            if header in self._paths:
                return None
        return Path(self._dir.name) / f"header-{hashlib.sha256(header.encode()).hexdigest()[:16]}.olean"

    def add(self, header: str, path: Path) -> None:
        with self._lock:
            self._paths.setdefault(header, path)

    def cleanup(self) -> None:
        if self._dir is not None:
            self._dir.cleanup()


class Worker:
    def __init__(self, index: int, spawn: Callable[[], ReplProcess], cfg: LeanConfig,
                 pickles: HeaderPickles) -> None:
        self.index = index
        self.cfg = cfg
        self.generation = 0
        self.restarts = 0
        self.rebuilt: dict[tuple[str, str, tuple[str, ...]], int] = {}  # replayed proof states, this generation
        self._spawn = spawn
        self._pickles = pickles
        self._headers: dict[str, int] = {}
        self._proc: ReplProcess | None = None
        self._starting = False

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self) -> None:
        """Start the process and elaborate the configured header. ReplFailure/StatementError if that fails."""
        if self._proc is None or not self._proc.alive:
            self._proc = self._spawn()
        self.header_env(self.cfg.header)

    def request(self, request: dict[str, Any], timeout: float) -> Response:
        """One request. A failed process is replaced (header replayed) before the ReplFailure is re-raised."""
        if self._proc is None:
            self._proc = self._spawn()
        try:
            response = self._proc.request(request, timeout)
        except ReplFailure:
            self.restart()
            raise
        if self._proc.over_memory():  # the answer stands; the process does not
            self.restart()
        return response

    def restart(self) -> None:
        """Kill the process and bump the generation; unless already starting one, start a fresh process
        with the configured header (if that fails too, the next request tries again and reports why)."""
        if self._proc is not None:
            self._proc.kill()
        self._proc = None
        self._headers.clear()
        self.rebuilt.clear()
        self.generation += 1
        self.restarts += 1
        if self._starting:
            return
        self._starting = True
        try:
            self.start()
        except (ReplFailure, StatementError):
            if self._proc is not None:
                self._proc.kill()
            self._proc = None
            self._headers.clear()
        finally:
            self._starting = False

    def header_env(self, header: str) -> int | None:
        """The environment id of `header` in this process (None for an empty header: no environment)."""
        if not header.strip():
            return None
        if header in self._headers:
            return self._headers[header]
        generation = self.generation
        env_id = None
        if (path := self._pickles.get(header)) is not None:
            response = self.request({"unpickleEnvFrom": str(path)}, self.cfg.startup_timeout)
            if isinstance(response, CommandResponse) and not response.errors:
                env_id = response.env
        if env_id is None:
            response = self.request({"cmd": header}, self.cfg.startup_timeout)
            if isinstance(response, ErrorResponse):
                raise StatementError(f"the Lean header does not elaborate: {response.message}")
            if not isinstance(response, CommandResponse):
                raise StatementError("the Lean header does not elaborate: unexpected answer")
            if response.errors:
                raise StatementError(f"the Lean header does not elaborate: {response.errors[0].text()}")
            env_id = response.env
            if (target := self._pickles.target(header)) is not None:
                pickled = self.request({"pickleTo": str(target), "env": env_id}, self.cfg.startup_timeout)
                if isinstance(pickled, CommandResponse) and target.is_file():
                    self._pickles.add(header, target)
        if self.generation != generation:  # replaced on the way (memory cap): the id belongs to a dead process
            raise ReplOverMemory(f"elaborating the header takes the Lean process over its {self.cfg.memory_mb} MB cap")
        self._headers[header] = env_id
        return env_id

    def close(self) -> None:
        if self._proc is not None:
            self._proc.close()
            self._proc = None
