"""What a checkpoint was trained to do besides its weights, read without loading torch.

`prover_policy.json` (META) in a checkpoint directory holds, under "policy", the settings that change what
the model proposes (TRAINED_SETTINGS): whether it ranks a proposer's tactics or writes its own, over how
many candidates, how much of a goals text it reads. Used otherwise, a model trained to rank proves nothing.
`as_trained` fills them in wherever the configuration left them unset; `effective` does it for a whole
configuration (what `--policy DIR` will run, e.g. for a run's settings compared on resume).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from prover.config import Config, PolicyConfig
from prover.core import ProverError

META = "prover_policy.json"
TRAINED_SETTINGS = ("candidates", "candidate_width", "max_state_chars")


def trained_settings(pcfg: PolicyConfig) -> dict[str, Any]:
    """The settings saved with a checkpoint trained under pcfg."""
    return {name: getattr(pcfg, name) for name in TRAINED_SETTINGS}


def as_trained(pcfg: PolicyConfig, meta: dict[str, Any], source: str | Path = "checkpoint") -> PolicyConfig:
    """pcfg with the checkpoint's trained settings wherever the configuration left them unset; a setting the
    user gave (flag, file, environment) wins."""
    saved = meta.get("policy")
    if not isinstance(saved, dict):
        return pcfg
    update = {k: saved[k] for k in TRAINED_SETTINGS if k in saved and k not in pcfg.model_fields_set}
    if not update:
        return pcfg
    try:
        checked = PolicyConfig.model_validate(update)
    except ValidationError as e:
        raise ProverError(f"policy checkpoint {source}: bad settings in {META}: {e.errors()[0]['msg']}") from e
    return pcfg.model_copy(update={k: getattr(checked, k) for k in update})


def effective(cfg: Config) -> PolicyConfig:
    """cfg.policy as the policy will run: with a checkpoint's trained settings where cfg leaves them unset."""
    path = Path(cfg.policy.kind).expanduser()
    if cfg.policy.kind in ("auto", "automation", "uniform") or not (path / META).is_file():
        return cfg.policy
    try:
        meta = json.loads((path / META).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ProverError(f"policy checkpoint {path}: cannot read {META}: {e}") from e
    return as_trained(cfg.policy, meta if isinstance(meta, dict) else {}, path)
