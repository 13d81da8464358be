"""Benchmark datasets: JSONL files in the miniF2F schema, generated `prop` sets, and named datasets.

A row is one JSON object a line with `name`, `split`, `informal_prefix`, `formal_statement` (ending in
`:= by`), `goal` and `header`; `source` and `difficulty` are optional. Every row becomes a Problem.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from prover.attempts.problem import Dataset, Problem
from prover.config import Config
from prover.core import ProverError, StatementError, Theorem, read_lines

REQUIRED = ("name", "split", "informal_prefix", "formal_statement", "goal", "header")

# Where to get a named dataset's file when it is missing.
WHERE_TO_GET = {
    "minif2f": "download datasets/minif2f.jsonl from github.com/deepseek-ai/DeepSeek-Prover-V1.5 "
    "(see ../shared/data/README.md) and set bench.datasets.minif2f to its path",
    "olympiad": "it ships with the project in problems/olympiad.jsonl; reinstall from a full checkout",
}

# Name prefixes that are the same competition under another spelling.
_SOURCE_ALIASES = {"aimei": "aime", "aimeii": "aime"}

__all__ = ["Dataset", "Problem", "load_dataset", "load_jsonl", "problem_from_row", "source_of"]


def source_of(name: str) -> str:
    """`amc12a_2019_p21` -> `amc12a`, `aimeII_2020_p6` -> `aime`, `mathd_algebra_182` -> `mathd`."""
    prefix = name.split("_", 1)[0].lower()
    return _SOURCE_ALIASES.get(prefix, prefix)


def _informal_text(prefix: str) -> str:
    """The problem in words: the doc comment's text without its `/--` and `-/`."""
    text = prefix.strip()
    if text.startswith("/--"):
        text = text[3:]
    if text.endswith("-/"):
        text = text[:-2]
    return text.strip()


def problem_from_row(row: object, where: str) -> Problem:
    """One row -> Problem; `where` (`file:line`) starts every error."""
    if not isinstance(row, dict):
        raise ProverError(f"{where}: a row must be a JSON object, not {type(row).__name__}")
    for key in REQUIRED:
        if key not in row:
            raise ProverError(f"{where}: missing field {key!r}")
        if not isinstance(row[key], str):
            raise ProverError(f"{where}: field {key!r} must be a string")
    for key in ("source", "difficulty"):
        if row.get(key) is not None and not isinstance(row[key], str):
            raise ProverError(f"{where}: field {key!r} must be a string")
    name = row["name"].strip()
    if not name:
        raise ProverError(f"{where}: empty name")
    try:
        theorem = Theorem.from_text(row["formal_statement"], header=row["header"],
                                    informal=_informal_text(row["informal_prefix"]), name=name)
    except StatementError as e:
        raise ProverError(f"{where}: {e}") from e
    if not theorem.is_declaration:
        raise ProverError(f"{where}: formal_statement is not a theorem or lemma declaration")
    return Problem(theorem, row["split"], row.get("source") or source_of(name), row.get("difficulty"))


def load_jsonl(path: str | Path) -> list[Problem]:
    """Every row of a JSONL file; a malformed row is one error naming its line. Blank lines are skipped."""
    path = Path(path)
    lines = read_lines(path, "dataset file")
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise ProverError(f"{where}: not valid JSON ({e.msg})") from e
        problem = problem_from_row(row, where)
        if problem.name in seen:
            raise ProverError(f"{where}: duplicate name {problem.name!r} (first on line {seen[problem.name]})")
        seen[problem.name] = number
        problems.append(problem)
    if not problems:
        raise ProverError(f"{path} has no problems")
    return problems


_PROP_SPEC = re.compile(r"^prop(?::(?P<split>[A-Za-z_]+))?(?::(?P<n>\d+))?$")


def _prop_problems(spec: str, split: str | None, seed: int) -> list[Problem]:
    m = _PROP_SPEC.match(spec)
    if not m:
        raise ProverError(f"bad prop dataset {spec!r}: write prop:SPLIT or prop:SPLIT:N (e.g. prop:easy:50)")
    if m["split"] and split and split != m["split"]:
        raise ProverError(f"{spec} names split {m['split']!r} but --split says {split!r}")
    split = m["split"] or split or "easy"
    from prover.env.prop import problems

    try:
        theorems = problems(split, int(m["n"]) if m["n"] else None, seed=seed)
    except (KeyError, ValueError) as e:
        raise ProverError(f"prop has no split {split!r} ({e})") from e
    return [Problem(t, split, "prop", split) for t in theorems]


def load_dataset(spec: str, cfg: Config, split: str | None = None, limit: int | None = None) -> Dataset:
    """`prop:SPLIT[:N]`, a name in cfg.bench.datasets, or a JSONL path; then filtered by split and limit."""
    if limit is not None and limit < 1:
        raise ProverError("--limit must be at least 1")
    if spec == "prop" or spec.startswith("prop:"):
        problems = _prop_problems(spec, split, cfg.prop.seed)
    else:
        if spec in cfg.bench.datasets:
            path = Path(cfg.bench.datasets[spec])
            if not path.is_file():
                hint = WHERE_TO_GET.get(spec, f"set bench.datasets.{spec} to the file's path")
                raise ProverError(f"dataset {spec}: {path} is missing; {hint}")
        else:
            path = Path(spec)
            if not path.is_file():
                names = ", ".join(sorted(cfg.bench.datasets))
                raise ProverError(f"unknown dataset {spec!r}: give a JSONL file, prop:SPLIT[:N], or one of {names}")
        problems = load_jsonl(path)
        if split is not None:
            available = sorted({p.split for p in problems})
            problems = [p for p in problems if p.split == split]
            if not problems:
                raise ProverError(f"{spec} has no split {split!r} (it has {', '.join(available)})")
    if limit is not None:
        problems = problems[:limit]
    return Dataset(spec, problems)
