#!/usr/bin/env python3
"""A stand-in for the Lean REPL process: speaks its protocol on stdin/stdout, for tests and benchmarks.

It is not Lean and proves nothing; it exists to drive the real client, worker, pool and LeanEnv through
everything a REPL process can do to them. Two modes:

  fake_repl.py --transcript DIR/NAME.in   replay a real transcript: answer each request with the
                                          response Lean gave (NAME.expected.out), verbatim
  fake_repl.py [options]                  a toy "Lean": statements `theorem n (a b : T) (h : P) : Q`,
                                          a few tactics, and scripted misbehaviour (tactics below)

Toy tactics: intro NAME, constructor, exact NAME, omega/simp/decide/norm_num/linarith/rfl/trivial
(close any goal but `False`), skip/noop (no change), apply_axiom (closes, uses axiom `myAxiom`),
sorry_hidden (closes; the declaration warns it uses sorry), error_empty (no goals plus an error),
status_sorry ("Incomplete: contains sorry"), extract_goal (the main goal as `theorem extracted_1 ... :=
sorry` in an info message, as Mathlib's tactic logs it; the goals unchanged), slow (0.3 s), hang (never answers), crash (dies
mid-answer), garbage (answers non-JSON), flood (1 MB on stderr first), leak (keeps --leak-mb more MB).
Anything else is an unknown tactic. Requests are logged (--log FILE, one JSON line each, with the
time this process spent on it) so tests can count header elaborations, unpickles and restarts.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

AUTOMATION = {"omega", "simp", "decide", "norm_num", "linarith", "rfl", "trivial", "aesop", "simp_all", "tauto"}
_LEAK: list[bytearray] = []


def read_request() -> str | None:
    """Lines up to a blank line, like the REPL; None at end of input."""
    lines = []
    for line in sys.stdin:
        if not line.strip():
            if lines:
                return "".join(lines)
            continue
        lines.append(line)
    return "".join(lines) if lines else None


def emit(obj: dict | str) -> None:
    text = obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False, indent=1)
    sys.stdout.write(text.rstrip("\n") + "\n\n")
    sys.stdout.flush()


def blocks(path: Path) -> list[str]:
    return [b for b in re.split(r"\n\s*\n", path.read_text()) if b.strip()]


# ---------------------------------------------------------------------------------------------------
# The toy Lean


def split_top(text: str, sep: str) -> tuple[str, str] | None:
    """Split at the first `sep` outside brackets."""
    depth = 0
    for i, ch in enumerate(text):
        if depth == 0 and text.startswith(sep, i):
            return text[:i], text[i + len(sep):]
        if ch in "([{⟨":
            depth += 1
        elif ch in ")]}⟩":
            depth -= 1
    return None


def parse_statement(stmt: str) -> tuple[str, list[str], str]:
    """`theorem n (a b : T) (h : P) : Q` -> (name, ["a b : T", "h : P"], "Q"); ValueError if malformed."""
    m = re.match(r"\s*(theorem|lemma|example)\s*([^\s(:{\[]*)\s*(.*)$", stmt, re.S)
    if not m or stmt.count("(") != stmt.count(")"):
        raise ValueError("unexpected token; expected term")
    name, rest = m.group(2) or "_example", m.group(3)
    hyps = []
    while rest.startswith("("):
        close = split_top(rest[1:], ")")  # the binder's closing parenthesis
        if close is None:
            raise ValueError("unexpected token; expected ')'")
        hyps.append(close[0].strip())
        rest = close[1].lstrip()
    if not rest.startswith(":"):
        raise ValueError("unexpected token; expected ':'")
    return name, hyps, " ".join(rest[1:].split())


def goal_text(hyps: list[str], target: str, case: str | None = None) -> str:
    return "\n".join(([f"case {case}"] if case else []) + hyps + [f"⊢ {target}"])


def parse_goal(goal: str) -> tuple[list[str], str]:
    lines = [ln for ln in goal.split("\n") if not ln.startswith("case ")]
    return lines[:-1], lines[-1].removeprefix("⊢ ")


class ToyLean:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.envs: list[dict] = []  # {"decls": {name: [axioms]}}
        self.states: list[list[str]] = []
        self.axioms_used: set[str] = set()
        self.sorry_used = False

    def new_env(self, decls: dict | None = None) -> int:
        self.envs.append({"decls": dict(decls or {})})
        return len(self.envs) - 1

    def new_state(self, goals: list[str]) -> int:
        self.states.append(goals)
        return len(self.states) - 1

    def tactic(self, goals: list[str], tactic: str) -> list[str]:
        """The goals after `tactic`; ValueError(message) when it fails. Misbehaviour happens here."""
        tactic = tactic.strip()
        word = tactic.split()[0] if tactic else ""
        if word == "hang":
            time.sleep(10**6)
        if word == "crash":
            sys.stdout.write('{"proofState": 7,\n "goals": [')
            sys.stdout.flush()
            os._exit(3)
        if word == "flood":
            for _ in range(1024):
                sys.stderr.write("flooding stderr " + "x" * 1000 + "\n")
            sys.stderr.flush()
            return goals
        if word == "leak":
            chunk = bytearray(self.args.leak_mb * 2**20)
            for i in range(0, len(chunk), 4096):  # touch every page so it counts as resident
                chunk[i] = 1
            _LEAK.append(chunk)
            return goals
        if word == "slow":
            time.sleep(0.3)
            return goals
        if word in ("skip", "noop"):
            return goals
        if not goals:
            raise ValueError("no goals to be proved")
        hyps, target = parse_goal(goals[0])
        rest = goals[1:]
        if word == "intro" and len(tactic.split()) == 2:
            parts = split_top(target, " → ")
            if parts is None:
                raise ValueError("no additional binders or arrows to introduce")
            return [goal_text(hyps + [f"{tactic.split()[1]} : {parts[0]}"], parts[1])] + rest
        if word == "constructor":
            parts = split_top(target, " ∧ ")
            if parts is None:
                raise ValueError("constructor failed, target is not an inductive datatype with one constructor")
            return [goal_text(hyps, parts[0], "left"), goal_text(hyps, parts[1], "right")] + rest
        if word == "exact" and len(tactic.split()) == 2:
            name = tactic.split()[1]
            for h in hyps:
                names, _, typ = h.partition(" : ")
                if name in names.split() and typ == target:
                    return rest
            raise ValueError(f"type mismatch\n  {name}\nhas a different type than\n  {target}")
        if word in AUTOMATION:
            if target == "False":
                raise ValueError(f"{word} failed to prove the goal")
            return rest
        if word == "apply_axiom":
            self.axioms_used.add("myAxiom")
            return rest
        if word == "sorry_hidden":
            self.sorry_used = True
            return rest
        raise ValueError("<input>:1:1: unknown tactic")

    # -- requests ------------------------------------------------------------------------------------

    def handle(self, req: dict) -> dict:
        if "unpickleEnvFrom" in req:
            try:
                data = json.loads(Path(req["unpickleEnvFrom"]).read_text())
            except OSError as e:
                return {"message": f"unpickle failed: {e}"}
            time.sleep(self.args.header_delay / 4)
            return {"env": self.new_env(data["decls"])}
        if "pickleTo" in req:
            if req.get("env") not in range(len(self.envs)):
                return {"message": "Unknown environment."}
            Path(req["pickleTo"]).write_text(json.dumps(self.envs[req["env"]]))
            return {"env": req["env"]}
        if "tactic" in req:
            return self.step(req)
        if "cmd" in req:
            return self.command(req)
        return {"message": "Could not parse as a valid JSON command"}

    def step(self, req: dict) -> dict:
        ps = req.get("proofState")
        if not isinstance(ps, int) or not 0 <= ps < len(self.states):
            return {"message": "Unknown proof state."}
        word = req["tactic"].strip().split()[0] if req["tactic"].strip() else ""
        if word == "garbage":
            return "this is not JSON {{{"  # type: ignore[return-value]
        if word == "error_empty":
            error = {"severity": "error", "pos": {"line": 0, "column": 0}, "endPos": {"line": 0, "column": 0},
                     "data": "unsolved goals\n" + self.states[ps][0] if self.states[ps] else "unsolved goals"}
            return {"proofState": self.new_state([]), "goals": [], "messages": [error],
                    "proofStatus": "Incomplete: contains metavariable(s)"}
        if word == "extract_goal" and self.states[ps]:  # Mathlib's: the main goal as a theorem, in an info message
            hyps, target = parse_goal(self.states[ps][0])
            binders = "".join(f" ({h})" for h in hyps)
            return {"proofState": self.new_state(self.states[ps]), "goals": self.states[ps],
                    "messages": [message("info", f"theorem extracted_1{binders} :\n    {target} := sorry")],
                    "proofStatus": "Incomplete: open goals remain"}
        if word == "status_sorry":
            return {"proofState": self.new_state([]), "goals": [], "sorries": [{"proofState": 0, "goal": "⊢ x"}],
                    "proofStatus": "Incomplete: contains sorry"}
        try:
            goals = self.tactic(self.states[ps], req["tactic"])
        except ValueError as e:
            return {"message": f"Lean error:\n{e}"}
        status = "Incomplete: open goals remain" if goals else "Completed"
        return {"proofState": self.new_state(goals), "goals": goals, "proofStatus": status}

    def command(self, req: dict) -> dict:
        env = req.get("env")
        if env is not None and env not in range(len(self.envs)):
            return {"message": "Unknown environment."}
        decls = self.envs[env]["decls"] if env is not None else {}
        cmd = req["cmd"]
        if cmd.strip().startswith("#print axioms"):
            name = cmd.split()[-1]
            if name not in decls:
                return {"env": self.new_env(decls), "messages": [message("error", f"unknown constant '{name}'")]}
            axioms = decls[name]
            text = f"'{name}' depends on axioms: [{', '.join(axioms)}]" if axioms else f"'{name}' does not depend on any axioms"
            return {"env": self.new_env(decls), "messages": [message("info", text)]}
        m = re.search(r"^(theorem|lemma|example)\b", cmd, re.M)
        if m is None:  # a header
            if self.args.header_error:
                return {"env": self.new_env(), "messages": [message("error", "unknown module prefix 'Mathlib'")]}
            time.sleep(self.args.header_delay)
            return {"env": self.new_env(decls)}
        decl = cmd[m.start():]
        parts = decl.rsplit(":= by", 1)
        if len(parts) != 2:
            return {"env": self.new_env(decls), "messages": [message("error", "unexpected end of input")]}
        try:
            name, hyps, target = parse_statement(parts[0])
        except ValueError as e:
            return {"env": self.new_env(decls), "messages": [message("error", str(e))]}
        if name in decls:
            return {"env": self.new_env(decls), "messages": [message("error", f"'{name}' has already been declared")]}
        root = [goal_text(hyps, target)]
        body = parts[1].strip()
        if body == "sorry":
            ps = self.new_state(root)
            return {"env": self.new_env(decls), "sorries": [{"proofState": ps, "goal": root[0]}],
                    "messages": [message("warning", "declaration uses `sorry`")]}
        self.axioms_used, self.sorry_used = {"propext"} if self.args.axioms is None else set(self.args.axioms), False
        goals = root
        for line in body.split("\n"):
            if not line.strip():
                continue
            try:
                goals = self.tactic(goals, line)
            except ValueError as e:
                return {"env": self.new_env(decls), "messages": [message("error", str(e))]}
        if goals:
            return {"env": self.new_env(decls), "messages": [message("error", "unsolved goals\n" + goals[0])]}
        new = dict(decls, **{name: sorted(self.axioms_used | ({"sorryAx"} if self.sorry_used else set()))})
        msgs = [message("warning", "declaration uses `sorry`")] if self.sorry_used else []
        return {"env": self.new_env(new), **({"messages": msgs} if msgs else {})}


def message(severity: str, data: str) -> dict:
    return {"severity": severity, "pos": {"line": 1, "column": 0}, "endPos": {"line": 1, "column": 1}, "data": data}


# ---------------------------------------------------------------------------------------------------


def log(args: argparse.Namespace, kind: str, seconds: float) -> None:
    if args.log:
        fd = os.open(args.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.write(fd, (json.dumps({"pid": os.getpid(), "kind": kind, "seconds": seconds}) + "\n").encode())
        os.close(fd)


def kind_of(req: dict) -> str:
    if "unpickleEnvFrom" in req:
        return "unpickle"
    if "pickleTo" in req:
        return "pickle"
    if "tactic" in req:
        return "tactic"
    cmd = req.get("cmd", "")
    if cmd.startswith("#print axioms"):
        return "axioms"
    if re.search(r"^(theorem|lemma|example)\b", cmd, re.M) is None:
        return "header"
    return "check" if "env" not in req else "statement"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--transcript", type=Path)
    p.add_argument("--log")
    p.add_argument("--header-delay", type=float, default=0.0)
    p.add_argument("--header-error", action="store_true")
    p.add_argument("--axioms", type=lambda s: [a for a in s.split(",") if a], default=None)
    p.add_argument("--leak-mb", type=int, default=64)
    p.add_argument("--crash-at", type=int, default=0, help="die mid-answer on this request (1-based)")
    p.add_argument("--once", help="with --crash-at: only if this file is absent (it is created)")
    p.add_argument("--exit-at-start", type=int, default=None)
    args = p.parse_args()
    if args.exit_at_start is not None:
        sys.stderr.write("fake_repl: cannot load the toolchain\n")
        sys.exit(args.exit_at_start)
    if args.transcript:
        # the REPL joins a request's lines after trimming each one's end; read them the way it does
        requests = [json.loads("".join(ln.rstrip() for ln in b.splitlines())) for b in blocks(args.transcript)]
        answers = blocks(args.transcript.with_suffix(".expected.out"))
        for i, expected in enumerate(requests):
            raw = read_request()
            if raw is None:
                return
            got = json.loads("".join(ln.rstrip() for ln in raw.splitlines()))
            emit(answers[i] if got == expected and i < len(answers)
                 else {"message": f"fake_repl: unexpected request {i}"})
        return
    lean = ToyLean(args)
    n = 0
    while (raw := read_request()) is not None:
        n += 1
        started = time.perf_counter()
        if args.crash_at == n and not (args.once and os.path.exists(args.once)):
            if args.once:
                Path(args.once).touch()
            sys.stdout.write('{"env": ')
            sys.stdout.flush()
            os._exit(3)
        try:
            req = json.loads(raw)
        except json.JSONDecodeError as e:
            emit({"message": f"Could not parse JSON:\n{e}"})
            continue
        answer = lean.handle(req)
        log(args, kind_of(req), time.perf_counter() - started)  # before answering: a reader sees the log first
        emit(answer)


if __name__ == "__main__":
    main()
