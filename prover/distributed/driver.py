"""`prover prove --workers N`: bring up Ray, the policy server and the env workers, run one MCTS tree over
them, tear down. (Many attempts, local or on Ray, run on prover.attempts' executors.)

`--workers 1` never comes here: the commands call the plain code path (no Ray) for debugging.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from prover.config import Config
from prover.core import ProverError, Theorem
from prover.distributed.pool import WorkerPool


@dataclass
class Cluster:
    """What a distributed run holds: the env worker pool and, when used, the shared policy server."""

    cfg: Config
    pool: WorkerPool
    policy_server: Any = None

    def policy_stats(self) -> dict[str, Any] | None:
        import ray

        return None if self.policy_server is None else ray.get(self.policy_server.stats.remote())


@contextmanager
def cluster(cfg: Config, workers: int | None = None) -> Iterator[Cluster]:
    """Ray (local, or cfg.ray.address), the policy server if the policy wants one, and the workers.

    Ray is shut down on exit only if this call started it.
    """
    import ray

    from prover.distributed.policy_server import start_policy_server
    from prover.distributed.runtime import init_ray
    from prover.distributed.workers import EnvWorker, wants_policy_server

    started = init_ray(cfg.ray)
    server = None
    try:
        server = start_policy_server(cfg) if wants_policy_server(cfg) else None
        pool = WorkerPool(workers or cfg.ray.workers, lambda: EnvWorker.spawn(cfg, server))
        try:
            yield Cluster(cfg, pool, server)
        finally:
            pool.close()
    finally:
        if server is not None:
            ray.kill(server)
        if started:
            ray.shutdown()


def prove_tree(cfg: Config, theorem: Theorem) -> Any:
    """`prover prove --workers N`: one attempt, one MCTS tree, simulations in parallel on N workers; an Attempt."""
    from prover.distributed.policy_server import PolicyClient
    from prover.distributed.tree import TreeEnv, parallel_mcts
    from prover.policy import make_policy
    from prover.search.attempt import attempt

    if cfg.search.algorithm != "mcts":
        raise ProverError(f"--workers > 1 runs one MCTS tree in parallel; --search {cfg.search.algorithm} "
                          "runs on one worker (--workers 1)")
    with cluster(cfg) as cl:
        policy = PolicyClient(cl.policy_server) if cl.policy_server is not None else make_policy(cfg)
        return attempt(TreeEnv(cl.pool), policy, theorem, cfg.search, search_fn=parallel_mcts)
