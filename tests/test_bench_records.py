"""The results file: torn last lines are ignored and cut off on resume; other damage is an error."""

from __future__ import annotations

import json

import pytest

from prover.bench.records import ResultsWriter, read_results
from prover.core import ProverError


def rec(problem: str, attempt: int = 0) -> dict:
    return {"problem": problem, "attempt": attempt, "proved": False}


def lines(*records: dict) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def test_torn_last_line_is_ignored_and_cut_off_on_resume(tmp_path):
    path = tmp_path / "r.jsonl"
    whole = lines(rec("a"), rec("b"))
    path.write_text(whole + '{"problem": "c", "att')
    found = read_results(path)
    assert [r["problem"] for r in found.records] == ["a", "b"] and found.torn
    writer = ResultsWriter(path, resume=True)
    assert writer.done() == {("a", 0), ("b", 0)}
    writer.open()
    writer.write(rec("c"))
    writer.close()
    assert path.read_text() == whole + lines(rec("c"))
    assert not read_results(path).torn


def test_garbled_final_line_counts_as_torn(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(lines(rec("a")) + '{"problem": "b"\n')
    found = read_results(path)
    assert [r["problem"] for r in found.records] == ["a"] and found.torn


def test_damage_before_the_end_names_the_line(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(lines(rec("a")) + "garbage\n" + lines(rec("b")))
    with pytest.raises(ProverError, match=r"r.jsonl:2: not a result record"):
        read_results(path)


def test_existing_file_needs_resume(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(lines(rec("a")))
    with pytest.raises(ProverError, match="already exists: pass --resume"):
        ResultsWriter(path, resume=False)
    (tmp_path / "empty.jsonl").write_text("")
    ResultsWriter(tmp_path / "empty.jsonl", resume=False)  # an empty file is as good as none


def test_an_attempt_record_has_one_schema_whether_it_ran_or_crashed(tmp_path):
    from prover.attempts import AttemptRecord, Problem, Task, run_settings
    from prover.attempts.runner import run_attempt
    from prover.config import load
    from prover.env.prop import PropEnv
    from prover.env.prop.generate import problems
    from prover.policy import UniformPolicy

    cfg = load(overrides={"env": "prop", "policy.kind": "uniform", "search.budget_steps": 50})
    problem = Problem(problems("easy", 1)[0], "easy", "prop", "easy")
    ran = run_attempt(PropEnv(), UniformPolicy(), Task(problem, 0, cfg))
    assert ran.proved and ran.verdict.ok and ran.proof.endswith(ran.tactics[-1] + "\n")
    crashed = AttemptRecord.crashed(problem, 1, run_settings(cfg), "worker died: SIGKILL (tried 2 times)")
    assert crashed.to_json().keys() == ran.to_json().keys()
    assert crashed.stop_reason == "crashed" and crashed.error == "attempt crashed: worker died: SIGKILL (tried 2 times)"
    assert crashed.stats.env_calls is None and not crashed.proved
    from dataclasses import replace

    from prover.core import Verdict
    from prover.search.attempt import SampleStats

    sampled = replace(ran, attempt=2, verdict=Verdict(True, ("ok",), ("propext",), checks=("gate", "judge")),
                      sampled=SampleStats(samples=4, unreadable=1, verified=1))
    assert sampled.to_json()["sampled"] == {"samples": 4, "unreadable": 1, "verified": 1, "searched_from_step": None,
                                            "every_sample_checked": False}
    for record in (ran, crashed, sampled):  # what is written reads back as the same record
        writer = ResultsWriter(tmp_path / f"{record.attempt}.jsonl", resume=False)
        with writer:
            writer.write(record)
        [row] = read_results(writer.path).records
        assert AttemptRecord.from_json(row) == record


def test_run_settings_hold_what_changes_a_result_and_not_how_it_runs():
    from prover.attempts import run_settings
    from prover.config import load

    base = load(overrides={"env": "prop"})
    same = [{"ray.workers": 2}, {"ray.address": "auto"}, {"policy.device": "cpu"}, {"policy.batch_size": 3}]
    other = [{"policy.candidates": "uniform"}, {"policy.seed": 1}, {"search.seed": 1}, {"search.algorithm": "bfs"},
             {"search.budget_steps": 9}, {"bench.attempts": 4}, {"prop.seed": 2}, {"policy.temperature": 0.5}]
    for over in same:
        assert run_settings(load(overrides={"env": "prop", **over})) == run_settings(base), over
    for over in other:
        assert run_settings(load(overrides={"env": "prop", **over})) != run_settings(base), over
