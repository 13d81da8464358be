"""Whole-proof and hybrid attempts: sample complete proofs, replay them, and (hybrid) search on from where one
breaks, as DeepSeek-Prover-V1.5's RMaxTS does.

Every sampled proof is replayed tactic by tactic in the env, so the budget counts env calls as the tree
search does (one a tactic; a sample that breaks at step 3 cost 3) and a failure has a place: the last state
reached. A sample that replays to no goals still has to pass the final check (env.verify); nothing else
makes a theorem proved. `hybrid` hands the deepest state any sample reached to the tree search, with what
is left of the budget, and the proof is that sample's good prefix followed by what the search found.
"""

from __future__ import annotations

from dataclasses import dataclass

from prover.config import SearchConfig
from prover.core import Failed, Proof, Proved, ProverError, State, Theorem, Usage, Verdict
from prover.env.base import ProofEnv
from prover.policy.base import Policy
from prover.policy.whole import ProofGenerator, ProofPrompt, SampledProof
from prover.search.attempt import Attempt, SampleStats


@dataclass(frozen=True)
class Replay:
    """How far a sampled proof got: the good prefix, the state after it, and whether it closed every goal."""

    tactics: tuple[str, ...]
    state: State
    proved: bool
    error: str | None = None


def replay(env: ProofEnv, root: State, proof: SampledProof, usage: Usage, cfg: SearchConfig) -> Replay:
    state = root
    good: list[str] = []
    for tactic in proof.tactics:
        if usage.exhausted(cfg.budget()):
            return Replay(tuple(good), state, False, "budget")
        usage.env_calls += 1
        result = env.step(state, tactic)
        if isinstance(result, Failed):
            return Replay(tuple(good), state, False, result.message)
        good.append(tactic)
        state = result.state
        if isinstance(result, Proved):
            return Replay(tuple(good), state, True)
    return Replay(tuple(good), state, False, "the proof ended with goals left" if proof.tactics else "no proof")


def whole_attempt(env: ProofEnv, generator: ProofGenerator, theorem: Theorem, cfg: SearchConfig, *,
                  samples: int, batch: int, policy: Policy | None = None, stop_at_first: bool = True) -> Attempt:
    """Sample up to `samples` proofs, `batch` at a time, inside cfg's budget. With `policy` (hybrid), the
    deepest state any sample reached is searched on with that policy and what is left of the budget."""
    from prover.search import search

    usage, stats = Usage(), SampleStats()
    try:
        root = env.open(theorem)
    except ProverError as e:
        return Attempt(theorem, None, None, usage, "rejected", error=f"statement rejected: {e}")
    usage.env_calls += 1
    prompt = ProofPrompt(theorem.statement, theorem.header, theorem.informal)
    best: Replay | None = None
    found: tuple[Proof, Verdict] | None = None
    while stats.samples < samples and not usage.exhausted(cfg.budget()):
        usage.policy_calls += 1
        drawn = generator.generate([prompt], min(batch, samples - stats.samples))[0]
        if not drawn:
            break
        for sample in drawn:
            stats.samples += 1
            if not sample.tactics:
                stats.unreadable += 1
                continue
            run = replay(env, root, sample, usage, cfg)
            if run.proved:
                proof = Proof(theorem, run.tactics)
                verdict = env.verify(theorem, proof)
                if verdict.ok:
                    stats.verified += 1
                    found = found or (proof, verdict)
                    if stop_at_first:
                        break
            elif best is None or len(run.tactics) > len(best.tactics):
                best = run
            if usage.exhausted(cfg.budget()):
                break
        if found is not None and stop_at_first:
            break
    stats.every_sample_checked = not stop_at_first and stats.samples >= samples and not usage.exhausted(cfg.budget())
    if found is not None:
        return Attempt(theorem, found[0], found[1], usage, "proved", sampled=stats)
    if policy is not None and best is not None and not usage.exhausted(cfg.budget()):
        stats.searched_from_step = len(best.tactics)
        result = search(env, policy, best.state, cfg, usage)
        if result.tactics is None:
            return Attempt(theorem, None, None, usage, result.stop_reason, graph=result.graph, sampled=stats)
        proof = Proof(theorem, best.tactics + tuple(result.tactics))
        verdict = env.verify(theorem, proof)
        error = None if verdict.ok else f"final check rejected the proof: {verdict.reason()}"
        return Attempt(theorem, proof, verdict, usage, result.stop_reason, error, result.graph, sampled=stats)
    reason = usage.exhausted(cfg.budget()) or ("samples" if stats.samples >= samples else "exhausted")
    return Attempt(theorem, None, None, usage, reason, sampled=stats)
