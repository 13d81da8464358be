"""Expert iteration: search the corpus with the current policy, learn from the verified proofs, repeat.

Round 0 evaluates the starting policy on the held-out set (with `learn.sft_steps` and original data: the
policy trained on the original data first, which rounds then build on). Round r >= 1:
  1. search the corpus problems not yet solved, plus a sample of solved ones (so their proofs can improve
     and the data keeps their variety), with the policy of round r-1;
  2. every verified proof's search graph gives (state, tactic) pairs and value targets (prover.learn.extract);
  3. train on the replay buffer (the original data at its share + every round's, or with `replace` the
     original data + the newest round's only), continuing from the run's policy so far;
  4. evaluate the new policy on the held-out set, and measure it on the run's fixed probe set
     (prover.learn.probe); write the round (prover.learn.rounds: atomic).
Every search of a round runs on the executor the CLI chose (prover.attempts: local, or Ray with
`--workers N`); its records and examples are written as they arrive, so `--resume` continues a round
killed half-way, and the learner trains on the driver.
The run's policy (what rounds continue from and DIR/policy links to) is the checkpoint with the best
held-out solve rate so far: continued training past a peak made the policy worse on the harder held-out
problems while it kept fitting the corpus (prop: 77% -> 67% -> 63% in rounds 2-4), so a round that does
not help is kept on disk but not built on. `learn.continue_from = "newest"` always takes the newest.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from prover.attempts import AttemptRecord, Executor, LocalExecutor, Problem, Task, run_settings
from prover.attempts.results import ResultsWriter, key
from prover.config import Config
from prover.core import Theorem
from prover.learn.buffer import Example, ReplayBuffer, write_examples
from prover.learn.extract import examples_from_graph
from prover.learn.metrics import diversity, shape_coverage, tactic_entropy
from prover.learn.probe import ProbeSet, build_probe, collapse_metrics
from prover.learn.rounds import Round, RunDir, policy_round

Log = Callable[[str], None]


@dataclass
class Found:
    """What an attempt left for learning, made where it ran: the examples of a verified proof's graph
    (and the graph itself, only when asked: it is large)."""

    examples: list[Example]
    graph: Any = None


def found_in(result: Any, source: str, max_negatives: int, keep_graph: bool = False, whole: bool = False) -> Found:
    """A Task's `collect`: examples only from proofs the final check accepted. `whole` (policy.mode whole or
    hybrid): the verified proof is also a (statement, whole proof) example, what a whole-proof model learns."""
    examples = []
    if result.proved and result.graph is not None:
        examples = examples_from_graph(result.graph, result.theorem.name, source, max_negatives)
    if whole and result.proved and result.proof is not None:
        from prover.policy.whole import whole_examples

        examples.append(Example(*whole_examples(result.theorem.statement, result.proof.tactics), 1.0, source,
                                result.theorem.name))
    return Found(examples, result.graph if keep_graph else None)


@dataclass
class Searched:
    """What searching a list of problems gave: one record per attempt (in the problems' order) and the
    examples found (in that order too, so the data does not depend on which worker finished first)."""

    results: list[AttemptRecord]
    examples: list[Example]
    graphs: list = field(default_factory=list)  # the search graphs, only when asked for (they are large)

    @property
    def records(self) -> list[dict]:
        return [r.to_json() for r in self.results]

    @property
    def proofs(self) -> list[list[str]]:
        return [r.tactics for r in self.results if r.proved]


def policy_cfg(cfg: Config, checkpoint: Path | None) -> Config:
    """The settings of a round's searches: its checkpoint, or the configured starting policy."""
    if checkpoint is None:
        return cfg
    return cfg.model_copy(update={"policy": cfg.policy.model_copy(update={"kind": str(checkpoint)})})


def policy_for(cfg: Config, checkpoint: Path | None):
    """The policy of a round: its checkpoint, or the configured starting policy before any training."""
    from prover.policy import make_policy

    return make_policy(policy_cfg(cfg, checkpoint))


def tasks_for(cfg: Config, theorems: Iterable[Theorem], source: str, keep_graphs: bool = False) -> list[Task]:
    collect = partial(found_in, source=source, max_negatives=cfg.learn.max_negatives, keep_graph=keep_graphs,
                      whole=cfg.policy.mode != "tactic")
    return [Task(Problem(t, source, source), 0, cfg, collect) for t in theorems]


def _progress(what: str, total: int, enabled: bool):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn(what), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[solved]} solved"),
                   TimeRemainingColumn(), transient=True, disable=not enabled)
    return bar, bar.add_task(what, total=total, solved=0)


def search_all(cfg: Config, policy, theorems: Sequence[Theorem], source: str, what: str,
               log: Log | None = None, keep_graphs: bool = False, executor: Executor | None = None) -> Searched:
    """One attempt per theorem on `executor` (default: here, with `policy`); in the theorems' order."""
    tasks = tasks_for(cfg, theorems, source, keep_graphs)
    owned = executor is None
    executor = LocalExecutor(cfg, policy) if executor is None else executor
    got: dict[tuple[str, int], AttemptRecord] = {}
    bar, task = _progress(what, len(tasks), log is not None)
    try:
        with bar:
            for record in executor.run(tasks):
                got[record.key] = record
                bar.update(task, advance=1, solved=sum(r.proved for r in got.values()))
    finally:
        if owned:
            executor.close()
    results = [got[(t.problem.name, 0)] for t in tasks]
    found = [r.collected or Found([]) for r in results]
    return Searched(results, [e for f in found for e in f.examples], [f.graph for f in found] if keep_graphs else [])


def search_durably(executor: Executor, cfg: Config, theorems: Sequence[Theorem], source: str, path: Path,
                   what: str, progress: bool) -> Searched:
    """search_all, written as it goes: each record to `path` (JSONL) as it arrives, its examples to
    `path`.examples.jsonl just before it, both flushed to disk. Run again on the same path (a resumed
    round), only the theorems without a record are searched; examples of a search whose record never made
    it to disk are dropped with it, and that search runs again."""
    ex_path = path.with_name(path.stem + ".examples.jsonl")
    records_out, examples_out = ResultsWriter(path, resume=True), ResultsWriter(ex_path, resume=True)
    done = records_out.done()
    got = {key(r): AttemptRecord.from_json(r) for r in records_out.existing}
    found = {key(r): [Example(**e) for e in r["examples"]] for r in examples_out.existing if key(r) in done}
    tasks = [t for t in tasks_for(cfg, theorems, source) if (t.problem.name, 0) not in done]
    bar, task = _progress(what, len(theorems), progress)
    with records_out, examples_out, bar:
        bar.update(task, completed=len(got), solved=sum(r.proved for r in got.values()))
        for record in executor.run(tasks):
            examples = record.collected.examples if record.collected is not None else []
            examples_out.write({"problem": record.problem, "attempt": record.attempt,
                                "examples": [e.to_json() for e in examples]})
            records_out.write(record)
            got[record.key], found[record.key] = record, examples
            bar.update(task, advance=1, solved=sum(r.proved for r in got.values()))
    keys = [(t.name, 0) for t in theorems]
    return Searched([got[k] for k in keys], [e for k in keys for e in found.get(k, [])])


def heldout_metrics(heldout: Sequence[Theorem], found: Searched) -> dict:
    solved = [r.proved for r in found.results]
    out: dict[str, Any] = {"heldout_problems": len(heldout), "heldout_solved": sum(solved),
           "heldout_solve_rate": round(sum(solved) / len(heldout), 4) if heldout else 0.0}
    cov = shape_coverage([t.statement for t in heldout], solved)
    out |= {f"heldout_{k}": v for k, v in cov.items()}
    out |= {f"heldout_{k}": v for k, v in diversity(found.proofs).items()}
    return out


class ExpertIteration:
    def __init__(self, cfg: Config, out: str | Path, corpus: Sequence[Theorem], heldout: Sequence[Theorem],
                 original: Sequence[Example] = (), log: Log | None = None, executor: Executor | None = None):
        self.cfg, self.run_dir = cfg, RunDir(out, cfg.learn.continue_from)
        self.executor = executor if executor is not None else LocalExecutor(cfg)  # the caller closes it
        self.corpus, self.heldout, self.original = list(corpus), list(heldout), list(original)
        self.log = log or (lambda _msg: None)
        self._show_progress = log is not None
        self.probe: ProbeSet | None = None

    def settings(self, corpus_name: str, heldout_name: str) -> dict:
        """What must not change between a run and its resumption."""
        c = self.cfg
        return {"corpus": corpus_name, "heldout": heldout_name, "corpus_size": len(self.corpus),
                "heldout_size": len(self.heldout), "replace": c.learn.replace, "env": c.env,
                "start_policy": c.policy.kind, "seed": c.learn.seed,
                # what changes a search's or a training's result (a half-searched round continues with it)
                "run": run_settings(c), "learn": c.learn.model_dump(mode="json", exclude={"rounds", "patience"}),
                "train": c.train.model_dump(mode="json")}

    def run(self, rounds: int, settings: dict, resume: bool = False) -> list[dict]:
        """Run until `rounds` rounds after round 0 are complete, or the held-out solve rate has stopped
        improving (`learn.patience`); returns every round's metrics."""
        self.run_dir.start(settings, self.original, resume)
        if resume:
            self.original = self.run_dir.original()
        self.probe = self._probe()
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

    def _probe(self) -> ProbeSet | None:
        """The run's probe set: built once (prop: the held-out teacher proofs need the prop env), then
        read back from DIR/probe.json every time, so every round is measured on the same states."""
        path = self.run_dir.root / "probe.json"
        if path.is_file():
            return ProbeSet.load(path)
        if self.cfg.env != "prop":
            return None
        probe = build_probe(self.heldout, self.cfg.learn.seed)
        probe.save(path)
        return probe

    def _collapse(self, checkpoint: Path | None, evaluated: Searched) -> dict:
        solved = {r.problem: r.proved for r in evaluated.results}
        proofs = {r.problem: r.tactics for r in evaluated.results if r.proved}
        return collapse_metrics(policy_for(self.cfg, checkpoint), self.probe, proofs, solved)

    # -- one round ----------------------------------------------------------------------------------

    def _search(self, tmp: Path, name: str, checkpoint: Path | None, theorems, source: str, what: str) -> Searched:
        return search_durably(self.executor, policy_cfg(self.cfg, checkpoint), theorems, source,
                              tmp / f"{name}.jsonl", what, self._show_progress)

    def _baseline(self) -> Round:
        started = time.monotonic()
        tmp = self.run_dir.begin(0)
        ckpt, sft = None, {}
        if self.cfg.learn.sft_steps > 0 and self.original:  # SFT on the original data first: round 0's policy
            trained, loss = self._train(tmp, self.original, None, 0, self.cfg.learn.sft_steps)
            ckpt = tmp / "policy" if trained else None
            sft = {"sft_steps": self.cfg.learn.sft_steps, "trained": trained, "train_loss": loss}
        found = self._search(tmp, "heldout", ckpt, self.heldout, "heldout", "round 0: held-out")
        metrics = {"round": 0, "train_problems": len(self.corpus), **sft, **heldout_metrics(self.heldout, found),
                   **self._collapse(ckpt, found),
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
        found = self._search(tmp, "search", prev_ckpt, picked, f"round-{number}", f"round {number}: search")
        write_examples(tmp / "data.jsonl", found.examples)
        now_solved = {r.theorem for r in found.results if r.proved}

        buffer = ReplayBuffer(self.original, [r.examples() for r in before if r.number > 0] + [found.examples],
                              replace=learn.replace, min_original_share=learn.min_original_share)
        examples = buffer.examples()
        trained, train_loss = self._train(tmp, examples, prev_ckpt, number)
        ckpt = tmp / "policy" if trained else prev_ckpt  # nothing to learn from: keep the policy
        evaluated = self._search(tmp, "heldout", ckpt, self.heldout, "heldout", f"round {number}: held-out")

        tactics = [ex.tactic for ex in examples if ex.tactic]
        ever = solved | now_solved
        metrics = {
            "round": number, "continued_from": base.number if base is not None else 0,
            "train_problems": len(self.corpus), "train_searched": len(picked), "train_solved": len(now_solved),
            "train_solve_rate": round(len(now_solved) / len(picked), 4) if picked else 0.0,
            "train_new_solved": len(now_solved - solved), "train_solved_ever": len(ever),
            "train_solved_ever_rate": round(len(ever) / len(self.corpus), 4) if self.corpus else 0.0,
            **{f"train_{k}": v for k, v in diversity(found.proofs).items()},
            **heldout_metrics(self.heldout, evaluated), **self._collapse(ckpt, evaluated),
            "buffer_examples": len(examples), "buffer_sources": buffer.sources(),
            "buffer_original_share": round(buffer.original_share(), 4),
            "buffer_distinct_tactics": len(set(tactics)),
            "buffer_tactic_entropy": round(tactic_entropy(tactics), 4),
            "trained": trained, "train_loss": train_loss,
            "env_calls": sum(r.stats.env_calls or 0 for r in found.results + evaluated.results),
            "seconds": round(time.monotonic() - started, 2),
        }
        self._report(metrics)
        return self.run_dir.commit(number, tmp, metrics)

    def _train(self, tmp: Path, examples: list[Example], prev: Path | None, number: int,
               steps: int | None = None) -> tuple[bool, float | None]:
        """Train the round's checkpoint into tmp/policy, once: tmp/trained.json says it is complete, so a
        resumed round does not train again (and a training cut short starts over, from the same seed)."""
        done = tmp / "trained.json"
        if done.is_file():
            row = json.loads(done.read_text(encoding="utf-8"))
            return row["trained"], row["train_loss"]
        shutil.rmtree(tmp / "policy", ignore_errors=True)
        result = (train_round(self.cfg, examples, tmp / "policy", prev, number, self._show_progress, steps)
                  if examples else None)
        loss = round(result.losses[-1][1], 4) if result is not None and result.losses else None
        done.write_text(json.dumps({"trained": result is not None, "train_loss": loss}) + "\n", encoding="utf-8")
        return result is not None, loss

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
                progress: bool, steps: int | None = None):
    """Train on a round's examples (`steps`, default learn.steps_per_round): from the previous round's
    checkpoint, else the starting checkpoint, else a new model from the train settings."""
    from prover.policy import policy_kind
    from prover.policy.train import train_sft

    steps = steps or cfg.learn.steps_per_round
    update: dict = {"steps": steps, "seed": cfg.train.seed + number, "save_every": steps}
    if prev is not None:
        update["init"] = str(prev)
    elif policy_kind(cfg) not in ("automation", "uniform"):
        update["init"] = cfg.policy.kind  # fine-tune the starting checkpoint
    return train_sft(list(examples), out, cfg.train.model_copy(update=update), cfg.policy, progress=progress)
