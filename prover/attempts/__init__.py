"""Running many attempts, for every user of them (bench, expert iteration, test-time RL, formalization).

- `problem`: Problem, what an attempt is at;
- `record`: AttemptRecord, the one typed result of an attempt (what `prover bench` writes), its one crash
  form, and `run_settings`, what makes two runs' records comparable;
- `results`: the durable, resumable JSONL file of records;
- `runner`: one attempt (`run_attempt`) and `Runner`, which owns an env and a policy across attempts;
- `executor`: the Executor protocol (run these Tasks, yield records as they finish), the local executor,
  and `make_executor`, the one place local or Ray is chosen; `ray_executor`: the Ray one.

Layering: core <- env, policy <- search <- distributed <- attempts <- learn, bench, formalize <- cli.
"""

from prover.attempts.executor import Executor, LocalExecutor, make_executor
from prover.attempts.problem import Problem
from prover.attempts.record import AttemptRecord, Stats, run_settings
from prover.attempts.runner import Task

__all__ = ["AttemptRecord", "Executor", "LocalExecutor", "Problem", "Stats", "Task", "make_executor",
           "run_settings"]
