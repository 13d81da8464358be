"""Benchmark datasets: JSONL files in the miniF2F schema, generated `prop` sets, and named datasets.

A row is one JSON object a line with `name`, `split`, `informal_prefix`, `formal_statement` (ending in
`:= by` or `:=`), `goal` and `header`; `source` and `difficulty` are optional. Every theorem row becomes a
Problem. Files from elsewhere (ProofNet, PutnamBench exports, a user's own) carry rows that are not
theorems, lines that are not JSON and names used twice: such rows are skipped or renamed, each with its
reason (Dataset.skipped, Dataset.renamed), and one summary line says so; they never fail the whole file.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from prover.attempts.problem import Problem
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


class RowError(ProverError):
    """A row the loader cannot take: `why` is its kind (the summary groups by it), `reason` the detail; the
    message is `file:line: reason`."""

    def __init__(self, why: str, where: str, reason: str):
        super().__init__(f"{where}: {reason}")
        self.why, self.reason = why, reason


@dataclass(frozen=True)
class Skipped:
    """A row left out of the dataset: its line, its name and split when readable, and why."""

    line: int
    why: str  # the kind: "not valid JSON", "not a theorem", "missing field", ...
    reason: str  # the detail, one line
    name: str | None = None
    split: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "name": self.name, "why": self.why, "reason": self.reason}


@dataclass(frozen=True)
class Renamed:
    """A row whose name an earlier row already had: it loads under a new, suffixed name."""

    line: int
    name: str  # as the file has it
    new_name: str
    first_line: int  # the row that keeps the name

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "name": self.name, "new_name": self.new_name, "first_line": self.first_line}


@dataclass(frozen=True)
class Dataset:
    name: str  # how the user named it (a path, `prop:easy:50`, `minif2f`)
    problems: list[Problem]
    skipped: list[Skipped] = field(default_factory=list)  # rows that did not load, with why
    renamed: list[Renamed] = field(default_factory=list)  # duplicate names, loaded under a suffixed name
    file: str | None = None  # the JSONL file the rows (and the line numbers) come from

    def summary(self) -> str | None:
        """One line: what loaded, what was skipped (grouped by why, with line numbers) and what was renamed;
        None when every row loaded under its own name."""
        if not self.skipped and not self.renamed:
            return None
        where = self.name if self.file in (None, self.name) else f"{self.name} ({self.file})"
        parts = [f"{where}: {len(self.problems)} problems loaded"]
        if self.skipped:
            groups: dict[str, list[int]] = {}
            for s in self.skipped:
                groups.setdefault(s.why, []).append(s.line)
            listed = "; ".join(f"{len(lines)} {why}: {_lines(lines)}" for why, lines in groups.items())
            parts.append(f"{len(self.skipped)} rows skipped ({listed})")
        if self.renamed:
            shown = ", ".join(f"{r.name} -> {r.new_name} (line {r.line})" for r in self.renamed[:3])
            more = f", and {len(self.renamed) - 3} more" if len(self.renamed) > 3 else ""
            parts.append(f"{len(self.renamed)} duplicate names renamed: {shown}{more}")
        return f"{parts[0]}, {'; '.join(parts[1:])} (`prover bench {self.name} --dry-run` lists each)"


def _lines(lines: list[int], most: int = 5) -> str:
    shown = ", ".join(map(str, lines[:most]))
    more = f" and {len(lines) - most} more" if len(lines) > most else ""
    return ("line " if len(lines) == 1 else "lines ") + shown + more


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


# What may come before the declaration keyword: comments (a doc comment, as some exports put the informal
# statement there) and `open ... in` / `set_option ... in`. The statement itself is kept as it is.
_PREAMBLE = re.compile(r"\s*(?:--[^\n]*(?:\n|$)|/-.*?-/|(?:open|set_option)\b[^\n]*?\sin\b)", re.DOTALL)


def _first_word(statement: str) -> str:
    """The statement's first word after any preamble: `theorem` for a theorem however it is introduced."""
    rest = statement
    while (m := _PREAMBLE.match(rest)) and m.end() > 0:
        rest = rest[m.end():]
    return (rest.split(None, 1) or [""])[0]


def problem_from_row(row: object, where: str) -> Problem:
    """One row -> Problem; RowError (a ProverError starting with `where`, `file:line`) when it cannot be one."""
    if not isinstance(row, dict):
        raise RowError("not a JSON object", where, f"a row must be a JSON object, not {type(row).__name__}")
    for key in REQUIRED:
        if key not in row:
            raise RowError("missing field", where, f"missing field {key!r}")
        if not isinstance(row[key], str):
            raise RowError("bad field", where, f"field {key!r} must be a string")
    for key in ("source", "difficulty"):
        if row.get(key) is not None and not isinstance(row[key], str):
            raise RowError("bad field", where, f"field {key!r} must be a string")
    name = row["name"].strip()
    if not name:
        raise RowError("empty name", where, "empty name")
    try:
        theorem = Theorem.from_text(row["formal_statement"], header=row["header"],
                                    informal=_informal_text(row["informal_prefix"]), name=name)
    except StatementError as e:
        raise RowError("bad statement", where, str(e)) from e
    if (first := _first_word(theorem.statement)) not in ("theorem", "lemma", "example"):
        raise RowError("not a theorem", where,
                       f"formal_statement is not a theorem or lemma declaration (it starts with `{first[:30]}`)")
    return Problem(theorem, row["split"], row.get("source") or source_of(name), row.get("difficulty"))


def _row_labels(row: object) -> tuple[str | None, str | None]:
    """The name and split of a row that could not load, where they are readable strings."""
    if not isinstance(row, dict):
        return None, None
    name, split = row.get("name"), row.get("split")
    return (name.strip() or None if isinstance(name, str) else None), (split if isinstance(split, str) else None)


def _unique_names(loaded: list[tuple[int, Problem]]) -> tuple[list[Problem], list[Renamed]]:
    """The first row with a name keeps it; each later one becomes `name__2`, `name__3`, ... (the first suffix
    no row of the file has), so the same file always gives the same names."""
    taken = {p.name for _, p in loaded}
    first: dict[str, int] = {}
    problems: list[Problem] = []
    renamed: list[Renamed] = []
    for line, problem in loaded:
        if problem.name not in first:
            first[problem.name] = line
            problems.append(problem)
            continue
        k = 2
        while f"{problem.name}__{k}" in taken:
            k += 1
        new = f"{problem.name}__{k}"
        taken.add(new)
        renamed.append(Renamed(line, problem.name, new, first[problem.name]))
        problems.append(dataclasses.replace(problem, theorem=dataclasses.replace(problem.theorem, name=new)))
    return problems, renamed


def read_jsonl(path: str | Path) -> Dataset:
    """Every row of a JSONL file that is a theorem; the rest are skipped with their reason, never fatal.
    Blank lines are ignored. Only an unreadable file is an error. The statement the judge compiles is kept
    byte for byte: a renamed duplicate changes the problem's name (the record key), not its Lean text."""
    path = Path(path)
    lines = read_lines(path, "dataset file")
    loaded: list[tuple[int, Problem]] = []
    skipped: list[Skipped] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            skipped.append(Skipped(number, "not valid JSON", f"not valid JSON ({e.msg} at column {e.colno})"))
            continue
        try:
            loaded.append((number, problem_from_row(row, where)))
        except RowError as e:
            skipped.append(Skipped(number, e.why, e.reason, *_row_labels(row)))
    problems, renamed = _unique_names(loaded)
    return Dataset(str(path), problems, skipped, renamed, file=str(path))


def load_jsonl(path: str | Path) -> list[Problem]:
    """The problems of a JSONL file (rows it cannot take are skipped, see read_jsonl); none is an error."""
    dataset = read_jsonl(path)
    if not dataset.problems:
        raise ProverError(f"{path} has no problems" + (f" ({dataset.summary()})" if dataset.skipped else ""))
    return dataset.problems


_PROP_SPEC = re.compile(r"^prop(?::(?P<split>[A-Za-z_]+))?(?::(?P<n>\d+)|\[(?P<a>\d*):(?P<b>\d*)\])?$")
PROP_FORMS = "prop:SPLIT, prop:SPLIT:N (the first N) or prop:SPLIT[A:B] (problems A to B-1)"


def is_prop_spec(spec: str) -> bool:
    """A generated propositional dataset (`prop`, `prop:hard:60`, `prop:easy[10:20]`): it runs on --env prop."""
    return spec == "prop" or spec.startswith(("prop:", "prop["))


def _prop_problems(spec: str, split: str | None, seed: int) -> list[Problem]:
    m = _PROP_SPEC.match(spec)
    if not m:
        raise ProverError(f"bad prop dataset {spec!r}: write {PROP_FORMS}, e.g. prop:easy:50 or prop:hard[100:150]")
    if m["split"] and split and split != m["split"]:
        raise ProverError(f"{spec} names split {m['split']!r} but --split says {split!r}")
    split = m["split"] or split or "easy"
    from prover.env.prop import SIZES, problems

    if split not in SIZES:
        raise ProverError(f"prop has no split {split!r}: choose one of {', '.join(SIZES)}")
    theorems = problems(split, seed=seed)
    if m["n"] is not None:
        start, stop = 0, int(m["n"])
        if stop < 1:
            raise ProverError(f"{spec} is empty: N must be at least 1")
    else:
        start = int(m["a"]) if m["a"] else 0
        stop = int(m["b"]) if m["b"] else len(theorems)
    if start >= min(stop, len(theorems)):
        raise ProverError(f"{spec} is empty: a slice [A:B] needs A < B, and split {split!r} has "
                          f"{len(theorems)} problems (0 to {len(theorems) - 1})")
    # Names carry the index within the split, so a slice's problems keep the names they have in the whole.
    return [Problem(t, split, "prop", split) for t in theorems[start:stop]]


def stderr_line(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def load_dataset(spec: str, cfg: Config, split: str | None = None, limit: int | None = None, *,
                 report: Callable[[str], None] | None = stderr_line, allow_empty: bool = False) -> Dataset:
    """`prop:SPLIT[:N]`, `prop:SPLIT[A:B]`, a name in cfg.bench.datasets, or a JSONL path; then filtered by
    split and limit. Skipped or renamed rows are summed up in one line to `report` (stderr by default);
    no problem at all is an error unless `allow_empty` (a dry run shows why)."""
    if limit is not None and limit < 1:
        raise ProverError("--limit must be at least 1")
    if is_prop_spec(spec):
        dataset = Dataset(spec, _prop_problems(spec, split, cfg.prop.seed))
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
                raise ProverError(f"unknown dataset {spec!r}: give a JSONL file, {PROP_FORMS}, or one of {names}")
        dataset = dataclasses.replace(read_jsonl(path), name=spec)
        if not dataset.problems and not allow_empty:
            raise ProverError(f"{spec} has no problems" + (f": {dataset.summary()}" if dataset.skipped else ""))
        if split is not None:
            available = sorted({p.split for p in dataset.problems})
            problems = [p for p in dataset.problems if p.split == split]
            if not problems and not allow_empty:
                raise ProverError(f"{spec} has no split {split!r} (it has {', '.join(available)})")
            keep = {p.name for p in problems}
            dataset = Dataset(spec, problems, [s for s in dataset.skipped if s.split in (None, split)],
                              [r for r in dataset.renamed if r.new_name in keep], file=dataset.file)
    if limit is not None:
        dataset = dataclasses.replace(dataset, problems=dataset.problems[:limit])
    if report is not None and (line := dataset.summary()) is not None:
        report(line)
    return dataset
