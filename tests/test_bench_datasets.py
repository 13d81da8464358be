"""Dataset loading: the miniF2F schema, named datasets, splits and limits, and one clear error per bad row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prover.bench.datasets import load_dataset, load_jsonl, read_jsonl, source_of
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
    assert read_jsonl(minif2f_path).summary() is None  # nothing skipped, nothing renamed
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


@pytest.mark.parametrize("bad, why, reason", [
    ("{not json", "not valid JSON", "not valid JSON (Expecting property name enclosed in double quotes at column 2)"),
    ({k: v for k, v in row("c").items() if k != "header"}, "missing field", "missing field 'header'"),
    (row("c", formal_statement="def c : ℕ := 1"), "not a theorem",
     "formal_statement is not a theorem or lemma declaration (it starts with `def`)"),
    (row("c", split=3), "bad field", "field 'split' must be a string"),
    (row("c", formal_statement="  "), "bad statement", "empty statement"),
    (row("  "), "empty name", "empty name"),
    ('["a list"]', "not a JSON object", "a row must be a JSON object, not list"),
])
def test_a_row_it_cannot_take_is_skipped_with_its_line_and_reason(tmp_path, bad, why, reason):
    path = write_rows(tmp_path / "d.jsonl", [row("a"), row("b"), bad, row("d")])
    dataset = read_jsonl(path)
    assert [p.name for p in dataset.problems] == ["a", "b", "d"]  # the rows around it still load
    assert [(s.line, s.why, s.reason) for s in dataset.skipped] == [(3, why, reason)]
    summary = dataset.summary()
    assert "\n" not in summary and f"3 problems loaded, 1 rows skipped (1 {why}: line 3)" in summary
    with pytest.raises(ProverError) as e:  # one row on its own still says file:line and why
        load_jsonl(write_rows(tmp_path / "only.jsonl", [bad]))
    assert "has no problems" in str(e.value) and "line 1" in str(e.value)


def test_a_theorem_after_a_doc_comment_or_open_in_loads_as_it_is(tmp_path):
    stmts = ["/-- Show that $a + b = b + a$. -/\ntheorem c (a b : ℕ) : a + b = b + a := by\n",
             "-- from a textbook\nopen Nat in\ntheorem d (n : ℕ) : n ! > 0 := by\n",
             "set_option maxRecDepth 1000 in\nlemma e : (2 : ℕ) + 2 = 4 :=",
             "example : True := by\n"]
    path = write_rows(tmp_path / "d.jsonl", [row(n, formal_statement=t) for n, t in zip("cdef", stmts, strict=True)]
                      + [row("g", formal_statement="noncomputable def g : ℝ := 1"),
                         row("h", formal_statement="open Nat\ntheorem h : True :=")])
    dataset = read_jsonl(path)
    assert [p.name for p in dataset.problems] == ["c", "d", "e", "f"]
    assert dataset.problems[0].theorem.statement == stmts[0].removesuffix(" := by\n")  # kept byte for byte
    assert [(s.line, s.reason) for s in dataset.skipped] == [
        (5, "formal_statement is not a theorem or lemma declaration (it starts with `noncomputable`)"),
        (6, "formal_statement is not a theorem or lemma declaration (it starts with `open`)")]


def test_duplicate_names_keep_the_first_and_suffix_the_rest_deterministically(tmp_path):
    # `a__2` is a real name in the file, so the second `a` becomes `a__3`; the statement is left as it is.
    path = write_rows(tmp_path / "d.jsonl", [row("a"), row("a", split="valid"), row("a__2"), row("a")])
    first, second = read_jsonl(path), read_jsonl(path)
    names = [p.name for p in first.problems]
    assert names == ["a", "a__3", "a__2", "a__4"] == [p.name for p in second.problems]
    assert len(set(names)) == len(names)
    assert [(r.line, r.name, r.new_name, r.first_line) for r in first.renamed] == [(2, "a", "a__3", 1), (4, "a", "a__4", 1)]
    assert first.problems[1].theorem.statement.startswith("theorem a (a b : ℕ)")  # byte for byte, for the judge
    assert first.problems[1].split == "valid"
    # a split keeps the names the whole file gives, so results of two splits never collide
    cfg = load()
    assert [p.name for p in load_dataset(path, cfg, split="valid", report=None).problems] == ["a__3"]


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


PROOFNET_LIKE = Path(__file__).resolve().parent / "data" / "proofnet_like.jsonl"


def test_a_proofnet_style_file_loads_what_it_can_and_says_what_it_skipped(capsys):
    # ProofNet-style rows: `open scoped` headers, `:=` without `by`, a `def` row, a name used three times,
    # a row cut off mid-line, a row without `goal`, and a header the safety gate refuses.
    dataset = load_dataset(str(PROOFNET_LIKE), load())
    assert [p.name for p in dataset.problems] == [
        "exercise_1_19b", "exercise_1_1a", "exercise_1_1a__2", "exercise_4_2", "exercise_1_1a__3"]
    assert [(s.line, s.why, s.name) for s in dataset.skipped] == [
        (3, "not a theorem", "exercise_2_3_2"), (6, "not valid JSON", None), (7, "missing field", "exercise_3_4")]
    assert [(r.line, r.new_name) for r in dataset.renamed] == [(4, "exercise_1_1a__2"), (9, "exercise_1_1a__3")]
    first = dataset.problems[0].theorem
    assert "open scoped BigOperators Topology" in first.header and first.statement.endswith("(𝓝 y)")
    err = capsys.readouterr().err
    assert err.count("\n") == 1  # one summary line on stderr, naming lines and reasons
    assert "5 problems loaded, 3 rows skipped (1 not a theorem: line 3; 1 not valid JSON: line 6; " \
           "1 missing field: line 7); 2 duplicate names renamed: exercise_1_1a -> exercise_1_1a__2 (line 4)" in err
    load_dataset(str(PROOFNET_LIKE), load(), report=None)
    assert capsys.readouterr().err == ""


def test_a_file_with_no_theorem_is_one_line_naming_why(tmp_path, capsys):
    path = write_rows(tmp_path / "defs.jsonl", [row("a", formal_statement="def a : ℕ := 1"), "{oops"])
    assert main(["bench", path, "--out", str(tmp_path / "o.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "has no problems" in err and "not a theorem: line 1" in err
    assert not (tmp_path / "o.jsonl").exists()


def test_dry_run_lists_loaded_skipped_renamed_and_refused_without_lean(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no Lean tool anywhere: the dry run must not need one
    monkeypatch.chdir(tmp_path)
    assert main(["bench", str(PROOFNET_LIKE), "--dry-run", "--json"]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["env"] == "lean" and err == ""
    assert report["counts"] == {"loaded": 5, "skipped": 3, "renamed": 2, "refused": 1, "ready": 4}
    assert report["loaded"] == ["exercise_1_19b", "exercise_1_1a", "exercise_1_1a__2", "exercise_4_2",
                                "exercise_1_1a__3"]
    assert [(s["line"], s["why"]) for s in report["skipped"]] == [
        (3, "not a theorem"), (6, "not valid JSON"), (7, "missing field")]
    assert report["skipped"][2]["reason"] == "missing field 'goal'"
    assert [r["name"] for r in report["refused"]] == ["exercise_4_2"]
    assert "safety gate" in report["refused"][0]["reason"] and "#eval" in report["refused"][0]["reason"]
    assert not any(tmp_path.iterdir())  # nothing written: no results file, no Lean started

    assert main(["bench", str(PROOFNET_LIKE), "--dry-run", "--split", "test"]) == 0
    text = capsys.readouterr().out.splitlines()
    assert text[0].startswith(f"{PROOFNET_LIKE}: 1 problems load, 3 rows skipped, 1 renamed, 0 refused")
    assert any(line.startswith("skipped  line 3 (exercise_2_3_2): formal_statement is not a theorem") for line in text)
    assert "renamed  line 4: exercise_1_1a -> exercise_1_1a__2 (line 2 keeps exercise_1_1a)" in text


def test_dry_run_of_a_file_where_nothing_loads_still_reports(tmp_path, capsys):
    path = write_rows(tmp_path / "bad.jsonl", ["[1]", "nope"])
    assert main(["bench", path, "--dry-run", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["counts"]["loaded"] == 0 and [s["why"] for s in report["skipped"]] == [
        "not a JSON object", "not valid JSON"]


def test_the_shipped_and_minif2f_files_load_clean_and_pass_the_gate(minif2f_path, capsys):
    for spec in ("olympiad", str(minif2f_path)):
        assert main(["bench", spec, "--dry-run", "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["counts"]["skipped"] == report["counts"]["renamed"] == report["counts"]["refused"] == 0
        assert report["counts"]["loaded"] == report["counts"]["ready"] >= 20


def test_prop_slices_keep_the_names_they_have_in_the_whole_split():
    cfg = load()
    whole = [p.name for p in load_dataset("prop:hard:12", cfg).problems]
    assert [p.name for p in load_dataset("prop:hard[5:9]", cfg).problems] == whole[5:9] == [
        "prop_hard_0005", "prop_hard_0006", "prop_hard_0007", "prop_hard_0008"]
    assert [p.name for p in load_dataset("prop:hard[:3]", cfg).problems] == whole[:3]
    tail = load_dataset("prop:hard[1998:]", cfg).problems
    assert [p.name for p in tail] == ["prop_hard_1998", "prop_hard_1999"]
    assert [p.name for p in load_dataset("prop:hard[1998:5000]", cfg).problems] == [p.name for p in tail]


@pytest.mark.parametrize("spec, message", [
    ("prop:hard:0", "prop:hard:0 is empty: N must be at least 1"),
    ("prop:hard[5:5]", "prop:hard[5:5] is empty: a slice [A:B] needs A < B"),
    ("prop:hard[9:3]", "prop:hard[9:3] is empty"),
    ("prop:hard[2000:2010]", "split 'hard' has 2000 problems (0 to 1999)"),
    ("prop:nosuch:3", "prop has no split 'nosuch': choose one of train, easy, hard"),
    ("prop:hard:-1", "bad prop dataset 'prop:hard:-1': write prop:SPLIT, prop:SPLIT:N"),
    ("prop:hard[a:b]", "bad prop dataset"),
])
def test_an_empty_or_bad_prop_spec_is_one_line_and_exit_2(tmp_path, capsys, spec, message):
    assert main(["bench", spec, "--out", str(tmp_path / "o.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert not (tmp_path / "o.jsonl").exists()


def test_a_prop_dataset_implies_the_prop_env(tmp_path, capsys):
    out = tmp_path / "o.jsonl"
    # No --env: before, this tried Lean (the default) and stopped; a prop dataset runs on the prop bench.
    assert main(["bench", "prop:easy[3:5]", "--policy", "uniform", "--budget-steps", "60", "--no-progress",
                 "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["dataset"] == "prop:easy[3:5]"
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted({r["problem"] for r in records}) == ["prop_easy_0003", "prop_easy_0004"]
    assert main(["bench", "prop:easy:2", "--dry-run", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["env"] == "prop"


def test_a_prop_dataset_with_an_explicit_lean_env_is_one_clear_error(tmp_path, capsys):
    assert main(["bench", "prop:hard:60", "--env", "lean", "--out", str(tmp_path / "o.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "prop:hard:60 is a propositional dataset" in err and "--env prop" in err
    assert not (tmp_path / "o.jsonl").exists()
