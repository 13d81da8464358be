"""Test-time RL on any env: variants elaborated and deduped, never the target again, sub-goal lemmas kept apart
as curriculum, the Lean path through the stand-in REPL (with `extract_goal`), and the budget of `--ttrl`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from prover.cli import main
from prover.config import OLYMPIAD_HEADER, LeanConfig, load
from prover.core import Theorem
from prover.env.lean import LeanEnv
from prover.env.prop import PropEnv
from prover.env.prop.generate import problems
from prover.env.prop.syntax import parse_statement
from prover.learn.buffer import Example
from prover.learn.lean_variants import LeanVariants, lean_key, lemma_from_message, parse_lean
from prover.learn.ttrl import TestTimeRL, mix
from prover.learn.variants import PropVariants, Sequent, Variant
from prover.policy import UniformPolicy
from prover.search.attempt import attempt

FAKE = str(Path(__file__).with_name("fake_repl.py"))
HARD = "theorem prop_hard_0000 (p q r : Prop) : (p ∨ q) ∨ p → ¬p → (p → r) → q"


def small_cfg(**extra):
    return load(overrides={"env": "prop", "policy.kind": "uniform", "search.budget_steps": 24,
                           "learn.ttrl_rounds": 1, "learn.ttrl_variants": 8, "learn.ttrl_lemmas": 4,
                           "learn.ttrl_variant_steps": 24, "learn.ttrl_budget_steps": 300} | extra)


class ListSource:
    """A variant source that returns given candidates (to drive the loop's own checks)."""

    def __init__(self, made: list[Variant], lemmas: list[Variant] = ()):
        self.made, self.made_lemmas, self.inner = made, list(lemmas), PropVariants()

    def key(self, theorem):
        return self.inner.key(theorem)

    def variants(self, target, limit, seed):
        return self.made[:limit]

    def lemmas(self, target, graph, limit):
        return self.made_lemmas[:limit]

    def env_calls(self):
        return 0


def variant(text: str, kind: str = "specialise") -> Variant:
    t = Theorem.from_text(text)
    return Variant(t, kind, PropVariants().key(t))


def run_round(cfg, source, target_text=HARD, tmp=None, env=None, policy=None, executor=None):
    """One TTRL run with training skipped: which candidates were tried, and how, is what is checked."""
    import prover.learn.expert as expert

    if policy is not None:
        real_policy = expert.policy_for
        expert.policy_for = lambda *_a: policy

    run = TestTimeRL(cfg, tmp, env=env or PropEnv(), source=source, executor=executor)

    real = expert.train_round
    expert.train_round = lambda *a, **k: None  # no model needed to check which candidates were tried
    try:
        return run.run(Theorem.from_text(target_text))
    finally:
        expert.train_round = real
        if policy is not None:
            expert.policy_for = real_policy


# -- prop variants ---------------------------------------------------------------------------------


def test_prop_variants_are_distinct_nontrivial_and_never_the_target():
    source = PropVariants()
    for target in problems("hard", 6):
        made = source.variants(target, 30, seed=1)
        keys = [v.key for v in made]
        assert len(made) >= 8 and len(set(keys)) == len(keys)
        assert source.key(target) not in keys
        for v in made:
            s = Sequent.of(parse_statement(v.theorem.statement))
            assert s.normal().trivial() is None, v.theorem.statement
            assert "True" not in v.theorem.statement  # folded away: no `¬True → ...` artefacts
            assert v.key == source.key(v.theorem)  # the key is the statement's own
        assert {v.kind for v in made} >= {"specialise", "drop"}


def test_the_key_ignores_renaming_hypothesis_order_and_intros():
    source = PropVariants()
    a = Theorem.from_text("theorem a (p q r : Prop) (h : p ∨ q) (k : ¬p) : q ∧ r")
    b = Theorem.from_text("theorem b (x y z : Prop) (k : ¬y) : y ∨ x → x ∧ z")  # p->y, q->x, r->z; reordered
    c = Theorem.from_text("theorem c (p q r : Prop) (h : p ∨ q) (k : ¬q) : q ∧ r")
    assert source.key(a) == source.key(b) != source.key(c)


def test_trivial_candidates_are_dropped_before_any_env_call():
    cases = {"theorem t (p q : Prop) (h : p) : p": "a hypothesis is the conclusion",
             "theorem t (p q : Prop) (h : p) (k : ¬p) : q": "the hypotheses contradict each other",
             "theorem t (p q : Prop) (h : ¬True) : q": "a hypothesis is False",
             "theorem t (p : Prop) : p → True": "the conclusion is True"}
    for text, why in cases.items():
        assert Sequent.of(parse_statement(text)).normal().trivial() == why


def test_subgoal_lemmas_come_from_the_failed_search_states():
    target = Theorem.from_text(HARD)
    failed = attempt(PropEnv(), UniformPolicy(), target, small_cfg().search)
    assert not failed.proved
    lemmas = PropVariants().lemmas(target, failed.graph, 6)
    assert lemmas and all(v.curriculum and v.kind == "subgoal" for v in lemmas)
    open_goals = {g for _, d in failed.graph.nodes(data=True) for g in d["goals"]}
    for v in lemmas:  # each lemma, opened, is one of the search's own goals (up to hypothesis names)
        root = PropEnv().open(v.theorem).handle[0]
        assert any(g.split("⊢")[1] == root.text.split("⊢")[1] for g in open_goals)


# -- the loop ----------------------------------------------------------------------------------------


def test_target_equivalent_and_rejected_candidates_are_never_kept(tmp_path):
    renamed = variant("theorem same (x y z : Prop) (h1 : ¬x) (h0 : (x ∨ y) ∨ x) (h2 : x → z) : y")
    real = variant("theorem v (p q : Prop) (h0 : p ∨ q) (h1 : ¬p) : q", "strengthen")
    broken = Variant(Theorem.from_text("theorem bad (p : Prop) : p ∧"), "model", "bad-key")
    lemma = variant("theorem l (p q : Prop) (h0 : p ∨ q) (h1 : ¬p) (h2 : p → q) : q", "subgoal")
    result = run_round(small_cfg(), ListSource([renamed, real, broken, real], [lemma]), tmp=tmp_path / "r")
    row = result.rounds[0]
    tried = {c["name"]: c for c in row["candidates"]}
    assert "same" not in tried  # the target again, up to renaming and hypothesis order
    assert list(tried).count("v") == 1  # made twice, tried once
    assert tried["bad"]["status"] == "rejected"  # the env did not elaborate it
    assert tried["v"]["status"] == "kept" and len(tried["v"]["tactics"]) >= 2
    assert row["variants"] == 2 and row["variants_elaborated"] == 1 and row["variants_kept"] == 1
    assert tried["l"]["curriculum"] and row["lemmas"] == 1  # counted apart, never as a variant


def test_candidates_on_an_executor_meet_the_same_fates_as_one_at_a_time(tmp_path):
    """With budget for every candidate at its full search budget, the executor's batches keep, refute and
    refuse exactly what the sequential loop does, and spend the same env calls."""
    from prover.attempts import LocalExecutor

    cfg = small_cfg(**{"learn.ttrl_budget_steps": 5000, "learn.ttrl_variants": 13})
    made = PropVariants().variants(Theorem.from_text(HARD), 12, seed=0)
    made.append(Variant(Theorem.from_text("theorem bad (p : Prop) : p ∧"), "model", "bad-key"))
    here = run_round(cfg, ListSource(made), tmp=tmp_path / "here")
    with LocalExecutor(cfg) as executor:
        there = run_round(cfg, ListSource(made), tmp=tmp_path / "there", executor=executor)
    fates = lambda r: [(c["name"], c["status"], c["tactics"], c["env_calls"])  # noqa: E731
                       for c in r.rounds[0]["candidates"]]
    assert fates(there) == fates(here) and len(fates(here)) == 13
    assert {status for _, status, _, _ in fates(here)} >= {"kept", "rejected"}
    assert there.env_calls == here.env_calls


def test_a_one_tactic_proof_is_too_easy_to_keep(tmp_path):
    easy = variant("theorem e (p q : Prop) (h0 : p ∧ q) : q ∧ p", "weaken")
    result = run_round(small_cfg(**{"learn.ttrl_min_tactics": 99}), ListSource([easy]), tmp=tmp_path / "r")
    [c] = result.rounds[0]["candidates"]
    assert c["status"] == "too_easy" and result.stop_reason == "nothing_learned"


def test_the_whole_run_stays_inside_its_env_call_budget(tmp_path):
    class Counting(PropEnv):
        calls = 0

        def open(self, theorem):
            Counting.calls += 1
            return super().open(theorem)

        def step(self, state, tactic):
            Counting.calls += 1
            return super().step(state, tactic)

    cfg = small_cfg(**{"learn.ttrl_budget_steps": 130, "learn.ttrl_variants": 30})
    provable = variant("theorem v (p q : Prop) (h0 : p ∨ q) (h1 : ¬p) : q", "strengthen")
    made = [provable] + PropVariants().variants(Theorem.from_text(HARD), 30, seed=0)
    result = run_round(cfg, ListSource(made), tmp=tmp_path / "r", env=Counting())
    assert Counting.calls == result.env_calls <= 130
    assert result.rounds[-1]["round"] == 1  # the target's last search still had its reserve


def test_replay_keeps_its_share_of_the_training_data():
    new = [Example(f"s{i}", "intro h", 1.0, "ttrl-variant", "v") for i in range(10)]
    replay = [Example(f"r{i}", "exact h", 1.0, "original", "o") for i in range(100)]
    data = mix(new, replay, 0.5, seed=0)
    assert len(data) == 20 and sum(ex.source == "original" for ex in data) == 10
    assert data == mix(new, replay, 0.5, seed=0)
    assert len(mix(new, replay[:3], 0.75, seed=0)) == 40  # too few: repeated up to the share
    assert mix(new, [], 0.5, seed=0) == new


# -- Lean, through the stand-in REPL ---------------------------------------------------------------


def lean_env(tmp_path) -> LeanEnv:
    judge = str(Path(__file__).with_name("fake_judge.py"))  # the final check is the judge's
    return LeanEnv.from_config(LeanConfig(repl_command=[sys.executable, FAKE, "--log", str(tmp_path / "log.jsonl")],
                                          judge_command=[sys.executable, judge, "--log", str(tmp_path / "judge.jsonl")],
                                          timeout=5.0))


def test_lean_rewrites_read_the_statement_and_are_deduped():
    st = parse_lean("theorem t (a b : ℕ) (h₀ : 0 < a ∧ 0 < b) (h₁ : a * b = 6) : a + b ≥ 5 ∧ a ≤ 6")
    assert st is not None and [b.names for b in st.binders] == [("a", "b"), ("h₀",), ("h₁",)]
    made = LeanVariants().variants(Theorem.from_text(st.render()), 100, seed=0)
    texts = {v.theorem.statement.split(" ", 2)[2] for v in made}
    assert "(b : ℕ) (h₀ : 0 < (2 : ℕ) ∧ 0 < b) (h₁ : (2 : ℕ) * b = 6) : (2 : ℕ) + b ≥ 5 ∧ (2 : ℕ) ≤ 6" in texts
    assert "(a b : ℕ) (h₁ : a * b = 6) : a + b ≥ 5 ∧ a ≤ 6" in texts  # a hypothesis dropped
    assert "(a b : ℕ) (h₀ : 0 < a ∧ 0 < b) (h₁ : a * b = 6) : a ≤ 6" in texts  # a weaker conclusion
    assert {v.kind for v in made} == {"specialise", "drop", "strengthen", "weaken"}
    assert len({v.key for v in made}) == len(made) and lean_key(st) not in {v.key for v in made}
    same = parse_lean("theorem u (x y : ℕ) (k : x * y = 6) (h : 0 < x ∧ 0 < y) : x + y ≥ 5 ∧ x ≤ 6")
    assert lean_key(same) == lean_key(st)  # renaming and hypothesis order


def test_extract_goal_answer_shape():
    real = "theorem extracted_1.{u_1} {α : Type u_1} (a : α) (h : a = a) :\n  a = a := sorry"
    assert lemma_from_message(real, "t_l0") == "theorem t_l0.{u_1} {α : Type u_1} (a : α) (h : a = a) :\n  a = a"
    assert lemma_from_message("theorem extracted_1 (i j : Nat) (h₀ : i ≤ j) : i ≤ j := sorry", "L") == \
        "theorem L (i j : Nat) (h₀ : i ≤ j) : i ≤ j"
    assert lemma_from_message("def extracted_1 (n : Nat) : Nat := sorry", "L") is None


class FirstGoalPolicy:
    """For the toy REPL (automation closes any goal but `False`): automation unless the first goal is False."""

    def propose(self, states, k):
        return [[("constructor", -0.1)] + ([("omega", -0.2)] if s.split("\n\n")[0].split("⊢ ")[-1] != "False"
                                          and "∧ False" not in s.split("\n\n")[0] else []) for s in states]

    def value(self, states):
        return [0.5 for _ in states]


def test_lean_variants_and_lemmas_through_the_stand_in_repl(tmp_path):
    target = Theorem.from_text("theorem t (n : ℕ) (h : 0 < n) : n ≤ n + 1 ∧ False", header=OLYMPIAD_HEADER)
    cfg = load(overrides={"env": "lean", "policy.kind": "automation", "search.budget_steps": 12,
                          "learn.ttrl_rounds": 1, "learn.ttrl_variants": 6, "learn.ttrl_lemmas": 3,
                          "learn.ttrl_variant_steps": 8, "learn.ttrl_budget_steps": 200, "learn.ttrl_min_tactics": 1})
    with lean_env(tmp_path) as env:
        failed = attempt(env, FirstGoalPolicy(), target, cfg.search)
        assert not failed.proved
        source = LeanVariants(env)
        lemmas = source.lemmas(target, failed.graph, 3)
        assert lemmas and all(v.curriculum for v in lemmas)
        assert source.env_calls() >= len(lemmas)  # each an `extract_goal` request, counted
        assert any(v.theorem.statement.startswith("theorem t_l") and "0 < n" in v.theorem.statement for v in lemmas)
        result = run_round(cfg, source, target.statement, tmp_path / "r", env, FirstGoalPolicy())
    row = result.rounds[0]
    kept = [c for c in row["candidates"] if c["status"] == "kept"]
    assert row["variants_elaborated"] > 0 and kept
    assert any(c["kind"] == "weaken" and c["statement"].endswith(": n ≤ n + 1") for c in kept)
    assert row["variants"] == sum(not c["curriculum"] for c in row["candidates"])
    assert row["lemmas"] == sum(c["curriculum"] for c in row["candidates"])
    requests = [json.loads(x) for x in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert requests  # the REPL was really driven


def test_model_written_variants_are_parsed_and_elaborated(tmp_path):
    class Fake:
        fewshot = True

        def __init__(self):
            self.prompts = []

        def generate(self, prompt, n):
            self.prompts.append(prompt)
            return [" t (n : ℕ) (h : 0 < n) : n ≤ n + 1 := by\n  omega", " garbage without a colon", " t : 1 ≤ 2\n\nmore"]

    gen = Fake()
    target = Theorem.from_text("theorem t (n : ℕ) (h : 0 < n) : n ≤ n + 1 ∧ False")
    made = LeanVariants(generator=gen).variants(target, 50, seed=0)
    models = [v for v in made if v.kind == "model"]
    assert [v.theorem.statement for v in models] == ["theorem t_v0 (n : ℕ) (h : 0 < n) : n ≤ n + 1",
                                                     "theorem t_v1 : 1 ≤ 2"]
    assert "An easier variant" in gen.prompts[0] and target.statement.split(" ", 2)[2] in gen.prompts[0]


# -- the CLI -----------------------------------------------------------------------------------------


@pytest.fixture
def counted(monkeypatch):
    """Every env the CLI makes counts its opens and steps."""
    import prover.env as envs

    calls = []

    class Counting(PropEnv):
        def open(self, theorem):
            calls.append("open")
            return super().open(theorem)

        def step(self, state, tactic):
            calls.append("step")
            return super().step(state, tactic)

    monkeypatch.setattr(envs, "make_env", lambda cfg: Counting())
    return calls


def tiny_config(tmp_path) -> str:
    config = tmp_path / "t.toml"
    config.write_text('[policy]\ndevice = "cpu"\nmax_new_tokens = 16\n[train]\nmodel_dim = 16\nmodel_layers = 1\n'
                      "model_heads = 2\nmodel_kv_heads = 1\nbatch_size = 4\nwarmup_steps = 1\n[learn]\n"
                      "ttrl_train_steps = 1\nttrl_rounds = 1\nttrl_variants = 8\nttrl_variant_steps = 16\n")
    return str(config)


def test_prove_ttrl_respects_its_budget(counted, capsys, tmp_path):
    code = main(["prove", HARD, "--env", "prop", "--policy", "uniform", "--budget-steps", "10", "--ttrl",
                 "--ttrl-budget-steps", "120", "--ttrl-dir", str(tmp_path / "run"), "--config", tiny_config(tmp_path),
                 "--json"])
    record = json.loads(capsys.readouterr().out)
    assert code in (0, 1) and record["stats"]["env_calls"] <= 10
    assert record["ttrl"]["env_calls"] <= 120
    assert len(counted) == record["stats"]["env_calls"] + record["ttrl"]["env_calls"]
    rows = [json.loads(x) for x in (tmp_path / "run" / "ttrl.jsonl").read_text().splitlines()]
    assert rows[0]["variants"] > 0 and rows[-1]["env_calls"] == record["ttrl"]["env_calls"]


def test_bench_ttrl_runs_on_the_unsolved_only(counted, capsys, tmp_path):
    out = tmp_path / "b.jsonl"
    code = main(["bench", "prop:hard:2", "--env", "prop", "--policy", "uniform", "--budget-steps", "6", "--ttrl",
                 "--ttrl-budget-steps", "60", "--out", str(out), "--no-progress", "--config", tiny_config(tmp_path),
                 "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    records = [json.loads(x) for x in out.read_text().splitlines()]
    rows = [json.loads(x) for x in out.with_suffix(".ttrl.jsonl").read_text().splitlines()]
    unsolved = {r["theorem"] for r in records if not r["proved"]}
    assert {r["target"] for r in rows} == unsolved and summary["ttrl"]["tried"] == len(unsolved)
    assert all(r["env_calls"] <= 60 for r in rows)


def test_the_benchmark_report_computes_both_comparisons_and_the_forgetting_check(tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from ttrl_bench import report

    def row(name, ttrl, calls, wall, probe):
        return {"name": name, "ttrl_proved": ttrl, "eq_calls_proved": calls, "eq_time_proved": wall,
                "probe_after": probe, "ttrl_env_calls": 900, "ttrl_seconds": 30.0, "variants": 14, "variants_kept": 2,
                "variants_too_easy": 1, "lemmas": 4, "lemmas_kept": 0, "eq_time_env_calls": 3000}

    rows = [row("a", True, False, True, 20), row("b", True, True, True, 17), row("c", False, True, False, None)]
    report(rows, 20, tmp_path, "ckpt")
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert (summary["ttrl_solved"], summary["same_env_calls_solved"], summary["same_wall_time_solved"]) == (2, 2, 2)
    assert summary["ttrl_only_vs_env_calls"] == ["a"] and summary["env_calls_only"] == ["c"]
    assert summary["trained"] == 2 and summary["trained_within_margin"] == 1  # 17/20 is below the 2-problem margin
    assert "| a | proved |" in (tmp_path / "table.md").read_text()
