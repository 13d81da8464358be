"""AutomationPolicy: the default without a checkpoint, a fixed list of automation tactics.

Every state gets the same list (`policy.automation_tactics`). Priors are uniform, or, given a corpus of
{"state", "tactic"} lines (`policy.prior_corpus`), the add-one-smoothed frequency with which each listed
tactic (matched by its first word: `simp [h]` counts for `simp`) was used there.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from prover.core import ProverError
from prover.policy.data import read_examples
from prover.policy.uniform import NEUTRAL_VALUE


class AutomationPolicy:
    def __init__(self, tactics: Sequence[str], counts: Counter[str] | None = None) -> None:
        tactics = list(dict.fromkeys(t.strip() for t in tactics if t.strip()))
        if not tactics:
            raise ProverError("policy.automation_tactics is empty")
        counts = counts or Counter()
        total = sum(counts[t] for t in tactics) + len(tactics)
        scored = [(t, math.log((counts[t] + 1) / total)) for t in tactics]
        self.ranked = sorted(scored, key=lambda pair: -pair[1])  # stable: ties keep the configured order

    @classmethod
    def from_corpus(cls, tactics: Sequence[str], corpus: str | Path) -> AutomationPolicy:
        known = {t.strip() for t in tactics}
        counts: Counter[str] = Counter()
        for ex in read_examples(corpus):
            if ex.tactic is None:
                continue
            if ex.tactic in known:
                counts[ex.tactic] += 1
            elif ex.tactic.split()[0] in known:
                counts[ex.tactic.split()[0]] += 1
        return cls(tactics, counts)

    def propose(self, states: Sequence[str], k: int) -> list[list[tuple[str, float]]]:
        return [list(self.ranked[:k]) for _ in states]

    def value(self, states: Sequence[str]) -> list[float]:
        return [NEUTRAL_VALUE for _ in states]
