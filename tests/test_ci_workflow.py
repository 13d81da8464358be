"""The hosted-CI Lean workflow (.github/workflows/lean.yml) cannot run here: these tests hold it to its shape
(valid YAML, the pinned toolchain file, the documented elan/lake/actions usage, shell that parses), so that
what the first hosted run tests is Lean, not a typo."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML (a dependency of ray) reads the workflow")

REPO = Path(__file__).resolve().parent.parent
WORKFLOW = REPO / ".github" / "workflows" / "lean.yml"
MINIF2F = REPO.parent / "shared" / "data" / "minif2f.jsonl"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def steps(workflow: dict) -> list[dict]:
    return workflow["jobs"]["lean"]["steps"]


def script(workflow: dict) -> str:
    return "\n".join(s.get("run", "") for s in steps(workflow))


def flat(text: str) -> str:
    """Shell text with continuation lines joined and runs of blanks as one space."""
    return " ".join(text.replace("\\\n", " ").split())


def test_it_is_a_workflow_with_triggers_and_one_job(workflow):
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"push", "pull_request", "workflow_dispatch"} <= set(triggers)
    job = workflow["jobs"]["lean"]
    assert job["runs-on"] == "ubuntu-latest" and job["timeout-minutes"] > 0
    assert job["defaults"]["run"]["shell"] == "bash"  # -eo pipefail: `curl ... | sh` fails when curl does
    assert all(("uses" in s) != ("run" in s) for s in steps(workflow))  # each step does one thing


def test_it_uses_the_pinned_action_versions(workflow):
    used = [s["uses"] for s in steps(workflow) if "uses" in s]
    assert {"actions/checkout@v4", "actions/setup-python@v5", "actions/cache@v4"} <= set(used)
    assert used[0] == "actions/checkout@v4"
    caches = [s["with"] for s in steps(workflow) if s.get("uses") == "actions/cache@v4"]
    paths = "\n".join(c["path"] for c in caches)
    assert "~/.elan" in paths and "lean_project/.lake" in paths and "lean_project/core/.lake" in paths
    assert all("key" in c for c in caches)


def test_the_toolchain_is_the_pinned_one(workflow):
    toolchain_file = REPO / "lean_project" / "lean-toolchain"
    assert re.fullmatch(r"leanprover/lean4:v4\.\d+\.\d+", toolchain_file.read_text().strip())
    elan_cache = next(s for s in steps(workflow) if s.get("uses") == "actions/cache@v4")
    assert "hashFiles('lean_project/lean-toolchain')" in elan_cache["with"]["key"]
    assert 'elan toolchain install "$(cat lean_project/lean-toolchain)"' in script(workflow)


def test_elan_lake_and_the_package_are_set_up_as_documented(workflow):
    text = script(workflow)
    # elan's README installer, non-interactive, no default toolchain; its bin on PATH for later steps
    assert ("curl https://raw.githubusercontent.com/leanprover/elan/master/elan-init.sh -sSf "
            "| sh -s -- -y --default-toolchain none") in flat(text)
    assert 'echo "$HOME/.elan/bin" >> "$GITHUB_PATH"' in text
    from prover.cli.setup_lean import ELAN_INSTALL

    assert ELAN_INSTALL[-1] in flat(text)  # the command `setup-lean --dry-run` tells a user to run
    builds = {s.get("working-directory"): s["run"] for s in steps(workflow) if "working-directory" in s}
    assert set(builds) == {"lean_project", "lean_project/core"}
    assert "lake exe cache get" in builds["lean_project"] and "lake exe cache get" not in builds["lean_project/core"]
    for run in builds.values():
        assert "lake build repl" in run and re.search(r"^lake build$", run, re.MULTILINE)
    core = next(s for s in steps(workflow) if s.get("working-directory") == "lean_project/core")
    assert "hashFiles('lean_project/core/lakefile.toml'" in core["if"]  # skipped until the project exists
    assert "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in text
    assert "pip install -e '.[dev]'" in text
    assert text.index("pip install torch") < text.index("pip install -e")


def test_it_runs_the_lean_tests_only_once_lean_is_ready_and_a_small_bench(workflow):
    text = script(workflow)
    ready, tests = text.index("prover doctor --lean-ready"), text.index("python -m pytest -m lean")
    assert ready < tests  # otherwise missing Lean would only skip the tests, and the job would pass
    bench = re.search(r"prover bench \S+ --policy automation [^\n]*", flat(text))
    assert bench and "--budget-steps" in bench.group(0) and "--out" in bench.group(0)
    assert "DeepSeek-Prover-V1.5/2c4ba9119eef74d0d611f494261b2c5bae98c69a/datasets/minif2f.jsonl" in text


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash to parse the steps with")
def test_every_run_step_is_valid_shell(workflow, tmp_path):
    for i, step in enumerate(s for s in steps(workflow) if "run" in s):
        path = tmp_path / f"step{i}.sh"
        path.write_text(step["run"])
        result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, (step.get("name"), result.stderr)


def test_the_bench_problems_exist_and_load(workflow, tmp_path):
    if not MINIF2F.is_file():
        pytest.skip(f"{MINIF2F} is absent")
    from prover.bench.datasets import read_jsonl

    code = re.search(r"<<'PY'\n(.*?)\nPY\n", script(workflow), re.DOTALL).group(1)
    out = tmp_path / "few.jsonl"
    subprocess.run([sys.executable, "-", str(MINIF2F), str(out)], input=code, text=True, check=True)
    dataset = read_jsonl(out)
    assert len(dataset.problems) == 5 and not dataset.skipped
    assert {json.loads(line)["split"] for line in out.read_text().splitlines()} == {"valid"}
