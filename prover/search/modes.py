"""`--mode tactic|whole|hybrid`: the one place a configuration becomes "how to attempt a theorem".

The models are built once per call of `attempter` (a checkpoint loads once, an endpoint client is made
once) and the returned function runs one attempt with them, so the CLI, the bench runner and the executors
share it.
"""

from __future__ import annotations

from collections.abc import Callable

from prover.config import Config
from prover.core import Theorem
from prover.env.base import ProofEnv
from prover.search.attempt import Attempt, attempt

Attempter = Callable[[ProofEnv, Theorem], Attempt]


def attempter(cfg: Config) -> Attempter:
    from prover.policy import make_generator, make_policy

    mode = cfg.policy.mode
    if mode == "tactic":
        policy = make_policy(cfg)
        return lambda env, theorem: attempt(env, policy, theorem, cfg.search)
    from prover.search.whole import whole_attempt

    generator = make_generator(cfg)
    tree = make_policy(cfg) if mode == "hybrid" else None
    return lambda env, theorem: whole_attempt(env, generator, theorem, cfg.search, samples=cfg.policy.samples,
                                              batch=cfg.policy.sample_batch, policy=tree)
