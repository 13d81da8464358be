"""The shared vocabulary: every layer speaks in these types and nothing else.

Kept free of any backend, model or search detail so that `env`, `policy`, `search` and the rest can
all depend on it without depending on each other.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# ---------------------------------------------------------------------------------------------------
# Errors a user can cause. The CLI turns each into one line on stderr and exit code 2.


class ProverError(Exception):
    """An error with a message fit to show a user as it is (bad input, missing setup)."""


def read_lines(path: str | Path, what: str = "file") -> list[str]:
    """The lines of a UTF-8 text file; a missing, unreadable or undecodable file is one ProverError."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as e:
        raise ProverError(f"cannot read {path}: no such {what}") from e
    except UnicodeDecodeError as e:
        raise ProverError(f"{path} is not UTF-8 text") from e
    except OSError as e:
        raise ProverError(f"cannot read {path}: {e.strerror}") from e


class StatementError(ProverError):
    """The statement is malformed or the verifier rejects it."""


class GateError(ProverError):
    """The safety gate refused a statement or tactic before it reached the verifier."""


class EnvUnavailable(ProverError):
    """The requested environment cannot run here (e.g. no Lean toolchain); the message names the fix."""


# ---------------------------------------------------------------------------------------------------
# Theorems and proofs

_DECL = re.compile(r"^\s*(?:theorem|lemma|example)\b")
_TRAILING_BY = re.compile(r"\s*:=\s*(?:by)?\s*(?:sorry)?\s*$")


@dataclass(frozen=True)
class Theorem:
    """A statement to prove.

    `statement` is the declaration without its proof, kept byte for byte as the user or dataset gave it
    (`theorem t (p q : Prop) : p ∧ q → q ∧ p`), so the final check compiles exactly what was asked.
    `header` is the preamble (imports, options, opens) it is elaborated under.
    """

    name: str
    statement: str
    header: str = ""
    informal: str = ""

    @classmethod
    def from_text(cls, text: str, *, header: str = "", informal: str = "", name: str | None = None) -> Theorem:
        """Accept a declaration with or without a trailing `:= by` / `:= by sorry`."""
        stmt = _TRAILING_BY.sub("", text.rstrip())
        if not stmt.strip():
            raise StatementError("empty statement")
        if name is None:
            m = re.search(r"^\s*(?:theorem|lemma)\s+([^\s(:{\[]+)", stmt, re.MULTILINE)  # after a docstring too
            name = m.group(1) if m else "anonymous"
        return cls(name=name, statement=stmt, header=header, informal=informal)

    @property
    def is_declaration(self) -> bool:
        return bool(_DECL.match(self.statement))


@dataclass(frozen=True)
class Proof:
    """A tactic proof of a theorem: tactics in order, each as Lean source (may span lines)."""

    theorem: Theorem
    tactics: tuple[str, ...]

    def body(self) -> str:
        lines = []
        for tactic in self.tactics:
            first, *rest = tactic.split("\n")
            lines.append("  " + first)
            lines.extend("  " + line for line in rest)
        return "\n".join(lines) if lines else "  skip"

    def render(self, with_header: bool = True) -> str:
        """The proof as a Lean 4 source file: header, the statement byte for byte, `:= by`, the tactics."""
        decl = f"{self.theorem.statement} := by\n{self.body()}\n"
        if with_header and self.theorem.header:
            header = self.theorem.header if self.theorem.header.endswith("\n") else self.theorem.header + "\n"
            return header + "\n" + decl
        return decl


# ---------------------------------------------------------------------------------------------------
# States and steps


@dataclass(frozen=True)
class State:
    """A proof state: the open goals as Lean pretty-prints them, one string a goal (`case` tags kept).

    `handle` is the backend's reference (a REPL `proofState` id, or the bench's own object); it does
    not take part in equality, so two states with the same goals are the same search node.
    """

    goals: tuple[str, ...]
    handle: Any = field(default=None, compare=False, hash=False, repr=False)

    @property
    def text(self) -> str:
        """All goals in one string, separated by blank lines, as Lean shows them."""
        return "\n\n".join(self.goals)

    @property
    def solved(self) -> bool:
        return not self.goals


@dataclass(frozen=True)
class Progress:
    """The tactic ran and goals remain."""

    state: State


@dataclass(frozen=True)
class Proved:
    """The tactic closed the last goal."""

    state: State


@dataclass(frozen=True)
class Failed:
    """The tactic was rejected; `message` is the verifier's error."""

    message: str


StepResult = Progress | Proved | Failed


@dataclass(frozen=True)
class Verdict:
    """The final whole-proof check. `ok` is the only thing that makes a theorem proved.

    `checks` names the checks that ran, in order (for Lean: the gate, then the judge's own checks,
    see docs/lean.md); when the proof is rejected, the last one named is the one that refused it.
    """

    ok: bool
    messages: tuple[str, ...] = ()
    axioms: tuple[str, ...] = ()
    source: str = ""
    checks: tuple[str, ...] = ()

    def reason(self) -> str:
        return "; ".join(self.messages) if self.messages else ("verified" if self.ok else "rejected")

    def as_dict(self) -> dict[str, Any]:
        """The verdict in a JSON record (the source is the record's own `proof`)."""
        return {"ok": self.ok, "messages": list(self.messages), "axioms": list(self.axioms),
                "checks": list(self.checks)}


# ---------------------------------------------------------------------------------------------------
# Budgets


@dataclass(frozen=True)
class Budget:
    """Limits for one search; None means unlimited. Env calls are what `--budget-steps` sets."""

    env_calls: int | None = 1000
    policy_calls: int | None = None
    nodes: int | None = None
    seconds: float | None = None


@dataclass
class Usage:
    """What a search has spent so far, checked against its Budget."""

    env_calls: int = 0
    policy_calls: int = 0
    nodes: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    def exhausted(self, budget: Budget, in_flight: int = 0) -> str | None:
        """The name of the first exhausted limit, or None while there is budget left. `in_flight`: env
        calls already promised (a parallel search's expansions under way), each of which may add a node."""
        if budget.env_calls is not None and self.env_calls + in_flight >= budget.env_calls:
            return "env_calls"
        if budget.policy_calls is not None and self.policy_calls >= budget.policy_calls:
            return "policy_calls"
        if budget.nodes is not None and self.nodes + in_flight >= budget.nodes:
            return "nodes"
        if budget.seconds is not None and self.seconds >= budget.seconds:
            return "seconds"
        return None

    def policy_call_allowed(self, budget: Budget) -> bool:
        return budget.policy_calls is None or self.policy_calls < budget.policy_calls

    def as_dict(self) -> dict[str, float]:
        return {
            "env_calls": self.env_calls,
            "policy_calls": self.policy_calls,
            "nodes": self.nodes,
            "seconds": round(self.seconds, 4),
        }
