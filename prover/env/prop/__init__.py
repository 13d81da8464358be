"""The propositional bench: Lean 4 syntax over `Prop` variables, a Lean 4 core tactic subset, a G4ip
decision procedure and a seeded problem generator. It is not Lean and never stands in for it."""

from __future__ import annotations

from prover.env.prop.decide import decide, provable
from prover.env.prop.env import PropEnv, parse
from prover.env.prop.generate import SIZES, problems, unprovable

__all__ = ["SIZES", "PropEnv", "decide", "parse", "problems", "provable", "unprovable"]
