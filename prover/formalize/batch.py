"""A corpus of informal problems in, a formal corpus out: `prover formalize CORPUS.jsonl --out FORMAL.jsonl`.

Each problem goes through the one-problem pipeline (prover.formalize.pipeline: sample, gate, elaborate,
rank). The best accepted statement becomes a row of the miniF2F schema in FORMAL.jsonl (renamed after the
problem, the informal text kept as its doc comment and in `informal`), which `prover train` and `prover
bench` read as a corpus. A problem with no accepted statement goes to FORMAL.rejected.jsonl with the
reason (and every rejected candidate's). Rows are appended and fsynced one problem at a time; a killed run
continued with `--resume` skips the problems either file already holds, so no row is written twice.

With `--workers N` or `--ray-address`, problems are formalized by Ray actors (each its own generator, env and
guard), rows written as they finish. Sampling is seeded per call, so a problem's row does not depend on
where it ran.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class Outcome:
    """One problem's row: for FORMAL.jsonl when accepted, else for FORMAL.rejected.jsonl."""

    accepted: bool
    row: dict


def outcome(problem: Informal, result) -> Outcome:
    if result.best is not None:
        return Outcome(True, formal_row(problem, result))
    return Outcome(False, rejected_row(problem, result))


Formalizer = Callable[[Iterable[Informal]], Iterator[Outcome]]  # problems in, their outcomes in any order


def formalize_corpus(problems: list[Informal], out: str | Path, formalizer: Formalizer, resume: bool = False,
                     on_done: Callable[[BatchCounts], None] | None = None) -> BatchCounts:
    """Formalize every problem not in `out` or its .rejected file yet; one durable row a problem, written as
    each finishes."""
    accepted_out, rejected_out = ResultsWriter(out, resume), ResultsWriter(rejected_path(out), resume)
    done = {r.get("name") for r in accepted_out.existing + rejected_out.existing}
    counts = BatchCounts(problems=len(problems), done_before=sum(p.name in done for p in problems))
    with accepted_out, rejected_out:
        for o in formalizer([p for p in problems if p.name not in done]):
            (accepted_out if o.accepted else rejected_out).write(o.row)
            counts.accepted += o.accepted
            counts.rejected += not o.accepted
            if on_done is not None:
                on_done(counts)
    return counts


class OneProcess:
    """One generator, env and guard for many problems, in this process (and in each Ray actor)."""

    def __init__(self, cfg: Config) -> None:
        from prover.env import make_env
        from prover.formalize.generate import make_generator
        from prover.formalize.pipeline import guard_policy

        self.cfg = cfg
        self.generator = make_generator(cfg)  # a missing model or endpoint fails before the env starts
        self.env = make_env(cfg)
        self.guard = guard_policy(cfg)

    def one(self, problem: Informal) -> Outcome:
        from prover.formalize.pipeline import formalize

        return outcome(problem, formalize(problem.text, self.generator, self.env, self.guard, self.cfg))

    def __call__(self, problems: Iterable[Informal]) -> Iterator[Outcome]:
        return (self.one(p) for p in problems)

    def close(self) -> None:
        self.env.close()


def on_ray(cfg: Config, problems: Iterable[Informal]) -> Iterator[Outcome]:
    """Each problem on one of ray.workers actors (OneProcess each), outcomes as they finish."""
    import ray
    from ray.util import ActorPool

    from prover.distributed.runtime import init_ray, root_cause

    started = init_ray(cfg.ray)
    actor: Any = ray.remote(num_cpus=1)(OneProcess)
    actors = [actor.remote(cfg) for _ in range(cfg.ray.workers)]
    try:
        yield from ActorPool(actors).map_unordered(lambda a, p: a.one.remote(p), list(problems))
    except ray.exceptions.RayError as e:  # rows written so far stay; --resume continues
        raise ProverError(f"a formalize worker failed: {root_cause(e)}") from e
    finally:
        for a in actors:
            ray.kill(a)
        if started:
            ray.shutdown()


def run_batch(cfg: Config, corpus: str, out: str, resume: bool, progress: bool) -> BatchCounts:
    """The CLI's batch: here, or on Ray with --workers/--ray-address; a progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    problems = read_informal(corpus)
    here = None if cfg.ray.used else OneProcess(cfg)
    bar = Progress(TextColumn("formalize"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[ok]} accepted"),
                   TimeRemainingColumn(), transient=True, disable=not progress)
    task = bar.add_task("formalize", total=len(problems), ok=0)
    try:
        with bar:
            def tick(c: BatchCounts) -> None:
                bar.update(task, completed=c.done_before + c.accepted + c.rejected, ok=c.accepted)

            return formalize_corpus(problems, out, here if here is not None else lambda ps: on_ray(cfg, ps),
                                    resume, tick)
    finally:
        if here is not None:
            here.close()
