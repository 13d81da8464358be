"""The ProofEnv protocol: what every verifier backend offers the search."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from prover.core import Proof, State, StepResult, Theorem, Verdict


@runtime_checkable
class ProofEnv(Protocol):
    def open(self, theorem: Theorem) -> State:
        """Elaborate the statement and return its root state; StatementError if it is rejected."""
        ...

    def step(self, state: State, tactic: str) -> StepResult:
        """Run one tactic on a state: Progress(state) | Proved(state) | Failed(message)."""
        ...

    def verify(self, theorem: Theorem, proof: Proof) -> Verdict:
        """Check the whole proof from scratch in a fresh environment (for Lean, with the axiom audit)."""
        ...

    def close(self) -> None:
        """Release processes and other resources; the env is unusable afterwards."""
        ...
