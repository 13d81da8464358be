"""Starting Ray: local with this machine's cores by default, or joining the cluster at cfg.ray.address."""

from __future__ import annotations

import logging
import re

from prover.config import RayConfig
from prover.core import ProverError


def init_ray(cfg: RayConfig) -> bool:
    """Start (or join) Ray once per process; quiet: no dashboard, worker logs not echoed to the driver.

    Returns whether this call started it (so the caller knows to shut it down), False if it was already up.
    """
    import ray

    if ray.is_initialized():
        return False
    kwargs: dict = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
    if cfg.address:
        kwargs["address"] = cfg.address
    else:
        kwargs["num_cpus"] = cfg.num_cpus  # None: Ray counts the machine's cores
    try:
        ray.init(**kwargs)
    except (ConnectionError, RuntimeError, ValueError) as e:
        where = f"the Ray cluster at {cfg.address}" if cfg.address else "a local Ray instance"
        raise ProverError(f"cannot start {where}: {str(e).splitlines()[0] if str(e) else type(e).__name__}") from e
    return True


def has_gpu() -> bool:
    """Whether the Ray cluster (or, before Ray starts, torch here) offers a GPU for the policy server."""
    import ray

    if ray.is_initialized():
        return ray.cluster_resources().get("GPU", 0) >= 1
    import torch

    return torch.cuda.is_available()


def root_cause(error: BaseException) -> str:
    """One line for a Ray error: the task's own exception, or why the actor died."""
    import ray

    if isinstance(error, ray.exceptions.RayTaskError) and isinstance(error.cause, BaseException):
        cause = error.cause
        if isinstance(cause, ray.exceptions.RayError):
            return root_cause(cause)
        if isinstance(cause, ProverError):
            return str(cause).splitlines()[0]
        return f"{type(cause).__name__}: {cause}".splitlines()[0]
    if isinstance(error, ray.exceptions.RayActorError) and getattr(error, "_actor_init_failed", False):
        # The creation task's traceback is folded into the message; its last line is the exception.
        last = [line.strip() for line in str(error).splitlines() if line.strip()][-1]
        return "a worker could not start: " + re.sub(r"^prover\.core\.ProverError: ", "", last)
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
