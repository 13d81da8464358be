"""`prover doctor`: a non-zero exit when the configured setup misses a part, and a table that wraps."""

from __future__ import annotations

import io
import json

from rich.console import Console

from prover.cli import main
from prover.cli.doctor import table
from prover.config import load


def test_missing_lean_is_a_non_zero_exit_with_the_default_env(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine with no Lean, even where CI installed one
    monkeypatch.setenv("PROVER_LEAN__ELAN_HOME", str(tmp_path / "no-elan"))
    monkeypatch.setenv("PROVER_LEAN__PROJECT_DIR", str(tmp_path / "no-project"))
    assert main(["doctor", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["lean_ready"] is False
    assert {"lean", "lake", "repl", "mathlib"} <= set(report["missing"]) and "elan" not in report["missing"]
    assert main(["doctor"]) == 1
    assert "missing for the configured setup (env = lean): " in capsys.readouterr().out
    # A setup that runs on the prop bench does not need Lean: the same machine is then healthy.
    monkeypatch.setenv("PROVER_ENV", "prop")
    assert main(["doctor", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["missing"] == []


def test_the_table_wraps_long_fixes_instead_of_cutting_them():
    long_path = "/home/someone/projects/a-rather-long-directory-name/prover/lean_project/.lake/packages/REPL"
    rows = [{"name": "repl", "found": False, "detail": f"{long_path}/.lake/build/bin/repl not built",
             "fix": f"`cd {long_path} && lake build Prover repl`", "group": "lean"},
            {"name": "elan", "found": False, "detail": "not on PATH",
             "fix": "install elan: https://github.com/leanprover/elan#installation", "group": "lean"}]
    buffer = io.StringIO()
    Console(file=buffer, width=80, color_system=None).print(table(rows))
    text = buffer.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80 and "…" not in text
    # The last column, read down the body rows, holds every fix in full (folded across lines).
    column = "".join(line.split("│")[-2] for line in text.splitlines() if line.startswith("│"))
    assert "".join(column.split()) == "".join("".join(r["fix"] for r in rows).split())


def test_doctor_lists_every_check_with_a_fix_for_each_missing_one():
    from prover.cli.doctor import checks

    rows = checks(load())
    assert all(r["found"] or r["fix"] or r["name"] == "torch device" for r in rows)
