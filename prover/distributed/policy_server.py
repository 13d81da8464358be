"""One policy server actor for every search, and the small client that makes it look like any Policy.

The server is a Ray async actor: each incoming call hands its states to a BatchingPolicy (one thread that
owns the model) and awaits the answer, so calls from all env workers are merged into model batches. It
asks for the GPU when the cluster has one, and for ray.policy_cpus CPU slots (none by default, so it
never keeps an env worker from being scheduled; then Ray gives torch one thread).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from prover.config import Config
from prover.core import ProverError
from prover.distributed.batching import BatchingPolicy


class PolicyServer:
    """Holds the configured policy (make_policy(cfg)) behind dynamic batching."""

    def __init__(self, cfg: Config) -> None:
        from prover.policy import make_policy

        if cfg.ray.policy_cpus > 0:  # Ray gives an actor one thread unless it reserves more CPUs
            import torch

            torch.set_num_threads(cfg.ray.policy_cpus)

        self._batcher = BatchingPolicy(make_policy(cfg), cfg.ray.max_batch, cfg.ray.max_wait_ms)

    async def load(self, cfg: Config) -> bool:
        """Serve cfg's policy from now on (a new round's checkpoint). The caller has nothing in flight: it
        waits for this to return before the searches that need the new policy start."""
        from prover.policy import make_policy

        old, self._batcher = self._batcher, BatchingPolicy(make_policy(cfg), cfg.ray.max_batch, cfg.ray.max_wait_ms)
        old.close()
        return True

    async def propose(self, states: list[str], k: int) -> list[list[tuple[str, float]]]:
        return await asyncio.wrap_future(self._batcher.submit("propose", states, k))

    async def value(self, states: list[str]) -> list[float]:
        return await asyncio.wrap_future(self._batcher.submit("value", states))

    async def stats(self) -> dict[str, Any]:
        return self._batcher.stats.as_dict()

    async def ready(self) -> bool:
        return True


class PolicyClient:
    """The Policy protocol over a PolicyServer actor handle; picklable, so it travels into env workers."""

    def __init__(self, server: Any) -> None:
        self.server = server

    def propose(self, states: Sequence[str], k: int) -> list[list[tuple[str, float]]]:
        import ray

        return ray.get(self.server.propose.remote(list(states), k))

    def value(self, states: Sequence[str]) -> list[float]:
        import ray

        return ray.get(self.server.value.remote(list(states)))


def start_policy_server(cfg: Config, gpu: bool | None = None) -> Any:
    """Start the server actor (Ray must be up) and wait until its policy is loaded; returns the handle."""
    import ray

    from prover.distributed.runtime import has_gpu, root_cause

    use_gpu = has_gpu() if gpu is None else gpu
    actor_cls = ray.remote(PolicyServer).options(num_cpus=cfg.ray.policy_cpus, num_gpus=1 if use_gpu else 0,
                                                 max_concurrency=1000)
    server: Any = actor_cls.remote(cfg)  # Any, as for PolicyClient: ray types an async method as a plain callable
    try:
        ray.get(server.ready.remote())
    except ray.exceptions.RayError as e:
        raise ProverError(f"the policy server did not start: {root_cause(e)}") from e
    return server
