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
time this process spent on it; a `start` line when a process starts) so tests can count process
starts, imports, header commands, pickles and unpickles.

Where the real REPL (REPL/Main.lean at the pinned tag) throws, the stand-in does what Lean's runtime
does with an exception nobody catches: `uncaught exception: MESSAGE` on stderr, exit code 1, nothing on
stdout. That happens for a request that is not JSON or fits no request shape (including a blank line on
its own, which the REPL reads as a request), an `unpickleEnvFrom` whose file is missing or unreadable,
and a `pickleTo` that cannot write (--pickle-fail forces it; --pickle-corrupt writes a file that cannot
be read back). The toy's environments carry imports, plain `open`s and the namespaces whose scoped
notation is active; a pickle keeps the plain opens only, as CommandSnapshot.unpickle re-activates only
`OpenDecl.simple` entries, so `open scoped Topology` is lost across a pickle (the toy's scoped notation
is `𝓝`, needing Topology). A `{"tactic"}` text is parsed as runParserCategory `tactic` does: one tactic;
a second line at column 0 (or a top-level `;`) is a parse error, and `(tac1\n tac2\n)` runs a sequence.
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


_ASCII_WS = " \t\r\n\v\f"


def read_request() -> str:
    """The REPL's getLines: lines up to a blank one, each trimmed at its end and joined with nothing
    between; the blank line (or "" at end of input) ends the text. So a blank line alone is the
    request "\n", and "" means end of input."""
    parts = []
    while True:
        line = sys.stdin.readline()
        if not line.strip(_ASCII_WS):
            parts.append(line)
            return "".join(parts)
        parts.append(line.rstrip(_ASCII_WS))


class Uncaught(Exception):
    """What the REPL throws and nothing catches: the process prints it and exits 1."""


def die(message: str) -> None:
    sys.stderr.write(f"uncaught exception: {message}\n")
    sys.stderr.flush()
    sys.exit(1)


def error_json(message: str) -> str:
    return json.dumps({"message": message}, ensure_ascii=False)


MAGIC = "fake-olean 1\n"
SCOPED_NOTATION = {"𝓝": "Topology"}  # a token and the namespace whose scoped notation defines it


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


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def parse_tactics(text: str) -> list[str]:
    """The tactics a `{"tactic"}` text runs, read as runParserCategory `tactic` reads it: one tactic
    (its continuation lines indented), or `(` a sequence `)` whose tactics start at the column of the
    first; ValueError with Lean's complaint otherwise."""
    body = text.strip("\n")
    if body.strip().startswith("(") and body.rstrip().endswith(")"):
        lines = body.strip()[1:-1].split("\n")
        column = 1 + _indent(lines[0])
        tactics: list[str] = []
        for i, line in enumerate(lines):
            if not line.strip():
                continue
            if i and _indent(line) < column:
                raise ValueError(f"<input>:{i + 1}:{_indent(line)}: expected ')'")
            if i == 0 or _indent(line) == column:
                tactics += [part.strip() for part in line.split(";") if part.strip()]
            else:
                tactics[-1] += " " + line.strip()
        return tactics
    lines = body.split("\n")
    for i, line in enumerate(lines[1:], start=2):
        if line.strip() and _indent(line) == 0:
            raise ValueError(f"<input>:{i}:0: expected end of input")
    if re.search(r"(?<!<);(?!>)", body):
        raise ValueError(f"<input>:1:{body.index(';')}: expected end of input")
    return [" ".join(line.strip() for line in lines if line.strip())]


def goal_text(hyps: list[str], target: str, case: str | None = None) -> str:
    return "\n".join(([f"case {case}"] if case else []) + hyps + [f"⊢ {target}"])


def parse_goal(goal: str) -> tuple[list[str], str]:
    lines = [ln for ln in goal.split("\n") if not ln.startswith("case ")]
    return lines[:-1], lines[-1].removeprefix("⊢ ")


class ToyLean:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.envs: list[dict] = []  # {"decls": {name: [axioms]}, "imports": [...], "opens": [...], "active": [...]}
        self.states: list[list[str]] = []
        self.axioms_used: set[str] = set()
        self.sorry_used = False

    def new_env(self, decls: dict | None = None, scope: dict | None = None) -> int:
        scope = scope or {}
        self.envs.append({"decls": dict(decls or {}), "imports": list(scope.get("imports", [])),
                          "opens": list(scope.get("opens", [])), "active": sorted(scope.get("active", []))})
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

    def handle(self, req: dict) -> dict | str:
        """One request, dispatched in the REPL's order of shapes (REPL/Main.lean `parse`)."""
        if isinstance(req.get("tactic"), str) and _nat(req.get("proofState")):
            return self.step(req)
        if _nat(req.get("env")) and isinstance(req.get("pickleTo"), str):
            return self.pickle(req)
        if isinstance(req.get("unpickleEnvFrom"), str):
            return self.unpickle(req["unpickleEnvFrom"])
        if _nat(req.get("proofState")) and isinstance(req.get("pickleTo"), str):
            return {"message": "fake_repl: proof-state pickles are not modelled"}
        if isinstance(req.get("unpickleProofStateFrom"), str):
            return {"message": "fake_repl: proof-state pickles are not modelled"}
        if isinstance(req.get("cmd"), str) and (req.get("env") is None or _nat(req.get("env"))):
            return self.command(req)
        if isinstance(req.get("path"), str):
            return {"message": "fake_repl: files are not modelled"}
        raise Uncaught(error_json(f"Could not parse as a valid JSON command:\nno request shape fits {json.dumps(req)[:80]}"))

    def pickle(self, req: dict) -> dict:
        if req["env"] not in range(len(self.envs)):
            return {"message": "Unknown environment."}
        path, env = req["pickleTo"], self.envs[req["env"]]
        if self.args.pickle_fail:
            raise Uncaught(f"failed to write '{path}': Permission denied")
        keep = {"decls": env["decls"], "imports": env["imports"], "opens": env["opens"]}  # no scoped activations
        try:
            Path(path).write_text("garbage, not an olean" if self.args.pickle_corrupt else MAGIC + json.dumps(keep))
        except OSError as e:
            raise Uncaught(f"failed to write '{path}': {e.strerror}") from None
        return {"env": req["env"]}

    def unpickle(self, path: str) -> dict:
        try:
            text = Path(path).read_text()
        except OSError:
            raise Uncaught(f"failed to open file '{path}'") from None
        if not text.startswith(MAGIC):
            raise Uncaught(f"failed to read file '{path}', invalid header")
        data = json.loads(text[len(MAGIC):])
        time.sleep(self.args.header_delay)  # importModules, as for a header
        # CommandSnapshot.unpickle: importModules, then activateScoped for each plain `open` only
        return {"env": self.new_env(data["decls"], {**data, "active": data["opens"]})}

    def scope_commands(self, text: str, env: dict | None) -> dict | str:
        """Run header-like commands (import, set_option, open): the new scope, or an error text."""
        scope = {"imports": list(env["imports"]), "opens": list(env["opens"]), "active": set(env["active"])} \
            if env is not None else {"imports": [], "opens": [], "active": set()}
        seen_command = env is not None
        for line in text.split("\n"):
            words = line.split()
            if not words or words[0].startswith("--"):
                continue
            if words[0] == "import":
                if seen_command:
                    return "invalid 'import' command, it must be used in the beginning of the file"
                if self.args.header_error:
                    return "unknown module prefix 'Mathlib'"
                scope["imports"].append(words[1])
                continue
            seen_command = True
            if words[0] == "set_option":
                continue
            if words[0] == "open" and words[1:2] == ["scoped"]:
                scope["active"] |= set(words[2:])
            elif words[0] == "open":
                scope["opens"] += words[1:]
                scope["active"] |= set(words[1:])
            else:
                return f"unexpected identifier; expected command: {words[0]}"
        return scope

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
            goals = self.states[ps]
            for tactic in parse_tactics(req["tactic"]):
                goals = self.tactic(goals, tactic)
        except ValueError as e:
            return {"message": f"Lean error:\n{e}"}
        status = "Incomplete: open goals remain" if goals else "Completed"
        return {"proofState": self.new_state(goals), "goals": goals, "proofStatus": status}

    def command(self, req: dict) -> dict:
        env = req.get("env")
        if env is not None and env not in range(len(self.envs)):
            return {"message": "Unknown environment."}
        base = self.envs[env] if env is not None else None
        decls = base["decls"] if base is not None else {}
        cmd = req["cmd"]
        if cmd.strip().startswith("#print axioms"):
            name = cmd.split()[-1]
            if name not in decls:
                return {"env": self.new_env(decls, base), "messages": [message("error", f"unknown constant '{name}'")]}
            axioms = decls[name]
            text = f"'{name}' depends on axioms: [{', '.join(axioms)}]" if axioms else f"'{name}' does not depend on any axioms"
            return {"env": self.new_env(decls, base), "messages": [message("info", text)]}
        m = re.search(r"^(theorem|lemma|example)\b", cmd, re.M)
        preamble = cmd[:m.start()] if m else cmd
        scope = self.scope_commands(preamble, base)
        if isinstance(scope, str):
            return {"env": self.new_env(decls, base), "messages": [message("error", scope)]}
        if base is None and scope["imports"]:
            time.sleep(self.args.header_delay)  # importModules
        if m is None:  # a header, or the rest of one
            return {"env": self.new_env(decls, scope)}
        decl = cmd[m.start():]
        parts = decl.rsplit(":= by", 1)
        if len(parts) != 2:
            return {"env": self.new_env(decls, scope), "messages": [message("error", "unexpected end of input")]}
        for token, namespace in SCOPED_NOTATION.items():
            if token in parts[0] and namespace not in scope["active"]:
                return {"env": self.new_env(decls, scope),
                        "messages": [message("error", f"unexpected token '{token}'; expected term")]}
        try:
            name, hyps, target = parse_statement(parts[0])
        except ValueError as e:
            return {"env": self.new_env(decls, scope), "messages": [message("error", str(e))]}
        if name in decls:
            return {"env": self.new_env(decls, scope), "messages": [message("error", f"'{name}' has already been declared")]}
        root = [goal_text(hyps, target)]
        body = parts[1].strip()
        if body == "sorry":
            ps = self.new_state(root)
            return {"env": self.new_env(decls, scope), "sorries": [{"proofState": ps, "goal": root[0]}],
                    "messages": [message("warning", "declaration uses `sorry`")]}
        self.axioms_used, self.sorry_used = {"propext"} if self.args.axioms is None else set(self.args.axioms), False
        goals = root
        for line in body.split("\n"):
            if not line.strip():
                continue
            try:
                goals = self.tactic(goals, line)
            except ValueError as e:
                return {"env": self.new_env(decls, scope), "messages": [message("error", str(e))]}
        if goals:
            return {"env": self.new_env(decls, scope), "messages": [message("error", "unsolved goals\n" + goals[0])]}
        new = dict(decls, **{name: sorted(self.axioms_used | ({"sorryAx"} if self.sorry_used else set()))})
        msgs = [message("warning", "declaration uses `sorry`")] if self.sorry_used else []
        return {"env": self.new_env(new, scope), **({"messages": msgs} if msgs else {})}


def _nat(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def message(severity: str, data: str) -> dict:
    return {"severity": severity, "pos": {"line": 1, "column": 0}, "endPos": {"line": 1, "column": 1}, "data": data}


# ---------------------------------------------------------------------------------------------------


def log(args: argparse.Namespace, kind: str, seconds: float) -> None:
    if args.log:
        fd = os.open(args.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.write(fd, (json.dumps({"pid": os.getpid(), "kind": kind, "seconds": seconds}) + "\n").encode())
        os.close(fd)


def kind_of(req: dict) -> str:
    """What a request costs, for the log: `import` marks a command that runs importModules."""
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
        return "import" if "env" not in req and re.search(r"^\s*import\s", cmd, re.M) else "header"
    return "check" if "env" not in req else "statement"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--transcript", type=Path)
    p.add_argument("--log")
    p.add_argument("--header-delay", type=float, default=0.0, help="seconds each importModules takes")
    p.add_argument("--header-error", action="store_true")
    p.add_argument("--pickle-fail", action="store_true", help="every pickleTo throws (the process exits)")
    p.add_argument("--pickle-corrupt", action="store_true", help="pickleTo writes a file unpickling cannot read")
    p.add_argument("--axioms", type=lambda s: [a for a in s.split(",") if a], default=None)
    p.add_argument("--leak-mb", type=int, default=64)
    p.add_argument("--crash-at", type=int, default=0, help="die mid-answer on this request (1-based)")
    p.add_argument("--once", help="with --crash-at: only if this file is absent (it is created)")
    p.add_argument("--exit-at-start", type=int, default=None)
    args = p.parse_args()
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        stream.reconfigure(encoding="utf-8")
    if args.exit_at_start is not None:
        sys.stderr.write("fake_repl: cannot load the toolchain\n")
        sys.exit(args.exit_at_start)
    log(args, "start", 0.0)
    if args.transcript:
        # the REPL joins a request's lines after trimming each one's end; read them the way it does
        requests = [json.loads("".join(ln.rstrip() for ln in b.splitlines())) for b in blocks(args.transcript)]
        answers = blocks(args.transcript.with_suffix(".expected.out"))
        for i, expected in enumerate(requests):
            raw = read_request()
            if raw == "":
                return
            got = json.loads(raw)
            emit(answers[i] if got == expected and i < len(answers)
                 else {"message": f"fake_repl: unexpected request {i}"})
        return
    lean = ToyLean(args)
    n = 0
    while (raw := read_request()) != "":
        if raw.startswith(("#", "--")):  # the REPL skips these without answering
            continue
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
            die(error_json(f"Could not parse JSON:\n{e}"))
        if not isinstance(req, dict):
            die(error_json("Could not parse as a valid JSON command:\nnot an object"))
        try:
            answer = lean.handle(req)
        except Uncaught as e:
            log(args, kind_of(req), time.perf_counter() - started)
            die(str(e))
        log(args, kind_of(req), time.perf_counter() - started)  # before answering: a reader sees the log first
        emit(answer)


if __name__ == "__main__":
    main()
