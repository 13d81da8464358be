"""Test-time RL on one hard target, on any ProofEnv, inside one budget of env calls and wall seconds.

A round: search the target with the round's policy; if that fails, make candidates (prover.learn.variants:
variants of the statement, and the failed search's deepest open states as stand-alone lemmas), open each in
the env (`env.open` elaborates it; a rejected one is dropped), search it, and keep it only when proved (or,
for a refutable one, its negation proved) in at least `learn.ttrl_min_tactics` tactics: the difficulty band,
whose upper edge is the variant's search budget (`learn.ttrl_variant_steps`). Lemmas are curriculum: trained
on, never counted as variants. Then train (from the round's policy) on the kept proofs mixed with the
replay/original examples at `learn.ttrl_replay_share`, so the policy does not forget what it knew, and
search the target again with the new policy; up to `learn.ttrl_rounds` rounds. Each search of the target
gets `search.budget_steps` env calls, except the last round's, which may spend all the budget left.

Every env call counts against `learn.ttrl_budget_steps` (opens, tactic steps, `extract_goal` requests; the
final whole-proof check is not a search step and is not counted, as everywhere else) and the run stops at
`learn.ttrl_timeout` wall seconds, training included.

OUT/ttrl.jsonl gets one line per round as it ends; OUT/round-K/policy is the checkpoint trained in round K.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from prover.config import Config
from prover.core import ProverError, Theorem
from prover.learn.buffer import Example, dedup
from prover.learn.extract import examples_from_graph
from prover.learn.variants import PropVariants, Variant, VariantSource

Log = Callable[[str], None]


@dataclass
class Meter:
    """The whole run's spending against its budget: env calls and wall seconds."""

    env_calls: int
    seconds: float | None
    spent: int = 0
    started: float = field(default_factory=time.monotonic)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def left(self) -> int:
        return self.env_calls - self.spent

    def seconds_left(self) -> float | None:
        return None if self.seconds is None else self.seconds - self.elapsed()

    def out(self) -> str | None:
        if self.left() < 2:  # an attempt is at least an open and a step
            return "env_calls"
        if (s := self.seconds_left()) is not None and s <= 0:
            return "seconds"
        return None


@dataclass
class Tried:
    """One candidate's outcome."""

    variant: Variant
    status: str  # "kept" | "refuted" | "too_easy" | "not_proved" | "rejected"
    tactics: list[str]
    env_calls: int

    def to_json(self) -> dict:
        return {"name": self.variant.theorem.name, "statement": self.variant.theorem.statement,
                "kind": self.variant.kind, "curriculum": self.variant.curriculum, "status": self.status,
                "tactics": self.tactics, "env_calls": self.env_calls}


@dataclass
class TTRLResult:
    target: Theorem
    proved: bool
    tactics: list[str]
    env_calls: int
    seconds: float
    rounds: list[dict]
    checkpoint: Path | None  # the last policy trained, None when none was
    stop_reason: str  # "proved" | "rounds" | "nothing_learned" | "env_calls" | "seconds"

    def to_json(self) -> dict:
        return {"target": self.target.statement, "name": self.target.name, "proved": self.proved,
                "tactics": self.tactics, "env_calls": self.env_calls, "seconds": round(self.seconds, 2),
                "trained_rounds": sum(1 for r in self.rounds if r.get("trained")), "stop_reason": self.stop_reason,
                "checkpoint": None if self.checkpoint is None else str(self.checkpoint), "rounds": self.rounds}


def variant_source(cfg: Config, env) -> VariantSource:
    """The backend's variant maker; for Lean with the formaliser's model when one is configured."""
    if cfg.env == "prop":
        return PropVariants()
    from prover.learn.lean_variants import LeanVariants

    generator = None
    if cfg.formalize.model or cfg.formalize.endpoint:
        from prover.formalize.generate import make_generator

        generator = make_generator(cfg)
    return LeanVariants(env, generator, cfg.learn.ttrl_model_samples)


def mix(new: Sequence[Example], replay: Sequence[Example], share: float, seed: int) -> list[Example]:
    """The new examples plus replay examples drawn (seeded) to make `share` of the whole; all the replay
    examples once when there are fewer than that, repeated when more are needed."""
    new = dedup(new)
    replay = dedup(replay)
    if not replay or share <= 0:
        return list(new)
    want = round(share / (1 - share) * len(new)) if new else len(replay)
    rng = random.Random(seed)
    picked = rng.sample(replay, min(want, len(replay)))
    while len(picked) < want:
        picked += rng.sample(replay, min(want - len(picked), len(replay)))
    return list(new) + picked


class TestTimeRL:
    __test__ = False  # not a pytest class, whatever its name

    def __init__(self, cfg: Config, out: str | Path, *, env=None, replay: Sequence[Example] = (),
                 source: VariantSource | None = None, log: Log | None = None) -> None:
        from prover.env import make_env

        self.cfg, self.out = cfg, Path(out)
        if self.out.exists() and any(self.out.iterdir()):
            raise ProverError(f"{self.out} is not empty; choose a new directory for the test-time RL run")
        self.out.mkdir(parents=True, exist_ok=True)
        self._own_env = env is None
        self.env = make_env(cfg) if env is None else env
        self.replay = list(replay)
        self.source = source or variant_source(cfg, self.env)
        self.say = log or (lambda _m: None)
        learn = cfg.learn
        self.meter = Meter(learn.ttrl_budget_steps, learn.ttrl_timeout)

    def close(self) -> None:
        if self._own_env:
            self.env.close()

    # -- searching inside the budget ----------------------------------------------------------------

    def _attempt(self, policy, theorem: Theorem, steps: int):
        from prover.search.attempt import attempt

        calls = min(steps, self.meter.left())
        timeout = self.cfg.search.timeout
        if (left := self.meter.seconds_left()) is not None:
            timeout = max(0.01, left if timeout is None else min(timeout, left))
        scfg = self.cfg.search.model_copy(update={"budget_steps": calls, "timeout": timeout})
        result = attempt(self.env, policy, theorem, scfg)
        self.meter.spent += result.usage.env_calls
        return result

    def _try(self, policy, v: Variant, reserve: int) -> tuple[Tried, list[Example]]:
        learn = self.cfg.learn
        spent = self.meter.spent
        result = self._attempt(policy, v.theorem, min(learn.ttrl_variant_steps, self.meter.left() - reserve))
        if result.stop_reason == "rejected":
            return Tried(v, "rejected", [], self.meter.spent - spent), []
        status = "not_proved"
        if not result.proved and v.negation is not None and self.meter.left() - reserve >= 2:
            negated = self._attempt(policy, v.negation, min(learn.ttrl_variant_steps, self.meter.left() - reserve))
            if negated.proved:
                result, status = negated, "refuted"
        tactics = list(result.proof.tactics) if result.proved and result.proof else []
        if result.proved:
            if len(tactics) < learn.ttrl_min_tactics:
                return Tried(v, "too_easy", tactics, self.meter.spent - spent), []
            status = "kept" if status == "not_proved" else status
            source = "ttrl-lemma" if v.curriculum else "ttrl-variant"
            found = examples_from_graph(result.graph, result.theorem.name, source, learn.max_negatives)
            return Tried(v, status, tactics, self.meter.spent - spent), found
        return Tried(v, status, tactics, self.meter.spent - spent), []

    # -- the loop -----------------------------------------------------------------------------------

    def run(self, target: Theorem) -> TTRLResult:
        from prover.learn.expert import policy_for, train_round

        learn = self.cfg.learn
        target_key = self.source.key(target)
        seen = {target_key} if target_key is not None else set()
        ckpt: Path | None = None
        rows: list[dict] = []
        learned: list[Example] = []
        stop, tactics, proved = "rounds", [], False
        for k in range(learn.ttrl_rounds + 1):
            if (why := self.meter.out()) is not None:
                stop = why
                break
            policy = policy_for(self.cfg, ckpt)
            last = k == learn.ttrl_rounds  # the last search of the target may spend all that is left
            result = self._attempt(policy, target, self.meter.left() if last else self.cfg.search.budget_steps)
            if result.stop_reason == "rejected":
                raise ProverError(result.error or "statement rejected")
            row: dict = {"round": k, "target_proved": result.proved, "target_env_calls": result.usage.env_calls}
            if result.proved:
                assert result.proof is not None  # a proved attempt carries its proof
                proved, tactics, stop = True, list(result.proof.tactics), "proved"
                self._write(rows, row)
                self.say(f"round {k}: target proved")
                break
            if k == learn.ttrl_rounds:
                self._write(rows, row)
                self.say(f"round {k}: target not proved; no rounds left")
                break
            tried, found = self._round(policy, target, result.graph, seen, k)
            learned += found
            counts = _counts(tried)
            row |= counts | {"candidates": [t.to_json() for t in tried]}
            self.say(f"round {k}: target not proved; variants {counts['variants_kept']}/{counts['variants']} kept, "
                     f"lemmas {counts['lemmas_kept']}/{counts['lemmas']}, {self.meter.spent} env calls so far")
            if not found or self.meter.out() == "seconds":
                stop = self.meter.out() or "nothing_learned"
                self._write(rows, row)
                break
            data = mix(learned, self.replay, learn.ttrl_replay_share, learn.seed + k)
            trained = self.out / f"round-{k}" / "policy"
            tcfg = self.cfg.model_copy(deep=True)
            tcfg.learn.steps_per_round = learn.ttrl_train_steps
            if train_round(tcfg, data, trained, ckpt, k, False) is not None:
                ckpt = trained
            row |= {"trained": ckpt == trained, "train_examples": len(data), "replay_examples": len(data) - len(dedup(learned))}
            self._write(rows, row)
        return TTRLResult(target, proved, tactics, self.meter.spent, self.meter.elapsed(), rows, ckpt, stop)

    def _round(self, policy, target: Theorem, graph, seen: set, k: int) -> tuple[list[Tried], list[Example]]:
        learn = self.cfg.learn
        before = self.source.env_calls()
        made = self.source.variants(target, learn.ttrl_variants, learn.seed + k)
        lemmas = self.source.lemmas(target, graph, learn.ttrl_lemmas)
        self.meter.spent += self.source.env_calls() - before  # extract_goal requests
        tried, found = [], []
        reserve = self.cfg.search.budget_steps * (learn.ttrl_rounds - k)  # the target's searches still to come
        for v in made + lemmas:
            if v.key in seen:  # tried in an earlier round, or made twice
                continue
            if self.meter.out() is not None or self.meter.left() - reserve < 2:
                break
            seen.add(v.key)
            t, ex = self._try(policy, v, reserve)
            tried.append(t)
            found += ex
        return tried, found

    def _write(self, rows: list[dict], row: dict) -> None:
        row["env_calls"], row["seconds"] = self.meter.spent, round(self.meter.elapsed(), 2)
        rows.append(row)
        with open(self.out / "ttrl.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _counts(tried: list[Tried]) -> dict:
    var = [t for t in tried if not t.variant.curriculum]
    lem = [t for t in tried if t.variant.curriculum]
    good = ("kept", "refuted")
    return {"variants": len(var), "variants_elaborated": sum(t.status != "rejected" for t in var),
            "variants_kept": sum(t.status in good for t in var), "variants_refuted": sum(t.status == "refuted" for t in var),
            "variants_too_easy": sum(t.status == "too_easy" for t in var),
            "lemmas": len(lem), "lemmas_kept": sum(t.status in good for t in lem)}


def test_time_rl(cfg: Config, target: Theorem, out: str | Path, data: str | None = None, *, env=None,
                 replay: Sequence[Example] = (), log: Log | None = None) -> TTRLResult:
    """One TTRL run on `target` (any env); `data` adds original (state, tactic) examples to the replay."""
    from prover.learn.corpus import original_examples

    run = TestTimeRL(cfg, out, env=env, replay=list(replay) + original_examples(data), log=log)
    try:
        return run.run(target)
    finally:
        run.close()
