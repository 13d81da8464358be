"""One attempt at one theorem: open it, search, and run the final check. The only place `proved` is decided."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from prover.config import SearchConfig
from prover.core import Proof, ProverError, Theorem, Usage, Verdict
from prover.env.base import ProofEnv
from prover.policy.base import Policy


@dataclass
class SampleStats:
    """Whole-proof and hybrid attempts: what was sampled. pass@k reads n = samples, c = verified."""

    samples: int = 0  # proofs drawn
    unreadable: int = 0  # completions with no proof in them
    verified: int = 0  # sampled proofs that passed the final check
    searched_from_step: int | None = None  # hybrid: the tree search started after this many tactics
    every_sample_checked: bool = False  # all the asked samples were drawn and checked: pass@k may count them


@dataclass
class Attempt:
    theorem: Theorem
    proof: Proof | None  # what the search found, verified or not
    verdict: Verdict | None  # the final check; None when there was nothing to check
    usage: Usage
    stop_reason: str  # "proved", "exhausted", or the name of the budget that ran out
    error: str | None = None  # a statement the verifier rejected, a crashed backend, ...
    graph: Any = field(default=None, repr=False)  # the search graph (networkx), for export
    sampled: SampleStats | None = None  # whole-proof and hybrid modes only

    @property
    def proved(self) -> bool:
        return self.verdict is not None and self.verdict.ok

    def to_json(self) -> dict[str, Any]:
        return {
            "theorem": self.theorem.statement,
            "name": self.theorem.name,
            "proved": self.proved,
            "proof": self.proof.render() if self.proved and self.proof else None,
            "tactics": list(self.proof.tactics) if self.proof else [],
            "stats": self.usage.as_dict(),
            "stop_reason": self.stop_reason,
            "verdict": None if self.verdict is None else self.verdict.as_dict(),
            "error": self.error,
        } | ({"sampled": dataclasses.asdict(self.sampled)} if self.sampled is not None else {})


def attempt(env: ProofEnv, policy: Policy, theorem: Theorem, cfg: SearchConfig, search_fn: Any = None) -> Attempt:
    """Search for a proof and verify it. A statement the env rejects is an error of the attempt, not a crash.

    `search_fn` (same signature as `prover.search.search`) lets the distributed driver run its parallel
    tree search under the same open / final-check logic.
    """
    from prover.search import search

    search_fn = search_fn or search

    usage = Usage()
    try:
        root = env.open(theorem)
    except ProverError as e:
        return Attempt(theorem, None, None, usage, "rejected", error=f"statement rejected: {e}")
    usage.env_calls += 1
    result = search_fn(env, policy, root, cfg, usage)
    proof = Proof(theorem, tuple(result.tactics)) if result.tactics is not None else None
    verdict = env.verify(theorem, proof) if proof is not None else None
    error = None
    if verdict is not None and not verdict.ok:
        error = f"final check rejected the proof: {verdict.reason()}"
    return Attempt(theorem, proof, verdict, usage, result.stop_reason, error, result.graph)
