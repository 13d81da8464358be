"""The Policy protocol: text in (goals as Lean prints them), tactics and values out. Knows nothing of Lean."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable


@runtime_checkable
class Policy(Protocol):
    def propose(self, states: Sequence[str], k: int) -> list[list[tuple[str, float]]]:
        """For each state, up to k distinct tactics with their log-probabilities, best first."""
        ...

    def value(self, states: Sequence[str]) -> list[float]:
        """For each state, the estimated probability that it can be proved, in [0, 1]."""
        ...
