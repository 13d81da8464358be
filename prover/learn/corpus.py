"""`prover train CORPUS --rounds N --out DIR`: the corpus and held-out set from dataset specs, then the rounds."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

from prover.attempts import Executor, make_executor
from prover.config import Config
from prover.core import ProverError, StatementError, Theorem
from prover.learn.buffer import ORIGINAL, Example
from prover.learn.expert import ExpertIteration


def load_theorems(spec: str, cfg: Config) -> list[Theorem]:
    """Any dataset `prover bench` accepts: a JSONL path, a named dataset, or `prop:SPLIT[:N]`."""
    from prover.bench.datasets import load_dataset

    return [p.theorem for p in load_dataset(spec, cfg).problems]


_NAME = re.compile(r"^(\s*(?:theorem|lemma)\s+)\S+")


def problem_key(statement: str) -> str:
    """What makes two statements the same problem, names aside. A prop statement's canonical key
    (variables renamed, premises introduced as hypotheses, hypotheses sorted: prover.env.prop.canon);
    any other statement's text with the theorem's name blanked and whitespace collapsed."""
    from prover.env.prop.canon import statement_key

    try:
        return "prop: " + statement_key(statement)
    except StatementError:
        return "text: " + " ".join(_NAME.sub(r"\1_", statement).split())


def corpus_and_heldout(spec: str, cfg: Config) -> tuple[list[Theorem], list[Theorem], str]:
    """The training problems, the held-out ones, and how the held-out set was named. Held-out problems
    are compared with the corpus by `problem_key`, so a renamed or reordered copy cannot leak."""
    corpus = load_theorems(spec, cfg)
    if cfg.learn.heldout is not None:
        heldout = load_theorems(cfg.learn.heldout, cfg)
        train = {problem_key(t.statement): t for t in corpus}
        leaks = [(h, train[k]) for h in heldout if (k := problem_key(h.statement)) in train]
        if leaks:
            h, t = leaks[0]
            raise ProverError(f"{len(leaks)} held-out problem(s) of {cfg.learn.heldout} are also in the corpus {spec} "
                              f"up to names, variable renaming and hypothesis order (e.g. held-out {h.name} is "
                              f"{t.name}); choose a disjoint --heldout")
        return corpus, heldout, cfg.learn.heldout
    frac = cfg.learn.heldout_fraction
    if not 0 < frac < 1 or len(corpus) < 2:
        raise ProverError("no held-out set: give --heldout DATASET, or a corpus of at least 2 problems and "
                          "learn.heldout_fraction between 0 and 1")
    order = list(range(len(corpus)))
    random.Random(cfg.learn.seed).shuffle(order)
    n = max(1, round(frac * len(corpus)))
    # Copies of one problem (up to problem_key) go to the same side; without copies this is order[:n].
    keys = [problem_key(t.statement) for t in corpus]
    held: set[int] = set()
    held_keys: set[str] = set()
    for i in order:
        if len(held) >= n and keys[i] not in held_keys:
            continue
        held.add(i)
        held_keys.add(keys[i])
    if len(held) == len(corpus):
        raise ProverError(f"no held-out split of {spec}: its problems are all copies of one another "
                          "(up to names, renaming and hypothesis order)")
    return ([t for i, t in enumerate(corpus) if i not in held], [t for i, t in enumerate(corpus) if i in held],
            f"{spec} (a {frac:.0%} seeded split)")


def original_examples(path: str | None) -> list[Example]:
    """The original (dataset or human) proofs as (state, tactic) pairs, read with the trainer's own reader."""
    if path is None:
        return []
    from prover.policy.data import read_examples

    return read_examples(path, source=ORIGINAL)


def original_data_meta(path: str | None) -> dict | None:
    """What a run's original data was: its path, how many examples, and its bytes' sha256."""
    if path is None:
        return None
    from prover.learn.teacher import file_digest

    return {"path": str(path), "examples": len(original_examples(path)), "sha256": file_digest(path)}


def train_on_corpus(cfg: Config, spec: str, out: str | Path, rounds: int, resume: bool = False,
                    data: str | None = None, log: Callable[[str], None] | None = None,
                    executor: Executor | None = None) -> list[dict]:
    """Expert iteration; every round's searches run on `executor` (default: make_executor(cfg), closed here)."""
    if rounds < 1:
        raise ProverError("--rounds must be at least 1")
    corpus, heldout, heldout_name = corpus_and_heldout(spec, cfg)
    owned = executor is None
    executor = make_executor(cfg) if executor is None else executor
    try:
        run = ExpertIteration(cfg, out, corpus, heldout, original_examples(None if resume else data), log, executor)
        settings = run.settings(spec, heldout_name) | {"data": original_data_meta(data)}
        return run.run(rounds, settings, resume=resume)
    finally:
        if owned:
            executor.close()
