"""The command line as a user meets it: exit codes, one-line errors, no tracebacks."""

import json

import pytest

from prover.cli import main
from prover.cli.inputs import MAX_INPUT_BYTES


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize("statement, expected", [
    ("", "empty statement"),
    ("   ", "empty statement"),
    ("missing/problem.lean", "no such file"),
])
def test_bad_statements_are_one_line_and_exit_2(capsys, statement, expected):
    code, _, err = run(capsys, "prove", "--env", "prop", statement)
    assert code == 2 and expected in one_line_error(err)


def test_unreadable_and_huge_files_are_refused(capsys, tmp_path):
    huge = tmp_path / "huge.lean"
    huge.write_bytes(b"-- " + b"x" * MAX_INPUT_BYTES)
    code, _, err = run(capsys, "prove", "--env", "prop", str(huge))
    assert code == 2 and "limit" in one_line_error(err)
    binary = tmp_path / "bin.lean"
    binary.write_bytes(b"\xff\xfe\x00theorem")
    code, _, err = run(capsys, "prove", "--env", "prop", str(binary))
    assert code == 2 and "not UTF-8" in one_line_error(err)


def test_bad_config_is_one_line(capsys, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[search]\nbudget_steps = 'lots'\n")
    code, _, err = run(capsys, "prove", "--env", "prop", "--config", str(cfg), "p → p")
    assert code == 2 and "search.budget_steps" in one_line_error(err)


def test_prove_without_lean_names_prop_and_the_setup_step(capsys):
    code, _, err = run(capsys, "prove", "theorem t (a b : Nat) : a + b = b + a")
    line = one_line_error(err)
    assert code == 2 and "--env prop" in line and "setup-lean" in line


def test_doctor_names_each_lean_part_and_its_fix(capsys):
    code, out, _ = run(capsys, "doctor", "--json")
    report = json.loads(out)
    lean = {c["name"]: c for c in report["checks"] if c["group"] == "lean"}
    assert set(lean) >= {"lean", "lake", "repl", "mathlib"}
    assert all(c["found"] or c["fix"] for c in lean.values())
    assert report["lean_ready"] is False and code == 1  # Lean is part of the default setup: missing is non-zero


def test_check_replays_and_verifies_a_prop_proof(capsys):
    stmt = "theorem t (p q : Prop) : p ∧ q → q ∧ p"
    code, out, _ = run(capsys, "check", "--env", "prop", "--json", stmt, "--proof", "intro h\nexact ⟨h.2, h.1⟩")
    result = json.loads(out)
    assert code == 0 and result["verified"] is True
    assert [s["ok"] for s in result["steps"]] == [True, True]
    assert result["steps"][0]["goals"] == ["p q : Prop\nh : p ∧ q\n⊢ q ∧ p"]
    assert result["steps"][1]["goals"] == []


def test_check_rejects_a_wrong_or_unfinished_proof(capsys, tmp_path):
    stmt = "theorem t (p q : Prop) : p ∧ q → q ∧ p"
    code, out, _ = run(capsys, "check", "--env", "prop", "--json", stmt, "--proof", "intro h\nexact h.1")
    result = json.loads(out)
    assert code == 1 and result["verified"] is False
    assert result["steps"][1]["ok"] is False and result["steps"][1]["error"]
    proof = tmp_path / "proof.tac"
    proof.write_text("intro h\n")
    code, out, _ = run(capsys, "check", "--env", "prop", "--json", stmt, "--proof", str(proof))
    assert code == 1 and json.loads(out)["error"] == "goals remain after the last tactic"


def test_a_statement_the_env_rejects_is_bad_input(capsys):
    code, out, err = run(capsys, "prove", "--env", "prop", "theorem t (p : Nat) : p")
    assert code == 2 and out == "" and "statement rejected" in one_line_error(err)


def test_an_exhausted_search_says_so_rather_than_blaming_the_budget(capsys):
    code, out, _ = run(capsys, "prove", "--env", "prop", "--json", "p ∨ ¬p")  # needs excluded middle
    record = json.loads(out)
    assert code == 1 and record["proved"] is False and record["stop_reason"] == "exhausted"
    code, out, _ = run(capsys, "prove", "--env", "prop", "p ∨ ¬p")
    assert code == 1 and "tried every tactic" in out


# --- issue 17: one JSON object on failure, junk refused, round trips -----------------------------------


def one_object(out: str) -> dict:
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, out
    obj = json.loads(lines[0])
    assert isinstance(obj, dict)
    return obj


@pytest.mark.parametrize("argv", [
    ["prove", "--env", "prop", "--json", "nofile.lean"],  # a ProverError
    ["prove", "--env", "prop", "--json", "--bogus", "p → p"],  # an argparse error
    ["prove", "--env", "prop", "--json", "--budget-steps", "0", "p → p"],  # a bad configuration value
    ["check", "--env", "prop", "--json", "theorem t (p : Prop) : p → p"],  # nothing to check
    ["report", "--json", "missing.jsonl"],
])
def test_json_failures_print_exactly_one_object_with_the_error(capsys, argv):
    code, out, err = run(capsys, *argv)
    obj = one_object(out)
    assert code == 2 and obj["error"] and obj["error"] in err


def test_json_not_proved_sets_error(capsys):
    code, out, _ = run(capsys, "prove", "--env", "prop", "--json", "p ∨ ¬p")
    obj = one_object(out)
    assert code == 1 and obj["proved"] is False and "tried every tactic" in obj["error"]


@pytest.mark.parametrize("word, expected", [
    ("nofile", "names no file"),
    ("runs/x", "no such file"),
    ("proofs.jsonl", "no such file"),
    ("prove", "is a prover command"),
    ("theorem", "not a statement"),
])
def test_a_path_or_keyword_is_refused_not_searched(capsys, word, expected):
    code, out, err = run(capsys, "prove", "--env", "prop", word)
    assert code == 2 and out == "" and expected in one_line_error(err)


def test_a_directory_is_refused_and_true_alone_is_a_statement(capsys, tmp_path):
    code, out, err = run(capsys, "prove", "--env", "prop", str(tmp_path))
    assert code == 2 and out == "" and "is a directory" in one_line_error(err)
    code, out, _ = run(capsys, "prove", "--env", "prop", "True")
    assert code == 0 and out.startswith("proved")


@pytest.mark.parametrize("statement", [
    "theorem t (p : Prop) : p → p := by sorry",
    "theorem t (p : Prop) : p → p := fun h => h",
    "theorem t (p : Prop) : p → p := by\n  intro h\n  exact h",
    "p → p := by intro h",
])
def test_a_statement_with_a_proof_attached_is_refused_saying_so(capsys, statement):
    code, out, err = run(capsys, "prove", "--env", "prop", statement)
    assert code == 2 and out == "" and "proof attached" in one_line_error(err)


@pytest.mark.parametrize("statement", ["theorem t (p : Prop) : p → p := by", "theorem t (p : Prop) : p → p :="])
def test_a_trailing_bare_by_holds_no_proof_and_is_accepted(capsys, statement):
    code, out, _ = run(capsys, "prove", "--env", "prop", statement)
    assert code == 0 and out.startswith("proved t")


@pytest.mark.parametrize("flags, field", [
    (["--budget-steps", "-5"], "search.budget_steps"),
    (["--budget-steps", "0"], "search.budget_steps"),
    (["--timeout", "-1"], "search.timeout"),
    (["--timeout", "0"], "search.timeout"),
])
def test_non_positive_budgets_and_timeouts_are_refused(capsys, flags, field):
    code, out, err = run(capsys, "prove", "--env", "prop", *flags, "p → p")
    assert code == 2 and out == "" and field in one_line_error(err)


def test_report_on_lines_that_are_not_results_is_one_line(capsys, tmp_path):
    junk = tmp_path / "junk.jsonl"
    junk.write_text('{"a": 1}\n{"b": 2}\n')
    code, out, err = run(capsys, "report", "--no-plots", str(junk))
    assert code == 2 and out == "" and "not a `prover bench` result" in one_line_error(err)


def test_what_prove_out_writes_check_reads(capsys, tmp_path):
    stmt = "theorem t (p q : Prop) : p ∨ q → q ∨ p"
    lean, record = tmp_path / "proof.lean", tmp_path / "proof.json"
    for out in (lean, record):
        code, _, _ = run(capsys, "prove", "--env", "prop", "--out", str(out), stmt)
        assert code == 0
    assert lean.read_text().startswith(stmt + " := by\n")
    for argv in ([str(lean)], [str(record)], [stmt, "--proof", str(lean)], [str(lean), "--proof", str(lean)]):
        code, out, _ = run(capsys, "check", "--env", "prop", "--json", *argv)
        result = json.loads(out)
        assert code == 0 and result["verified"] is True, argv
        assert [s["tactic"] for s in result["steps"]][:2] == ["intro h", "rcases h with h1 | h2"]
    code, out, err = run(capsys, "check", "--env", "prop", str(lean), "--proof", "intro h")
    assert code == 2 and "holds a proof and --proof gives another" in one_line_error(err)


def test_an_unproved_out_file_is_a_statement_again(capsys, tmp_path):
    out = tmp_path / "unproved.lean"
    code, _, _ = run(capsys, "prove", "--env", "prop", "--out", str(out), "theorem t (p : Prop) : p ∨ ¬p")
    assert code == 1 and out.read_text().startswith("-- not proved: ")
    code, stdout, _ = run(capsys, "prove", "--env", "prop", str(out))  # searched again, not refused
    assert code == 1 and stdout.startswith("not proved")
    code, _, err = run(capsys, "check", "--env", "prop", str(out))
    assert code == 2 and "no proof to check" in one_line_error(err)


def test_tactic_blocks_are_read_as_lean_indents_them():
    from prover.cli.inputs import split_proof, tactic_lines, tactics_of

    stmt, proof = split_proof("theorem t (n : Nat := 0) {h : ⟨a, b⟩ = c} : p -- a := comment\n := by\n"
                              "  rcases h with\n    a | b\n  -- skipped\n\n  exact a")
    assert stmt == "theorem t (n : Nat := 0) {h : ⟨a, b⟩ = c} : p -- a := comment"
    assert tactics_of(proof) == ["rcases h with\n  a | b", "exact a"]
    assert tactics_of("by intro h") == ["intro h"] and tactics_of("fun h => h") == ["exact fun h => h"]
    assert split_proof("theorem t : p /- := -/ := by") == ("theorem t : p /- := -/", None)
    assert tactic_lines("intro h\nexact h\n") == ["intro h", "exact h"]


def test_input_nested_thousands_deep_is_never_a_traceback(capsys):
    deep = "(" * 3000 + "p" + ")" * 3000 + " → p"
    code, out, err = run(capsys, "prove", "--env", "prop", "--budget-steps", "50", deep)
    assert "Traceback" not in err and code in (0, 1, 2)
    if code == 2:
        one_line_error(err)


def test_a_lean_file_with_a_docstring_and_a_byte_order_mark_reads_as_lean_would(tmp_path):
    from prover.cli.inputs import read_source
    from prover.config import Config
    from prover.env.lean import gate

    path = tmp_path / "doc.lean"
    path.write_bytes("\ufeffimport Mathlib\n\n/-- The doc, with := inside. -/\ntheorem foo' (a : Nat) :\n"
                     "    a = a := by -- a comment with := too\n  rfl\n".encode())
    source = read_source(str(path), Config())
    assert source.theorem.header == "import Mathlib"  # no byte-order mark left in what Lean reads
    assert source.theorem.statement.startswith("/-- The doc, with := inside. -/\ntheorem foo'")
    assert source.theorem.name == "foo'" and source.tactics == ["rfl"]
    gate.check_theorem(source.theorem, Config().lean)  # the docstring is the statement's, and allowed there


def test_the_proof_starts_at_the_first_top_level_assignment_as_leans_lexer_reads_it():
    from prover.cli.inputs import split_proof

    text = 'theorem t (n : Nat := 0) (s : String := ":=") : «a:=b» = 1 -- := here\n  := by simp'
    statement, proof = split_proof(text)
    assert statement.endswith("-- := here") and proof == "by simp"


def test_quiet_hides_the_notes_but_never_the_error(capsys, tmp_path):
    out = tmp_path / "r.jsonl"
    assert main(["bench", "prop:easy[0:3]", "--out", str(out), "--quiet"]) == 0
    assert capsys.readouterr().err == ""  # no progress bar, no loader line
    assert main(["bench", "prop:easy[0:3]", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already exists" in err


def test_an_endpoint_key_never_reaches_a_results_file():
    from prover.attempts.record import run_settings
    from prover.config import load

    settings = run_settings(load(overrides={"env": "prop", "policy.endpoint": "http://h", "policy.endpoint_key": "SECRET"}))
    assert "SECRET" not in json.dumps(settings) and settings["policy"]["endpoint"] == "http://h"
