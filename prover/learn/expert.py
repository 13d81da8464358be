"""Expert iteration: search the corpus with the current policy, learn from the verified proofs, repeat.

Round 0 evaluates the starting policy on the held-out set. Round r >= 1:
  1. search the corpus problems not yet solved, plus a sample of solved ones (so their proofs can improve
     and the data keeps their variety), with the policy of round r-1;
  2. every verified proof's search graph gives (state, tactic) pairs and value targets (prover.learn.extract);
  3. train on the replay buffer (the original data + every round's, or with `replace` the newest round's
     only), continuing from the run's policy so far;
  4. evaluate the new policy on the held-out set; write the round (prover.learn.rounds: atomic).
The run's policy (what rounds continue from and DIR/policy links to) is the checkpoint with the best
held-out solve rate so far: continued training past a peak made the policy worse on the harder held-out
problems while it kept fitting the corpus (prop: 77% -> 67% -> 63% in rounds 2-4), so a round that does
not help is kept on disk but not built on. `learn.continue_from = "newest"` always takes the newest.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from prover.config import Config
from prover.core import Theorem
from prover.learn.buffer import Example, ReplayBuffer, write_examples
from prover.learn.extract import examples_from_graph
from prover.learn.metrics import diversity, shape_coverage, tactic_entropy
from prover.learn.rounds import Round, RunDir, policy_round, write_jsonl

Log = Callable[[str], None]


@dataclass
class Searched:
    """What searching a list of problems gave: one JSON record per attempt, and the examples found."""

    records: list[dict]
    examples: list[Example]
    graphs: list = field(default_factory=list)  # the search graphs, only when asked for (they are large)

    @property
    def proofs(self) -> list[list[str]]:
        return [r["tactics"] for r in self.records if r["proved"]]


def policy_for(cfg: Config, checkpoint: Path | None):
    """The policy of a round: its checkpoint, or the configured starting policy before any training."""
    from prover.policy import make_policy

    if checkpoint is None:
        return make_policy(cfg)
    cfg = cfg.model_copy(deep=True)
    cfg.policy.kind = str(checkpoint)
    return make_policy(cfg)


def search_all(cfg: Config, policy, theorems: Sequence[Theorem], source: str, what: str,
               log: Log | None = None, keep_graphs: bool = False) -> Searched:
    """One attempt per theorem, in order, in one env; examples come from proofs the final check accepted."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from prover.env import make_env
    from prover.search.attempt import attempt

    records, examples, graphs = [], [], []
    env = make_env(cfg)
    try:
        with Progress(TextColumn(what), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[solved]} solved"),
                      transient=True, disable=log is None) as bar:
            task = bar.add_task(what, total=len(theorems), solved=0)
            for theorem in theorems:
                result = attempt(env, policy, theorem, cfg.search)
                record = result.to_json()
                record.pop("verdict", None)
                records.append(record)
                if result.proved and result.graph is not None:
                    examples += examples_from_graph(result.graph, theorem.name, source, cfg.learn.max_negatives)
                if keep_graphs:
                    graphs.append(result.graph)
                bar.update(task, advance=1, solved=sum(r["proved"] for r in records))
    finally:
        env.close()
    return Searched(records, examples, graphs)


def heldout_metrics(heldout: Sequence[Theorem], found: Searched) -> dict:
    solved = [r["proved"] for r in found.records]
    out = {"heldout_problems": len(heldout), "heldout_solved": sum(solved),
           "heldout_solve_rate": round(sum(solved) / len(heldout), 4) if heldout else 0.0}
    cov = shape_coverage([t.statement for t in heldout], solved)
    out |= {f"heldout_{k}": v for k, v in cov.items()}
    out |= {f"heldout_{k}": v for k, v in diversity(found.proofs).items()}
    return out


class ExpertIteration:
    def __init__(self, cfg: Config, out: str | Path, corpus: Sequence[Theorem], heldout: Sequence[Theorem],
                 original: Sequence[Example] = (), log: Log | None = None):
        self.cfg, self.run_dir = cfg, RunDir(out, cfg.learn.continue_from)
        self.corpus, self.heldout, self.original = list(corpus), list(heldout), list(original)
        self.log = log or (lambda _msg: None)
        self._show_progress = log is not None

    def settings(self, corpus_name: str, heldout_name: str) -> dict:
        """What must not change between a run and its resumption."""
        c = self.cfg
        return {"corpus": corpus_name, "heldout": heldout_name, "corpus_size": len(self.corpus),
                "heldout_size": len(self.heldout), "replace": c.learn.replace, "env": c.env,
                "start_policy": c.policy.kind, "seed": c.learn.seed}

    def run(self, rounds: int, settings: dict, resume: bool = False) -> list[dict]:
        """Run until `rounds` rounds after round 0 are complete, or the held-out solve rate has stopped
        improving (`learn.patience`); returns every round's metrics."""
        self.run_dir.start(settings, self.original, resume)
        if resume:
            self.original = self.run_dir.original()
        done = self.run_dir.complete_rounds()
        if done:
            self.log(f"resuming after round {done[-1].number}")
        if not done:
            done.append(self._baseline())
        while done[-1].number < rounds:
            stalled, patience = _rounds_without_gain(done), self.cfg.learn.patience
            if patience > 0 and stalled >= patience:
                self.log(f"stopping after round {done[-1].number}: the held-out solve rate has not improved for "
                         f"{stalled} round(s) (learn.patience)")
                break
            done.append(self._round(done[-1].number + 1, done))
        return [r.metrics for r in done]

    # -- one round ----------------------------------------------------------------------------------

    def _search(self, policy, theorems, source, what) -> Searched:
        return search_all(self.cfg, policy, theorems, source, what, self.log if self._show_progress else None)

    def _baseline(self) -> Round:
        started = time.monotonic()
        tmp = self.run_dir.begin(0)
        found = self._search(policy_for(self.cfg, None), self.heldout, "heldout", "round 0: held-out")
        write_jsonl(tmp / "heldout.jsonl", found.records)
        metrics = {"round": 0, "train_problems": len(self.corpus), **heldout_metrics(self.heldout, found),
                   "buffer_examples": len(self.original), "seconds": round(time.monotonic() - started, 2)}
        self._report(metrics)
        return self.run_dir.commit(0, tmp, metrics)

    def _pick(self, number: int, solved: set[str]) -> list[Theorem]:
        """Every unsolved problem, and a seeded sample of the solved ones."""
        unsolved = [t for t in self.corpus if t.statement not in solved]
        done = [t for t in self.corpus if t.statement in solved]
        rng = random.Random(self.cfg.learn.seed * 1_000_003 + number)
        again = rng.sample(done, min(len(done), math.ceil(self.cfg.learn.solved_sample * len(done))))
        return unsolved + again

    def _round(self, number: int, before: list[Round]) -> Round:
        started = time.monotonic()
        learn = self.cfg.learn
        base = policy_round(before, learn.continue_from)
        prev_ckpt = base.policy_dir if base is not None else None
        solved = set().union(*(r.proved("search") for r in before))
        tmp = self.run_dir.begin(number)

        picked = self._pick(number, solved)
        found = self._search(policy_for(self.cfg, prev_ckpt), picked, f"round-{number}", f"round {number}: search")
        write_jsonl(tmp / "search.jsonl", found.records)
        write_examples(tmp / "data.jsonl", found.examples)
        now_solved = {r["theorem"] for r in found.records if r["proved"]}

        buffer = ReplayBuffer(self.original, [r.examples() for r in before if r.number > 0] + [found.examples],
                              replace=learn.replace, min_original_share=learn.min_original_share)
        examples = buffer.examples()
        trained = (train_round(self.cfg, examples, tmp / "policy", prev_ckpt, number, self._show_progress)
                   if examples else None)
        ckpt = tmp / "policy" if trained is not None else prev_ckpt  # nothing to learn from: keep the policy
        evaluated = self._search(policy_for(self.cfg, ckpt), self.heldout, "heldout", f"round {number}: held-out")
        write_jsonl(tmp / "heldout.jsonl", evaluated.records)

        tactics = [ex.tactic for ex in examples if ex.tactic]
        ever = solved | now_solved
        metrics = {
            "round": number, "continued_from": base.number if base is not None else 0,
            "train_problems": len(self.corpus), "train_searched": len(picked), "train_solved": len(now_solved),
            "train_solve_rate": round(len(now_solved) / len(picked), 4) if picked else 0.0,
            "train_new_solved": len(now_solved - solved), "train_solved_ever": len(ever),
            "train_solved_ever_rate": round(len(ever) / len(self.corpus), 4) if self.corpus else 0.0,
            **{f"train_{k}": v for k, v in diversity(found.proofs).items()},
            **heldout_metrics(self.heldout, evaluated),
            "buffer_examples": len(examples), "buffer_sources": buffer.sources(),
            "buffer_distinct_tactics": len(set(tactics)),
            "buffer_tactic_entropy": round(tactic_entropy(tactics), 4),
            "trained": trained is not None,
            "train_loss": round(trained.losses[-1][1], 4) if trained is not None and trained.losses else None,
            "env_calls": sum(r["stats"]["env_calls"] for r in found.records + evaluated.records),
            "seconds": round(time.monotonic() - started, 2),
        }
        self._report(metrics)
        return self.run_dir.commit(number, tmp, metrics)

    def _report(self, m: dict) -> None:
        line = f"round {m['round']}: held-out {m['heldout_solved']}/{m['heldout_problems']}"
        if m["round"] > 0:
            line += (f", train {m['train_solved']}/{m['train_searched']} searched ({m['train_solved_ever']}/"
                     f"{m['train_problems']} ever), {m['buffer_examples']} examples, "
                     f"{m['heldout_distinct_tactics']} distinct tactics, entropy {m['heldout_tactic_entropy']:.2f}")
        self.log(line + f" ({m['seconds']:.0f}s)")


def _rounds_without_gain(done: list[Round]) -> int:
    """How many of the last rounds in a row did not beat the best held-out solve rate before them. Once a
    round fails to, the next one starts from the same policy, so its search mostly repeats."""
    rates = [r.metrics.get("heldout_solve_rate", 0.0) for r in done]
    count = 0
    for i in range(len(rates) - 1, 0, -1):
        if rates[i] > max(rates[:i]):
            break
        count += 1
    return count


def train_round(cfg: Config, examples: Sequence[Example], out: Path, prev: Path | None, number: int,
                progress: bool):
    """Train on a round's examples: from the previous round's checkpoint, else the starting checkpoint,
    else a new model from the train settings."""
    from prover.policy import policy_kind
    from prover.policy.train import train_sft

    update: dict = {"steps": cfg.learn.steps_per_round, "seed": cfg.train.seed + number,
                    "save_every": cfg.learn.steps_per_round}
    if prev is not None:
        update["init"] = str(prev)
    elif policy_kind(cfg) not in ("automation", "uniform"):
        update["init"] = cfg.policy.kind  # fine-tune the starting checkpoint
    return train_sft(list(examples), out, cfg.train.model_copy(update=update), cfg.policy, progress=progress)
