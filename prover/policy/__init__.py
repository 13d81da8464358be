"""Tactic proposers behind the Policy protocol. `make_policy` is the one place a policy is chosen.

- "auto" (the default): "automation" for Lean, "uniform" for the prop bench, whose tactic space is its own,
- "automation": a fixed list of automation tactics (the default without a checkpoint),
- "uniform": every fitting tactic of the propositional tactic space, equally likely (the baseline),
- anything else: a transformers checkpoint directory (or a hub id `owner/name`), served by HFPolicy;
  with `policy.candidates` set, the model ranks that proposer's tactics instead of writing its own.
"""

from __future__ import annotations

from prover.config import Config, PolicyConfig
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
    if kind in ("automation", "uniform"):
        return proposer(kind, cfg.policy)
    from prover.policy.hf import HFPolicy  # torch and transformers load only when a model is asked for

    model = HFPolicy.load(kind, cfg.policy)
    pcfg = model.cfg  # with the settings the checkpoint was trained with, where cfg left them unset
    if pcfg.candidates is None:
        return model
    from prover.policy.ranked import RankedPolicy

    return RankedPolicy(proposer(pcfg.candidates, pcfg), model, pcfg.candidate_width)


def proposer(kind: str, pcfg: PolicyConfig) -> Policy:
    """A proposer without a model: the uniform prop tactics, or the automation list."""
    if kind == "uniform":
        return UniformPolicy()
    if pcfg.prior_corpus is not None:
        return AutomationPolicy.from_corpus(pcfg.automation_tactics, pcfg.prior_corpus)
    return AutomationPolicy(pcfg.automation_tactics)


__all__ = ["AutomationPolicy", "Policy", "UniformPolicy", "make_policy", "policy_kind", "proposer"]
