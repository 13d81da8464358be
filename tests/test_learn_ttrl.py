"""Test-time RL on prop: variants of a hard target are valid and varied; the loop proves some and trains."""

import json

import pytest

from prover.cli import main
from prover.config import load
from prover.core import Theorem
from prover.env.prop import PropEnv, decide
from prover.env.prop.syntax import parse_statement
from prover.learn.variants import goal_statement, render, variants
from prover.policy import UniformPolicy
from prover.search.attempt import attempt

TARGET = ("theorem prop_hard_0000 (p q r s : Prop) : ¬(p → q) → (p → r) → (s ↔ p ∨ q) → ((r → q) → ¬r → q) "
          "→ s → p")


def test_variants_are_provable_distinct_and_include_the_open_subgoals():
    target = Theorem.from_text(TARGET)
    cfg = load(overrides={"env": "prop", "search.budget_steps": 24})
    failed = attempt(PropEnv(), UniformPolicy(), target, cfg.search)
    assert not failed.proved
    made = variants(target, failed.graph, limit=20)
    texts = [v.statement.split(" ", 2)[2] for v in made]
    assert len(made) == 20 and len(set(texts)) == 20
    assert all(decide(v) for v in made)
    assert TARGET.split(" ", 2)[2] not in texts
    open_goals = {render("g", *goal_statement(g)).split(" ", 2)[2] for _, data in failed.graph.nodes(data=True)
                  for g in data["goals"] if goal_statement(g)}
    assert open_goals & set(texts)  # sub-goals the failed search left open are among them
    kinds = {v.statement.count("True") > 0 or v.statement.count("False") > 0 for v in made}
    assert kinds == {True, False}  # special cases and structural variants both appear


def test_goal_text_round_trips_to_a_statement():
    binders, target = goal_statement("p q : Prop\nh✝ : p ∧ q\nh : q → p\n⊢ q ∧ p")
    text = render("g", binders, target)
    assert text == "theorem g (p q : Prop) (x0 : p ∧ q) (h : q → p) : q ∧ p"
    assert parse_statement(text).target.text == "q ∧ p"


@pytest.mark.slow
def test_ttrl_proves_variants_trains_and_searches_the_target_again(capsys, tmp_path):
    config = tmp_path / "t.toml"
    config.write_text('env = "prop"\n[policy]\nkind = "uniform"\ndevice = "cpu"\nmax_new_tokens = 32\n'
                      "[search]\nbudget_steps = 24\n[train]\nmodel_dim = 32\nmodel_layers = 1\nmodel_heads = 2\n"
                      "batch_size = 8\nwarmup_steps = 2\n[learn]\nsteps_per_round = 6\nttrl_rounds = 1\n"
                      "ttrl_variants = 8\n")
    out = tmp_path / "ttrl"
    code = main(["train", "--config", str(config), "--ttrl", TARGET, "--out", str(out)])
    assert code in (0, 1)
    rows = [json.loads(line) for line in (out / "ttrl.jsonl").read_text().splitlines()]
    assert rows[0]["variants"] == 8 and rows[0]["variants_proved"] > 0
    assert all(decide(s) for s in rows[0]["variant_statements"])
    assert (out / "round-0" / "policy").is_dir() and len(rows) == 2  # trained, then tried the target again
    assert "round(s) of test-time training" in capsys.readouterr().out
