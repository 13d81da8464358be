"""The prop demonstration: train a small byte-level model to formalize English propositional sentences, and
measure it on held-out templates and vocabulary. Training is the policy's `train_sft`; the checkpoint is an
ordinary one, marked so that `prover formalize --model DIR` prompts it with the plain sentence.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from prover.config import Config
from prover.formalize import propcheck
from prover.formalize.generate import MARKER, Generator
from prover.formalize.pipeline import formalize, guard_policy
from prover.formalize.propdata import Example, examples
from prover.formalize.statement import normalize
from prover.policy.data import Example as Pair
from prover.policy.train import TrainResult, train_sft


def train_demo(out_dir: str | Path, cfg: Config, *, n_examples: int = 4000, reverse: bool = False,
               max_depth: int = 2, repeats: float = 0.0, progress: bool = True,
               on_step: Callable[[int, float], None] | None = None) -> TrainResult:
    """Train on the train templates (sentence -> theorem; with `reverse`, also theorem -> sentence, which
    back-translation scores; a `repeats` share with a sentence repeated, as theorems have) and mark the
    checkpoint as a plain-prompt formalizer."""
    data = examples("train", n_examples, seed=cfg.train.seed, max_depth=max_depth, repeats=repeats)
    pairs = [Pair(ex.informal, ex.formal) for ex in data]
    if reverse:
        pairs += [Pair(ex.formal, ex.informal) for ex in data]
    result = train_sft(pairs, out_dir, cfg.train, cfg.policy, progress=progress, on_step=on_step)
    marker = {"prompt": "plain", "reverse": reverse, "task": "prop sentences (prover.formalize.propdata)"}
    (Path(out_dir) / MARKER).write_text(json.dumps(marker, indent=2) + "\n")
    return result


@dataclass
class Accuracy:
    split: str
    problems: int = 0
    exact: int = 0  # top-ranked statement equal to the gold after normalisation
    equivalent: int = 0  # top-ranked statement logically equivalent to the gold (G4ip on the ↔)
    any_equivalent: int = 0  # some accepted candidate equivalent to the gold (the ranking's ceiling)
    no_candidate: int = 0  # every sample rejected
    samples: int = 0
    seconds: float = 0.0  # sampling, filtering and ranking
    generation_seconds: float = 0.0  # sampling alone
    failures: list[dict[str, str]] = field(default_factory=list)  # a few, to look at

    def to_json(self) -> dict:
        n = max(self.problems, 1)
        return {"split": self.split, "problems": self.problems, "exact": round(self.exact / n, 4),
                "equivalent": round(self.equivalent / n, 4), "any_equivalent": round(self.any_equivalent / n, 4),
                "no_candidate": self.no_candidate, "samples": self.samples,
                "candidates_per_second": round(self.samples / max(self.seconds, 1e-9), 2),
                "generated_per_second": round(self.samples / max(self.generation_seconds, 1e-9), 2),
                "failures": self.failures[:5]}


def evaluate(generator: Generator, env, cfg: Config, split: str, n: int, samples: int) -> Accuracy:
    """Formalize n examples of a split and score the top-ranked statement against the gold."""
    acc = Accuracy(split)
    guard = guard_policy(cfg)
    for ex in examples(split, n, seed=cfg.train.seed, draw=1):  # other draws than the training examples
        result = formalize(ex.informal, generator, env, guard, cfg, n=samples)
        acc.problems += 1
        acc.samples += result.samples
        acc.seconds += result.seconds
        acc.generation_seconds += result.generation_seconds
        _score(acc, ex, result)
    return acc


def _score(acc: Accuracy, ex: Example, result) -> None:
    if result.best is None:
        acc.no_candidate += 1
        acc.failures.append({"informal": ex.informal, "gold": ex.formal, "got": "(no accepted candidate)"})
        return
    best = result.best.statement
    exact = normalize(best) == normalize(ex.formal)
    equivalent = exact or propcheck.equivalent(best, ex.formal)
    acc.exact += exact
    acc.equivalent += equivalent
    acc.any_equivalent += equivalent or any(propcheck.equivalent(r.statement, ex.formal) for r in result.ranked[1:])
    if not equivalent:
        acc.failures.append({"informal": ex.informal, "gold": ex.formal, "got": best})
