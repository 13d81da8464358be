"""`prover data trace` on a real Lean repository: a tiny project of our own, traced by LeanDojo."""

import json
import subprocess

import pytest

from prover.cli import main

LEAN_FILE = """theorem swap (p q : Prop) (hp : p) (hq : q) : q ∧ p := by
  constructor
  · exact hq
  · exact hp
"""


@pytest.mark.lean
@pytest.mark.slow
def test_trace_a_tiny_lean_repository(tmp_path):
    version = subprocess.run(["lean", "--version"], capture_output=True, text=True, check=True).stdout
    release = version.split("version ")[1].split(",")[0].split(" ")[0]
    repo = tmp_path / "Tiny"
    repo.mkdir()
    (repo / "lean-toolchain").write_text(f"leanprover/lean4:v{release}\n")
    (repo / "lakefile.lean").write_text('import Lake\nopen Lake DSL\n\npackage tiny\n\n@[default_target]\nlean_lib Tiny\n')
    (repo / "Tiny.lean").write_text(LEAN_FILE)
    for cmd in (["git", "init", "-q"], ["git", "add", "."],
                ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "tiny"]):
        subprocess.run(cmd, cwd=repo, check=True)
    out = tmp_path / "pairs.jsonl"
    assert main(["data", "trace", str(repo), "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    by_tactic = {r["tactic"]: r["state"] for r in rows}
    assert "constructor" in by_tactic and "⊢ q ∧ p" in by_tactic["constructor"]
    assert any(t.endswith("exact hq") for t in by_tactic)
