"""A model ranking the tactics another proposer offers: the fixed-action-space recipe of AlphaZero.

The base proposer (UniformPolicy on the prop bench, the automation list on Lean) supplies well-formed
candidates; the model's log p(tactic | state), renormalised over them, is the prior, and its value is
the value. A small model learns to rank long before it learns to write tactics byte by byte, which is
what lets expert iteration climb from its first round.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from prover.policy.base import Policy
from prover.policy.hf import HFPolicy


class RankedPolicy:
    def __init__(self, base: Policy, model: HFPolicy, width: int) -> None:
        self.base, self.model, self.width = base, model, width

    def propose(self, states: Sequence[str], k: int) -> list[list[tuple[str, float]]]:
        offered = self.base.propose(states, self.width)
        ranked = self.model.rank(states, [[t for t, _ in c] for c in offered], self.width)
        out: list[list[tuple[str, float]]] = []
        for tactics in ranked:
            if not tactics:
                out.append([])
                continue
            top = tactics[0][1]
            norm = top + math.log(sum(math.exp(lp - top) for _, lp in tactics))
            out.append([(t, lp - norm) for t, lp in tactics[:k]])
        return out

    def value(self, states: Sequence[str]) -> list[float]:
        return self.model.value(states)
