"""Policies without a model: goals-text parsing, UniformPolicy, AutomationPolicy, prompt formats, make_policy."""

from __future__ import annotations

import json
import math

import pytest

from prover.config import Config
from prover.core import ProverError
from prover.policy import AutomationPolicy, UniformPolicy, make_policy
from prover.policy.data import read_examples
from prover.policy.goals import parse_formula, parse_goals
from prover.policy.prompts import PRESETS, guess, preset, well_formed


def test_goals_text_is_read_as_lean_prints_it():
    text = ("case inl\np q r : Prop\nh : p ∧\n    q\nh✝ : r\n⊢ q ∨ p\n\n"
            "case inr\np q : Prop\nh₂ : q\n⊢ q ∨ p")
    first, second = parse_goals(text)
    assert first.case == "inl" and first.variables == ["p", "q", "r"]
    assert [(h.name, h.type) for h in first.hyps] == [("h", "p ∧ q"), ("h✝", "r")]
    assert not first.hyps[1].accessible
    assert first.formula == ("or", ("var", "q"), ("var", "p"))
    assert second.case == "inr" and second.hyps[0].name == "h₂"


def test_formulas_follow_lean_precedence():
    p, q, r = ("var", "p"), ("var", "q"), ("var", "r")
    assert parse_formula("¬p ∧ q → r") == ("imp", ("and", ("not", p), q), r)
    assert parse_formula("p → q → r") == ("imp", p, ("imp", q, r))
    assert parse_formula("p ∨ q ∧ r") == ("or", p, ("and", q, r))
    assert parse_formula("(p ↔ q) ↔ True") == ("iff", ("iff", p, q), ("true",))
    assert parse_formula("p ↔ q ↔ r") is None  # Lean rejects it too
    assert parse_formula("a + b = c") is None
    assert parse_formula("(p ∧ q") is None


@pytest.mark.parametrize("state, expected", [
    ("p q : Prop\n⊢ p ∧ q → q ∧ p", {"intro h"}),
    ("p q : Prop\nh : p ∧ q\n⊢ q ∧ p", {"exact ⟨h.2, h.1⟩", "constructor", "rcases h with ⟨h1, h2⟩"}),
    ("p q : Prop\nh : p ∨ q\n⊢ q ∨ p", {"rcases h with h1 | h2", "left", "right"}),
    ("p q : Prop\nh : p → q\nh1 : ¬q\nh2 : p\n⊢ False", {"apply h1", "exact h1 (h h2)"}),
    ("p : Prop\nh : p\nh1 : ¬p\n⊢ p", {"exact h", "assumption", "contradiction", "exact absurd h h1"}),
    ("p : Prop\nh : False\n⊢ p", {"exact False.elim h", "contradiction", "exfalso"}),
    ("⊢ True", {"exact trivial", "constructor"}),
    ("p q r : Prop\nh : p → q → r\nh1 : p ∧ q\n⊢ r", {"exact h h1.1 h1.2", "apply h"}),
    ("p q : Prop\nh : p ↔ q\nh1 : p\n⊢ q", {"exact h.1 h1", "rcases h with ⟨h2, h3⟩"}),
])
def test_uniform_candidates_fit_the_goal(state, expected):
    cands = UniformPolicy().candidates(state)
    assert expected <= set(cands)
    assert len(cands) == len(set(cands))


def test_uniform_only_acts_on_the_first_goal_and_avoids_taken_names():
    state = "h h1 : Prop\nh2 : h\n⊢ h → h1\n\nq : Prop\nh3 : q\n⊢ q"
    cands = UniformPolicy().candidates(state)
    assert "intro h3" in cands  # h, h1, h2 are taken in the first goal; the second goal's names are not
    assert "exact h3" not in cands


def test_uniform_priors_are_equal_and_k_truncates():
    state = "p q : Prop\nh : p ∧ q\n⊢ q ∧ p"
    policy = UniformPolicy()
    full = policy.propose([state], 100)[0]
    assert len({lp for _, lp in full}) == 1
    assert math.isclose(full[0][1], -math.log(len(full)))
    assert policy.propose([state], 2)[0] == full[:2]
    assert policy.value([state, "⊢ False"]) == [0.5, 0.5]


def test_uniform_falls_back_to_generic_moves_on_an_opaque_target():
    cands = UniformPolicy().candidates("x : Nat\nh : x = 1\n⊢ x + 0 = 1")
    assert {"exact h", "assumption", "intro h1", "constructor"} <= set(cands)


def test_automation_priors_uniform_then_from_corpus(tmp_path):
    tactics = ["simp", "omega", "linarith"]
    uniform = AutomationPolicy(tactics).propose(["⊢ 1 = 1", "⊢ x"], 5)
    assert [t for t, _ in uniform[0]] == tactics and uniform[0] == uniform[1]
    assert math.isclose(sum(math.exp(lp) for _, lp in uniform[0]), 1.0)
    corpus = tmp_path / "c.jsonl"
    rows = [{"state": "⊢ a", "tactic": "linarith"}] * 3 + [{"state": "⊢ b", "tactic": "simp [foo]"}]
    corpus.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    learned = AutomationPolicy.from_corpus(tactics, corpus).propose(["⊢ z"], 2)[0]
    assert [t for t, _ in learned] == ["linarith", "simp"]  # 3+1 and 1+1 uses, smoothed
    assert math.isclose(learned[0][1], math.log(4 / 7))


def test_make_policy_kinds_and_clear_errors(tmp_path):
    cfg = Config()
    assert isinstance(make_policy(cfg), AutomationPolicy)
    cfg.policy.kind = "uniform"
    assert isinstance(make_policy(cfg), UniformPolicy)
    cfg.policy.kind = str(tmp_path / "nowhere")
    with pytest.raises(ProverError, match="not a directory"):
        make_policy(cfg)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    cfg.policy.kind = str(broken)
    with pytest.raises(ProverError, match="cannot load policy checkpoint") as info:
        make_policy(cfg)
    assert "\n" not in str(info.value)


def test_prompt_presets_and_completion_cleanup():
    state = "p : Prop\n⊢ p → p"
    assert preset("bfs").prompt(state) == state + ":::"
    assert preset("reprover").prompt(state) == state
    assert "STATE_BEFORE: " + state in preset("internlm2.5").prompt(state)
    assert PRESETS["internlm2"].tactic("PROOFSTEP intro h<|im_end|>junk") == "intro h"
    assert PRESETS["internlm2.5"].tactic(" exact h\n---\nNAME: x") == "exact h"
    assert PRESETS["deepseek"].tactic("  -- we introduce h\n  intro h\n  exact h\n```") == "intro h"
    assert PRESETS["bfs"].tactic("exact ⟨h.2, h.1") is None
    assert PRESETS["bfs"].tactic("  ") is None
    assert not well_formed("exact sorry") and not well_formed("exact h)") and well_formed("exact (h a).1")
    assert guess("internlm/internlm2_5-step-prover", "internlm2", False).name == "internlm2.5"
    assert guess("/ckpt", "t5", True).name == "reprover"
    with pytest.raises(ProverError, match="unknown prompt format"):
        preset("nope")


def test_examples_file_errors_name_the_line(tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text('{"state": "⊢ True", "tactic": "trivial", "value": 1}\n\n{"state": "⊢ p"}\n')
    with pytest.raises(ProverError, match=r"d.jsonl:3: .*tactic or a value"):
        read_examples(data)
    data.write_text('{"state": "⊢ True", "tactic": "trivial", "value": 1}\n')
    assert read_examples(data)[0].value == 1.0
    with pytest.raises(ProverError, match="cannot read"):
        read_examples(tmp_path / "missing.jsonl")
