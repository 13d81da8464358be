"""`prover bench` end to end on the propositional bench: complete JSONL, resume after SIGKILL, torn lines,
rejected statements and crashed envs recorded, one-line errors for what cannot run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from prover.bench.records import read_results
from prover.cli import main
from prover.config import LeanConfig

REPO = Path(__file__).resolve().parent.parent
KEYS = {"problem", "attempt", "split", "source", "difficulty", "theorem", "proved", "proof", "tactics", "stats",
        "stop_reason", "verdict", "error", "run"}


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def bench(*args: str) -> int:
    return main(["bench", "--env", "prop", "--policy", "uniform", "--no-progress", *args])


def test_prop_run_of_50_is_complete_and_resumable(tmp_path, capsys):
    out = tmp_path / "easy.jsonl"
    assert bench("prop:easy:50", "--out", str(out), "--json") == 0
    rows = records(out)
    assert len(rows) == 50 and len({r["problem"] for r in rows}) == 50
    assert sum(r["proved"] for r in rows) >= 40  # easy problems, a uniform policy: most are proved
    assert all(set(r) >= KEYS and r["attempt"] == 0 and r["split"] == "easy" and r["source"] == "prop" for r in rows)
    for r in rows:
        assert r["proved"] == (r["verdict"] is not None and r["verdict"]["ok"])
        assert (r["proof"] is not None) == r["proved"]
        assert r["stats"]["env_calls"] >= 1 and r["run"]["env"] == "prop"
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert summary["all"]["problems"] == 50 and summary["all"]["solved"] == sum(r["proved"] for r in rows)

    assert bench("prop:easy:50", "--out", str(out)) == 2  # no silent overwrite
    assert "already exists: pass --resume" in capsys.readouterr().err
    assert bench("prop:easy:50", "--out", str(out), "--resume") == 0  # nothing left to do
    assert records(out) == rows
    assert bench("prop:easy:50", "--out", str(out), "--resume", "--budget-steps", "7") == 2
    assert "(search differ)" in capsys.readouterr().err
    # Everything that changes a result is checked, not only budgets: the policy's mode, seeds, attempts.
    assert bench("prop:easy:50", "--out", str(out), "--resume", "--policy", "automation") == 2
    assert "(policy differ)" in capsys.readouterr().err
    assert bench("prop:easy:50", "--out", str(out), "--resume", "--attempts", "2") == 2
    assert "(attempts differ)" in capsys.readouterr().err
    assert main(["bench", "prop:easy:50", "--env", "prop", "--policy", "uniform", "--no-progress", "--out", str(out),
                 "--resume", "--workers", "1"]) == 0  # how it runs is not a setting


@pytest.mark.slow
def test_run_killed_with_sigkill_resumes_to_one_line_per_attempt(tmp_path):
    out = tmp_path / "hard.jsonl"
    args = ["bench", "prop:hard:100", "--attempts", "2", "--budget-steps", "50", "--env", "prop", "--policy",
            "uniform", "--no-progress", "--out", str(out)]
    # The child stops after its 5th durable write and says so on stdout; the kill comes then, never by
    # polling the file: where the run is when it dies does not depend on how loaded the machine is.
    child = (
        "import sys\n"
        "import prover.bench.records as records\n"
        "from prover.cli import main\n"
        "write, written = records.ResultsWriter.write, []\n"
        "def stop_after_five(self, record):\n"
        "    write(self, record)\n"
        "    written.append(record)\n"
        "    if len(written) == 5:\n"
        "        print('5', flush=True)\n"
        "        sys.stdin.read()  # blocks: the parent kills us here\n"
        "records.ResultsWriter.write = stop_after_five\n"
        f"sys.exit(main({args!r}))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", child], cwd=REPO, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()  # EOF ("") if the child died first: the assert below shows its stderr
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert line == "5\n", proc.stderr.read()
    assert proc.returncode == -signal.SIGKILL
    written = read_results(out).records
    assert len(written) == 5  # killed part-way
    with open(out, "a") as f:
        f.write('{"problem": "prop_hard_x", "attempt": 0, "pro')  # as if killed mid-write

    assert main([*args, "--resume"]) == 0
    rows = records(out)  # every line parses: the torn one was cut off
    counts = Counter((r["problem"], r["attempt"]) for r in rows)
    assert len(counts) == 200 and set(counts.values()) == {1}
    assert rows[: len(written)] == written  # what was there is kept as it was


def test_rejected_statement_is_recorded_not_unproved(tmp_path):
    data = tmp_path / "mixed.jsonl"
    good = "theorem good (p q : Prop) : p ∧ q → q ∧ p := by\n"
    bad = "theorem bad (p q : Prop) : p ∧ → q := by\n"
    data.write_text("".join(json.dumps({"name": n, "split": "test", "informal_prefix": "", "formal_statement": s,
                                        "goal": "", "header": ""}) + "\n" for n, s in [("good", good), ("bad", bad)]))
    out = tmp_path / "out.jsonl"
    assert bench(str(data), "--out", str(out)) == 0
    by_name = {r["problem"]: r for r in records(out)}
    assert by_name["good"]["proved"] and by_name["good"]["error"] is None
    assert not by_name["bad"]["proved"] and by_name["bad"]["error"].startswith("statement rejected: ")
    assert by_name["bad"]["stop_reason"] == "rejected"


def test_env_crash_mid_run_is_recorded_and_the_run_goes_on(tmp_path, monkeypatch):
    """A backend that dies in the middle of a search (as a REPL process can): only that attempt is lost."""
    import prover.env as env_module
    from prover.env.prop import PropEnv

    made: list[object] = []

    class DyingEnv(PropEnv):
        def step(self, state, tactic):
            if "∨" in state.text:
                raise BrokenPipeError("the verifier process died")
            return super().step(state, tactic)

    def make_env(cfg):
        made.append(DyingEnv())
        return made[-1]

    monkeypatch.setattr(env_module, "make_env", make_env)
    out = tmp_path / "out.jsonl"
    assert bench("prop:easy:30", "--out", str(out)) == 0
    rows = records(out)
    assert len(rows) == 30
    crashed = [r for r in rows if r["stop_reason"] == "crashed"]
    assert crashed and all(r["error"] == "attempt crashed: BrokenPipeError: the verifier process died" for r in crashed)
    assert any(r["proved"] for r in rows)
    # A fresh env after each crash (none after the last attempt, if that one crashed).
    assert len(made) == len(crashed) + (rows[-1]["stop_reason"] != "crashed")


def test_minif2f_without_lean_exits_2_with_one_line(tmp_path, capsys, minif2f_path):
    from prover.env.lean.toolchain import missing_line

    if missing_line(LeanConfig()) is None:
        pytest.skip("Lean is set up here")
    out = tmp_path / "m.jsonl"
    assert main(["bench", "minif2f", "--limit", "2", "--no-progress", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Lean is not set up" in err and "--env prop" in err
    assert not out.exists()
