"""The REPL process client against a stand-in REPL (tests/fake_repl.py): every way a process can misbehave.

Each failure must surface as one ReplFailure within the time limit, and leave nothing behind: no live
or zombie child, no open pipe. No test reads a clock or sleeps: a kill is waited for (the child is
reaped), and a grandchild's death is an event (its pidfd becomes readable).
"""

from __future__ import annotations

import os
import select
import sys
from pathlib import Path

import psutil
import pytest

from prover.env.lean import client
from prover.env.lean.client import ReplCrashed, ReplGarbled, ReplProcess, ReplTimeout
from prover.env.lean.protocol import CommandResponse, ErrorResponse, TacticResponse

FAKE = str(Path(__file__).with_name("fake_repl.py"))
STATEMENT = {"cmd": "theorem t (p q : Prop) : p ∧ q → q ∧ p := by sorry"}


def fake(*args: str, **kw) -> ReplProcess:
    return ReplProcess([sys.executable, FAKE, *args], **kw)


def open_fds() -> int:
    """Pipes and anonymous inodes (pidfds, epoll): what the client opens. Sockets and files are left out:
    the client opens none, and threads earlier tests leave running (Ray's, torch's) open them at any time."""
    kinds = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            kinds.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:  # closed meanwhile (by another thread, or the listing's own descriptor)
            continue
    return sum(k.startswith(("pipe:", "anon_inode:")) for k in kinds)


def children() -> list[psutil.Process]:
    return psutil.Process().children(recursive=True)


@pytest.fixture
def no_leaks():
    """Whatever the test does, it must leave no child process (live or zombie) and no open descriptor.
    kill() reaps the child and closes the pipes before it returns, so there is nothing to wait for."""
    before_fds, before_kids = open_fds(), {p.pid for p in children()}
    yield
    extra = [p for p in children() if p.pid not in before_kids]
    assert not extra and open_fds() <= before_fds, \
        f"left behind: children {[(p.pid, p.status()) for p in extra]}, fds {open_fds()} > {before_fds}"


def wait_exit(pid: int) -> bool:
    """Block until process `pid` (not our child) has exited: its pidfd turns readable when it does.
    The 60 s bound only turns a hang into a failure; it is no measure of anything."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([fd], [], [], 60)[0])
    finally:
        os.close(fd)


def test_a_statement_and_tactics_round_trip(no_leaks):
    with fake() as proc:
        opened = proc.request(STATEMENT, timeout=10)
        assert isinstance(opened, CommandResponse) and opened.sorries[0].goal == "p q : Prop\n⊢ p ∧ q → q ∧ p"
        step = proc.request({"tactic": "intro h", "proofState": 0}, timeout=10)
        assert isinstance(step, TacticResponse) and step.goals == ("p q : Prop\nh : p ∧ q\n⊢ q ∧ p",)
        assert isinstance(proc.request({"tactic": "x", "proofState": 99}, timeout=10), ErrorResponse)
        assert proc.requests == 3


def test_a_hung_request_times_out_and_the_process_is_reaped(no_leaks):
    proc = fake()
    proc.request(STATEMENT, timeout=10)
    with pytest.raises(ReplTimeout, match="within 0.5s"):
        proc.request({"tactic": "hang", "proofState": 0}, timeout=0.5)
    assert not proc.alive and not psutil.pid_exists(proc.pid)


def test_a_crash_mid_answer_is_reported(no_leaks):
    proc = fake()
    proc.request(STATEMENT, timeout=10)
    with pytest.raises(ReplCrashed, match="mid-answer"):
        proc.request({"tactic": "crash", "proofState": 0}, timeout=10)
    assert not proc.alive
    with pytest.raises(ReplCrashed):  # and it stays dead
        proc.request(STATEMENT, timeout=10)


def test_garbage_output_is_a_failure_not_an_answer(no_leaks):
    proc = fake()
    proc.request(STATEMENT, timeout=10)
    with pytest.raises(ReplGarbled, match="not a response"):
        proc.request({"tactic": "garbage", "proofState": 0}, timeout=10)
    assert not proc.alive


def test_a_flood_on_stderr_cannot_block_the_process(no_leaks):
    with fake() as proc:
        proc.request(STATEMENT, timeout=10)
        for _ in range(3):  # 3 MB in all, far past a pipe's buffer
            assert isinstance(proc.request({"tactic": "flood", "proofState": 0}, timeout=10), TacticResponse)
        assert "flooding stderr" in proc.stderr_tail()


def test_a_process_that_dies_at_start_says_why(no_leaks):
    proc = fake("--exit-at-start", "3")
    with pytest.raises(ReplCrashed, match=r"code 3\): fake_repl: cannot load the toolchain"):
        proc.request(STATEMENT, timeout=10)


def test_a_missing_binary_is_one_clear_failure(no_leaks):
    with pytest.raises(ReplCrashed, match="cannot start"):
        ReplProcess(["/nonexistent/repl"])


def test_a_process_that_never_reads_cannot_block_a_large_request(no_leaks):
    proc = ReplProcess(["sleep", "30"])
    with pytest.raises(ReplTimeout, match="did not read the request within 0.5s"):
        proc.request({"cmd": "x" * (4 << 20)}, timeout=0.5)  # far more than a pipe holds
    assert not proc.alive


def test_memory_is_measured_over_the_process_tree(no_leaks):
    # `sh -c` keeps the fake as a grandchild, as `lake env` does with the REPL.
    with ReplProcess(["sh", "-c", f"{sys.executable} {FAKE} --leak-mb 100"], memory_mb=10_000) as proc:
        proc.request(STATEMENT, timeout=10)
        before = proc.rss_mb()
        proc.request({"tactic": "leak", "proofState": 0}, timeout=10)
        assert proc.rss_mb() - before > 80
        assert not proc.over_memory()
        proc.memory_mb = int(before) + 50
        assert proc.over_memory()


def test_kill_reaches_grandchildren(no_leaks):
    proc = ReplProcess(["sh", "-c", f"{sys.executable} {FAKE}"])
    proc.request(STATEMENT, timeout=10)
    grandchildren = psutil.Process(proc.pid).children(recursive=True)
    assert grandchildren
    proc.kill()

    # dead; a zombie is dead too, and reaping it is its new parent's job
    assert all(wait_exit(p.pid) for p in grandchildren)


# -- what the real REPL does with what it cannot take: throw, print `uncaught exception`, exit 1 ------


def test_a_request_that_is_not_json_ends_the_process(no_leaks, monkeypatch):
    proc = fake()
    proc.request(STATEMENT, timeout=10)
    monkeypatch.setattr(client, "request_line", lambda request: "this is not JSON\n\n")
    with pytest.raises(ReplCrashed, match=r"code 1\): uncaught exception: \{\"message\": \"Could not parse JSON"):
        proc.request({"cmd": "ignored"}, timeout=10)
    assert not proc.alive


def test_a_request_of_no_known_shape_ends_the_process(no_leaks):
    proc = fake()
    with pytest.raises(ReplCrashed, match="uncaught exception: .*Could not parse as a valid JSON command"):
        proc.request({"tactic": "simp"}, timeout=10)  # no proofState: no request shape fits
    assert not proc.alive


@pytest.mark.parametrize("content, why", [(None, "failed to open file"), ("not an olean", "failed to read file .*, invalid header")])
def test_an_unreadable_pickle_ends_the_process(tmp_path, no_leaks, content, why):
    path = tmp_path / "env.olean"
    if content is not None:
        path.write_text(content)
    proc = fake()
    with pytest.raises(ReplCrashed, match=f"code 1\\): uncaught exception: {why}"):
        proc.request({"unpickleEnvFrom": str(path)}, timeout=10)
    assert not proc.alive


def test_a_pickle_that_cannot_be_written_ends_the_process(tmp_path, no_leaks):
    proc = fake()
    env = proc.request({"cmd": "import Mathlib"}, timeout=10)
    with pytest.raises(ReplCrashed, match="uncaught exception: failed to write"):
        proc.request({"pickleTo": str(tmp_path / "missing" / "e.olean"), "env": env.env}, timeout=10)
    assert not proc.alive


def test_a_pickle_keeps_plain_opens_and_loses_open_scoped(tmp_path, no_leaks):
    """The stand-in's model of CommandSnapshot.unpickle: only `OpenDecl.simple` entries are re-activated."""
    statement = {"cmd": "theorem n (x : Nat) (h : 𝓝 = 𝓝) : x = x := by sorry"}
    with fake() as proc:
        for opening, survives in [("open scoped Topology", False), ("open Topology", True)]:
            env = proc.request({"cmd": f"import Mathlib\n{opening}"}, timeout=10).env
            assert not proc.request({**statement, "env": env}, timeout=10).errors
            path = tmp_path / f"{survives}.olean"
            proc.request({"pickleTo": str(path), "env": env}, timeout=10)
            unpickled = proc.request({"unpickleEnvFrom": str(path)}, timeout=10).env
            assert (not proc.request({**statement, "env": unpickled}, timeout=10).errors) is survives
