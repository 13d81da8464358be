"""A corpus of informal problems in, a formal corpus out: `prover formalize CORPUS.jsonl --out FORMAL.jsonl`.

Each problem goes through the one-problem pipeline (prover.formalize.pipeline: sample, gate, elaborate,
rank). The best accepted statement becomes a row of the miniF2F schema in FORMAL.jsonl (renamed after the
problem, the informal text kept as its doc comment and in `informal`), which `prover train` and `prover
bench` read as a corpus. A problem with no accepted statement goes to FORMAL.rejected.jsonl with the
reason (and every rejected candidate's). Rows are appended and fsynced one problem at a time; a killed run
continued with `--resume` skips the problems either file already holds, so no row is written twice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from prover.attempts.results import ResultsWriter
from prover.config import Config
from prover.core import ProverError, read_lines
from prover.formalize.prompting import doc_comment

INFORMAL_KEYS = ("informal", "informal_statement", "problem", "text", "informal_prefix")
_DECL = re.compile(r"^(\s*(?:theorem|lemma)\s+)\S+")


@dataclass(frozen=True)
class Informal:
    name: str
    text: str


def read_informal(path: str | Path) -> list[Informal]:
    """JSONL rows with the problem in words under one of INFORMAL_KEYS and an optional `name` (else
    `problem_<line>`); a bad line or a repeated name is one clear error naming it."""
    out, seen = [], set()
    for number, line in enumerate(read_lines(Path(path), "informal corpus"), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text = next(row[k] for k in INFORMAL_KEYS if isinstance(row.get(k), str) and row[k].strip())
        except (json.JSONDecodeError, StopIteration, TypeError, AttributeError) as e:
            raise ProverError(f"{path}:{number}: not a JSON object with the problem in one of "
                              f"{', '.join(INFORMAL_KEYS)}") from e
        name = re.sub(r"[^A-Za-z0-9_]", "_", str(row.get("name") or row.get("id") or f"problem_{number}"))
        if name[0].isdigit():
            name = "p_" + name
        if name in seen:
            raise ProverError(f"{path}:{number}: the name {name} is used twice")
        seen.add(name)
        out.append(Informal(name, text.strip()))
    return out


def rejected_path(out: str | Path) -> Path:
    out = Path(out)
    return out.with_name(out.stem + ".rejected.jsonl")


@dataclass
class BatchCounts:
    problems: int = 0
    done_before: int = 0  # found in the output files (a resumed run)
    accepted: int = 0
    rejected: int = 0


def formal_row(problem: Informal, result, split: str = "formalized") -> dict:
    best = result.best
    statement = _DECL.sub(lambda m: m.group(1) + problem.name, best.statement.strip(), count=1)
    return {"name": problem.name, "split": split, "informal_prefix": doc_comment(problem.text),
            "formal_statement": f"{statement} := by\n  sorry", "goal": "", "header": best.theorem.header,
            "informal": problem.text, "score": round(best.score, 4), "reasons": best.reasons,
            "samples": result.samples}


def rejected_row(problem: Informal, result) -> dict:
    reasons = sorted({r.reason for r in result.rejected})
    return {"name": problem.name, "informal": problem.text, "samples": result.samples,
            "reason": "no candidate passed the gate and the verifier" + (f": {reasons[0]}" if reasons else ""),
            "rejected": [{"statement": r.statement, "reason": r.reason, "count": r.count}
                         for r in result.rejected]}


def formalize_corpus(problems: list[Informal], out: str | Path, formalize_one: Callable[[str], object],
                     resume: bool = False, on_done: Callable[[BatchCounts], None] | None = None) -> BatchCounts:
    """Formalize every problem not in `out` or its .rejected file yet; one durable row a problem."""
    accepted_out, rejected_out = ResultsWriter(out, resume), ResultsWriter(rejected_path(out), resume)
    done = {r.get("name") for r in accepted_out.existing + rejected_out.existing}
    counts = BatchCounts(problems=len(problems), done_before=sum(p.name in done for p in problems))
    with accepted_out, rejected_out:
        for problem in _todo(problems, done):
            result = formalize_one(problem.text)
            if result.best is not None:  # type: ignore[attr-defined]
                accepted_out.write(formal_row(problem, result))
                counts.accepted += 1
            else:
                rejected_out.write(rejected_row(problem, result))
                counts.rejected += 1
            if on_done is not None:
                on_done(counts)
    return counts


def _todo(problems: list[Informal], done: set) -> Iterator[Informal]:
    return (p for p in problems if p.name not in done)


def run_batch(cfg: Config, corpus: str, out: str, resume: bool, progress: bool) -> BatchCounts:
    """The CLI's batch: one generator, env and guard for the whole corpus, a progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from prover.env import make_env
    from prover.formalize.generate import make_generator
    from prover.formalize.pipeline import formalize, guard_policy

    problems = read_informal(corpus)
    generator = make_generator(cfg)
    env = make_env(cfg)
    guard = guard_policy(cfg)
    bar = Progress(TextColumn("formalize"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[ok]} accepted"),
                   TimeRemainingColumn(), transient=True, disable=not progress)
    task = bar.add_task("formalize", total=len(problems), ok=0)
    try:
        with bar:
            def tick(c: BatchCounts) -> None:
                bar.update(task, completed=c.done_before + c.accepted + c.rejected, ok=c.accepted)

            return formalize_corpus(problems, out, lambda text: formalize(text, generator, env, guard, cfg),
                                    resume, tick)
    finally:
        env.close()
