"""Collapse metrics: tactic kinds, the probe set (fixed once a run), per-problem kind shares, solve rate by
needed kind; the prop teacher data (`prover data prop-teacher`)."""

import json
import math

import pytest

import prover.learn.expert as expert
from prover.cli import main
from prover.env.prop.generate import problems
from prover.learn.probe import (
    ProbeSet,
    ProbeState,
    build_probe,
    kind_shares,
    probe_metrics,
    solve_rate_by_kind,
    tactic_kind,
)
from prover.learn.teacher import teacher_proofs
from prover.policy.data import read_examples
from tests.conftest import tiny_training


def test_tactic_kinds_say_what_a_step_does():
    assert tactic_kind("rcases h with a | b") == "rcases|"
    assert tactic_kind("rcases h with ⟨a, b⟩") == "rcases⟨⟩"
    assert tactic_kind("right") == tactic_kind("exact Or.inr h") == tactic_kind("apply Or.inr") == "Or.inr"
    assert tactic_kind("exact absurd h1 h2") == "absurd"
    assert tactic_kind("exact (Or.inl h)") == "Or.inl"
    assert tactic_kind("exact h h1.2") == "exact" and tactic_kind("intro h") == "intro"
    assert tactic_kind("exfalso") == "exfalso" and tactic_kind("") == "?"


def test_kind_shares_are_per_problem_not_raw_counts():
    long = ["intro h"] * 9 + ["rcases h with a | b"]
    short = ["rcases h with a | b"]
    shares = kind_shares([long, short])
    assert shares == {"intro": 0.45, "rcases|": 0.55}  # the short proof weighs as much as the long one
    assert math.isclose(sum(shares.values()), 1.0)
    assert kind_shares([]) == {}


def test_solve_rate_by_needed_kind():
    needs = {"a": ["intro", "rcases|"], "b": ["intro"], "c": ["exfalso", "intro"]}
    got = solve_rate_by_kind(needs, {"a": True, "b": False, "c": False})
    assert got["intro"] == {"problems": 3, "solved": 1, "rate": 0.3333}
    assert got["rare"] == {"problems": 2, "solved": 1, "rate": 0.5}
    assert got["exfalso"]["rate"] == 0.0


class Fixed:
    """A policy with known proposals: the probe metrics are arithmetic on them."""

    def __init__(self, proposals):
        self.proposals = proposals

    def propose(self, states, k):
        return [self.proposals for _ in states]


def test_probe_metrics_measure_entropy_and_mass_on_the_teachers_kind():
    probe = ProbeSet(0, [ProbeState("⊢ p ∨ q", "right", "Or.inr", "x"), ProbeState("⊢ p", "exact h", "exact", "x")])
    half = math.log(0.5)
    m = probe_metrics(Fixed([("exact Or.inr h", half), ("exact h", half)]), probe)
    assert m["probe_tactic_entropy"] == 1.0 and m["probe_kind_entropy"] == 1.0
    assert m["probe_needed_mass"] == 0.5 and m["probe_rare_mass"] == 0.5
    assert m["probe_rare_mass_by_kind"] == {"Or.inr": 0.5}
    collapsed = probe_metrics(Fixed([("exact h", 0.0)]), probe)
    assert collapsed["probe_tactic_entropy"] == 0.0 and collapsed["probe_rare_mass"] == 0.0


def test_the_probe_set_is_seeded_from_heldout_teacher_proofs_and_saved(tmp_path):
    heldout = problems("hard")[:6]
    a, b = build_probe(heldout, seed=3, size=12), build_probe(heldout, seed=3, size=12)
    assert a == b and 0 < len(a.states) <= 12
    assert {s.problem for s in a.states} <= {t.name for t in heldout}
    assert any(s.kind in ("rcases|", "Or.inr", "absurd", "exfalso") for s in a.states)  # tails first
    a.save(tmp_path / "probe.json")
    assert ProbeSet.load(tmp_path / "probe.json") == a


def test_teacher_proofs_are_verified_steps_and_the_cli_writes_them(tmp_path, capsys):
    from prover.core import Proof
    from prover.env.prop import PropEnv

    theorems = problems("train")[:5]
    taught = teacher_proofs(theorems)
    env = PropEnv()
    for theorem, proof in zip(taught.theorems, taught.proofs, strict=True):
        if proof is not None:
            assert env.verify(theorem, Proof(theorem, [t for _, t in proof])).ok
    assert taught.proved >= 4
    out = tmp_path / "teacher.jsonl"
    assert main(["data", "prop-teacher", "prop:train:5", "--out", str(out), "--json"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["proved"] == taught.proved and row["examples"] == len(read_examples(out)) == len(taught.examples())


TINY = tiny_training(heldout="prop:hard:3", steps_per_round=3, patience=0)


@pytest.mark.slow
def test_the_probe_set_is_fixed_across_rounds_and_resume(tmp_path, monkeypatch, capsys):
    config = tmp_path / "tiny.toml"
    config.write_text(TINY)
    built, seen = [], []
    real_build, real_metrics = expert.build_probe, expert.collapse_metrics

    def counting_build(*a, **kw):
        built.append(1)
        return real_build(*a, **kw)

    def recording(policy, probe, *a, **kw):
        seen.append([s.state for s in probe.states])
        return real_metrics(policy, probe, *a, **kw)

    monkeypatch.setattr(expert, "build_probe", counting_build)
    monkeypatch.setattr(expert, "collapse_metrics", recording)
    run = tmp_path / "run"
    argv = ["train", "prop:train:4", "--config", str(config), "--out", str(run)]
    assert main([*argv, "--rounds", "1"]) == 0
    saved = (run / "probe.json").read_text()
    assert main([*argv, "--rounds", "2", "--resume"]) == 0
    capsys.readouterr()
    assert len(built) == 1 and (run / "probe.json").read_text() == saved
    assert len(seen) == 3 and seen[0] == seen[1] == seen[2] and seen[0]
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["round"] for r in rows] == [0, 1, 2] and all("probe_rare_mass" in r for r in rows)
