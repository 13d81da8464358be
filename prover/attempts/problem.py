"""What an attempt is at: a theorem with the labels a report groups by. (Loading them from files, with
skipped-row reporting, is prover.bench.datasets.)"""

from __future__ import annotations

from dataclasses import dataclass

from prover.core import Theorem


@dataclass(frozen=True)
class Problem:
    """One problem: the theorem and the labels a report groups by."""

    theorem: Theorem
    split: str
    source: str
    difficulty: str | None = None

    @property
    def name(self) -> str:
        return self.theorem.name
