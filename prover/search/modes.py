"""`--mode tactic|whole|hybrid`: the one place a configuration decides how a theorem is attempted.

`attempt_in_mode` runs one attempt with models already built (the bench's Runner caches them across
attempts); `attempter` builds them once for a caller that has none (`prover prove`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prover.config import Config
from prover.core import Theorem
from prover.env.base import ProofEnv
from prover.policy.base import Policy
from prover.search.attempt import Attempt, attempt


def needs_policy(cfg: Config) -> bool:
    return cfg.policy.mode in ("tactic", "hybrid")


def needs_generator(cfg: Config) -> bool:
    return cfg.policy.mode in ("whole", "hybrid")


def attempt_in_mode(env: ProofEnv, theorem: Theorem, cfg: Config, policy: Policy | None,
                    generator: Any = None) -> Attempt:
    if cfg.policy.mode == "tactic":
        assert policy is not None
        return attempt(env, policy, theorem, cfg.search)
    from prover.search.whole import whole_attempt

    assert generator is not None
    return whole_attempt(env, generator, theorem, cfg.search, samples=cfg.policy.samples,
                         batch=cfg.policy.sample_batch, policy=policy if cfg.policy.mode == "hybrid" else None,
                         stop_at_first=cfg.policy.stop_at_first or cfg.policy.mode == "hybrid")


def attempter(cfg: Config) -> Callable[[ProofEnv, Theorem], Attempt]:
    from prover.policy import make_generator, make_policy

    policy = make_policy(cfg) if needs_policy(cfg) else None
    generator = make_generator(cfg) if needs_generator(cfg) else None
    return lambda env, theorem: attempt_in_mode(env, theorem, cfg, policy, generator)
