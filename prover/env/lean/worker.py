"""A Worker: one REPL process at a time, its import set, and the header environments built on it.

A process elaborates its imports once (the base environment: the REPL runs `importModules`, the
expensive part of a header) and runs the rest of each header (options, opens) as a command on that base,
keeping the resulting environment ids in an LRU (lean.header_cache). A header with other imports needs
another process: the worker replaces its process (the pool prefers a worker whose imports match).

A process that times out, crashes, garbles its output or passes its memory cap is killed; the next
request starts a fresh one, which elaborates what it is asked for. `generation` counts processes, so a
proof-state id from an earlier process is never sent to a later one. Processes are also replaced, between
statements, after lean.max_uses statements (the REPL keeps every proof state it ever made).

Pickles (lean.pickle_header, off by default): the first process to elaborate an import set pickles it,
and later processes unpickle it instead. Only the imports are pickled, never the opens: unpickling
re-activates plain `open` entries only, so `open scoped X` would be lost; the header's rest always runs
as a command, after an unpickle as after an import. In the real REPL a failed `unpickleEnvFrom` or
`pickleTo` throws and the process exits; the worker then drops the pickle, turns pickling off for the
pool and elaborates the imports instead, once.
"""

from __future__ import annotations

import collections
import hashlib
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prover.config import LeanConfig
from prover.core import StatementError
from prover.env.lean.client import ReplFailure, ReplOverMemory, ReplProcess
from prover.env.lean.header import Header, parse_header
from prover.env.lean.protocol import CommandResponse, ErrorResponse, Response


class HeaderPickles:
    """Pickled import environments shared by the processes of one pool, in a directory that lives as long."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.disabled_because = ""
        self._dir = tempfile.TemporaryDirectory(prefix="prover-headers-") if enabled else None
        self._paths: dict[frozenset[str], Path] = {}
        self._lock = threading.Lock()

    def get(self, imports: frozenset[str]) -> Path | None:
        with self._lock:
            return self._paths.get(imports) if self.enabled else None

    def target(self, imports: frozenset[str]) -> Path | None:
        """Where an import set's pickle should go, or None when pickling is off or it is already there."""
        with self._lock:
            if self._dir is None or not self.enabled or imports in self._paths:
                return None
        digest = hashlib.sha256("\n".join(sorted(imports)).encode()).hexdigest()[:16]
        return Path(self._dir.name) / f"imports-{digest}.olean"

    def add(self, imports: frozenset[str], path: Path) -> None:
        with self._lock:
            if self.enabled:
                self._paths.setdefault(imports, path)

    def fail(self, why: str, imports: frozenset[str] | None = None) -> None:
        """A pickle could not be written or read: drop it (file and entry) and pickle nothing more."""
        with self._lock:
            self.enabled = False
            self.disabled_because = why
            for key in [imports] if imports is not None else list(self._paths):
                if (path := self._paths.pop(key, None)) is not None:
                    path.unlink(missing_ok=True)

    def cleanup(self) -> None:
        if self._dir is not None:
            self._dir.cleanup()


class Worker:
    def __init__(self, index: int, spawn: Callable[[], ReplProcess], cfg: LeanConfig,
                 pickles: HeaderPickles) -> None:
        self.index = index
        self.cfg = cfg
        self.generation = 0  # bumped whenever the process goes: ids from an older one are void
        self.starts = 0  # processes started
        self.restarts = 0  # processes lost to a failure (timeout, crash, garbage, memory cap)
        self.recycles = 0  # processes replaced on purpose (lean.max_uses, another import set)
        self.uses = 0  # statements opened in the current process
        self.imports: frozenset[str] | None = None  # the import set the worker serves
        self.rebuilt: dict[tuple[str, str, tuple[str, ...]], int] = {}  # replayed proof states, this generation
        self._spawn = spawn
        self._pickles = pickles
        self._base: int | None = None  # the imports' environment id in the current process
        self._headers: collections.OrderedDict[str, int] = collections.OrderedDict()  # header key -> env, LRU
        self._proc: ReplProcess | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self) -> None:
        """Start a process and elaborate the configured header. ReplFailure/StatementError if that fails."""
        self.header_env(self.cfg.header)
        if self._proc is None:  # an empty header needs no environment, but the process must start
            self._proc = self._spawn()
            self.starts += 1

    def request(self, request: dict[str, Any], timeout: float) -> Response:
        """One request, starting a process if none runs. A process that fails is killed (the next request
        starts another) before the ReplFailure is re-raised; one past its memory cap after answering is
        killed too, and the answer returned."""
        if self._proc is None:
            self._proc = self._spawn()
            self.starts += 1
        try:
            response = self._proc.request(request, timeout)
        except ReplFailure:
            self._drop()
            self.restarts += 1
            raise
        if self._proc.over_memory():
            self._drop()
            self.restarts += 1
        return response

    def restart(self) -> None:
        """Kill the process; the next request starts a fresh one."""
        self._drop()
        self.restarts += 1

    def recycle(self) -> None:
        """Replace the process between statements (lean.max_uses, or another import set is needed)."""
        if self._proc is not None:
            self._drop()
            self.recycles += 1

    def used_up(self) -> bool:
        return self.cfg.max_uses is not None and self.uses >= self.cfg.max_uses

    def _drop(self) -> None:
        if self._proc is not None:
            self._proc.kill()
        self._proc = None
        self._base = None
        self._headers.clear()
        self.rebuilt.clear()
        self.uses = 0
        self.generation += 1

    # -- headers -----------------------------------------------------------------------------------

    def header_env(self, text: str) -> int | None:
        """The environment id of header `text` in this process (None for an empty header: no environment)."""
        header = parse_header(text)
        if header.imports and header.import_key != self.imports:
            if self.imports is not None:  # one import set per process: the REPL never frees an environment
                self.recycle()
            self.imports = header.import_key
        if not header.imports and not header.rest:
            return None
        if (env_id := self._headers.get(header.key)) is not None:
            self._headers.move_to_end(header.key)
            return env_id
        base = self._base_env(header)
        if not header.rest:
            assert base is not None  # no commands, so it has imports (the empty header returned above)
            env_id = base
        else:
            generation = self.generation
            request: dict[str, Any] = {"cmd": header.rest}
            if base is not None:
                request["env"] = base
            env_id = _env_of(self.request(request, self.cfg.startup_timeout))
            self._check_kept(generation)
        self._headers[header.key] = env_id
        while len(self._headers) > self.cfg.header_cache:
            self._headers.popitem(last=False)
        return env_id

    def _base_env(self, header: Header) -> int | None:
        """The environment of the header's imports in this process (None without imports: a command
        sent without `env` imports only Init, which costs nothing worth caching)."""
        if not header.imports:
            return None
        if self._base is not None and self._proc is not None:
            return self._base
        key = header.import_key
        if (path := self._pickles.get(key)) is not None:
            generation = self.generation
            try:
                response = self.request({"unpickleEnvFrom": str(path)}, self.cfg.startup_timeout)
            except ReplFailure as e:  # the real REPL exits on a pickle it cannot read
                self._pickles.fail(f"unpickling {path.name} failed: {e}", key)
            else:
                if isinstance(response, CommandResponse) and not response.errors:
                    self._check_kept(generation)
                    self._base = response.env
                    return self._base
                self._pickles.fail(f"unpickling {path.name} failed", key)
        base = self._elaborate_imports(header)
        if (target := self._pickles.target(key)) is not None:
            try:
                self.request({"pickleTo": str(target), "env": base}, self.cfg.startup_timeout)
            except ReplFailure as e:  # the process died with the base in it: once more, without pickling
                self._pickles.fail(f"pickling failed: {e}")
                target.unlink(missing_ok=True)
                base = self._elaborate_imports(header)
            else:
                if target.is_file():
                    self._pickles.add(key, target)
        self._base = base
        return base

    def _elaborate_imports(self, header: Header) -> int:
        generation = self.generation
        env_id = _env_of(self.request({"cmd": header.import_command}, self.cfg.startup_timeout))
        self._check_kept(generation)
        return env_id

    def _check_kept(self, generation: int) -> None:
        if self.generation != generation:  # replaced on the way (memory cap): the id belongs to a dead process
            raise ReplOverMemory(f"elaborating the header takes the Lean process over its {self.cfg.memory_mb} MB cap")

    def close(self) -> None:
        if self._proc is not None:
            self._proc.close()
            self._proc = None


def _env_of(response: Response) -> int:
    if isinstance(response, ErrorResponse):
        raise StatementError(f"the Lean header does not elaborate: {response.message}")
    if not isinstance(response, CommandResponse):
        raise StatementError("the Lean header does not elaborate: unexpected answer")
    if response.errors:
        raise StatementError(f"the Lean header does not elaborate: {response.errors[0].text()}")
    return response.env
