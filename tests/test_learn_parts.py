"""The pieces of expert iteration that need no search: the buffer, the diversity numbers, the run directory."""

import json

import pytest

from prover.cli import main
from prover.core import ProverError
from prover.learn.buffer import Example, ReplayBuffer, read_examples, write_examples
from prover.learn.metrics import diversity, shape, shape_coverage, tactic_entropy
from prover.learn.rounds import RunDir, policy_round

ORIG = [Example("p : Prop\nh : p\n⊢ p", "exact h"), Example("p q : Prop\n⊢ p ∧ q → q ∧ p", "intro h")]


def synthetic(round_no: int, n: int) -> list[Example]:
    return [Example(f"⊢ goal{round_no}_{i}", "assumption", 1.0, f"round-{round_no}") for i in range(n)]


def test_accumulating_buffer_keeps_the_original_data_and_every_round():
    buf = ReplayBuffer(ORIG, [synthetic(1, 3), synthetic(2, 3)], min_original_share=0.0)
    got = buf.examples()
    assert all(ex in got for ex in ORIG)
    assert {ex.source for ex in got} == {"original", "round-1", "round-2"}
    assert len(got) == 2 + 6


def test_replace_drops_only_older_synthetic_data_and_keeps_the_original_at_its_share():
    got = ReplayBuffer(ORIG, [synthetic(1, 3), synthetic(2, 3)], replace=True, min_original_share=0.0).examples()
    assert {ex.source for ex in got} == {"original", "round-2"} and all(ex in got for ex in ORIG)
    assert ReplayBuffer([], [synthetic(1, 3), synthetic(2, 3)], replace=True).sources() == {"round-2": 3}
    for replace in (False, True):  # every round, however large the synthetic pile
        for n in range(1, 6):
            buf = ReplayBuffer(ORIG, [synthetic(r, 10 * r) for r in range(1, n + 1)], replace=replace,
                               min_original_share=0.4)
            assert buf.original_share() >= 0.4
            assert buf.sources()[f"round-{n}"] == 10 * n


def test_original_data_is_not_drowned_by_a_growing_synthetic_pile():
    buf = ReplayBuffer(ORIG, [synthetic(r, 30) for r in range(1, 4)], min_original_share=0.25)
    counts = buf.sources()
    assert counts["original"] / sum(counts.values()) >= 0.25


def test_duplicates_across_rounds_are_kept_once_with_their_oldest_source():
    again = [Example(ORIG[0].state, ORIG[0].tactic, None, "round-1")]
    got = ReplayBuffer(ORIG, [again], min_original_share=0.0).examples()
    assert [ex.source for ex in got if ex.state == ORIG[0].state] == ["original"]


def test_examples_round_trip_and_a_bad_line_is_named(tmp_path):
    path = tmp_path / "d.jsonl"
    write_examples(path, ORIG + [Example("⊢ False", None, 0.0, "round-1")])
    back = read_examples(path)
    assert [(e.state, e.tactic, e.value) for e in back] == [(e.state, e.tactic, e.value) for e in ORIG] + [
        ("⊢ False", None, 0.0)]
    path.write_text('{"state": "⊢ p", "tactic": "trivial"}\n{"tactic": "x"}\n')
    with pytest.raises(ProverError, match="d.jsonl:2"):
        read_examples(path)


def test_entropy_and_diversity_show_a_collapse():
    varied = [["intro h", "exact h.1"], ["constructor", "left"], ["intro h", "exact h"]]
    collapsed = [["intro h"], ["intro h"], ["intro h"]]
    assert tactic_entropy(t for p in collapsed for t in p) == 0.0
    assert tactic_entropy(t for p in varied for t in p) > 2.0
    d = diversity(varied)
    assert d["distinct_tactics"] == 5 and d["proof_lengths"] == {"2": 3}
    assert diversity(collapsed)["distinct_tactics"] == 1


def test_shapes_ignore_names_and_coverage_counts_solved_shapes():
    a = "theorem t1 (p q : Prop) : p ∧ q → q ∧ p"
    b = "theorem t2 (r s : Prop) : r ∧ s → s ∧ r"
    c = "theorem t3 (p q r : Prop) : (p → q) → ¬q → ¬p"
    assert shape(a) == shape(b) != shape(c)
    assert shape(c) == "¬→⊢¬"
    cov = shape_coverage([a, b, c], [False, True, False])
    assert cov == {"shapes": 2, "shapes_covered": 1, "shape_coverage": 0.5}


def test_a_round_exists_only_once_committed_and_resume_continues_a_partial_one(tmp_path):
    run = RunDir(tmp_path / "run")
    run.start({"corpus": "x"}, ORIG, resume=False)
    tmp = run.begin(1)
    (tmp / "data.jsonl").write_text("")
    assert run.complete_rounds() == []  # a crash here leaves no round behind
    RunDir(tmp_path / "run").start({"corpus": "x"}, [], resume=True)
    assert run.begin(1) == tmp and (tmp / "data.jsonl").exists()  # what the killed run left goes on
    run.commit(1, tmp, {"round": 1, "heldout_solve_rate": 0.5})
    assert [r.number for r in run.complete_rounds()] == [1]
    lines = (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(x)["round"] for x in lines] == [1]
    assert (tmp_path / "run" / "solved.png").stat().st_size > 1000
    with pytest.raises(ProverError, match="already holds"):
        RunDir(tmp_path / "run").start({"corpus": "x"}, [], resume=False)
    with pytest.raises(ProverError, match="corpus"):
        RunDir(tmp_path / "run").start({"corpus": "y"}, [], resume=True)


@pytest.mark.parametrize("rule, rates, expected", [
    ("best", [0.5, 0.3, 0.4], 1),  # a round that did worse is kept on disk but not the run's policy
    ("best", [0.3, 0.5, 0.5], 3),  # the newest of equals: it has seen the most data
    ("newest", [0.5, 0.3, 0.4], 3),
])
def test_the_run_policy_is_the_best_held_out_checkpoint_and_dir_policy_links_to_it(tmp_path, rule, rates,
                                                                                  expected):
    run = RunDir(tmp_path / "run", rule)
    run.start({"corpus": "x"}, ORIG, resume=False)
    run.commit(0, run.begin(0), {"round": 0, "heldout_solve_rate": 0.9})  # the starting policy: no checkpoint
    for number, rate in enumerate(rates, start=1):
        tmp = run.begin(number)
        (tmp / "policy").mkdir()
        run.commit(number, tmp, {"round": number, "heldout_solve_rate": rate})
    chosen = policy_round(run.complete_rounds(), rule)
    assert chosen is not None and chosen.number == expected
    assert (tmp_path / "run" / "policy").resolve() == chosen.policy_dir.resolve()


def test_trace_without_lean_is_one_line_and_exit_2(capsys, tmp_path):
    code = main(["data", "trace", str(tmp_path), "--out", str(tmp_path / "out.jsonl")])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    from prover.learn.leandojo import missing_tools

    if not missing_tools():
        pytest.skip("Lean is installed here; the lean-marked test covers tracing")
    assert code == 2 and len(lines) == 1 and "Lean" in lines[0] and "setup-lean" in lines[0]
    assert not (tmp_path / "out.jsonl").exists()
