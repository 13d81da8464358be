"""Dataset loading: the miniF2F schema, named datasets, splits and limits, and one clear error per bad row."""

from __future__ import annotations

import json

import pytest

from prover.bench.datasets import load_dataset, load_jsonl, source_of
from prover.cli import main
from prover.config import load
from prover.core import ProverError

HEADER = "import Mathlib\n\n"


def row(name: str, split: str = "test", **extra) -> dict:
    return {"name": name, "split": split, "informal_prefix": f"/-- Problem {name}. -/\n",
            "formal_statement": f"theorem {name} (a b : ℕ) : a + b = b + a := by\n",
            "goal": "a b : ℕ\n⊢ a + b = b + a", "header": HEADER, **extra}


def write_rows(path, rows) -> str:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows))
    return str(path)


def test_minif2f_file_loads_every_row(minif2f_path):
    problems = load_jsonl(minif2f_path)
    assert len(problems) == 488
    assert sorted({p.split for p in problems}) == ["test", "valid"]
    assert sum(p.split == "valid" for p in problems) == 244
    first = next(p for p in problems if p.name == "amc12a_2019_p21")
    assert first.source == "amc12a" and first.difficulty is None
    assert first.theorem.statement.startswith("theorem amc12a_2019_p21 (z : ℂ)")
    assert not first.theorem.statement.rstrip().endswith(":= by")
    assert first.theorem.header.startswith("import Mathlib")
    assert first.theorem.informal.startswith("Let $z=") and not first.theorem.informal.endswith("-/")
    assert {p.source for p in problems} >= {"amc12a", "amc12b", "aime", "mathd", "imo", "induction"}


def test_named_minif2f_with_split_and_limit(minif2f_path):
    cfg = load(overrides={"bench.datasets": {"minif2f": str(minif2f_path)}})
    dataset = load_dataset("minif2f", cfg, split="valid", limit=5)
    assert len(dataset.problems) == 5 and all(p.split == "valid" for p in dataset.problems)


def test_malformed_rows_are_rejected_naming_the_line(tmp_path):
    cases = [
        ("{not json", "not valid JSON"),
        ({k: v for k, v in row("c").items() if k != "header"}, "missing field 'header'"),
        (row("c", formal_statement="def c : ℕ := 1"), "formal_statement is not a theorem or lemma declaration"),
        (row("c", split=3), "field 'split' must be a string"),
        (row("a"), "duplicate name 'a' (first on line 1)"),
        ('["a list"]', "a row must be a JSON object, not list"),
    ]
    for bad, message in cases:
        path = write_rows(tmp_path / "d.jsonl", [row("a"), row("b"), bad])
        with pytest.raises(ProverError) as e:
            load_jsonl(path)
        assert f"d.jsonl:3: {message}" in str(e.value)


def test_source_and_difficulty_come_from_the_row_or_the_name(tmp_path):
    path = write_rows(tmp_path / "d.jsonl", [row("aimeII_2020_p6"), row("mathd_algebra_1", difficulty="hard"),
                                             row("x_1", source="mine"), "", row("imo_1959_p1")])
    problems = load_jsonl(path)
    assert [(p.source, p.difficulty) for p in problems] == [
        ("aime", None), ("mathd", "hard"), ("mine", None), ("imo", None)]
    assert source_of("amc12b_2002_p2") == "amc12b"


def test_missing_named_dataset_says_where_to_get_it(tmp_path, capsys, monkeypatch):
    missing = tmp_path / "nowhere" / "minif2f.jsonl"
    monkeypatch.setenv("PROVER_BENCH__DATASETS", json.dumps({"minif2f": str(missing)}))
    assert main(["bench", "minif2f"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert str(missing) in err and "is missing" in err and "DeepSeek-Prover-V1.5" in err


def test_cli_reports_unknown_dataset_and_bad_split_in_one_line(tmp_path, capsys):
    assert main(["bench", str(tmp_path / "nope.jsonl"), "--env", "prop"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "unknown dataset" in err
    path = write_rows(tmp_path / "d.jsonl", [row("a"), row("b", split="valid")])
    assert main(["bench", path, "--env", "prop", "--split", "train", "--out", str(tmp_path / "o.jsonl")]) == 2
    assert "has no split 'train' (it has test, valid)" in capsys.readouterr().err
    assert not (tmp_path / "o.jsonl").exists()
