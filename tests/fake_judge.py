#!/usr/bin/env python3
"""A stand-in for `prover_judge check CHALLENGE SOLUTION [--allow AXIOM]...`, for tests.

It is not Lean and proves nothing: it prints what the real judge prints (lean_project/core/ProverJudge:
one line `{"ok", "name", "checks", "axioms", "errors"}`, exit 0 accepted / 1 refused) from a toy reading
of the two files, so the Python side (check.py) can be driven through every answer the judge can give.

The toy: the challenge must be `HEADER` + `theorem|lemma NAME ... : TYPE := by sorry` (an `example` states
no constant, as in Lean); the solution the same statement, then `:= by` and tactic lines. Names are read
as Lean writes them (primes, «quoted», `.{u}` universes, a docstring or `open … in` before the keyword).
Toy tactics: intro NAME, constructor, exact NAME, skip, and automation (simp, omega, ...: close any goal
but `False`); scripted outcomes: apply_axiom (axiom `myAxiom`), sorry_hidden (sorryAx), native_decide
(Lean.ofReduceBool), toy_retype (the solution's theorem has another type), toy_unsafe (an unsafe
constant), toy_skip_kernel (kernel replay fails); misbehaviour: judge_hang, judge_crash, judge_garbage,
judge_two (two JSON lines), judge_lie (accepts with sorryAx), judge_lie_checks (accepts, checks missing),
judge_leak (holds --leak-mb MB, then hangs). Every run is logged (--log FILE) with both files' text.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time

from fake_repl import split_top  # the toy Lean's bracket-aware split, shared by both stand-ins

CHECKS = ("challenge", "solution", "imports", "statement", "safety", "replay", "axioms")
AUTOMATION = {"omega", "simp", "decide", "norm_num", "linarith", "rfl", "trivial", "aesop", "simp_all", "tauto",
              "positivity", "nlinarith"}
_LEAK: list[bytearray] = []

_DECL = re.compile(
    r"^(?P<pre>(?:[ \t]*(?:/--(?:.|\n)*?-/|open\b[^\n]*\bin|set_option\b[^\n]*\bin)\s*)*)"
    r"(?P<kw>theorem|lemma|example)\b\s*(?P<rest>.*)$", re.S | re.M)
_NAME = re.compile(r"«(?P<quoted>[^»]*)»|(?P<plain>[^\s(:{\[«.]+(?:\.[^\s(:{\[«.]+)*)")
_IDENT = re.compile(r"[A-Za-z_][\w'!?]*(?:\.[A-Za-z_][\w'!?]*)*")


class Refused(Exception):
    def __init__(self, check: str, message: str, axioms: list[str] | None = None) -> None:
        super().__init__(message)
        self.check, self.axioms = check, axioms or []


def lean_name(raw: str) -> str:
    """The name as Lean's Name.toString prints it: «» only where the name is not an identifier."""
    return raw if _IDENT.fullmatch(raw) else f"«{raw}»"


def read_decl(text: str) -> tuple[str, str, str, str]:
    """(header, keyword, name, signature) of the one declaration, or Refused."""
    m = _DECL.search(text)
    if m is None:
        raise Refused("challenge", "unexpected end of input; expected a declaration")
    rest = m["rest"]
    if m["kw"] == "example":
        return text[:m.start()], "example", "", rest
    n = _NAME.match(rest)
    if n is None:
        raise Refused("challenge", "expected an identifier")
    name = lean_name(n["quoted"] if n["quoted"] is not None else n["plain"])
    sig = rest[n.end():]
    if (u := re.match(r"\.\{([^}]*)\}", sig)) is not None:  # universe parameters are part of the type
        sig = sig[u.end():] + f" universes {u.group(1)}"
    return text[:m.start()], m["kw"], name, sig


def goal_of(sig: str) -> tuple[list[str], str]:
    hyps = []
    rest = sig.strip()
    while rest.startswith(("(", "{", "[")):
        close = {"(": ")", "{": "}", "[": "]"}[rest[0]]
        parts = split_top(rest[1:], close)
        if parts is None:
            raise Refused("challenge", f"expected '{close}'")
        hyps.append(parts[0].strip())
        rest = parts[1].lstrip()
    if not rest.startswith(":"):
        raise Refused("challenge", "expected ':'")
    return hyps, " ".join(rest[1:].split())


def run_tactics(sig: str, lines: list[str]) -> set[str]:
    """The axioms the toy proof uses; Refused when it fails or is scripted to."""
    hyps, target = goal_of(sig.split(" universes ")[0])
    goals: list[tuple[list[str], str]] = [(hyps, target)]
    axioms = {"propext"}
    for line in lines:
        tactic = line.strip()
        if not tactic:
            continue
        word = tactic.split()[0]
        if word == "skip":
            continue
        if word == "toy_retype":
            raise Refused("statement", "the solution's theorem does not have the challenge's type")
        if word == "toy_unsafe":
            raise Refused("safety", "the solution declares `t.unsafe_aux`, which is unsafe or partial")
        if word == "toy_skip_kernel":
            raise Refused("replay", "the kernel rejects `t`: (kernel) declaration type mismatch")
        if not goals:
            raise Refused("solution", "1:2: no goals to be proved")
        (hs, tgt), rest = goals[0], goals[1:]
        if word == "intro" and len(tactic.split()) == 2 and (parts := split_top(tgt, " → ")) is not None:
            goals = [(hs + [f"{tactic.split()[1]} : {parts[0]}"], parts[1]), *rest]
        elif word == "constructor" and (parts := split_top(tgt, " ∧ ")) is not None:
            goals = [(hs, parts[0]), (hs, parts[1]), *rest]
        elif word == "exact" and len(tactic.split()) == 2 and any(
                tactic.split()[1] in h.partition(" : ")[0].split() and h.partition(" : ")[2] == tgt for h in hs):
            goals = rest
        elif word in AUTOMATION and tgt != "False":
            goals = rest
        elif word in ("apply_axiom", "sorry_hidden", "native_decide"):
            axioms.add({"apply_axiom": "myAxiom", "sorry_hidden": "sorryAx", "native_decide": "Lean.ofReduceBool"}[word])
            goals = rest
        else:
            raise Refused("solution", f"1:2: {word} failed")
    if goals:
        raise Refused("solution", "1:0: unsolved goals\n⊢ " + goals[0][1])
    return axioms


def judge(challenge: str, solution: str, allowed: list[str]) -> dict:
    out: dict = {"ok": False, "name": None, "checks": list(CHECKS), "axioms": [], "errors": []}
    try:
        if not challenge.rstrip().endswith(":= by sorry"):
            raise Refused("challenge", "the challenge must state exactly one theorem with `sorry`; it states 0")
        statement = challenge.rstrip()[:-len(":= by sorry")]
        _header, kw, name, sig = read_decl(statement)
        if kw == "example":  # an example adds no constant to the environment
            raise Refused("challenge", "the challenge must state exactly one theorem with `sorry`; it states 0")
        goal_of(sig.split(" universes ")[0])
        out["name"] = name
        if not solution.startswith(statement + ":= by\n"):
            raise Refused("statement", f"the solution's `{name}` does not have the challenge's type")
        lines = solution[len(statement + ":= by\n"):].split("\n")
        misbehave(lines)
        axioms = run_tactics(sig, lines)
        out["axioms"] = sorted(axioms)
        extra = sorted(set(axioms) - set(allowed))
        if extra:
            raise Refused("axioms", f"`{name}` depends on axioms outside the allowed set: [{', '.join(extra)}]")
        out["ok"] = True
    except Refused as e:
        out["checks"] = list(CHECKS[:CHECKS.index(e.check) + 1])  # the checks ran up to the one that refused
        out["errors"].append(str(e))
    return out


def misbehave(lines: list[str]) -> None:
    words = {line.split()[0] for line in lines if line.strip()}
    if "judge_hang" in words:
        time.sleep(10**6)
    if "judge_leak" in words:
        chunk = bytearray(LEAK_MB * 2**20)
        for i in range(0, len(chunk), 4096):  # touch every page so it counts as resident
            chunk[i] = 1
        _LEAK.append(chunk)
        time.sleep(10**6)
    if "judge_crash" in words:
        sys.stdout.write('{"ok": true, "na')
        sys.stdout.flush()
        os._exit(3)
    if "judge_garbage" in words:
        print("elaborating... done {{{")
        sys.exit(0)
    if "judge_two" in words:
        print(json.dumps({"ok": False, "name": "t", "checks": ["challenge"], "axioms": [], "errors": ["x"]}))
        print(json.dumps({"ok": True, "name": "t", "checks": list(CHECKS), "axioms": [], "errors": []}))
        sys.exit(0)
    if "judge_lie" in words:
        print(json.dumps({"ok": True, "name": "t", "checks": list(CHECKS), "axioms": ["sorryAx"], "errors": []}))
        sys.exit(0)
    if "judge_lie_checks" in words:
        print(json.dumps({"ok": True, "name": "t", "checks": ["challenge", "solution"], "axioms": [], "errors": []}))
        sys.exit(0)


LEAK_MB = 64


def main(argv: list[str]) -> int:
    global LEAK_MB
    log = None
    while argv and argv[0] != "check":
        flag, value, argv = argv[0], argv[1], argv[2:]
        if flag == "--log":
            log = value
        elif flag == "--leak-mb":
            LEAK_MB = int(value)
    if len(argv) < 3 or argv[0] != "check":
        print("usage: prover_judge check CHALLENGE.lean SOLUTION.lean [--allow AXIOM]...", file=sys.stderr)
        return 2
    challenge_file, solution_file, rest = argv[1], argv[2], argv[3:]
    allowed = [rest[i + 1] for i in range(0, len(rest) - 1, 2) if rest[i] == "--allow"]
    with open(challenge_file, encoding="utf-8") as f:
        challenge = f.read()
    with open(solution_file, encoding="utf-8") as f:
        solution = f.read()
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(json.dumps({"pid": os.getpid(), "challenge": challenge, "solution": solution,
                                "allowed": allowed}) + "\n")
    out = judge(challenge, solution, allowed)
    print(json.dumps(out, ensure_ascii=False))
    return 0 if out["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
