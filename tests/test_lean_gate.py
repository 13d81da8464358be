"""The safety gate: what must never reach Lean, and what olympiad work needs to get through."""

from __future__ import annotations

import json

import pytest

from prover.config import OLYMPIAD_HEADER, LeanConfig
from prover.core import GateError, Theorem
from prover.env.lean import gate

CFG = LeanConfig()

GOOD_TACTICS = [
    "omega", "simp", "norm_num [Nat.factorial]", "nlinarith [sq_nonneg (a - b), sq_nonneg (a + b)]",
    "field_simp", "rw [div_eq_iff (by norm_num : (2:ℝ) ≠ 0)]", "simp only [Finset.sum_range_succ]",
    "interval_cases x <;> simp_all", "rcases h with ⟨x, hx⟩", "obtain ⟨k, rfl⟩ := h",
    "have h2 : x = 2 := by linarith", "calc a = b := by ring\n    _ = c := by simp", "exact?", "decide",
    "set_option maxRecDepth 10000 in decide", "open Real in simp [pi_pos]", "intro h\nexact h.1",
    "exact fun x => x.end_le", "simp [Set.image]", "exact ⟨#[1, 2].size, rfl⟩", "constructor <;> intro h",
    "norm_num [show (4:ℝ) = 2 ^ 2 by norm_num]", "apply Nat.le_of_lt_succ", "positivity", "aesop",
    "-- a comment\nomega", "conv => lhs; rw [h]", "exact (by simpa using h : x ≤ y)",
]

BAD_TACTICS = {
    "sorry": "sorry", "exact sorryAx _ false": "sorry", "admit": "admit",
    "#eval IO.println 1": "#", "  #exit": "#", "#print axioms t": "#", "run_tac Lean.Elab.Tactic.done": "meta",
    "by_elab return default": "meta", "native_decide": "native", "decide +native": "native",
    "exact Lean.ofReduceBool _ _ rfl": "native", "decide (config := {native := true})": "native",
    "exact (unsafeCast 0 : False)": "unsafe", "simp\naxiom foo : False": "axiom",
    "omega\ntheorem x : False := by simp": "declarations", "simp\nnamespace Foo": "declarations",
    "simp\nend": "declarations", "simp\n@[implemented_by f] def g := 1": "attributes",
    "simp\nattribute [simp] foo": "attribute", "simp\nmacro \"omega\" : tactic => `(tactic| sorry)": "sorry",
    "simp\nmacro \"trivial2\" : tactic => `(tactic| rfl)": "syntax", "simp\nnotation \"x\" => 1": "syntax",
    "simp\nelab \"t\" : tactic => pure ()": "syntax", "set_option debug.skipKernelTC true in simp": "set_option",
    "set_option maxHeartbeats 0 in nlinarith": "limit", "set_option compiler.extract_closed false in rfl": "set_option",
    "open Lean Elab in simp": "meta", "open Foo\nsimp": "`open` without `in`", "polyrith": "outside",
    "import Mathlib.Tactic": "import", "simp\ninstance : Fact False := ⟨by simp⟩": "declarations",
    "exact (IO.Process.run {cmd := \"sh\"})": "IO", "simp\ndecreasing_by simp": "declarations",
    "/- sorry -/ simp": "sorry",  # comments are scanned, never parsed around
    "ｓｏｒｒｙ": "sorry",  # full-width look-alikes fold to ASCII
    "𝐬𝐨𝐫𝐫𝐲": "sorry",  # mathematical bold too
    "simp\u202e": "invisible", "sim\u200bp": "invisible", "simp\rexact h": "invisible",
    "": "empty", "   ": "empty",
}


@pytest.mark.parametrize("tactic", GOOD_TACTICS)
def test_olympiad_tactics_pass(tactic):
    gate.check_tactic(tactic, CFG)


@pytest.mark.parametrize("tactic, reason", BAD_TACTICS.items())
def test_dangerous_tactics_are_refused_with_one_line(tactic, reason):
    with pytest.raises(GateError) as e:
        gate.check_tactic(tactic, CFG)
    message = str(e.value)
    assert "\n" not in message and message.startswith("refused by the safety gate")
    assert reason.lower() in message.lower()


def test_native_decide_only_when_allowed():
    allowed = LeanConfig(allow_native_decide=True)
    gate.check_tactic("native_decide", allowed)
    gate.check_tactic("decide +native", allowed)
    with pytest.raises(GateError):
        gate.check_tactic("native_decide", CFG)


@pytest.mark.parametrize("statement, reason", [
    ("theorem t : True := trivial\ntheorem u : False", "one declaration"),
    ("theorem t : False := by sorry", "sorry"),
    ("theorem t (x : Nat) : x = x\ndef f := 1", "one declaration"),
    ("theorem t : True\naxiom a : False", "axiom"),
    ("import Mathlib\ntheorem t : True", "import"),
    ("@[simp] theorem t : True", "attributes"),
    ("theorem t : True\n#exit", "#"),
    ("unsafe def t : True", "unsafe"),
    ("open Foo\ntheorem t : True", "`open` without `in`"),
    ("set_option maxHeartbeats 0 in theorem t : True", "limit"),
])
def test_smuggling_through_a_statement_is_refused(statement, reason):
    with pytest.raises(GateError, match="refused") as e:
        gate.check_statement(statement, CFG)
    assert reason.lower() in str(e.value).lower()


def test_headers_may_import_open_and_set_limits_but_not_weaken_checking():
    gate.check_header(OLYMPIAD_HEADER, CFG)
    gate.check_header("import Mathlib\nset_option maxHeartbeats 0\nopen Real\nnamespace Foo", CFG)  # miniF2F's
    for header in ["import Mathlib\nset_option debug.skipKernelTC true", "import Mathlib\naxiom cheat : False",
                   "import Mathlib\n#eval 1", "import Mathlib\nmacro \"x\" : term => `(1)",
                   "import Mathlib\n@[implemented_by foo] opaque bar : Nat"]:
        with pytest.raises(GateError):
            gate.check_header(header, CFG)


def test_every_shipped_and_dataset_statement_passes(minif2f_path):
    from prover.config import REPO_ROOT

    paths = [minif2f_path, REPO_ROOT / "problems" / "olympiad.jsonl"]
    count = 0
    for path in paths:
        if not path.is_file():
            continue
        for line in path.read_text().splitlines():
            record = json.loads(line)
            theorem = Theorem.from_text(record["formal_statement"], header=record.get("header", ""))
            gate.check_header(theorem.header, CFG)
            gate.check_statement(theorem.statement, CFG)
            count += 1
    assert count >= 244
