"""Expert iteration end to end on a small prop corpus: rounds on disk, metrics, resume after a crash, the buffer."""

import json

import pytest

import prover.policy.train as policy_train
from prover.cli import main
from prover.learn.buffer import Example, write_examples
from prover.learn.rounds import RunDir
from tests.conftest import tiny_training

ORIGINAL = [Example("p q : Prop\n⊢ p ∧ q → q ∧ p", "intro h"), Example("p q : Prop\nh : p ∧ q\n⊢ q ∧ p", "exact ⟨h.2, h.1⟩")]
TINY = tiny_training(heldout="prop:easy:3", steps_per_round=4)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("learn")
    config = tmp / "tiny.toml"
    config.write_text(TINY)
    data = tmp / "original.jsonl"
    write_examples(data, ORIGINAL)
    return config, data


@pytest.fixture(scope="module")
def accumulated(setup, tmp_path_factory):
    """Two rounds with the accumulating buffer and original data: shared by the tests that read a run."""
    config, data = setup
    run = tmp_path_factory.mktemp("acc") / "run"
    assert main(["train", "prop:train:6", "--config", str(config), "--rounds", "2", "--out", str(run),
                 "--data", str(data)]) == 0
    return run


def train(capsys, config, *argv):
    code = main(["train", "prop:train:6", "--config", str(config), *argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def metrics(run):
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.slow
def test_two_rounds_write_metrics_plots_and_a_loadable_checkpoint(capsys, setup, accumulated):
    config, _ = setup
    run = accumulated
    rows = metrics(run)
    assert [r["round"] for r in rows] == [0, 1, 2]
    for r in rows[1:]:
        for key in ("train_solved", "heldout_solved", "heldout_distinct_tactics", "heldout_tactic_entropy",
                    "heldout_proof_lengths", "heldout_shape_coverage", "buffer_tactic_entropy"):
            assert key in r, key
        assert r["buffer_sources"]["original"] >= len(ORIGINAL)  # the original data stays in the mix
    assert rows[1]["train_solved"] > 0 and rows[1]["buffer_sources"].get("round-1", 0) > 0
    assert sum(rows[0]["heldout_proof_lengths"].values()) == rows[0]["heldout_solved"]
    for r in rows:  # the collapse metrics, every round, on the run's one probe set
        for key in ("probe_tactic_entropy", "probe_needed_mass", "heldout_kind_shares", "heldout_solve_rate_by_kind"):
            assert key in r, key
        assert r["probe_states"] == len(json.loads((run / "probe.json").read_text())["states"]) > 0
    for png in ("solved.png", "diversity.png", "proof_lengths.png", "collapse.png"):
        assert (run / png).stat().st_size > 1000
    # Round 2 continued from round 1's checkpoint; DIR/policy, what --policy loads, is the one with the best
    # held-out solve rate (the newest of equals), and it proves things.
    assert rows[2]["continued_from"] == 1
    best = max(rows[1:], key=lambda r: (r["heldout_solve_rate"], r["round"]))["round"]
    assert (run / "policy").resolve() == (run / "rounds" / f"round-{best:04d}" / "policy").resolve()
    code = main(["prove", "--config", str(config), "--policy", str(run / "policy"), "--budget-steps", "40",
                 "theorem t (p q : Prop) : p ∧ q → q ∧ p"])
    assert code in (0, 1) and "Traceback" not in capsys.readouterr().err


@pytest.mark.slow
def test_a_round_killed_in_training_is_not_complete_and_resume_finishes_it(capsys, setup, tmp_path, monkeypatch):
    config, _ = setup
    run = tmp_path / "run"
    real, calls = policy_train.train_sft, []

    def crash_in_round_two(*args, **kwargs):
        calls.append(1)
        result = real(*args, **kwargs)  # round 2's checkpoint is written into its temporary directory...
        if len(calls) == 2:
            raise KeyboardInterrupt  # ...and the process dies before the round is complete
        return result

    monkeypatch.setattr(policy_train, "train_sft", crash_in_round_two)
    assert main(["train", "prop:train:6", "--config", str(config), "--rounds", "2", "--out", str(run)]) == 130
    capsys.readouterr()
    assert [r.number for r in RunDir(run).complete_rounds()] == [0, 1]
    assert [r["round"] for r in metrics(run)] == [0, 1]
    round1 = (run / "rounds" / "round-0001" / "metrics.json").read_text()

    monkeypatch.setattr(policy_train, "train_sft", real)
    out = train(capsys, config, "--rounds", "2", "--out", str(run), "--resume")
    assert "resuming after round 1" in out
    assert [r["round"] for r in metrics(run)] == [0, 1, 2]
    assert (run / "rounds" / "round-0001" / "metrics.json").read_text() == round1  # untouched
    assert not list((run / "rounds").glob(".round-*"))


@pytest.mark.slow
def test_resume_continues_a_half_searched_round_searching_only_what_has_no_record(capsys, setup, tmp_path,
                                                                                   monkeypatch):
    import prover.attempts.results as results
    from prover.attempts import LocalExecutor

    config, _ = setup
    whole = tmp_path / "whole"
    train(capsys, config, "--rounds", "1", "--out", str(whole))

    real_write, written = results.ResultsWriter.write, []

    def die_after_three_search_records(self, record):
        real_write(self, record)
        if self.path.name == "search.jsonl":
            written.append(record.problem)
            if len(written) == 3:
                raise KeyboardInterrupt  # killed with 3 of round 1's searches on disk

    monkeypatch.setattr(results.ResultsWriter, "write", die_after_three_search_records)
    run = tmp_path / "run"
    assert main(["train", "prop:train:6", "--config", str(config), "--rounds", "1", "--out", str(run)]) == 130
    capsys.readouterr()
    monkeypatch.setattr(results.ResultsWriter, "write", real_write)
    real_run, searched = LocalExecutor.run, []

    def counting(self, tasks):
        tasks = list(tasks)
        searched.append([t.problem.name for t in tasks])
        yield from real_run(self, tasks)

    monkeypatch.setattr(LocalExecutor, "run", counting)
    train(capsys, config, "--rounds", "1", "--out", str(run), "--resume")
    everything = [json.loads(line)["problem"] for line in
                  (whole / "rounds" / "round-0001" / "search.jsonl").read_text().splitlines()]
    assert sorted(searched[0]) == sorted(set(everything) - set(written)) and len(searched[0]) == 3
    assert len(searched) == 2 and len(searched[1]) == 3  # then round 1's held-out set, and nothing else
    same = lambda run: [{k: v for k, v in r.items() if k != "seconds"} for r in metrics(run)]  # noqa: E731
    assert same(run) == same(whole)
    found = lambda run: sorted((r["problem"], r["proved"], r["tactics"]) for r in map(  # noqa: E731
        json.loads, (run / "rounds" / "round-0001" / "search.jsonl").read_text().splitlines()))
    assert found(run) == found(whole)
    data = lambda run: (run / "rounds" / "round-0001" / "data.jsonl").read_text()  # noqa: E731
    assert data(run) == data(whole)  # the examples in the problems' order, whatever order they came in


@pytest.mark.slow
def test_replace_drops_older_synthetic_data_but_the_original_survives_every_round(capsys, setup, accumulated,
                                                                                   tmp_path):
    config, data = setup
    out = train(capsys, config, "--rounds", "2", "--out", str(tmp_path / "rep"), "--data", str(data), "--replace")
    assert "round 2: held-out" in out
    acc, rep = metrics(accumulated), metrics(tmp_path / "rep")
    for r in acc[1:] + rep[1:]:
        assert r["buffer_sources"].get("original", 0) >= len(ORIGINAL)
        assert r["buffer_original_share"] >= 0.25  # learn.min_original_share
    assert set(rep[2]["buffer_sources"]) <= {"original", "round-2"}
    assert "round-1" in acc[2]["buffer_sources"]
    # the run records what its original data was
    meta = json.loads((tmp_path / "rep" / "run.json").read_text())["data"]
    assert meta["path"] == str(data) and meta["examples"] == len(ORIGINAL) and len(meta["sha256"]) == 64


@pytest.mark.slow
def test_a_run_stops_once_the_held_out_rate_stops_improving(capsys, setup, tmp_path):
    """prop:easy:2 at 10 env calls: the uniform start already solves both, so no round can beat it."""
    config, _ = setup
    out = train(capsys, config, "--rounds", "4", "--patience", "1", "--heldout", "prop:easy:2", "--out",
                str(tmp_path / "run"))
    rows = metrics(tmp_path / "run")
    assert rows[0]["heldout_solve_rate"] == 1.0
    assert [r["round"] for r in rows] == [0, 1]
    assert "stopping after round 1: the held-out solve rate has not improved for 1 round(s)" in out
    assert f"policy: {tmp_path / 'run'}/policy (round 1: held-out {rows[1]['heldout_solved']}/2)" in out
    out = train(capsys, config, "--rounds", "4", "--patience", "1", "--heldout", "prop:easy:2", "--out",
                str(tmp_path / "run"), "--resume")
    assert "stopping after round 1" in out and [r["round"] for r in metrics(tmp_path / "run")] == [0, 1]


def test_bad_requests_are_one_line(capsys, setup, tmp_path):
    config, _ = setup
    assert main(["train", "prop:train:6", "--config", str(config), "--rounds", "1"]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["train", "prop:train:6", "--config", str(config), "--out", str(tmp_path / "x"), "--resume"]) == 2
    assert "nothing to resume" in capsys.readouterr().err
    assert main(["train", "prop:easy:6", "--config", str(config), "--out", str(tmp_path / "y")]) == 2
    assert "also in the corpus" in capsys.readouterr().err


@pytest.mark.slow
def test_sft_on_the_original_data_first_is_round_zeros_policy(capsys, setup, tmp_path):
    config, data = setup
    run = tmp_path / "sft"
    train(capsys, config, "--rounds", "1", "--patience", "0", "--out", str(run), "--data", str(data),
          "--sft-steps", "3")
    rows = metrics(run)
    assert rows[0]["sft_steps"] == 3 and rows[0]["trained"] is True
    assert (run / "rounds" / "round-0000" / "policy").is_dir()
    assert rows[1]["continued_from"] == 0  # round 1 builds on the SFT checkpoint, not a fresh model
