"""Contract tests: the client's parser and verdicts against every real Lean REPL transcript we have.

The transcripts (../shared/fixtures/lean-repl) are genuine Lean output. For each request we check that
the response parses to the right shape and that the verdict agrees with what Lean said; the subtle cases
are pinned one by one below.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from prover.env.lean.client import ReplProcess
from prover.env.lean.protocol import (
    CommandResponse,
    ErrorResponse,
    ProtocolError,
    TacticResponse,
    open_outcome,
    parse_response,
    tactic_outcome,
)

FAKE = Path(__file__).with_name("fake_repl.py")


def _blocks(path: Path) -> list[str]:
    return [b for b in re.split(r"\n\s*\n", path.read_text()) if b.strip()]


def _request(block: str) -> dict:
    # The REPL joins a request's lines after trimming each one's end (so a raw line break inside a
    # string vanishes: see invalid_line_break); parse requests the way it does.
    return json.loads("".join(line.rstrip() for line in block.splitlines()))


def transcripts(folder: Path) -> list[tuple[str, list[dict], list[str]]]:
    out = []
    for inp in sorted(folder.glob("*.in")):
        expected = inp.with_suffix(".expected.out")
        if expected.is_file():
            out.append((inp.stem, [_request(b) for b in _blocks(inp)], _blocks(expected)))
    return out


def pairs(folder: Path):
    for name, requests, responses in transcripts(folder):
        assert len(requests) == len(responses), name
        for i, (req, raw) in enumerate(zip(requests, responses, strict=True)):
            if "path" not in req:  # those read .lean files that are not part of the fixtures
                yield name, i, req, raw


def lean_says(raw: dict) -> str:
    """What Lean's own answer says about a tactic, read off the JSON by the rules of the design."""
    if "message" in raw and "goals" not in raw:
        return "failed"
    if any(m["severity"] == "error" for m in raw.get("messages", [])) or raw.get("sorries"):
        return "failed"
    if raw["goals"]:
        return "progress"
    return "proved" if raw.get("proofStatus") == "Completed" else "failed"


def test_every_transcript_response_parses_and_agrees_with_lean(shared_fixtures):
    seen = {"progress": 0, "proved": 0, "failed": 0, "opened": 0, "rejected": 0}
    for name, i, req, block in pairs(shared_fixtures):
        raw = json.loads(block)
        resp = parse_response(block)
        where = f"{name}#{i}"
        if "tactic" in req:
            assert isinstance(resp, TacticResponse | ErrorResponse), where
            outcome = tactic_outcome(resp)
            assert outcome.kind == lean_says(raw), where
            if outcome.kind == "progress":
                assert outcome.goals == tuple(raw["goals"]), where  # exactly as Lean printed them
                assert outcome.proof_state == raw["proofState"], where
            seen[outcome.kind] += 1
        elif "cmd" in req:
            assert isinstance(resp, CommandResponse | ErrorResponse), where
            opened = open_outcome(resp)
            errors = [m for m in raw.get("messages", []) if m["severity"] == "error"]
            sorries = raw.get("sorries", [])
            assert opened.ok == (not errors and "message" not in raw and len(sorries) == 1), where
            if opened.ok:
                assert opened.goals == (sorries[0]["goal"],), where
                assert opened.proof_state == sorries[0]["proofState"], where
            seen["opened" if opened.ok else "rejected"] += 1
        elif "pickleTo" in req and "proofState" in req or "unpickleProofStateFrom" in req:
            assert isinstance(resp, TacticResponse), where
        else:  # pickling or unpickling an environment
            assert isinstance(resp, CommandResponse) and resp.env == raw["env"], where
    assert all(seen.values()), seen  # the fixtures exercise every verdict


@pytest.mark.parametrize("name, index, kind, detail", [
    ("proof_step", 1, "progress", "⊢ Int"),
    ("proof_step", 3, "proved", ""),
    ("proof_branching", 1, "progress", "case left\np q r : Prop\nh1 : p ∧ q\nh2 : q → r\n⊢ p"),
    ("proof_branching", 4, "proved", ""),
    ("root_goals", 1, "proved", ""),
    ("trace_simp", 5, "progress", "⊢ f = 37"),
    ("trace_simp", 6, "proved", ""),  # traces beside a Completed status do not matter
    ("all_tactics-20250622", 1, "proved", ""),
    # a bare {"message": ...} is a failed request
    ("unknown_proof_state", 1, "failed", "Unknown proof state."),
    ("unknown_tactic", 1, "failed", "unknown tactic"),
    ("self_proof_check", 2, "failed", "could not close the goal"),
    # empty goals are never a proof by themselves
    ("name_generator", 7, "failed", "unsolved goals"),  # empty goals WITH an error
    ("name_generator", 2, "failed", "contains metavariable(s)"),  # empty goals, no error, not Completed
    ("app_type_mismatch", 4, "failed", "contains metavariable(s)"),
    ("self_proof_rw", 2, "failed", "kernel type check failed"),
    ("tactic_mode_sorry", 1, "failed", "sorry"),  # "Incomplete: contains sorry"
    # goals remain and no error, but the tactic smuggled in a sorry: not progress
    ("sorry_hypotheses", 1, "failed", "sorry"),
    ("have_by_sorry", 2, "failed", "sorry"),
])
def test_subtle_tactic_answers(shared_fixtures, name, index, kind, detail):
    block = _blocks(shared_fixtures / f"{name}.expected.out")[index]
    outcome = tactic_outcome(parse_response(block))
    assert outcome.kind == kind
    if kind == "progress":
        assert detail in outcome.goals
    else:
        assert detail in outcome.message


@pytest.mark.parametrize("name, index, ok, detail", [
    ("tactic_sorry", 0, True, "⊢ Nat"),
    ("variables", 2, True, "x y : Nat\nf : Nat → Nat\nh0 : f 5 = 3"),
    ("incomplete", 0, False, "unsolved goals"),
    ("have_by_sorry", 0, False, "unsolved goals"),  # a sorry AND an error: the error wins
    ("no_goal_sorry", 0, False, "type expected"),
    ("unknown_environment", 0, False, "Unknown environment."),
    ("synthesize_placeholder", 0, False, "don't know how to synthesize placeholder"),
    ("calc", 0, False, "Lean gave 2"),  # one statement must give exactly one proof state
])
def test_statement_answers(shared_fixtures, name, index, ok, detail):
    outcome = open_outcome(parse_response(_blocks(shared_fixtures / f"{name}.expected.out")[index]))
    assert outcome.ok == ok
    assert detail in (outcome.goals[0] if ok else outcome.message)


@pytest.mark.slow
def test_transcripts_replayed_through_the_real_client(shared_fixtures):
    """The client's framing (responses spread over lines, ended by a blank line) on Lean's own output."""
    for name, requests, responses in transcripts(shared_fixtures):
        with ReplProcess([sys.executable, str(FAKE), "--transcript", str(shared_fixtures / f"{name}.in")]) as proc:
            for req, block in zip(requests, responses, strict=True):
                assert proc.request(req, timeout=10) == parse_response(block), name


def test_garbage_and_wrong_shapes_are_protocol_errors():
    for raw in ["not json", "[1, 2]", '{"foo": 1}', '{"env": "zero"}', '{"proofState": 1, "goals": "⊢ p"}',
                '{"env": 0, "messages": [{"severity": "error"}]}']:
        with pytest.raises(ProtocolError):
            parse_response(raw)


def test_tactic_texts_go_on_the_wire_as_the_transcripts_send_them(shared_fixtures):
    """One line goes as it is: the form every transcript pins. A text of several lines goes as one
    `(`...`)` sequence whose lines keep their layout (LeanEnv's reason: docs/lean.md, `wire_tactic`)."""
    from prover.env.lean.env import wire_tactic

    multi = []
    for name, i, req, _ in pairs(shared_fixtures):
        if "tactic" not in req:
            continue
        tactic = req["tactic"]
        if "\n" not in tactic.strip() and ";" not in tactic:
            assert wire_tactic(tactic) == tactic, f"{name}#{i}"
        else:
            multi.append(tactic)
            wired = wire_tactic(tactic)
            assert wired.startswith("(") and wired.endswith("\n)")
            assert [ln[1:] for ln in wired[1:-2].split("\n")[1:]] == tactic.split("\n")[1:]  # layout kept
    # no transcript sends two tactics in one request; the one multi-line request is a single `have ... by`
    assert multi == ["have: true := by\n    apply ?succ\n    trivial"]


def test_a_multi_tactic_text_is_one_paren_sequence():
    from prover.env.lean.env import wire_tactic

    assert wire_tactic("intro h\nexact h.1") == "(intro h\n exact h.1\n)"
    assert wire_tactic("intro h; exact h.1") == "(intro h; exact h.1\n)"
    assert wire_tactic("\nconstructor\n\n  · simp -- done\n") == "(constructor\n\n   · simp -- done\n)"
    assert wire_tactic("calc a = b := h\n  _ = c := g") == "(calc a = b := h\n   _ = c := g\n)"
    assert wire_tactic("simp [foo] at h ⊢") == "simp [foo] at h ⊢"
