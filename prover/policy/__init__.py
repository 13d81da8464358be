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
    if cfg.policy.endpoint:
        from prover.policy.endpoint import EndpointPolicy
        from prover.policy.prompts import preset

        fmt = preset("bfs" if cfg.policy.prompt_format == "auto" else cfg.policy.prompt_format)
        return EndpointPolicy(endpoint_client(cfg.policy, cfg.policy.max_new_tokens, fmt.stops), fmt)
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


def endpoint_client(pcfg: PolicyConfig, max_tokens: int, stops: tuple[str, ...] = (), api: str | None = None):
    from prover.policy.endpoint import EndpointGenerator, endpoint_url

    assert pcfg.endpoint is not None
    api = api or pcfg.endpoint_api
    return EndpointGenerator(endpoint_url(pcfg.endpoint, api), api, pcfg.endpoint_model,
                             pcfg.endpoint_key, pcfg.temperature, max_tokens, pcfg.endpoint_timeout, stops)


def make_generator(cfg: Config):
    """The whole-proof generator: the endpoint when one is configured, else the checkpoint `policy.kind`."""
    from prover.core import ProverError
    from prover.policy.whole import EndpointProofGenerator, ModelProofGenerator, whole_format

    fmt = whole_format(cfg.policy.whole_format)
    if cfg.policy.endpoint:  # a chat layout (DeepSeek-Prover-V2, Kimina) goes to the chat API, whose template it needs
        api = "chat" if fmt.chat else None
        return EndpointProofGenerator(endpoint_client(cfg.policy, cfg.policy.whole_max_tokens, fmt.stops, api), fmt)
    kind = policy_kind(cfg)
    if kind in ("automation", "uniform"):
        raise ProverError(f"--mode {cfg.policy.mode} needs a model: --policy CHECKPOINT or --policy-endpoint URL")
    from prover.policy.hf import HFPolicy

    pcfg = cfg.policy.model_copy(update={"max_new_tokens": cfg.policy.whole_max_tokens})
    return ModelProofGenerator(HFPolicy.load(kind, pcfg), fmt)


def proposer(kind: str, pcfg: PolicyConfig) -> Policy:
    """A proposer without a model: the uniform prop tactics, or the automation list."""
    if kind == "uniform":
        return UniformPolicy()
    if pcfg.prior_corpus is not None:
        return AutomationPolicy.from_corpus(pcfg.automation_tactics, pcfg.prior_corpus)
    return AutomationPolicy(pcfg.automation_tactics)


__all__ = ["AutomationPolicy", "Policy", "UniformPolicy", "make_generator", "make_policy", "policy_kind", "proposer"]
