"""The final check: the only thing that makes a theorem proved.

The gate runs first, on every piece. Then two files are written to a fresh temporary directory: the
challenge (the header, the statement byte for byte, `:= by sorry`) and the solution (the same, with the
tactics, exactly as `Proof.render()` writes it), and the judge (`prover_judge`, lean_project/core)
decides: it elaborates each file in a fresh process, the challenge first, finds the theorem the
challenge states, and accepts only if the solution's theorem of that name has the same type, every
constant the solution adds passes the kernel again, and that theorem's axioms, collected in the
replayed environment, are allowed (docs/lean.md, "The judge"). The judge runs under a time limit and a
memory cap on its whole process tree; its one line of JSON is read strictly (protocol.parse_judgement),
and anything else (a crash, a timeout, garbage, an acceptance that contradicts itself) is a rejection
that says why. Nothing else can return an accepted Verdict.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import psutil

from prover.config import LeanConfig
from prover.core import EnvUnavailable, GateError, Proof, Theorem, Verdict
from prover.env.lean import gate
from prover.env.lean.lexer import LexError, tokenize
from prover.env.lean.protocol import Judgement, ProtocolError, parse_judgement
from prover.env.lean.toolchain import SETUP_STEP, judge_binary, judge_command

NATIVE_AXIOMS = ("Lean.ofReduceBool", "Lean.trustCompiler")
NEVER_ALLOWED = {"sorryAx"}  # whatever the configuration says: a proof with a hole is no proof
CHECK_NAME = "prover_checked_example"
MEMORY_POLL_S = 0.25  # how often the judge's memory is looked at while it runs
MAX_OUTPUT = 1 << 20  # bytes of the judge's stdout read; more is not a judgement


class JudgeFailure(Exception):
    """The judge gave no judgement: it could not start, ran out of time or memory."""


def allowed_axioms(cfg: LeanConfig) -> set[str]:
    allowed = set(cfg.allowed_axioms) | (set(NATIVE_AXIOMS) if cfg.allow_native_decide else set())
    return allowed - NEVER_ALLOWED


# ---------------------------------------------------------------------------------------------------
# The two files


def _example_keyword(statement: str) -> int | None:
    """Where the `example` keyword is, if the declaration is an example: its declaration keyword as Lean's
    lexer reads the text (comments, strings and «names» hide nothing and fake nothing)."""
    try:
        tokens = tokenize(statement)
    except LexError:  # the gate refuses text Lean cannot lex before it gets here
        return None
    for tok in tokens:
        if tok.is_word("theorem", "lemma"):
            return None
        if tok.is_word("example"):
            return tok.start
    return None


def judged_theorem(theorem: Theorem) -> tuple[Theorem, str]:
    """(the theorem as judged, a note). An `example` adds no constant, so there is nothing to compare or
    audit: it is judged as a theorem named CHECK_NAME (only the keyword changes, in both files; a theorem
    is checked at least as strictly as an example)."""
    at = _example_keyword(theorem.statement)
    if at is None:
        return theorem, ""
    statement = f"{theorem.statement[:at]}theorem {CHECK_NAME}{theorem.statement[at + len('example'):]}"
    note = f"judged the example as `theorem {CHECK_NAME}`"
    return Theorem(CHECK_NAME, statement, theorem.header, theorem.informal), note


def challenge_source(theorem: Theorem) -> str:
    """The challenge: the header and the statement, byte for byte, with `sorry` for the proof (laid out as
    `Proof.render` lays out the solution, so the two files differ only after `:= by`)."""
    solution = Proof(theorem, ()).render()
    return solution[:solution.rindex(":= by\n")] + ":= by sorry\n"


# ---------------------------------------------------------------------------------------------------
# Running the judge


def _tree_rss_mb(ps: psutil.Process) -> float:
    total = 0
    try:
        tree = [ps, *ps.children(recursive=True)]
    except psutil.Error:
        tree = [ps]
    for p in tree:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


def _exited(pid: int, timeout: float) -> bool:
    """Whether the child `pid` has exited, waiting up to `timeout` seconds; it is not reaped."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):  # no pidfd here (old kernel, not Linux): look once, then wait
        fd = None
    try:
        if fd is not None:
            select.select([fd], [], [], timeout)
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return True
        if fd is None:
            time.sleep(timeout)
        return False
    except ChildProcessError:
        return True
    finally:
        if fd is not None:
            os.close(fd)


def run_judge(argv: Sequence[str], *, cwd: Path | None, timeout: float, memory_mb: int | None,
              workdir: Path) -> tuple[int, str, str]:
    """(exit code, stdout, stderr tail) of one judge run. JudgeFailure when it cannot start, outlives
    `timeout` or its process tree passes `memory_mb`; then the whole tree (its own process group) is
    killed before the judge is reaped, so no kill can reach a process that is not ours."""
    out_path, err_path = workdir / "judge.out", workdir / "judge.err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        try:
            proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=cwd,
                                    start_new_session=True)
        except OSError as e:
            raise JudgeFailure(f"cannot start `{argv[0]}`: {e.strerror or e}") from e
        ps = psutil.Process(proc.pid)
        deadline = time.monotonic() + timeout
        try:
            while not _exited(proc.pid, max(0.0, min(MEMORY_POLL_S, deadline - time.monotonic()))):
                if time.monotonic() >= deadline:
                    raise JudgeFailure(f"the judge gave no judgement within {timeout:g} s")
                if memory_mb is not None and (rss := _tree_rss_mb(ps)) > memory_mb:
                    raise JudgeFailure(f"the judge used {rss:.0f} MB, over its cap of {memory_mb} MB")
        finally:
            # Whatever the judge left running (a child elaborating) goes with it. The judge is not reaped
            # yet, so its process group id cannot have been reused: the kill reaches our processes only.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            code = proc.wait()
    with open(out_path, "rb") as f:
        stdout = f.read(MAX_OUTPUT + 1)
    if len(stdout) > MAX_OUTPUT:
        stdout = b""  # a flood is not a judgement; parse_judgement says so
    stderr = err_path.read_bytes()[-2000:].decode("utf-8", "replace").strip()
    return code, stdout.decode("utf-8", "replace"), stderr


def _command(cfg: LeanConfig) -> tuple[list[str], Path | None]:
    if cfg.judge_command:
        return list(cfg.judge_command), None
    binary = judge_binary(cfg)
    if not binary.is_file():
        raise EnvUnavailable(f"the judge (the final check) is not built: {binary} is missing; {SETUP_STEP}")
    # `lake env` must run in the project, so that the challenge's imports are on the search path
    return judge_command(cfg), cfg.project_dir if cfg.project_dir.is_dir() else None


def judgement_verdict(judgement: Judgement, cfg: LeanConfig, source: str, notes: tuple[str, ...] = ()) -> Verdict:
    """The Verdict for what the judge answered. The judge's acceptance is re-read here: its axioms must be
    within what this configuration allows (sorryAx never), so a judge run with other flags, or one
    that lies, cannot make a proof."""
    checks = ("gate", *judgement.checks)
    if not judgement.ok:
        return Verdict(False, judgement.errors, axioms=judgement.axioms, source=source, checks=checks)
    extra = sorted(set(judgement.axioms) - allowed_axioms(cfg))
    if extra:
        return Verdict(False, (f"the proof depends on axioms outside the allowed set: {', '.join(extra)}",),
                       axioms=judgement.axioms, source=source, checks=checks)
    return Verdict(True, notes, axioms=judgement.axioms, source=source, checks=checks)


def final_check(proof: Proof, cfg: LeanConfig) -> Verdict:
    theorem = proof.theorem
    try:
        gate.check_header(theorem.header, cfg)
        gate.check_statement(theorem.statement, cfg)
        for tactic in proof.tactics:
            gate.check_tactic(tactic, cfg)
    except GateError as e:
        return Verdict(False, (str(e),), source=proof.render(), checks=("gate",))
    judged, note = judged_theorem(theorem)
    notes = (note,) if note else ()
    source = Proof(judged, proof.tactics).render()
    command, cwd = _command(cfg)
    with tempfile.TemporaryDirectory(prefix="prover-judge-") as tmp:
        workdir = Path(tmp)
        challenge, solution = workdir / "Challenge.lean", workdir / "Solution.lean"
        challenge.write_text(challenge_source(judged), encoding="utf-8")
        solution.write_text(source, encoding="utf-8")
        argv = [*command, "check", str(challenge), str(solution)]
        for axiom in sorted(allowed_axioms(cfg)):
            argv += ["--allow", axiom]
        try:
            code, stdout, stderr = run_judge(argv, cwd=cwd, timeout=cfg.judge_timeout, memory_mb=cfg.memory_mb,
                                             workdir=workdir)
        except JudgeFailure as e:
            return Verdict(False, (f"{e}: rejected",), source=source, checks=("gate",))
    try:
        judgement = parse_judgement(stdout)
    except ProtocolError as e:
        where = f"; stderr: {stderr[-300:]}" if stderr else ""
        return Verdict(False, (f"the judge (exit code {code}) gave no judgement: {e}{where}",),
                       source=source, checks=("gate",))
    if code != (0 if judgement.ok else 1):
        return Verdict(False, (f"the judge's exit code {code} contradicts its judgement",), source=source,
                       checks=("gate", *judgement.checks))
    return judgement_verdict(judgement, cfg, source, notes)

