"""Original data for prop that the learner never influenced: each corpus problem's shortest proof, found by
breadth-first search over the uniform proposer's moves (every fitting tactic, no model), written as
{"state", "tactic"} lines. It plays the part a dataset's human proofs play for Lean (`prover data trace`):
the data expert iteration keeps at its share of every buffer, and the teacher the collapse metrics compare
the policy with (prover.learn.probe).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from prover.core import Failed, Proved, State, StatementError, Theorem
from prover.learn.buffer import ORIGINAL, Example


def bfs_proof(env, theorem: Theorem, budget: int = 3000) -> list[tuple[str, str]] | None:
    """(state, tactic) along a shortest proof over the uniform moves, or None within `budget` env calls."""
    from prover.policy import UniformPolicy

    policy, root = UniformPolicy(), env.open(theorem)
    frontier: list[tuple[State, list[tuple[str, str]]]] = [(root, [])]
    seen, steps = {root.goals}, 0
    while frontier and steps < budget:
        state, path = frontier.pop(0)
        for tactic, _ in policy.propose([state.text], 100)[0]:
            result = env.step(state, tactic)
            steps += 1
            if isinstance(result, Proved):
                return path + [(state.text, tactic)]
            if not isinstance(result, Failed) and result.state.goals not in seen:
                seen.add(result.state.goals)
                frontier.append((result.state, path + [(state.text, tactic)]))
    return None


@dataclass
class TeacherProofs:
    """Each problem's teacher proof (None where the search gave up), in the problems' order."""

    theorems: list[Theorem]
    proofs: list[list[tuple[str, str]] | None]

    def examples(self, source: str = ORIGINAL) -> list[Example]:
        return [Example(s, t, 1.0, source, th.name) for th, proof in zip(self.theorems, self.proofs, strict=True)
                for s, t in (proof or [])]

    @property
    def proved(self) -> int:
        return sum(p is not None for p in self.proofs)


def teacher_proofs(theorems: Sequence[Theorem], budget: int = 3000) -> TeacherProofs:
    from prover.env.prop import PropEnv

    env, proofs = PropEnv(), []
    for theorem in theorems:
        try:
            proofs.append(bfs_proof(env, theorem, budget))
        except StatementError:
            proofs.append(None)
    return TeacherProofs(list(theorems), proofs)


def file_digest(path: str | Path) -> str:
    """sha256 of a file's bytes: what a run's metadata records of its original data."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
