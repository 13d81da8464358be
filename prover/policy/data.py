"""Supervised examples: (goals text, tactic, optional value) read from JSONL, one object a line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from prover.core import ProverError


@dataclass(frozen=True)
class Example:
    state: str  # goals text as Lean prints it
    tactic: str | None = None  # the step taken there (None: a value-only example)
    value: float | None = None  # 1.0 provable, 0.0 not; None: no value target


def read_examples(path: str | Path) -> list[Example]:
    """Lines {"state": ..., "tactic": ..., "value": optional}; a bad line is one clear error naming it."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ProverError(f"cannot read {path}: {e.strerror}") from e
    except UnicodeDecodeError as e:
        raise ProverError(f"{path} is not UTF-8 text") from e
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            state, tactic, value = row["state"], row.get("tactic"), row.get("value")
            if not isinstance(state, str) or not (tactic is None or isinstance(tactic, str)):
                raise TypeError("state and tactic must be strings")
            if value is not None:
                value = float(value)
                if not 0.0 <= value <= 1.0:
                    raise ValueError("value must lie in [0, 1]")
            if tactic is None and value is None:
                raise ValueError("needs a tactic or a value")
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as e:
            raise ProverError(f"{path}:{number}: not a {{\"state\", \"tactic\", \"value\"}} line ({e})") from e
        out.append(Example(state, tactic.strip() if tactic else None, value))
    if not out:
        raise ProverError(f"{path} holds no examples")
    return out
