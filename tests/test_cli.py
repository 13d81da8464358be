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
