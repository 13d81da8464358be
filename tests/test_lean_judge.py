"""The final check as a challenge/solution judgement (prover/env/lean/check.py, lean_project/core/ProverJudge).

Without Lean: the judge's answer is read strictly and turned into a Verdict by one path (its real output
shape, given directly); the process around it (time limit, memory cap, crashes, garbage, lies) is driven
through the stand-in judge (tests/fake_judge.py); the files it is given are checked byte for byte. With
a toolchain (`lean`-marked, at the end): valid proofs and exploit files through the real judge, built in
the Mathlib-free lean_project/core.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from prover.config import OLYMPIAD_HEADER, REPO_ROOT, LeanConfig
from prover.core import EnvUnavailable, Proof, Theorem
from prover.env.lean import gate
from prover.env.lean.check import (
    CHECK_NAME,
    allowed_axioms,
    challenge_source,
    final_check,
    judged_theorem,
    judgement_verdict,
)
from prover.env.lean.protocol import JUDGE_CHECKS, Judgement, ProtocolError, parse_judgement
from prover.env.lean.toolchain import discover, judge_binary, judge_command, missing_line

FAKE_JUDGE = str(Path(__file__).with_name("fake_judge.py"))
CORE = REPO_ROOT / "lean_project" / "core"
AND_SWAP = "theorem t (p q : Prop) : p ∧ q → q ∧ p"
AND_SWAP_PROOF = ("intro h", "constructor", "simp", "simp")
ALL = ("gate", *JUDGE_CHECKS)


def answer(**kw) -> str:
    """One line exactly as `prover_judge check` prints it."""
    obj = {"ok": False, "name": "t", "checks": list(JUDGE_CHECKS), "axioms": [], "errors": []} | kw
    return json.dumps(obj) + "\n"


def cfg_with(tmp_path: Path, *args: str, **kw) -> LeanConfig:
    return LeanConfig(judge_command=[sys.executable, FAKE_JUDGE, "--log", str(tmp_path / "judge.jsonl"), *args],
                      **kw)


def runs(tmp_path: Path) -> list[dict]:
    path = tmp_path / "judge.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []


def check(text: str, tactics: tuple[str, ...], cfg: LeanConfig, header: str = OLYMPIAD_HEADER):
    thm = Theorem.from_text(text, header=header)
    return final_check(Proof(thm, tactics), cfg)


# ---------------------------------------------------------------------------------------------------
# The judge's answer, read strictly


def test_an_acceptance_is_read_with_everything_it_says():
    j = parse_judgement(answer(ok=True, name="foo'", axioms=["propext", "Quot.sound"]))
    assert j == Judgement(True, "foo'", JUDGE_CHECKS, ("propext", "Quot.sound"), ())
    refused = parse_judgement(answer(checks=["challenge", "solution", "imports", "statement"],
                                     errors=["the solution's `t` does not have the challenge's type"]))
    assert not refused.ok and refused.checks[-1] == "statement"


@pytest.mark.parametrize("stdout, why", [
    ("", "0 lines"),
    ("elaborating...\n", "not JSON"),
    (answer() + answer(), "2 lines"),
    ('{"ok": true, "na', "not JSON"),
    (json.dumps({"ok": True, "name": "t", "checks": list(JUDGE_CHECKS), "axioms": []}), "not a judgement"),
    (json.dumps({"ok": True, "name": "t", "checks": list(JUDGE_CHECKS), "axioms": [], "errors": [],
                 "trust_me": True}), "not a judgement"),
    (answer(ok="yes"), "wrong type"),
    (answer(axioms="propext"), "not a list of strings"),
    (answer(ok=True, checks=["challenge", "solution"]), "without every check"),
    (answer(ok=True, errors=["but"]), "with errors"),
    (answer(ok=True, name=None), "without every check"),
    (answer(checks=["solution", "challenge"], errors=["x"]), "out of order"),
    (answer(checks=["challenge", "replay"], errors=["x"]), "out of order"),
    (answer(), "without a reason"),
    ("[1, 2]", "not a judgement"),
])
def test_anything_but_one_well_formed_judgement_is_a_protocol_error(stdout, why):
    with pytest.raises(ProtocolError, match=why):
        parse_judgement(stdout)


# ---------------------------------------------------------------------------------------------------
# From judgement to verdict: one path to "proved"

REFUSALS = {
    "type mismatch": ("statement", "the solution's `t` does not have the challenge's type"),
    "universe parameters": ("statement", "the solution's `t` has universe parameters [u, v], the challenge's [u]"),
    "statement helper changed": ("statement", "`t.match_1`, which the statement uses, differs between the challenge"
                                              " and the solution"),
    "kernel replay": ("replay", "the kernel rejects `t._proof_1`: (kernel) declaration type mismatch"),
    "unsafe constant": ("safety", "the solution declares `t.aux`, which is unsafe or partial"),
    "extra axiom": ("axioms", "`t` depends on axioms outside the allowed set: [cheat]"),
    "sorry": ("axioms", "`t` depends on axioms outside the allowed set: [sorryAx]"),
    "does not elaborate": ("solution", "the solution does not elaborate: 3:2: unsolved goals"),
    "no theorem": ("challenge", "the challenge must state exactly one theorem with `sorry`; it states 0"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_every_refusal_of_the_judge_is_a_rejection_that_names_its_check(case):
    check_name, error = REFUSALS[case]
    checks = JUDGE_CHECKS[:JUDGE_CHECKS.index(check_name) + 1]
    judgement = parse_judgement(answer(checks=list(checks), errors=[error], axioms=["cheat"] if "cheat" in error else []))
    verdict = judgement_verdict(judgement, LeanConfig(), "src")
    assert not verdict.ok and verdict.reason() == error
    assert verdict.checks == ("gate", *checks) and verdict.checks[-1] == check_name


def test_an_acceptance_is_reread_against_this_configuration():
    cfg = LeanConfig()
    ok = judgement_verdict(parse_judgement(answer(ok=True, axioms=["propext", "Classical.choice"])), cfg, "src")
    assert ok.ok and ok.checks == ALL and ok.axioms == ("propext", "Classical.choice")
    # a judge run with other flags, or one that lies, cannot make a proof
    for extra in ("sorryAx", "myAxiom", "Lean.ofReduceBool"):
        lie = judgement_verdict(parse_judgement(answer(ok=True, axioms=["propext", extra])), cfg, "src")
        assert not lie.ok and extra in lie.reason() and lie.checks == ALL
    native = LeanConfig(allow_native_decide=True)
    assert judgement_verdict(parse_judgement(answer(ok=True, axioms=["Lean.ofReduceBool"])), native, "src").ok
    # sorryAx is never allowed, whatever the configuration says
    assert "sorryAx" not in allowed_axioms(LeanConfig(allowed_axioms=["propext", "sorryAx"]))


# ---------------------------------------------------------------------------------------------------
# The two files


@pytest.mark.parametrize("statement", [
    "theorem foo' (a : Nat) : a + 0 = a",
    "theorem «my theorem» (a : Nat) : a + 0 = a",
    "theorem Nat.foo₁ (a : Nat) : a + 0 = a",
    "theorem t.{u} (α : Sort u) (a : α) : a = a",
    "/-- The docstring, on the declaration's line. -/ theorem t (a : Nat) : a + 0 = a",
    "/-- A docstring\n  over two lines. -/\ntheorem t (a : Nat) : a + 0 = a",
    "open Nat in\ntheorem t (a : Nat) : a + 0 = a",
    "open Nat in theorem t (a : Nat) : succ a = a + 1",
    "set_option linter.unusedVariables false in\nlemma t (a : Nat) : a + 0 = a",
    "-- an example, a lemma\ntheorem t (a : Nat) : a + 0 = a",
])
def test_the_challenge_is_the_statement_byte_for_byte_and_never_sees_the_proof(statement):
    thm = Theorem.from_text(statement, header=OLYMPIAD_HEADER)
    judged, note = judged_theorem(thm)
    assert judged == thm and note == ""  # no name is parsed or rewritten: the judge finds the constant
    challenge = challenge_source(thm)
    assert challenge == f"{OLYMPIAD_HEADER}\n{statement} := by sorry\n"
    solution = Proof(thm, ("omega",)).render()
    assert solution.startswith(challenge.removesuffix(" sorry\n")) and "omega" not in challenge


@pytest.mark.parametrize("statement, judged", [
    ("example (p : Prop) : p → p", f"theorem {CHECK_NAME} (p : Prop) : p → p"),
    ("/-- doc -/ example (p : Prop) : p → p", f"/-- doc -/ theorem {CHECK_NAME} (p : Prop) : p → p"),
    ("/-- an example -/\nexample : True", f"/-- an example -/\ntheorem {CHECK_NAME} : True"),
    ("open Nat in\nexample (a : Nat) : succ a = a + 1", f"open Nat in\ntheorem {CHECK_NAME} (a : Nat) : succ a = a + 1"),
    ("-- example\n/- example /- nested -/ -/ example : True", f"-- example\n/- example /- nested -/ -/ theorem {CHECK_NAME} : True"),
    ("theorem «example» : True", None),
    ("theorem my_example : True", None),
    ('theorem t (s : String) (h : s = "example") : True', None),
    ("theorem t (c : Char) (h : c = '\"') : example_fn = 1", None),
])
def test_an_example_is_judged_under_a_name_only_the_keyword_changes(statement, judged):
    thm = Theorem.from_text(statement)
    out, note = judged_theorem(thm)
    if judged is None:
        assert out == thm and note == ""
    else:
        assert out.statement == judged and out.name == CHECK_NAME and CHECK_NAME in note


# ---------------------------------------------------------------------------------------------------
# Through the stand-in judge process


@pytest.mark.parametrize("statement, tactics", [
    (AND_SWAP, AND_SWAP_PROOF),
    ("theorem and_swap' (p q : Prop) : p ∧ q → q ∧ p", AND_SWAP_PROOF),
    ("theorem «and swap» (p q : Prop) : p ∧ q → q ∧ p", AND_SWAP_PROOF),
    ("theorem t.{u} (α : Sort u) (a : α) : a = a", ("rfl",)),
    ("/-- swaps -/ theorem t (p q : Prop) : p ∧ q → q ∧ p", AND_SWAP_PROOF),
    ("open Nat in\ntheorem t (p q : Prop) : p ∧ q → q ∧ p", AND_SWAP_PROOF),
    ("example (p : Prop) : p → p", ("intro h", "exact h")),
])
def test_names_of_every_shape_verify_and_every_verdict_records_its_checks(tmp_path, statement, tactics, no_children):
    verdict = check(statement, tactics, cfg_with(tmp_path))
    assert verdict.ok, verdict.reason()
    assert verdict.checks == ALL and verdict.axioms == ("propext",)
    [run] = runs(tmp_path)
    assert run["solution"] == verdict.source and "sorry" not in run["solution"]
    assert run["allowed"] == sorted(allowed_axioms(LeanConfig()))


@pytest.mark.parametrize("tactics, last_check, why", [
    (("intro h",), "solution", "unsolved goals"),
    (("apply_axiom",), "axioms", "myAxiom"),
    (("sorry_hidden",), "axioms", "sorryAx"),
    (("toy_retype",), "statement", "does not have the challenge's type"),
    (("toy_skip_kernel",), "replay", "the kernel rejects"),
    (("toy_unsafe",), "safety", "unsafe or partial"),
])
def test_the_judges_refusals_reach_the_verdict(tmp_path, tactics, last_check, why, no_children, monkeypatch):
    monkeypatch.setattr(gate, "check_tactic", lambda tactic, cfg: None)  # the judge, not the gate, is tested
    verdict = check(AND_SWAP, tactics, cfg_with(tmp_path))
    assert not verdict.ok and why in verdict.reason()
    assert verdict.checks[-1] == last_check and verdict.checks == ALL[:len(verdict.checks)]


@pytest.mark.parametrize("tactic, why", [
    ("judge_hang", "no judgement within 1 s"),
    ("judge_crash", "exit code 3"),
    ("judge_garbage", "not JSON"),
    ("judge_two", "2 lines"),
    ("judge_lie", "sorryAx"),
    ("judge_lie_checks", "without every check"),
    ("judge_leak", "over its cap of 100 MB"),
])
def test_a_judge_that_misbehaves_rejects_the_proof_with_the_reason(tmp_path, tactic, why, no_children, monkeypatch):
    monkeypatch.setattr(gate, "check_tactic", lambda tactic, cfg: None)
    cfg = cfg_with(tmp_path, "--leak-mb", "200", judge_timeout=1.0 if tactic == "judge_hang" else 30.0, memory_mb=100)
    verdict = check(AND_SWAP, AND_SWAP_PROOF + (tactic,), cfg)
    assert not verdict.ok and why in verdict.reason(), verdict.reason()
    assert verdict.checks[0] == "gate"


def test_the_gate_runs_first_and_alone_on_what_it_refuses(tmp_path):
    verdict = check(AND_SWAP, ("simp\naxiom cheat : False",), cfg_with(tmp_path))
    assert not verdict.ok and verdict.checks == ("gate",) and "safety gate" in verdict.reason()
    assert runs(tmp_path) == []


def test_without_the_judge_verify_says_so_in_one_line(tmp_path):
    cfg = LeanConfig(project_dir=tmp_path, elan_home=tmp_path)
    with pytest.raises(EnvUnavailable, match=r"the judge .* is not built: .*prover_judge is missing; run `prover setup-lean`"):
        check(AND_SWAP, AND_SWAP_PROOF, cfg)
    assert "judge" in missing_line(cfg)
    with pytest.raises(EnvUnavailable):  # the same for a statement that is an example
        check("example : True", ("trivial",), cfg)


@pytest.mark.parametrize("script, why", [
    (f"print({answer(ok=True, axioms=['propext'])!r}, end=''); raise SystemExit(1)", "exit code 1 contradicts"),
    (f"print({answer(checks=['challenge'], errors=['no'])!r}, end=''); raise SystemExit(0)", "exit code 0 contradicts"),
    ("print('x' * 2_000_000)", "0 lines"),
])
def test_what_the_judge_exits_with_and_how_much_it_prints_are_checked(script, why, no_children):
    verdict = check(AND_SWAP, AND_SWAP_PROOF, LeanConfig(judge_command=[sys.executable, "-c", script]))
    assert not verdict.ok and why in verdict.reason(), verdict.reason()


def test_a_judge_command_that_cannot_start_is_a_rejection(tmp_path):
    verdict = check(AND_SWAP, AND_SWAP_PROOF, LeanConfig(judge_command=[str(tmp_path / "no_judge")]))
    assert not verdict.ok and "cannot start" in verdict.reason()


# ---------------------------------------------------------------------------------------------------
# Where the judge comes from


def test_doctor_reports_the_judge(tmp_path):
    parts = {p.name: p for p in discover(LeanConfig(project_dir=tmp_path, elan_home=tmp_path))}
    assert not parts["judge"].found and "lake build prover_judge" in parts["judge"].fix
    assert judge_binary(LeanConfig(project_dir=REPO_ROOT / "lean_project")) == CORE / ".lake/build/bin/prover_judge"
    assert judge_binary(LeanConfig(project_dir=CORE)) == CORE / ".lake/build/bin/prover_judge"
    assert judge_command(LeanConfig(project_dir=CORE))[-2:] == ["env", str(CORE / ".lake/build/bin/prover_judge")]
    configured = {p.name: p for p in discover(LeanConfig(judge_command=[sys.executable, FAKE_JUDGE]))}
    assert configured["judge"].found
    assert "mathlib" not in {p.name for p in discover(LeanConfig(project_dir=CORE))}  # core needs no Mathlib


def test_setup_builds_the_judge_and_core_needs_no_mathlib(tmp_path, monkeypatch):
    from prover.cli.setup_lean import steps
    from prover.config import Config

    (tmp_path / "elan").write_text("#!/bin/sh\n")
    (tmp_path / "elan").chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    cfg = Config()
    cfg.lean = LeanConfig(elan_home=tmp_path / "home")
    assert steps(cfg)[-1][1][-4:] == ["build", "Prover", "repl", "prover_judge"]
    cfg.lean = LeanConfig(project_dir=CORE, elan_home=tmp_path / "home")
    plan = [command for _, command in steps(cfg)]
    assert plan[-1][-3:] == ["build", "repl", "prover_judge"] and not any("cache" in c for c in plan)


def test_the_core_project_pins_what_lean_project_pins():
    project = REPO_ROOT / "lean_project"
    assert (CORE / "lean-toolchain").read_text() == (project / "lean-toolchain").read_text()
    tag = (project / "lean-toolchain").read_text().strip().split(":")[1]
    core = (CORE / "lakefile.toml").read_text()
    assert re.findall(r'rev = "([^"]+)"', core) == [tag] and 'name = "mathlib"' not in core
    assert 'name = "prover_judge"' in core and 'root = "ProverJudge.Main"' in core
    assert 'path = "core"' in (project / "lakefile.toml").read_text()
    sources = sorted(p.name for p in (CORE / "ProverJudge").glob("*.lean"))
    assert sources == ["Axioms.lean", "Elaborate.lean", "Judge.lean", "Main.lean", "Pickle.lean", "Replay.lean"]
    judge = (CORE / "ProverJudge" / "Judge.lean").read_text()
    for name in JUDGE_CHECKS:  # the Python side's list of checks is the Lean side's, in order
        assert f'startCheck "{name}"' in judge
    assert [m for m in re.findall(r'startCheck "(\w+)"', judge)] == list(JUDGE_CHECKS)


# ---------------------------------------------------------------------------------------------------
# The real judge (lean_project/core built: `cd lean_project/core && lake build prover_judge`)

@pytest.fixture
def core_cfg() -> LeanConfig:
    cfg = LeanConfig(project_dir=CORE, header="", judge_timeout=600)
    missing = [p for p in discover(cfg) if p.name in ("lean", "lake", "judge") and not p.found]  # no REPL needed
    if missing:
        pytest.skip("; ".join(f"{p.name}: {p.detail}, {p.fix}" for p in missing))
    return cfg


@pytest.fixture
def no_gate(monkeypatch):
    """The exploits below are ones the gate refuses; the judge must refuse them on its own."""
    for name in ("check_header", "check_statement", "check_tactic"):
        monkeypatch.setattr(gate, name, lambda *args, **kw: None)


@pytest.mark.parametrize("statement, tactics", [
    ("theorem t (a b : Nat) : a + b = b + a", ("omega",)),
    ("theorem foo' (a : Nat) : a + 0 = a", ("simp",)),
    ("theorem «my theorem» (p : Prop) (h : p) : p", ("exact h",)),
    ("theorem t.{u} (α : Sort u) (a : α) : a = a", ("rfl",)),
    ("/-- doc -/ theorem t (p q : Prop) : p ∧ q → q ∧ p", ("intro h", "exact ⟨h.2, h.1⟩")),
    ("open Nat in\ntheorem t (a : Nat) : succ a = a + 1", ("rfl",)),
    ("example (p : Prop) : p → p", ("intro h", "exact h")),
    ("theorem t (n : Nat) : (match n with | 0 => 1 | _ + 1 => 1) = 1", ("cases n <;> rfl",)),
    ("theorem t (p : Prop) : p ∨ ¬p", ("exact Classical.em p",)),
])
@pytest.mark.lean
@pytest.mark.lean_core
def test_real_judge_accepts_valid_proofs(core_cfg, statement, tactics):
    verdict = check(statement, tactics, core_cfg, header="")
    assert verdict.ok, verdict.reason()
    assert verdict.checks == ALL and set(verdict.axioms) <= {"propext", "Classical.choice", "Quot.sound"}


@pytest.mark.parametrize("header, statement, tactics, last_check, why", [
    ("", "theorem t : 2 + 2 = 5", ("set_option debug.skipKernelTC true in decide +kernel",), "replay", "kernel"),
    ("", "theorem t : 2 + 2 = 5", ("sorry",), "axioms", "sorryAx"),
    ("axiom cheat : False", "theorem t : 2 + 2 = 5", ("exact cheat.elim",), "axioms", "cheat"),
    ("", "theorem t : 2 + 2 = 4", ("native_decide",), "axioms", "Lean.ofReduceBool"),
    ("", "theorem t : 2 + 2 = 5", ("omega",), "solution", "does not elaborate"),
    ("", "theorem t : False", ("exact t",), "solution", "does not elaborate"),
])
@pytest.mark.lean
@pytest.mark.lean_core
def test_real_judge_refuses_exploit_files(core_cfg, no_gate, header, statement, tactics, last_check, why):
    verdict = check(statement, tactics, core_cfg, header=header)
    assert not verdict.ok and why in verdict.reason(), verdict.reason()
    assert verdict.checks[-1] == last_check, verdict.checks
