"""The batch runner: every (problem, attempt) once, each record appended as it ends, so a killed run resumes.

The attempts themselves run on an executor (prover.attempts: local, or Ray with `--workers N`), chosen
once by the CLI and handed in; this module plans what is left, checks a resumed file was written with the
same settings, writes the records and shows progress.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from prover.attempts import AttemptRecord, Executor, Problem, Task, make_executor, run_settings
from prover.attempts.results import ResultsWriter
from prover.config import Config
from prover.core import ProverError


def plan(problems: list[Problem], attempts: int, done: set[tuple[str, int]], cfg: Config) -> list[Task]:
    """What is left, attempt-major: every problem's first attempt before any second one."""
    return [Task(p, i, cfg) for i in range(attempts) for p in problems if (p.name, i) not in done]


class BenchProgress:
    """A rich bar on stderr: attempts done, problems solved, attempts failed and errored, ETA."""

    def __init__(self, title: str, total: int, records: list[AttemptRecord], enabled: bool = True) -> None:
        self.solved = {r.problem for r in records if r.proved}
        self.failed = sum(1 for r in records if not r.proved and not r.error)
        self.errors = sum(1 for r in records if r.error and not r.proved)
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("[green]{task.fields[solved]} solved[/] [red]{task.fields[failed]} failed[/] "
                       "[yellow]{task.fields[errors]} errors[/]"),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=Console(stderr=True), disable=not enabled)
        self.task = self.progress.add_task(title, total=total, solved=len(self.solved), failed=self.failed,
                                           errors=self.errors)

    def update(self, record: AttemptRecord) -> None:
        if record.proved:
            self.solved.add(record.problem)
        elif record.error:
            self.errors += 1
        else:
            self.failed += 1
        self.progress.update(self.task, advance=1, solved=len(self.solved), failed=self.failed, errors=self.errors)

    def __enter__(self) -> BenchProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()


def run_bench(problems: list[Problem], cfg: Config, out: str | Path, *, attempts: int | None = None,
              resume: bool = False, title: str = "bench", progress: bool = True,
              on_record: Callable[[AttemptRecord], None] | None = None,
              executor: Executor | None = None) -> list[AttemptRecord]:
    """Run what is left of problems x attempts into `out` on `executor` (default: make_executor(cfg), closed
    here); returns every record of these problems."""
    attempts = cfg.bench.attempts if attempts is None else attempts
    if attempts < 1:
        raise ProverError("--attempts must be at least 1")
    cfg = cfg.model_copy(update={"bench": cfg.bench.model_copy(update={"attempts": attempts})})
    writer = ResultsWriter(out, resume)
    settings = run_settings(cfg)
    earlier = next((r.get("run") for r in writer.existing if r.get("run")), None)
    if earlier is not None and earlier != settings:
        changed = ", ".join(sorted(k for k in settings.keys() | earlier.keys() if settings.get(k) != earlier.get(k)))
        raise ProverError(f"{out} was written with other settings ({changed} differ): resume with the same "
                          "settings or choose another --out")
    names = {p.name for p in problems}
    records = [AttemptRecord.from_json(r) for r in writer.existing if r.get("problem") in names]
    records = [r for r in records if r.attempt < attempts]
    todo = plan(problems, attempts, writer.done(), cfg)
    owned = executor is None
    executor = make_executor(cfg) if executor is None else executor
    try:
        if todo:
            executor.start()  # a missing Lean is one clear error here, before anything is written
        writer.open()
        with BenchProgress(title, len(problems) * attempts, records, enabled=progress) as bar:
            bar.progress.update(bar.task, completed=len(records))
            for record in executor.run(todo):
                writer.write(record)
                records.append(record)
                bar.update(record)
                if on_record is not None:
                    on_record(record)
    finally:
        if owned:
            executor.close()
        writer.close()
    return records
