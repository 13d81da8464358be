"""Supervised examples: (goals text, tactic, optional value) in JSONL, one object a line.

The one example type of the project: the trainer reads it, expert iteration's replay buffer stores it
(with `source` saying where it came from), LeanDojo tracing writes it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from prover.core import ProverError, read_lines

ORIGINAL = "original"  # the source of dataset or human examples; search rounds use "round-N"


@dataclass(frozen=True)
class Example:
    state: str  # goals text as Lean prints it
    tactic: str | None = None  # the step taken there (None: a value-only example)
    value: float | None = None  # 1.0 provable, 0.0 not; None: no value target
    source: str = ORIGINAL
    problem: str = ""  # the theorem's name, for diagnostics

    def to_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None and v != ""}


def write_examples(path: str | Path, examples: Iterable[Example]) -> None:
    """Write JSONL atomically (temp file, then rename), so a crash never leaves half a file."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for ex in examples:
            f.write(json.dumps(ex.to_json(), ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def read_examples(path: str | Path, source: str | None = None) -> list[Example]:
    """Lines {"state": ..., "tactic": ..., "value": optional}; a bad line is one clear error naming it.
    `source`, when given, overrides each line's own."""
    path = Path(path)
    lines = read_lines(path, "examples file")
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
        out.append(Example(state, tactic.strip() if tactic else None, value,
                           source or row.get("source", ORIGINAL), row.get("problem", "")))
    return out
