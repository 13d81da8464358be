"""The batch runner: every (problem, attempt) once, each result appended as it ends, so a killed run resumes.

The work of one attempt is `run_attempt(env, policy, problem, index, cfg) -> record`, a plain function; a
`Worker` owns one env and policy across many attempts. A distributed driver maps the same function over
(problem, index) pairs on its env workers (`EnvWorker.call(run_attempt, problem, index, cfg)`) and hands
the records to the same ResultsWriter.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from prover.bench.datasets import Problem
from prover.bench.records import ResultsWriter, key
from prover.config import Config
from prover.core import ProverError
from prover.env.base import ProofEnv
from prover.policy.base import Policy


def run_settings(cfg: Config) -> dict[str, Any]:
    """What makes two runs' records comparable; stored in every record, checked on resume."""
    return {"env": cfg.env, "policy": cfg.policy.kind, "search": cfg.search.algorithm,
            "budget_steps": cfg.search.budget_steps, "timeout": cfg.search.timeout}


def attempt_config(cfg: Config, index: int) -> Config:
    """Attempt i uses seeds policy.seed + i and search.seed + i, so K attempts that sample differ."""
    return cfg.model_copy(update={"policy": cfg.policy.model_copy(update={"seed": cfg.policy.seed + index}),
                                  "search": cfg.search.model_copy(update={"seed": cfg.search.seed + index})})


def run_attempt(env: ProofEnv, policy: Policy, problem: Problem, index: int, cfg: Config) -> dict[str, Any]:
    """Attempt `index` at a problem, as its JSON record. A crash (env or policy) is the attempt's error."""
    from prover.search.attempt import attempt

    cfg = attempt_config(cfg, index)
    started = time.monotonic()
    try:
        body = attempt(env, policy, problem.theorem, cfg.search).to_json()
        body.pop("name", None)
    except Exception as e:  # noqa: BLE001 (a crashed backend must not end a long run)
        if cfg.debug:
            raise
        body = {
            "theorem": problem.theorem.statement, "proved": False, "proof": None, "tactics": [],
            "stats": {"env_calls": None, "policy_calls": None, "nodes": None,
                      "seconds": round(time.monotonic() - started, 4)},
            "stop_reason": "crashed", "verdict": None, "error": f"attempt crashed: {type(e).__name__}: {e}",
        }
    return {"problem": problem.name, "attempt": index, "split": problem.split, "source": problem.source,
            "difficulty": problem.difficulty, **body, "run": run_settings(cfg)}


class Worker:
    """Owns one env and one policy; replaces the env after a crash. make_env's EnvUnavailable propagates."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self._env: ProofEnv | None = None
        self._policy: Policy | None = None
        self._policy_seed: int | None = None

    def start(self) -> None:
        if self._env is None:
            from prover.env import make_env

            self._env = make_env(self.cfg)

    def _policy_for(self, cfg: Config) -> Policy:
        if self._policy is None or self._policy_seed != cfg.policy.seed:
            from prover.policy import make_policy

            self._policy, self._policy_seed = make_policy(cfg), cfg.policy.seed
        return self._policy

    def run(self, problem: Problem, index: int) -> dict[str, Any]:
        self.start()
        assert self._env is not None
        policy = self._policy_for(attempt_config(self.cfg, index))
        record = run_attempt(self._env, policy, problem, index, self.cfg)
        if record["stop_reason"] == "crashed":
            self._drop_env()
        return record

    def run_all(self, todo: list[tuple[Problem, int]]) -> Iterator[dict[str, Any]]:
        for problem, index in todo:
            yield self.run(problem, index)

    def _drop_env(self) -> None:
        env, self._env = self._env, None
        if env is not None:
            try:
                env.close()
            except Exception:  # noqa: BLE001 (it has already crashed; a fresh one comes next)
                pass

    def close(self) -> None:
        self._drop_env()


def plan(problems: list[Problem], attempts: int, done: set[tuple[str, int]]) -> list[tuple[Problem, int]]:
    """What is left, attempt-major: every problem's first attempt before any second one."""
    return [(p, i) for i in range(attempts) for p in problems if (p.name, i) not in done]


class BenchProgress:
    """A rich bar on stderr: attempts done, problems solved, attempts failed and errored, ETA."""

    def __init__(self, title: str, total: int, records: list[dict[str, Any]], enabled: bool = True) -> None:
        self.solved = {r["problem"] for r in records if r.get("proved")}
        self.failed = sum(1 for r in records if not r.get("proved") and not r.get("error"))
        self.errors = sum(1 for r in records if r.get("error") and not r.get("proved"))
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("[green]{task.fields[solved]} solved[/] [red]{task.fields[failed]} failed[/] "
                       "[yellow]{task.fields[errors]} errors[/]"),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=Console(stderr=True), disable=not enabled)
        self.task = self.progress.add_task(title, total=total, **self._fields())

    def _fields(self) -> dict[str, int]:
        return {"solved": len(self.solved), "failed": self.failed, "errors": self.errors}

    def update(self, record: dict[str, Any]) -> None:
        if record.get("proved"):
            self.solved.add(record["problem"])
        elif record.get("error"):
            self.errors += 1
        else:
            self.failed += 1
        self.progress.update(self.task, advance=1, **self._fields())

    def __enter__(self) -> BenchProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()


def run_bench(problems: list[Problem], cfg: Config, out: str | Path, *, attempts: int | None = None,
              resume: bool = False, title: str = "bench", progress: bool = True,
              on_record: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    """Run what is left of problems x attempts into `out`; returns every record of these problems."""
    attempts = cfg.bench.attempts if attempts is None else attempts
    if attempts < 1:
        raise ProverError("--attempts must be at least 1")
    writer = ResultsWriter(out, resume)
    settings = run_settings(cfg)
    earlier = next((r.get("run") for r in writer.existing if r.get("run")), None)
    if earlier is not None and earlier != settings:
        raise ProverError(f"{out} was written with {earlier}, not {settings}: resume with the same settings "
                          "or choose another --out")
    names = {p.name for p in problems}
    records = [r for r in writer.existing if r.get("problem") in names and key(r)[1] < attempts]
    todo = plan(problems, attempts, writer.done())
    if cfg.ray.workers == 1:
        worker = Worker(cfg)
    else:  # the same Worker in Ray actors (prover.distributed); records arrive as attempts finish
        from prover.distributed.batch import RayWorkers

        worker = RayWorkers(cfg)
    try:
        if todo:
            worker.start()  # a missing Lean is one clear error here, before anything is written
        writer.open()
        with BenchProgress(title, len(problems) * attempts, records, enabled=progress) as bar:
            bar.progress.update(bar.task, completed=len(records))
            for record in worker.run_all(todo):
                writer.write(record)
                records.append(record)
                bar.update(record)
                if on_record is not None:
                    on_record(record)
    finally:
        worker.close()
        writer.close()
    return records
