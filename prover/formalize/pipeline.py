"""Informal text in, ranked statements out: sample, filter through the gate and the verifier, rank.

Ranking (higher is better), every term reported as a reason:
- agreement: the share of accepted samples in the candidate's cluster (equal after normalising names and
  whitespace; on the prop bench, also logically equivalent, decided by G4ip on the biconditional);
- back-translation (when the model was trained both ways): how likely the informal text is given the
  statement, relative to the best candidate;
- the model's own log-probability, as a small tie-breaker;
- the vacuity guard: a statement a tiny search proves outright is probably trivial (penalised), and one
  whose hypotheses prove False is vacuous (penalised hard).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

from prover.config import Config
from prover.core import ProverError, Theorem
from prover.env.base import ProofEnv
from prover.env.lean.gate import check_statement
from prover.formalize import propcheck
from prover.formalize.generate import Generator
from prover.formalize.prompting import statement_from
from prover.formalize.statement import normalize, parse
from prover.policy.base import Policy
from prover.search.attempt import attempt

W_BACK, W_LOGPROB, P_TRIVIAL, P_VACUOUS = 0.25, 0.05, 0.3, 1.0


@dataclass
class Rejected:
    statement: str
    reason: str
    count: int = 1


@dataclass
class Ranked:
    statement: str
    theorem: Theorem = field(repr=False)  # what the verifier elaborated (the header included)
    score: float
    reasons: list[str]
    samples: int  # samples in the cluster
    variants: list[str] = field(default_factory=list)  # other surface forms in the cluster
    proof: dict[str, Any] | None = None  # `--prove`: the attempt's JSON


@dataclass
class Formalization:
    informal: str
    samples: int
    ranked: list[Ranked]
    rejected: list[Rejected]
    seconds: float  # all of it: sampling, filtering, ranking
    generation_seconds: float = 0.0  # sampling alone

    @property
    def best(self) -> Ranked | None:
        return self.ranked[0] if self.ranked else None

    def to_json(self) -> dict[str, Any]:
        return {
            "informal": self.informal, "samples": self.samples, "seconds": round(self.seconds, 3),
            "generation_seconds": round(self.generation_seconds, 3),
            "ranked": [{"statement": r.statement, "score": round(r.score, 4), "reasons": r.reasons,
                        "samples": r.samples, "variants": r.variants, "proof": r.proof} for r in self.ranked],
            "rejected": [{"statement": r.statement, "reason": r.reason, "count": r.count} for r in self.rejected],
        }


def guard_policy(cfg: Config) -> Policy:
    """The cheap tactic proposer of the vacuity guard: the prop tactic space, or Lean's automation list."""
    from prover.policy import make_policy

    return make_policy(cfg.model_copy(update={"policy": cfg.policy.model_copy(
        update={"kind": "auto", "candidates": None})}))  # the env's own cheap proposer, never a model


def screen(statement: str, env: ProofEnv, cfg: Config, informal: str = "") -> tuple[Theorem | None, str]:
    """The safety gate, then elaboration: (theorem, "elaborates") or (None, why it was rejected).

    The gate is the Lean one for every env: prop statements are Lean syntax, and a hostile text is
    refused as such before any parser sees it.
    """
    try:
        check_statement(statement, cfg.lean)
        theorem = Theorem.from_text(statement, header=cfg.lean.header if cfg.env == "lean" else "",
                                    informal=informal)
        env.open(theorem)
    except ProverError as e:
        return None, str(e)
    return theorem, "elaborates"


def formalize(informal: str, generator: Generator, env: ProofEnv, guard: Policy, cfg: Config,
              n: int | None = None) -> Formalization:
    """Sample n candidates for one informal problem, filter them, and rank the survivors."""
    started = time.monotonic()
    n = n or cfg.formalize.num_candidates
    prompt = generator.prompt(informal)
    completions = generator.generate(prompt, n)
    generated = time.monotonic() - started
    result = rank(informal, completions, generator, env, guard, cfg, prompt=prompt, started=started)
    result.generation_seconds = generated
    return result


def rank(informal: str, completions: list[str], generator: Generator, env: ProofEnv, guard: Policy,
         cfg: Config, *, prompt: str = "", started: float | None = None) -> Formalization:
    started = time.monotonic() if started is None else started
    rejected: dict[tuple[str, str], Rejected] = {}
    accepted: dict[str, list[str]] = {}  # normal form -> surface forms, one per sample
    theorems: dict[str, Theorem] = {}
    verdicts: dict[str, tuple[Theorem | None, str]] = {}
    for completion in completions:
        statement = statement_from(completion, generator.fewshot)
        if statement is None:
            _reject(rejected, completion.strip()[:200], "no statement in the completion")
            continue
        if statement not in verdicts:
            verdicts[statement] = screen(statement, env, cfg, informal)
        theorem, why = verdicts[statement]
        if theorem is None:
            _reject(rejected, statement, why)
            continue
        key = normalize(statement)
        accepted.setdefault(key, []).append(statement)
        theorems.setdefault(key, theorem)

    clusters = _cluster({k: v[0] for k, v in accepted.items()}, cfg.env == "prop")
    total = sum(len(v) for v in accepted.values())
    reps = [_representative(group, accepted) for group in clusters]
    logps = _scores(generator.logprobs(prompt, [_scored_text(r, generator.fewshot) for r in reps]) if reps and prompt
                    else None)
    backs = _scores(generator.back_translation(reps, informal) if reps else None)
    ranked = []
    for i, (group, rep) in enumerate(zip(clusters, reps, strict=True)):
        size = sum(len(accepted[k]) for k in group)
        exact = len(accepted[group[0]])
        score, reasons = size / total, [f"{size}/{total} accepted samples agree"
                                        + (f" ({size - exact} by logical equivalence)" if size > exact else "")]
        if backs is not None:
            score += W_BACK * backs[i]
            reasons.append(f"back-translation {backs[i]:.2f} of the best")
        if logps is not None:
            score += W_LOGPROB * logps[i]
            reasons.append(f"model likelihood {logps[i]:.2f} of the best")
        penalty, vacuity = _vacuity(theorems[group[0]], env, guard, cfg)
        score -= penalty
        reasons.extend(vacuity)
        variants = sorted({s for k in group for s in accepted[k]} - {rep})
        theorem = Theorem.from_text(rep, header=theorems[group[0]].header, informal=informal)
        ranked.append(Ranked(rep, theorem, score, reasons, size, variants))
    ranked.sort(key=lambda r: -r.score)
    return Formalization(informal, len(completions), ranked, list(rejected.values()), time.monotonic() - started)


def _reject(rejected: dict[tuple[str, str], Rejected], statement: str, reason: str) -> None:
    if (statement, reason) in rejected:
        rejected[(statement, reason)].count += 1
    else:
        rejected[(statement, reason)] = Rejected(statement, reason)


def _cluster(surface: dict[str, str], prop: bool) -> list[list[str]]:
    """Group normal forms (keys of `surface`, which maps each to one of its statements); on the prop bench,
    logically equivalent ones join one group."""
    groups: list[list[str]] = []
    for key in surface:
        for group in groups:
            if prop and propcheck.equivalent(surface[group[0]], surface[key]):
                group.append(key)
                break
        else:
            groups.append([key])
    return groups


def _representative(group: list[str], accepted: dict[str, list[str]]) -> str:
    """The most frequent surface form of the group's most sampled normal form."""
    lead = max(group, key=lambda k: len(accepted[k]))
    group.remove(lead)
    group.insert(0, lead)
    forms = accepted[lead]
    return max(dict.fromkeys(forms), key=forms.count)


def _scored_text(statement: str, fewshot: bool) -> str:
    return statement[len("theorem"):] if fewshot and statement.startswith("theorem") else statement


def _scores(values: list[float] | None) -> list[float] | None:
    """Per-token log-probabilities as likelihood ratios to the best one, in (0, 1]."""
    if not values:
        return None
    best = max(values)
    return [math.exp(v - best) for v in values]


def _vacuity(theorem: Theorem, env: ProofEnv, guard: Policy, cfg: Config) -> tuple[float, list[str]]:
    steps = cfg.formalize.guard_steps
    # Counted steps only: a wall-clock limit would let a busy machine change the ranking.
    search_cfg = cfg.search.model_copy(update={"budget_steps": steps, "timeout": None, "policy_calls": None,
                                               "nodes": None})
    reasons, penalty = [], 0.0
    hyps = _hypotheses_to_false(theorem, cfg)
    if hyps is not None and attempt(env, guard, hyps, search_cfg).proved:
        penalty += P_VACUOUS
        reasons.append("vacuous: its hypotheses prove False")
    if attempt(env, guard, theorem, search_cfg).proved:
        penalty += P_TRIVIAL
        reasons.append(f"trivial: a {steps}-step search proves it outright")
    else:
        reasons.append(f"not proved outright by a {steps}-step search")
    return penalty, reasons


def _hypotheses_to_false(theorem: Theorem, cfg: Config) -> Theorem | None:
    """The statement with its conclusion replaced by False, when it has hypotheses (prop: antecedents too)."""
    if cfg.env == "prop":
        text = propcheck.hypotheses_to_false(theorem.statement)
    else:
        shape = parse(theorem.statement)
        text = shape.render(name=f"{shape.name}_hyps", conclusion="False") if shape and shape.hypotheses() else None
    return None if text is None else Theorem.from_text(text, header=theorem.header, name="hypotheses")

