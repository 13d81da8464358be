"""The Lean REPL's wire format (leanprover-community/repl) as typed values, and what each answer means.

Requests are single JSON objects followed by a blank line; each response is one JSON object (Lean
pretty-prints it over several lines) followed by a blank line. Three response shapes exist:
a command answer (`env`, `messages`, `sorries`), a tactic answer (`proofState`, `goals`, `messages`,
`sorries`, `proofStatus`) and a bare error (`{"message": ...}`). The verdict rules live here, in one place:
a tactic is progress only from a goals answer with no error message and no new `sorry`; it proves the
theorem only when `proofStatus` is "Completed"; a bare message or empty goals without "Completed" fail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

COMPLETED = "Completed"


class ProtocolError(Exception):
    """The REPL answered something that is not a response of the protocol (garbage, wrong shape)."""


@dataclass(frozen=True)
class Message:
    severity: str  # "error" | "warning" | "info" | "trace"
    data: str
    line: int | None = None
    column: int | None = None

    def text(self) -> str:
        where = f"{self.line}:{self.column}: " if self.line is not None else ""
        return f"{where}{self.data}"


@dataclass(frozen=True)
class Sorry:
    goal: str
    proof_state: int | None


@dataclass(frozen=True)
class CommandResponse:
    env: int
    messages: tuple[Message, ...] = ()
    sorries: tuple[Sorry, ...] = ()

    @property
    def errors(self) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if m.severity == "error")


@dataclass(frozen=True)
class TacticResponse:
    proof_state: int
    goals: tuple[str, ...]
    proof_status: str | None = None
    messages: tuple[Message, ...] = ()
    sorries: tuple[Sorry, ...] = ()

    @property
    def errors(self) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if m.severity == "error")


@dataclass(frozen=True)
class ErrorResponse:
    message: str


Response = CommandResponse | TacticResponse | ErrorResponse


def _int(obj: dict[str, Any], key: str) -> int:
    value = obj.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProtocolError(f"`{key}` is not an integer in {_short(obj)}")
    return value


def _short(obj: Any) -> str:
    text = json.dumps(obj, ensure_ascii=False)
    return text if len(text) <= 200 else text[:200] + "..."


def _messages(obj: dict[str, Any]) -> tuple[Message, ...]:
    out = []
    for m in obj.get("messages") or ():
        if not isinstance(m, dict) or not isinstance(m.get("data"), str):
            raise ProtocolError(f"malformed message in {_short(obj)}")
        pos = m.get("pos")
        if not isinstance(pos, dict):
            pos = {}
        out.append(Message(str(m.get("severity", "error")), m["data"], pos.get("line"), pos.get("column")))
    return tuple(out)


def _sorries(obj: dict[str, Any]) -> tuple[Sorry, ...]:
    out = []
    for s in obj.get("sorries") or ():
        if not isinstance(s, dict) or not isinstance(s.get("goal"), str):
            raise ProtocolError(f"malformed sorry in {_short(obj)}")
        ps = s.get("proofState")
        out.append(Sorry(s["goal"], ps if isinstance(ps, int) else None))
    return tuple(out)


def parse_response(raw: str | dict[str, Any]) -> Response:
    """One response, as text or already-decoded JSON. ProtocolError when it is not one."""
    if isinstance(raw, str):
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as e:
            raise ProtocolError(f"not JSON ({e.msg}): {raw[:200]!r}") from e
    else:
        obj = raw
    if not isinstance(obj, dict):
        raise ProtocolError(f"not a JSON object: {_short(obj)}")
    if "proofState" in obj and "goals" in obj:
        goals = obj["goals"]
        if not isinstance(goals, list) or not all(isinstance(g, str) for g in goals):
            raise ProtocolError(f"`goals` is not a list of strings in {_short(obj)}")
        status = obj.get("proofStatus")
        return TacticResponse(_int(obj, "proofState"), tuple(goals), status if isinstance(status, str) else None,
                              _messages(obj), _sorries(obj))
    if "env" in obj:
        return CommandResponse(_int(obj, "env"), _messages(obj), _sorries(obj))
    if isinstance(obj.get("message"), str):
        return ErrorResponse(obj["message"])
    raise ProtocolError(f"unknown response shape: {_short(obj)}")


# ---------------------------------------------------------------------------------------------------
# What an answer means


@dataclass(frozen=True)
class TacticOutcome:
    kind: Literal["progress", "proved", "failed"]
    goals: tuple[str, ...] = ()
    proof_state: int | None = None
    message: str = ""


def tactic_outcome(resp: Response) -> TacticOutcome:
    """The verdict on one `{"tactic", "proofState"}` answer, by the rules in the module docstring."""
    if isinstance(resp, ErrorResponse):
        return TacticOutcome("failed", message=resp.message.removeprefix("Lean error:\n"))
    if isinstance(resp, CommandResponse):
        return TacticOutcome("failed", message="the REPL answered a tactic with a command response")
    if resp.errors:
        return TacticOutcome("failed", message=resp.errors[0].data)
    if resp.sorries:
        return TacticOutcome("failed", message="the tactic leaves a `sorry`")
    if resp.goals:
        return TacticOutcome("progress", resp.goals, resp.proof_state)
    if resp.proof_status == COMPLETED:
        return TacticOutcome("proved", (), resp.proof_state)
    status = resp.proof_status or "no proofStatus given (use the pinned REPL)"
    return TacticOutcome("failed", message=f"no goals left but the proof is not complete: {status}")


@dataclass(frozen=True)
class OpenOutcome:
    """The verdict on `statement := by sorry`: the root goal and its proofState, or the statement error."""

    ok: bool
    goals: tuple[str, ...] = ()
    proof_state: int | None = None
    message: str = ""


def open_outcome(resp: Response) -> OpenOutcome:
    if isinstance(resp, ErrorResponse):
        return OpenOutcome(False, message=resp.message)
    if isinstance(resp, TacticResponse):
        return OpenOutcome(False, message="the REPL answered a command with a tactic response")
    if resp.errors:
        return OpenOutcome(False, message=resp.errors[0].text())
    if len(resp.sorries) != 1 or resp.sorries[0].proof_state is None:
        return OpenOutcome(False, message=f"expected one proof state for the statement, Lean gave {len(resp.sorries)}")
    return OpenOutcome(True, (resp.sorries[0].goal,), resp.sorries[0].proof_state)


def request_line(request: dict[str, Any]) -> str:
    """A request on the wire: one JSON line, then the blank line that ends it."""
    return json.dumps(request, ensure_ascii=False) + "\n\n"


# ---------------------------------------------------------------------------------------------------
# The judge's answer (lean_project/core/ProverJudge): one JSON object on one line of stdout,
# {"ok": bool, "name": str | null, "checks": [str], "axioms": [str], "errors": [str]}.

JUDGE_CHECKS = ("challenge", "solution", "imports", "statement", "safety", "replay", "axioms")
_JUDGEMENT_KEYS = {"ok", "name", "checks", "axioms", "errors"}


@dataclass(frozen=True)
class Judgement:
    ok: bool
    name: str | None  # the theorem the challenge states, once the judge has found it
    checks: tuple[str, ...]  # the checks that ran, in order; when refused, the last one refused
    axioms: tuple[str, ...]  # the theorem's axioms in the replayed environment, once collected
    errors: tuple[str, ...]


def _strings(obj: dict[str, Any], key: str) -> tuple[str, ...]:
    value = obj[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProtocolError(f"`{key}` is not a list of strings in {_short(obj)}")
    return tuple(value)


def parse_judgement(stdout: str) -> Judgement:
    """The judge's one line, read strictly: anything else (no line, two, other keys, other types, a
    verdict that contradicts itself) is a ProtocolError, which the final check turns into a rejection."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    if len(lines) != 1:
        raise ProtocolError(f"the judge printed {len(lines)} lines, not one: {stdout[:200]!r}")
    try:
        obj = json.loads(lines[0])
    except json.JSONDecodeError as e:
        raise ProtocolError(f"not JSON ({e.msg}): {lines[0][:200]!r}") from e
    if not isinstance(obj, dict) or set(obj) != _JUDGEMENT_KEYS:
        raise ProtocolError(f"not a judgement: {_short(obj)}")
    if not isinstance(obj["ok"], bool) or not (obj["name"] is None or isinstance(obj["name"], str)):
        raise ProtocolError(f"`ok` or `name` has the wrong type in {_short(obj)}")
    judgement = Judgement(obj["ok"], obj["name"], _strings(obj, "checks"), _strings(obj, "axioms"),
                          _strings(obj, "errors"))
    if judgement.checks != JUDGE_CHECKS[:len(judgement.checks)]:
        raise ProtocolError(f"checks out of order: {', '.join(judgement.checks)}")
    if judgement.ok and (judgement.checks != JUDGE_CHECKS or judgement.errors or not judgement.name):
        raise ProtocolError(f"an acceptance without every check, or with errors: {_short(obj)}")
    if not judgement.ok and not judgement.errors:
        raise ProtocolError(f"a refusal without a reason: {_short(obj)}")
    return judgement
