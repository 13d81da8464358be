"""One Lean REPL child process: send a request, read its response, within a time limit and a memory cap.

A reader thread splits stdout into responses (the text up to each blank line) and a second thread drains
stderr into a short tail, so neither pipe can fill and block the child. The child runs in its own process
group (`lake env` starts the REPL as a grandchild), so a kill reaches the whole tree; the direct child is
always waited for, so no zombie is left behind. Not thread-safe: a Worker serializes access.
"""

from __future__ import annotations

import collections
import os
import queue
import select
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import psutil

from prover.env.lean.protocol import ProtocolError, Response, parse_response, request_line

_EOF = object()  # what the reader thread queues when stdout closes
MEMORY_POLL_S = 0.25  # how often the memory cap is checked while a request runs
TREE_REFRESH_S = 2.0  # how often the list of processes in the tree is renewed


class ReplFailure(Exception):
    """The process can no longer be trusted (timed out, crashed, garbled, over its memory cap); it is dead."""


class ReplTimeout(ReplFailure):
    pass


class ReplCrashed(ReplFailure):
    pass


class ReplGarbled(ReplFailure):
    pass


class ReplOverMemory(ReplFailure):
    pass


class ReplProcess:
    def __init__(self, command: Sequence[str], *, cwd: Path | None = None, memory_mb: int | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.command = list(command)
        self.memory_mb = memory_mb
        self.requests = 0
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=20)
        self._responses: queue.Queue[Any] = queue.Queue()
        try:
            self._proc = subprocess.Popen(
                self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                cwd=cwd, env=env, start_new_session=True)
        except OSError as e:  # missing binary, not executable, bad cwd
            raise ReplCrashed(f"cannot start `{' '.join(self.command)}`: {e.strerror or e}") from e
        # PIPE makes all three streams real; keep them typed as such.
        assert self._proc.stdin is not None and self._proc.stdout is not None and self._proc.stderr is not None
        self._stdin: IO[bytes] = self._proc.stdin
        self._stdout: IO[bytes] = self._proc.stdout
        self._stderr: IO[bytes] = self._proc.stderr
        os.set_blocking(self._stdin.fileno(), False)
        self._ps = psutil.Process(self._proc.pid)
        self._tree: list[psutil.Process] = [self._ps]
        self._tree_at = float("-inf")
        self._threads = [
            threading.Thread(target=self._read_stdout, name=f"repl-{self.pid}-out", daemon=True),
            threading.Thread(target=self._drain_stderr, name=f"repl-{self.pid}-err", daemon=True),
        ]
        for t in self._threads:
            t.start()

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def alive(self) -> bool:
        """Whether the child runs. Does not reap it: until kill() waits for it, its pid (and so its
        process group id) cannot be reused, which keeps the group kill aimed at our processes only."""
        if self._proc.returncode is not None:
            return False
        try:
            return os.waitid(os.P_PID, self._proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
        except ChildProcessError:
            return False

    def stderr_tail(self) -> str:
        return "".join(self._stderr_tail).strip()

    # -- the two reader threads --------------------------------------------------------------------

    def _read_stdout(self) -> None:
        chunk: list[bytes] = []
        try:
            for line in iter(self._stdout.readline, b""):
                if line.strip():
                    chunk.append(line)
                elif chunk:
                    self._responses.put(b"".join(chunk).decode("utf-8", "replace"))
                    chunk = []
        except (OSError, ValueError):
            pass
        if chunk:  # a response cut short by the process dying
            self._responses.put(ReplCrashed("the REPL died mid-answer: " + b"".join(chunk)[:200].decode("utf-8", "replace")))
        self._responses.put(_EOF)

    def _drain_stderr(self) -> None:
        try:
            for line in iter(self._stderr.readline, b""):
                self._stderr_tail.append(line[:500].decode("utf-8", "replace"))
        except (OSError, ValueError):
            pass

    # -- requests ----------------------------------------------------------------------------------

    def rss_mb(self) -> float:
        """Resident memory of the process tree (the REPL may be a grandchild under `lake env`)."""
        now = time.monotonic()
        if now - self._tree_at > TREE_REFRESH_S:  # listing children scans /proc: not on every request
            try:
                self._tree = [self._ps, *self._ps.children(recursive=True)]
            except psutil.Error:
                self._tree = [self._ps]
            self._tree_at = now
        total = 0
        for p in self._tree:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total / 2**20

    def _check_memory(self) -> None:
        if self.memory_mb is not None and (rss := self.rss_mb()) > self.memory_mb:
            self.kill()
            raise ReplOverMemory(f"the Lean process used {rss:.0f} MB, over its cap of {self.memory_mb} MB")

    def request(self, request: dict[str, Any], timeout: float) -> Response:
        """Send one request and return its parsed response. Any ReplFailure leaves the process killed."""
        if not self.alive:
            self.kill()
            raise ReplCrashed(self._exit_text())
        if not self._responses.empty():  # an answer nobody asked for: the stream is out of step
            self.kill()
            raise ReplGarbled("the REPL printed output nobody asked for")
        self.requests += 1
        deadline = time.monotonic() + timeout
        self._write(request_line(request).encode("utf-8"), deadline, timeout)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise ReplTimeout(f"no answer from Lean within {timeout:g}s")
            try:
                item = self._responses.get(timeout=min(left, MEMORY_POLL_S))
            except queue.Empty:
                self._check_memory()
                continue
            break
        if item is _EOF or isinstance(item, ReplCrashed):
            self.kill()
            raise item if isinstance(item, ReplCrashed) else ReplCrashed(self._exit_text())
        try:
            response = parse_response(item)
        except ProtocolError as e:
            self.kill()
            raise ReplGarbled(f"the REPL answered something that is not a response: {e}") from e
        return response

    def over_memory(self) -> bool:
        """Whether the process tree is above its memory cap (checked by the Worker after each answer)."""
        return self.memory_mb is not None and self.rss_mb() > self.memory_mb

    def _write(self, data: bytes, deadline: float, timeout: float) -> None:
        # stdin is non-blocking: a child that stops reading cannot block us past the deadline.
        fd = self._stdin.fileno()
        view = memoryview(data)
        while view:
            left = deadline - time.monotonic()
            try:
                ready = select.select([], [fd], [], max(left, 0))[1] if left > 0 else []
                if not ready:
                    self.kill()
                    raise ReplTimeout(f"Lean did not read the request within {timeout:g}s")
                view = view[os.write(fd, view):]
            except BlockingIOError:
                continue
            except (BrokenPipeError, OSError, ValueError):
                self.kill()
                raise ReplCrashed(self._exit_text()) from None

    def _exit_text(self) -> str:
        try:
            code = self._proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            code = None
        tail = self.stderr_tail().splitlines()
        last = f": {tail[-1]}" if tail else ""
        return f"the Lean process exited (code {code}){last}"

    # -- shutting down -----------------------------------------------------------------------------

    def kill(self) -> None:
        """Kill the whole process group, reap the child, close the pipes. Safe to call twice."""
        if self._proc.returncode is None:  # not reaped yet, so the group id is still ours
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
            pass
        for t in self._threads:  # both end at the pipes' EOF; waiting lets the stderr tail hold the last words
            t.join(timeout=10)
        for pipe in (self._stdin, self._stdout, self._stderr):
            try:
                pipe.close()
            except OSError:
                pass

    def close(self, grace: float = 2.0) -> None:
        """Ask the REPL to stop (end of input ends its loop), then kill what is left."""
        if self.alive:
            try:
                self._stdin.close()
                self._proc.wait(timeout=grace)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()

    def __enter__(self) -> ReplProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
