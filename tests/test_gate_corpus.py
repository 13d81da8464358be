"""The gate against two corpora: every hostile case refused (each tagged with its class), nothing honest refused.

tests/data/gate_hostile.txt holds the hostile cases (CLASS, WHERE, TEXT), tests/data/gate_legit_tactics.txt
the ordinary tactic lines; the legitimate statements and headers are every miniF2F row in ../shared/data
and every shipped olympiad problem.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from prover.config import REPO_ROOT, LeanConfig
from prover.core import GateError, Theorem
from prover.env.lean import gate

DATA = Path(__file__).parent / "data"
CFG = LeanConfig()

# What the gate cannot see, by construction: it reads text, not types or terms. Each is the judge's
# (challenge/solution, kernel replay, axiom audit of the challenge's constant) to reject.
JUDGE_ONLY = {
    "exact (1 : False)": "an ill-typed term: Lean reports the error and elaborates `sorryAx` in its place; "
                         "the REPL step fails on the error and the judge's audit finds `sorryAx`",
    "decide +kernel": "kernel reduction is sound, but it adds an auxiliary lemma: only kernel replay shows "
                      "that no option skipped its check (the gate refuses every such option)",
    "exact?": "a search that may fail and leave the goal admitted with an error: only Lean knows",
    "theorem Nat.add_comm (a b : ℕ) : a + b = b + a": "a name Mathlib already has: the challenge fails to "
                                                      "elaborate, and the audit is of the challenge's constant",
}
CLASSES = {"sorry", "admit", "custom-axiom", "native", "implemented-by", "unsafe", "debug-option", "notation",
           "shadowing", "environment", "hash-command", "code", "unicode", "block-escape", "comment-trick",
           "quoted-name", "recovery", "judge-only"}
_ESCAPE = re.compile(r"\\(n|t|r|u[0-9a-fA-F]{4})")


def unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1)) or chr(int(m.group(1)[1:], 16)),
                       text)


def hostile_cases() -> list[tuple[str, str, str]]:
    cases = []
    for line in (DATA / "gate_hostile.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            cls, where, text = line.split("\t", 2)
            cases.append((cls, where, unescape(text)))
    return cases


def legit_tactics() -> list[str]:
    lines = (DATA / "gate_legit_tactics.txt").read_text(encoding="utf-8").splitlines()
    return [unescape(line) for line in lines if line.strip() and not line.startswith("# ")]


def refusal(text: str, where: str) -> str | None:
    try:
        gate.check(text, where, CFG)  # type: ignore[arg-type]
    except GateError as e:
        return str(e)
    return None


def test_every_hostile_case_is_refused_and_named_by_its_class(capsys):
    cases = hostile_cases()
    passed, wrong_shape = [], []
    for cls, where, text in cases:
        assert cls in CLASSES, f"unknown class {cls!r} for {text!r}"
        assert where in ("header", "statement", "tactic"), where
        why = refusal(text, where)
        if cls == "judge-only":
            assert text in JUDGE_ONLY, f"a judge-only case needs its note: {text!r}"
            assert why is None, f"judge-only case {text!r} is refused by the gate after all: {why}"
            continue
        if why is None:
            passed.append((cls, where, text))
        elif "\n" in why or not why.startswith("refused by the safety gate: "):
            wrong_shape.append(why)
    assert not passed, f"hostile cases the gate let through: {passed}"
    assert not wrong_shape, wrong_shape
    by_class = Counter(cls for cls, _, _ in cases)
    refused = len(cases) - by_class["judge-only"]
    with capsys.disabled():
        print(f"\ngate, hostile corpus: {refused}/{refused} refused, {by_class['judge-only']} judge-only "
              f"(let through to the judge); by class: {dict(sorted(by_class.items()))}")
    assert refused >= 120 and all(by_class[c] >= 4 for c in CLASSES), by_class
    assert len(set(cases)) == len(cases), "duplicate hostile cases"


def test_no_ordinary_tactic_is_refused(capsys):
    tactics = legit_tactics()
    refused = {t: why for t in tactics if (why := refusal(t, "tactic"))}
    assert not refused, refused
    with capsys.disabled():
        print(f"\ngate, legitimate tactics: {len(tactics)}/{len(tactics)} pass")
    assert len(tactics) >= 200 and len(set(tactics)) >= 200


def test_no_dataset_statement_or_header_is_refused(minif2f_path, capsys):
    rows = []
    for path in (minif2f_path, REPO_ROOT / "problems" / "olympiad.jsonl"):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    refused = {}
    for row in rows:
        theorem = Theorem.from_text(row["formal_statement"], header=row.get("header", ""))
        for text, where in ((theorem.header, "header"), (theorem.statement, "statement")):
            if why := refusal(text, where):
                refused[row["name"]] = why
    assert not refused, refused
    with capsys.disabled():
        print(f"\ngate, miniF2F + olympiad: {len(rows)}/{len(rows)} statements and headers pass")
    assert len(rows) >= 488 + 24


@pytest.mark.parametrize("tactic", ["decide +native", "native_decide", "exact Lean.ofReduceBool _ _ rfl"])
def test_the_native_class_is_refused_only_while_native_evaluation_is_off(tactic):
    assert refusal(tactic, "tactic") is not None
    gate.check_tactic(tactic, LeanConfig(allow_native_decide=True))


def test_a_hostile_tactic_stays_refused_next_to_ordinary_ones():
    """Context cannot hide a case: an ordinary tactic before or after it (on its own line) opens no comment,
    string or name that would swallow it. A fixed sample of pairs, both orders."""
    import random

    rng = random.Random(0)
    hostile = [text for cls, where, text in hostile_cases() if where == "tactic" and cls != "judge-only"]
    ordinary = legit_tactics()
    for _ in range(300):
        h, t = rng.choice(hostile), rng.choice(ordinary)
        for combined in (f"{t}\n{h}", f"{h}\n{t}"):
            assert refusal(combined, "tactic") is not None, combined
