"""A training run on disk. Each round is written to a temporary directory and renamed into place, so a
round either exists completely or not at all, and `--resume` continues after the last complete one.

    DIR/run.json                  what the run is (corpus, held-out set, buffer mode); checked on resume
    DIR/original.jsonl            the original examples, always part of the accumulating buffer
    DIR/rounds/round-0000/        the starting point: the held-out evaluation of the initial policy
    DIR/rounds/round-000N/        data.jsonl (examples found), search.jsonl, heldout.jsonl (attempt
                                  records, written as they arrive, and their examples beside them),
                                  trained.json, metrics.json, policy/ (the checkpoint trained this round)
    DIR/rounds/.round-000N.tmp/   the round in progress; `--resume` continues it
    DIR/metrics.jsonl             one line a round, rebuilt from the round directories after each round
    DIR/solved.png diversity.png proof_lengths.png
    DIR/policy                    link to the run's policy (what `--policy DIR/policy` loads): the
                                  checkpoint with the best held-out solve rate (the newest of equals),
                                  or with `learn.continue_from = "newest"` the newest
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prover.core import ProverError
from prover.learn.buffer import Example, read_examples

_PREFIX = "round-"


def _write_json(path: Path, obj: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass(frozen=True)
class Round:
    number: int
    path: Path

    @property
    def metrics(self) -> dict:
        return json.loads((self.path / "metrics.json").read_text(encoding="utf-8"))

    @property
    def policy_dir(self) -> Path | None:
        p = self.path / "policy"
        return p if p.is_dir() else None

    def examples(self) -> list[Example]:
        p = self.path / "data.jsonl"
        return read_examples(p, source=f"round-{self.number}") if p.is_file() else []

    def proved(self, which: str = "search") -> set[str]:
        """The statements proved in this round's search (or held-out evaluation)."""
        return {r["theorem"] for r in read_jsonl(self.path / f"{which}.jsonl") if r.get("proved")}


def policy_round(rounds: list[Round], rule: str = "best") -> Round | None:
    """The round whose checkpoint is the run's policy so far: the best held-out solve rate (the newest of
    equals, having seen the most data), or the newest; None before any checkpoint."""
    trained = [r for r in rounds if r.policy_dir is not None]
    if not trained or rule == "newest":
        return trained[-1] if trained else None
    return max(reversed(trained), key=lambda r: r.metrics.get("heldout_solve_rate", 0.0))


class RunDir:
    """The run directory: its settings, its complete rounds, and the one way a round gets written."""

    def __init__(self, root: str | Path, rule: str = "best"):
        self.root = Path(root)
        self.rounds_dir = self.root / "rounds"
        self.rule = rule  # which checkpoint is the run's policy: see policy_round

    def start(self, settings: dict, original: list[Example], resume: bool) -> None:
        """A fresh run refuses a directory that already holds one; a resumed run must match its settings."""
        run_json = self.root / "run.json"
        if resume:
            if not run_json.is_file():
                raise ProverError(f"nothing to resume in {self.root} (no run.json); run without --resume")
            before = json.loads(run_json.read_text(encoding="utf-8"))
            changed = sorted(k for k in settings if before.get(k) != settings[k])
            if changed:
                raise ProverError(f"--resume with different settings than {run_json}: {', '.join(changed)}")
            return  # a round a crash left half-done (.round-N.tmp) is continued by `begin`
        if run_json.exists() or self.complete_rounds():
            raise ProverError(f"{self.root} already holds a training run; use --resume or another --out")
        self.rounds_dir.mkdir(parents=True, exist_ok=True)
        from prover.learn.buffer import write_examples

        write_examples(self.root / "original.jsonl", original)
        _write_json(run_json, settings)

    def original(self) -> list[Example]:
        p = self.root / "original.jsonl"
        return read_examples(p) if p.is_file() else []

    def complete_rounds(self) -> list[Round]:
        if not self.rounds_dir.is_dir():
            return []
        out = []
        for p in self.rounds_dir.iterdir():
            if p.name.startswith(_PREFIX) and (p / "metrics.json").is_file():
                out.append(Round(int(p.name[len(_PREFIX):]), p))
        return sorted(out, key=lambda r: r.number)

    def begin(self, number: int) -> Path:
        """The temporary directory of round `number`; nothing in it counts until `commit`. What a killed
        run left there (the records of searches that finished, a complete training) is kept: the round
        goes on from it, each part of it written so that it can (prover.learn.expert)."""
        tmp = self.rounds_dir / f".{_PREFIX}{number:04d}.tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        return tmp

    def commit(self, number: int, tmp: Path, metrics: dict) -> Round:
        """metrics.json last, then one rename: the round is complete exactly when its directory exists."""
        _write_json(tmp / "metrics.json", metrics)
        final = self.rounds_dir / f"{_PREFIX}{number:04d}"
        os.rename(tmp, final)
        self._refresh()
        return Round(number, final)

    def _refresh(self) -> None:
        """Derived files, rebuilt from the complete rounds, so they are never ahead of them."""
        rounds = self.complete_rounds()
        rows = [r.metrics for r in rounds]
        tmp = self.root / "metrics.jsonl.tmp"
        write_jsonl(tmp, rows)
        os.replace(tmp, self.root / "metrics.jsonl")
        chosen = policy_round(rounds, self.rule)
        if chosen is not None and chosen.policy_dir is not None:  # policy_round picks trained rounds only
            link = self.root / "policy"
            tmp_link = self.root / ".policy.tmp"
            if tmp_link.is_symlink() or tmp_link.exists():
                tmp_link.unlink()
            tmp_link.symlink_to(chosen.policy_dir.relative_to(self.root))
            os.replace(tmp_link, link)
        from prover.learn.plots import plot_rounds

        plot_rounds(rows, self.root)
