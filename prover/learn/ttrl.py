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

With an executor (`--workers N`, `--ray-address`), a round's candidates are searched there, as many at
once as the budget left holds at their full `ttrl_variant_steps` each, then the negations of those not
proved; without one they are searched here, one at a time. Either way a candidate's outcome is decided by
`_outcome`, so the two paths keep and refuse the same candidates.

OUT/ttrl.jsonl gets one line per round as it ends; OUT/round-K/policy is the checkpoint trained in round K.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prover.config import Config
from prover.core import ProverError, Theorem
from prover.learn.buffer import Example, dedup
from prover.learn.extract import examples_from_graph
from prover.learn.variants import PropVariants, Variant, VariantSource

if TYPE_CHECKING:
    from prover.attempts import AttemptRecord, Executor

Log = Callable[[str], None]


def _source(v: Variant) -> str:
    return "ttrl-lemma" if v.curriculum else "ttrl-variant"


@dataclass(frozen=True)
class _Searched:
    """One candidate search, searched here (an Attempt) or on an executor (its record): what deciding the
    candidate's fate needs."""

    rejected: bool
    proved: bool
    tactics: list[str]
    examples: list[Example]
    env_calls: int

    @classmethod
    def of(cls, result: Any, v: Variant, max_negatives: int) -> _Searched:
        proved = bool(result.proved and result.proof is not None)
        examples = (examples_from_graph(result.graph, result.theorem.name, _source(v), max_negatives)
                    if proved else [])
        return cls(result.stop_reason == "rejected", proved, list(result.proof.tactics) if proved else [], examples,
                   result.usage.env_calls)

    @classmethod
    def of_record(cls, record: AttemptRecord) -> _Searched:
        examples = record.collected.examples if record.proved and record.collected is not None else []
        return cls(record.stop_reason == "rejected", record.proved, list(record.tactics) if record.proved else [],
                   examples, record.stats.env_calls or 0)


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
                 source: VariantSource | None = None, log: Log | None = None, executor: Executor | None = None) -> None:
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
        self.executor = executor
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
        first = _Searched.of(self._attempt(policy, v.theorem, min(learn.ttrl_variant_steps, self.meter.left() - reserve)),
                             v, learn.max_negatives)
        negated = None
        if not first.rejected and not first.proved and v.negation is not None and self.meter.left() - reserve >= 2:
            result = self._attempt(policy, v.negation, min(learn.ttrl_variant_steps, self.meter.left() - reserve))
            negated = _Searched.of(result, v, learn.max_negatives)
        return self._outcome(v, first, negated, self.meter.spent - spent)

    def _outcome(self, v: Variant, first: _Searched, negated: _Searched | None, env_calls: int
                 ) -> tuple[Tried, list[Example]]:
        """A candidate's fate from its search (and its negation's): the difficulty band and the statuses."""
        if first.rejected:
            return Tried(v, "rejected", [], env_calls), []
        result, status = first, "not_proved"
        if not first.proved and negated is not None and negated.proved:
            result, status = negated, "refuted"
        if not result.proved:
            return Tried(v, status, [], env_calls), []
        if len(result.tactics) < self.cfg.learn.ttrl_min_tactics:
            return Tried(v, "too_easy", result.tactics, env_calls), []
        return Tried(v, "kept" if status == "not_proved" else status, result.tactics, env_calls), result.examples

    def _try_on_executor(self, policy_cfg: Config, candidates: list[Variant], reserve: int
                         ) -> list[tuple[Tried, list[Example]]]:
        """The candidates on the executor: as many as the budget left holds at their full variant budget,
        all at once; then, the same way, the negations of those not proved."""
        from prover.attempts import Problem, Task
        from prover.learn.expert import found_in

        learn = self.cfg.learn
        steps = learn.ttrl_variant_steps
        batch = candidates[:max(0, (self.meter.left() - reserve) // steps)]
        scfg = policy_cfg.model_copy(update={"search": policy_cfg.search.model_copy(update={"budget_steps": steps})})

        executor = self.executor
        assert executor is not None

        def run(theorems: list[tuple[Variant, Theorem]]) -> list[_Searched]:
            tasks = [Task(Problem(t, "ttrl", "ttrl"), 0, scfg, partial(found_in, source=_source(v),
                                                                      max_negatives=learn.max_negatives))
                     for v, t in theorems]
            got = {r.key: r for r in executor.run(tasks)} if tasks else {}
            out = [_Searched.of_record(got[(task.problem.name, 0)]) for task in tasks]
            self.meter.spent += sum(s.env_calls for s in out)
            return out

        firsts = run([(v, v.theorem) for v in batch])
        retry = [(v, v.negation) for v, s in zip(batch, firsts, strict=True)
                 if not s.rejected and not s.proved and v.negation is not None]
        retry = retry[:max(0, (self.meter.left() - reserve) // steps)]
        negations = dict(zip([v.key for v, _ in retry], run(retry), strict=True))
        out = []
        for v, first in zip(batch, firsts, strict=True):
            negated = negations.get(v.key)
            out.append(self._outcome(v, first, negated, first.env_calls + (negated.env_calls if negated else 0)))
        return out

    # -- the loop -----------------------------------------------------------------------------------

    def run(self, target: Theorem) -> TTRLResult:
        from prover.learn.expert import policy_cfg, policy_for, train_round

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
            tried, found = self._round(policy, policy_cfg(self.cfg, ckpt), target, result.graph, seen, k)
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

    def _round(self, policy, policy_cfg: Config, target: Theorem, graph, seen: set, k: int
               ) -> tuple[list[Tried], list[Example]]:
        learn = self.cfg.learn
        before = self.source.env_calls()
        made = self.source.variants(target, learn.ttrl_variants, learn.seed + k)
        lemmas = self.source.lemmas(target, graph, learn.ttrl_lemmas)
        self.meter.spent += self.source.env_calls() - before  # extract_goal requests
        tried, found = [], []
        reserve = self.cfg.search.budget_steps * (learn.ttrl_rounds - k)  # the target's searches still to come
        if self.executor is not None:
            fresh = []
            for v in made + lemmas:
                if v.key not in seen:
                    seen.add(v.key)
                    fresh.append(v)
            for t, ex in self._try_on_executor(policy_cfg, fresh, reserve):
                tried.append(t)
                found += ex
            return tried, found
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
                 replay: Sequence[Example] = (), log: Log | None = None, executor: Executor | None = None
                 ) -> TTRLResult:
    """One TTRL run on `target` (any env); `data` adds original (state, tactic) examples to the replay.
    Candidates are searched on `executor`, or on one made here from `--workers N` / `--ray-address`."""
    from prover.attempts import make_executor
    from prover.learn.corpus import original_examples

    owned = executor is None and (cfg.ray.workers > 1 or cfg.ray.address is not None)
    if owned:
        executor = make_executor(cfg)
    try:
        run = TestTimeRL(cfg, out, env=env, replay=list(replay) + original_examples(data), log=log,
                         executor=executor)
        try:
            return run.run(target)
        finally:
            run.close()
    finally:
        if owned and executor is not None:
            executor.close()
