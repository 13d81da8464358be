"""The replay buffer of expert iteration: (state, tactic) pairs and value targets, with where each came from.

The buffer accumulates: the original (dataset or human) examples always stay in the mix, at least
`min_original_share` of it, and each round's synthetic examples are added, never substituted.
`replace=True` keeps only the newest round's synthetic examples (the original data still stays, at its
share): it is the ablation that shows what accumulating synthetic data adds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from prover.policy.data import ORIGINAL, Example, read_examples, write_examples

__all__ = ["ORIGINAL", "Example", "ReplayBuffer", "dedup", "read_examples", "write_examples"]

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
        kept = self.rounds[-1:] if self.replace else self.rounds  # replace drops only older synthetic data
        synthetic = dedup(ex for batch in kept for ex in batch)
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

    def original_share(self) -> float:
        got = self.examples()
        return sum(ex.source == ORIGINAL for ex in got) / len(got) if got else 0.0

    def sources(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for ex in self.examples():
            counts[ex.source] = counts.get(ex.source, 0) + 1
        return counts

