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
