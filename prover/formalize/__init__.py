"""The autoformalizer: informal problem in, ranked statements the verifier accepts out.

`make_generator(cfg)` picks the candidate source (a checkpoint or an OpenAI-compatible endpoint);
`formalize(text, generator, env, guard_policy(cfg), cfg)` samples, filters (safety gate, then elaboration)
and ranks; `prover.formalize.demo` trains and measures the prop-sentence demonstration model.
"""

from prover.formalize.generate import make_generator
from prover.formalize.pipeline import Formalization, Ranked, Rejected, formalize, guard_policy, screen

__all__ = ["Formalization", "Ranked", "Rejected", "formalize", "guard_policy", "make_generator", "screen"]
