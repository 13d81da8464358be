"""`prover setup-lean` and lean_project/: the pins agree, and the setup stops with one line where it must.

The real steps need elan and the network; here they run against stand-in `elan`/`lake` scripts, which
check the orchestration (order, working directory, failure handling), not Lean.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
from pathlib import Path

import pytest

from prover.cli import main
from prover.config import OLYMPIAD_HEADER, REPO_ROOT, LeanConfig
from prover.env.lean.toolchain import missing_line

PROJECT = REPO_ROOT / "lean_project"


def test_the_pins_agree():
    toolchain = (PROJECT / "lean-toolchain").read_text().strip()
    m = re.fullmatch(r"leanprover/lean4:(v4\.\d+\.\d+)", toolchain)
    assert m, toolchain  # a release, not a nightly or a release candidate
    revs = re.findall(r'rev = "([^"]+)"', (PROJECT / "lakefile.toml").read_text())
    assert revs == [m.group(1), m.group(1)]  # Mathlib and the REPL at the toolchain's own tag


def test_the_prover_library_carries_the_configured_header():
    assert (PROJECT / "Prover" / "Header.lean").read_text().startswith(OLYMPIAD_HEADER)
    assert "import Prover.Header" in (PROJECT / "Prover.lean").read_text()


def _script(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


@pytest.fixture
def bare(tmp_path, monkeypatch):
    """A machine with no elan: an empty PATH for tools, an empty elan home."""
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("PROVER_LEAN__ELAN_HOME", str(tmp_path / "elan"))
    return tmp_path


def test_no_elan_is_one_line_and_exit_2(bare, capsys):
    assert main(["setup-lean"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "elan is not installed" in err and "docker" in err


def test_a_failing_step_stops_with_one_line(bare, capsys):
    _script(bare / "bin" / "elan", "echo 'error: could not download' >&2; exit 1\n")
    assert main(["setup-lean"]) == 2
    captured = capsys.readouterr()
    assert "[1/4] install the pinned toolchain leanprover/lean4:" in captured.out
    assert captured.err.strip().splitlines()[-1].startswith("prover setup-lean: step 1")
    assert "network" in captured.err


def test_the_steps_run_in_order_in_the_project(bare, monkeypatch, capsys):
    project = bare / "project"
    project.mkdir()
    for name in ("lean-toolchain", "lakefile.toml"):
        (project / name).write_text((PROJECT / name).read_text())
    monkeypatch.setenv("PROVER_LEAN__PROJECT_DIR", str(project))
    trace = bare / "trace"
    _script(bare / "bin" / "elan", f'echo "elan $* in $PWD" >> {trace}\n')
    _script(bare / "bin" / "lean", "exit 0\n")
    # the stand-in lake "builds" what the real one would: the REPL and judge binaries and Mathlib's build
    mkdir, touch = (shutil.which(tool, path=os.defpath) for tool in ("mkdir", "touch"))
    _script(bare / "bin" / "lake", f'echo "lake $* in $PWD" >> {trace}\n'
            f'{mkdir} -p .lake/packages/REPL/.lake/build/bin .lake/packages/mathlib/.lake/build/lib '
            f'core/.lake/build/bin\n'
            f'{touch} .lake/packages/REPL/.lake/build/bin/repl core/.lake/build/bin/prover_judge\n')
    assert main(["setup-lean"]) == 0
    assert "Lean is ready" in capsys.readouterr().out
    assert trace.read_text().splitlines() == [
        f"elan toolchain install {(PROJECT / 'lean-toolchain').read_text().strip()} in {project}",
        f"lake update in {project}",  # no manifest yet: resolve the pinned tags
        f"lake exe cache get in {project}",
        f"lake build Prover repl prover_judge in {project}",
    ]
    assert missing_line(LeanConfig(project_dir=project, elan_home=bare / "elan")) is None  # what doctor reads
    (project / "lake-manifest.json").write_text("{}")  # with a manifest, its exact commits are kept
    trace.unlink()
    assert main(["setup-lean"]) == 0
    assert "lake update" not in trace.read_text()


def test_dry_run_without_elan_lists_every_step_elan_first(bare, capsys):
    assert main(["setup-lean", "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    pinned = (PROJECT / "lean-toolchain").read_text().strip()
    assert [line.split("] ", 1)[0] for line in lines] == [f"[{i}/5" for i in range(1, 6)]
    assert "install elan" in lines[0] and "elan-init.sh" in lines[0] and "-y" in lines[0]
    elan, lake = bare / "elan" / "bin" / "elan", bare / "elan" / "bin" / "lake"
    assert lines[1].endswith(f"{elan} toolchain install {pinned}")
    assert [line.rsplit(": ", 1)[1] for line in lines[2:]] == [
        f"{lake} update", f"{lake} exe cache get", f"{lake} build Prover repl prover_judge"]
    assert not (bare / "elan").exists()  # listed, not run


def test_dry_run_with_elan_lists_the_same_steps_without_installing_elan(bare, capsys):
    _script(bare / "bin" / "elan", "exit 1\n")  # a dry run never runs it
    assert main(["setup-lean", "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and "install the pinned toolchain" in lines[0] and str(bare / "bin" / "elan") in lines[0]
