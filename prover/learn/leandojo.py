"""Tracing a Lean repository with LeanDojo into the (state, tactic) JSONL the trainer reads.

LeanDojo builds the repository with an instrumented Lean and records, for every tactic of every tactic
proof, the goals before it. It needs a Lean toolchain (elan, lean, lake) and git; where they are missing,
`trace_repo` says so in one line and nothing is written.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

from prover.core import EnvUnavailable, ProverError
from prover.env.lean.toolchain import SETUP_STEP, which
from prover.learn.buffer import Example, write_examples


def missing_tools() -> list[str]:
    return [t for t in ("lean", "lake") if which(t) is None] + ([] if shutil.which("git") else ["git"])


def _repo(repo: str, commit: str | None):
    from lean_dojo import LeanGitRepo

    path = Path(repo)
    if path.exists():
        if not (path / ".git").exists():
            raise ProverError(f"{repo} is not a git repository (LeanDojo traces a commit of one)")
        return LeanGitRepo.from_path(path) if commit is None else LeanGitRepo(str(path.resolve()), commit)
    if "://" not in repo and not repo.startswith("git@"):
        raise ProverError(f"no such repository: {repo} (give a local git checkout or a URL)")
    if commit is None:
        raise ProverError("a remote repository needs --commit (a tag, branch or hash)")
    return LeanGitRepo(repo, commit)


def examples_from(traced_repo) -> Iterator[Example]:
    """The repository's own tactic steps (not its dependencies'), goals before each step."""
    for theorem in traced_repo.get_traced_theorems():
        if theorem.repo != traced_repo.repo or not theorem.has_tactic_proof():
            continue
        for tactic in theorem.get_traced_tactics():
            state = tactic.state_before.strip()
            if state and state != "no goals":
                yield Example(state=state, tactic=tactic.tactic, problem=theorem.theorem.full_name)


def trace_repo(repo: str, out: str | Path, commit: str | None = None, with_deps: bool = False) -> int:
    """Trace `repo` (a local git checkout or a URL) and write its (state, tactic) pairs to `out`."""
    missing = missing_tools()
    if missing:
        raise EnvUnavailable(f"tracing needs Lean: {', '.join(missing)} not found; {SETUP_STEP}")
    from lean_dojo import trace

    try:
        traced = trace(_repo(repo, commit), build_deps=with_deps)
    except (AssertionError, ValueError, RuntimeError, OSError) as e:
        raise ProverError(f"LeanDojo could not trace {repo}: {e}") from e
    examples = list(examples_from(traced))
    write_examples(out, examples)
    return len(examples)
