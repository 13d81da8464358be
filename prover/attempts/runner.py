"""One attempt, and the Runner that owns an env and a policy across many: the work every executor does.

A Task is (problem, attempt index, the run's Config). The Config is the task's own, so one executor can
run a round's searches with one checkpoint and the next round's with another: a Runner rebuilds its env
or policy only when the task's env or policy settings differ from the ones it holds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prover.attempts.problem import Problem
from prover.attempts.record import AttemptRecord, run_settings
from prover.config import Config
from prover.env.base import ProofEnv
from prover.policy.base import Policy


@dataclass(frozen=True)
class Task:
    problem: Problem
    attempt: int  # attempt i uses seeds policy.seed + i and search.seed + i (attempt_config)
    cfg: Config  # the run's settings; its env, policy and search sections decide the result
    # Run where the attempt ran, on the prover.search.attempt.Attempt (graph included) of an attempt that
    # finished; what it returns rides back in record.collected. A module-level function (or a partial
    # of one), so it pickles to a Ray worker: e.g. training examples from the search graph.
    collect: Callable[[Any], Any] | None = None


def attempt_config(cfg: Config, index: int) -> Config:
    """Attempt i uses seeds policy.seed + i and search.seed + i, so K attempts that sample differ."""
    return cfg.model_copy(update={"policy": cfg.policy.model_copy(update={"seed": cfg.policy.seed + index}),
                                  "search": cfg.search.model_copy(update={"seed": cfg.search.seed + index})})


def run_attempt(env: ProofEnv, policy: Policy | None, task: Task, generator: Any = None) -> AttemptRecord:
    """The task's attempt as its record. A crash (env or policy) is the attempt's error, not the run's end.
    `generator` samples whole proofs (policy.mode whole or hybrid; prover.search.modes)."""
    from prover.search.modes import attempt_in_mode

    cfg = attempt_config(task.cfg, task.attempt)
    started = time.monotonic()
    try:
        result = attempt_in_mode(env, task.problem.theorem, cfg, policy, generator)
    except Exception as e:  # noqa: BLE001 (a crashed backend must not end a long run)
        if cfg.debug:
            raise
        return AttemptRecord.crashed(task.problem, task.attempt, run_settings(task.cfg),
                                     f"{type(e).__name__}: {e}", round(time.monotonic() - started, 4))
    collected = task.collect(result) if task.collect is not None else None
    return AttemptRecord.of(task.problem, task.attempt, result, run_settings(task.cfg), collected)


def _env_key(cfg: Config) -> str:
    return cfg.model_dump_json(include={"env", "lean", "prop"})


def _policy_key(cfg: Config) -> str:
    return cfg.model_dump_json(include={"env", "policy"})


class Runner:
    """Owns one env and one policy; replaces the env after a crash. make_env's EnvUnavailable propagates.

    In a Ray executor each worker actor is one Runner; `policy` (a prebuilt Policy, or a PolicyClient of
    the shared policy server, passed per task) takes the place of its own.
    """

    def __init__(self, cfg: Config, policy: Policy | None = None) -> None:
        self.cfg = cfg
        self.fixed_policy = policy
        self._env: ProofEnv | None = None
        self._env_key: str | None = None
        self._policy: Policy | None = None
        self._policy_key: str | None = None
        self._generator: Any = None
        self._generator_key: str | None = None

    def start(self) -> None:
        """Build the env now, so that a missing Lean is one clear error before any work."""
        self._env_for(self.cfg)

    def _env_for(self, cfg: Config) -> ProofEnv:
        if self._env is None or self._env_key != _env_key(cfg):
            from prover.env import make_env

            self._drop_env()
            self._env, self._env_key = make_env(cfg), _env_key(cfg)
        return self._env

    def _policy_for(self, cfg: Config) -> Policy:
        if self._policy is None or self._policy_key != _policy_key(cfg):
            from prover.policy import make_policy

            self._policy, self._policy_key = make_policy(cfg), _policy_key(cfg)
        return self._policy

    def _generator_for(self, cfg: Config) -> Any:
        if self._generator is None or self._generator_key != _policy_key(cfg):
            from prover.policy import make_generator

            self._generator, self._generator_key = make_generator(cfg), _policy_key(cfg)
        return self._generator

    def run(self, task: Task, policy_server: Any = None) -> AttemptRecord:
        from prover.search.modes import needs_generator, needs_policy

        env = self._env_for(task.cfg)
        cfg = attempt_config(task.cfg, task.attempt)
        policy: Policy | None = None
        if policy_server is not None and needs_policy(cfg):
            from prover.distributed.policy_server import PolicyClient

            policy = PolicyClient(policy_server)
        elif needs_policy(cfg):
            policy = self.fixed_policy or self._policy_for(cfg)
        generator = self._generator_for(cfg) if needs_generator(cfg) else None
        record = run_attempt(env, policy, task, generator)
        if record.stop_reason == "crashed":
            self._drop_env()
        return record

    def _drop_env(self) -> None:
        env, self._env = self._env, None
        if env is not None:
            try:
                env.close()
            except Exception:  # noqa: BLE001 (it has already crashed; a fresh one comes next)
                pass

    def close(self) -> None:
        self._drop_env()
