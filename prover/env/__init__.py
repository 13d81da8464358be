"""Verifier backends. `make_env` is the one place a backend is chosen from configuration."""

from __future__ import annotations

from prover.config import Config
from prover.env.base import ProofEnv


def make_env(cfg: Config) -> ProofEnv:
    """The configured backend; EnvUnavailable (one line naming the fix) when it cannot run here."""
    if cfg.env == "prop":
        from prover.env.prop import PropEnv

        return PropEnv()
    from prover.env.lean import LeanEnv

    return LeanEnv.from_config(cfg.lean)


__all__ = ["ProofEnv", "make_env"]
