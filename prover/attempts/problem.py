"""What an attempt is at: a theorem with the labels a report groups by."""

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


@dataclass(frozen=True)
class Dataset:
    name: str  # how the user named it (a path, `prop:easy:50`, `minif2f`)
    problems: list[Problem]
