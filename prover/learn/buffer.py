"""The replay buffer of expert iteration: (state, tactic) pairs and value targets, with where each came from.

The buffer accumulates: the original (dataset or human) examples always stay in the mix and each round's
synthetic examples are added, never substituted. `replace=True` keeps only the newest round's examples; it
exists as the ablation that shows why accumulation matters (the tactic distribution narrows, then collapses).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from prover.core import ProverError

ORIGINAL = "original"


@dataclass(frozen=True)
class Example:
    """One training example. `tactic` is None for a value-only example (a state that led nowhere)."""

    state: str
    tactic: str | None
    value: float | None = None  # target for the value head: 1.0 on a proof path, 0.0 off it
    source: str = ORIGINAL  # "original", or "round-N" for data found by the search in round N
    problem: str = ""  # the theorem's name, for diagnostics

    def to_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None and v != ""}

    @classmethod
    def from_json(cls, d: dict, source: str | None = None) -> Example:
        state = d.get("state", d.get("goals"))
        if not isinstance(state, str) or not state.strip():
            raise ValueError("no 'state' string")
        tactic = d.get("tactic")
        if tactic is not None and not isinstance(tactic, str):
            raise ValueError("'tactic' is not a string")
        value = d.get("value")
        if tactic is None and value is None:
            raise ValueError("neither 'tactic' nor 'value'")
        return cls(state=state, tactic=tactic, value=None if value is None else float(value),
                   source=source or d.get("source", ORIGINAL), problem=d.get("problem", d.get("name", "")))


def read_examples(path: str | Path, source: str | None = None) -> list[Example]:
    """A JSONL file of {"state", "tactic"[, "value"]} objects. A bad line is one clear error naming it."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ProverError(f"cannot read {path}: {e.strerror}") from e
    except UnicodeDecodeError as e:
        raise ProverError(f"{path} is not UTF-8 text") from e
    out = []
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append(Example.from_json(json.loads(line), source))
        except (json.JSONDecodeError, ValueError, TypeError, AttributeError) as e:
            raise ProverError(f"{path}:{i}: not a (state, tactic) example: {e}") from e
    return out


def write_examples(path: str | Path, examples: Iterable[Example]) -> None:
    """Write JSONL atomically (temp file, then rename), so a crash never leaves half a file."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for ex in examples:
            f.write(json.dumps(ex.to_json(), ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def dedup(examples: Iterable[Example]) -> list[Example]:
    """First occurrence of each (state, tactic, value) wins, so the oldest source is the one kept."""
    seen: set[tuple] = set()
    out = []
    for ex in examples:
        key = (ex.state, ex.tactic, ex.value)
        if key not in seen:
            seen.add(key)
            out.append(ex)
    return out


@dataclass
class ReplayBuffer:
    """The original examples plus each round's, in round order."""

    original: list[Example]
    rounds: list[list[Example]]  # rounds[i] = what round i+1 found
    replace: bool = False
    min_original_share: float = 0.25  # original examples are repeated until they are at least this share

    def examples(self) -> list[Example]:
        """What the next training run sees."""
        if self.replace:
            return dedup(self.rounds[-1]) if self.rounds else list(self.original)
        synthetic = dedup(ex for batch in self.rounds for ex in batch)
        original = dedup(self.original)
        known = {(ex.state, ex.tactic, ex.value) for ex in original}
        synthetic = [ex for ex in synthetic if (ex.state, ex.tactic, ex.value) not in known]
        return original * self._repeats(len(original), len(synthetic)) + synthetic

    def _repeats(self, n_original: int, n_synthetic: int) -> int:
        # Without this, a growing synthetic pile drowns the original data out of the gradient.
        if n_original == 0 or self.min_original_share <= 0:
            return 1
        share = self.min_original_share
        need = share * n_synthetic / ((1 - share) * n_original) if share < 1 else 1.0
        return max(1, int(-(-need // 1)))

    def sources(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for ex in self.examples():
            counts[ex.source] = counts.get(ex.source, 0) + 1
        return counts


def policy_pairs(examples: Sequence[Example]) -> list[dict]:
    """The records the supervised trainer reads: (state, tactic) with an optional value target."""
    return [ex.to_json() for ex in examples]
