"""Tactic proposers behind the Policy protocol. `make_policy` is the one place a policy is chosen.

- "auto" (the default): "automation" for Lean, "uniform" for the prop bench, whose tactic space is its own,
- "automation": a fixed list of automation tactics (the default without a checkpoint),
- "uniform": every fitting tactic of the propositional tactic space, equally likely (the baseline),
- anything else: a transformers checkpoint directory (or a hub id `owner/name`), served by HFPolicy.
"""

from __future__ import annotations

from prover.config import Config
from prover.policy.automation import AutomationPolicy
from prover.policy.base import Policy
from prover.policy.uniform import UniformPolicy


def policy_kind(cfg: Config) -> str:
    """The configured policy kind with "auto" resolved for the configured env."""
    if cfg.policy.kind == "auto":
        return "uniform" if cfg.env == "prop" else "automation"
    return cfg.policy.kind


def make_policy(cfg: Config) -> Policy:
    kind = policy_kind(cfg)
    if kind == "automation":
        if cfg.policy.prior_corpus is not None:
            return AutomationPolicy.from_corpus(cfg.policy.automation_tactics, cfg.policy.prior_corpus)
        return AutomationPolicy(cfg.policy.automation_tactics)
    if kind == "uniform":
        return UniformPolicy()
    from prover.policy.hf import HFPolicy  # torch and transformers load only when a model is asked for

    return HFPolicy.load(kind, cfg.policy)


__all__ = ["AutomationPolicy", "Policy", "UniformPolicy", "make_policy", "policy_kind"]
