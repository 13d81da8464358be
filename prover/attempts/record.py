"""The attempt record: what one attempt at one problem gave, as `prover bench` writes it, one line of JSON.

One schema, built in two places only: `AttemptRecord.of` (the attempt ran, whatever it found) and
`AttemptRecord.crashed` (it did not finish: its backend crashed, or its worker died twice).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from prover.attempts.problem import Problem
from prover.config import Config
from prover.core import Verdict
from prover.search.attempt import SampleStats


def run_settings(cfg: Config) -> dict[str, Any]:
    """Everything that changes an attempt's result, stored in every record and checked on resume: the env
    (and its settings), the whole policy section (kind, checkpoint, rank/candidates mode, sampling, seed),
    the whole search section (algorithm, budgets, seed) and the attempts per problem. Not in it: where and
    how fast it runs (workers, Ray, device, batch sizes)."""
    from prover.policy import policy_kind

    # Not the API key (a secret has no place in results files), nor how fast or where the model runs.
    policy = cfg.policy.model_dump(mode="json", exclude={"device", "batch_size", "trust_remote_code", "threads",
                                                         "endpoint_key", "endpoint_timeout"})
    policy["kind"] = policy_kind(cfg)
    out: dict[str, Any] = {"env": cfg.env, "policy": policy, "search": cfg.search.model_dump(mode="json"),
                           "attempts": cfg.bench.attempts}
    if cfg.env == "prop":
        out["prop"] = cfg.prop.model_dump(mode="json")
    else:
        out["lean"] = cfg.lean.model_dump(mode="json", include={"header", "timeout", "allowed_axioms",
                                                                "allow_native_decide"})
    return out


@dataclass(frozen=True)
class Stats:
    """What the attempt spent; None where it is not known (the work died with its worker)."""

    env_calls: int | None = None
    policy_calls: int | None = None
    nodes: int | None = None
    seconds: float | None = None


@dataclass
class AttemptRecord:
    problem: str
    attempt: int
    split: str | None
    source: str | None
    difficulty: str | None
    theorem: str
    proved: bool  # the final check passed: the only way a record says proved
    proof: str | None  # the proof as a Lean file, when proved
    tactics: list[str]  # what the search found, verified or not
    stats: Stats
    stop_reason: str  # "proved", "exhausted", a budget's name, "rejected" or "crashed"
    verdict: Verdict | None
    error: str | None
    run: dict[str, Any]  # run_settings of the run it belongs to
    sampled: SampleStats | None = None  # whole-proof and hybrid modes: what was sampled (pass@k's n, c)
    # What the task's `collect` made of the attempt where it ran (e.g. training examples); not written.
    collected: Any = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, problem: Problem, index: int, result: Any, run: dict[str, Any], collected: Any = None
           ) -> AttemptRecord:
        """From a finished prover.search.attempt.Attempt."""
        u, v = result.usage, result.verdict
        verdict = None if v is None else dataclasses.replace(v, source="")  # the source is the proof, above
        return cls(problem.name, index, problem.split, problem.source, problem.difficulty,
                   problem.theorem.statement, result.proved,
                   result.proof.render() if result.proved and result.proof else None,
                   list(result.proof.tactics) if result.proof else [],
                   Stats(u.env_calls, u.policy_calls, u.nodes, round(u.seconds, 4)),
                   result.stop_reason, verdict, result.error, run, result.sampled, collected)

    @classmethod
    def crashed(cls, problem: Problem, index: int, run: dict[str, Any], reason: str,
                seconds: float | None = None) -> AttemptRecord:
        """An attempt that did not finish; `reason` is the one-line cause."""
        return cls(problem.name, index, problem.split, problem.source, problem.difficulty,
                   problem.theorem.statement, False, None, [], Stats(seconds=seconds), "crashed", None,
                   f"attempt crashed: {reason}", run)

    @property
    def key(self) -> tuple[str, int]:
        return self.problem, self.attempt

    def to_json(self) -> dict[str, Any]:
        s, v = self.stats, self.verdict
        return ({
            "problem": self.problem, "attempt": self.attempt, "split": self.split, "source": self.source,
            "difficulty": self.difficulty, "theorem": self.theorem, "proved": self.proved, "proof": self.proof,
            "tactics": list(self.tactics),
            "stats": {"env_calls": s.env_calls, "policy_calls": s.policy_calls, "nodes": s.nodes,
                      "seconds": s.seconds},
            "stop_reason": self.stop_reason,
            "verdict": None if v is None else v.as_dict(),
            "error": self.error, "run": self.run,
        } | ({"sampled": dataclasses.asdict(self.sampled)} if self.sampled is not None else {}))

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> AttemptRecord:
        """A line of a results file (older files may lack fields: they read as unknown)."""
        stats, v, sampled = row.get("stats") or {}, row.get("verdict"), row.get("sampled")
        return cls(str(row.get("problem")), int(row.get("attempt", 0)), row.get("split"), row.get("source"),
                   row.get("difficulty"), row.get("theorem", ""), bool(row.get("proved")), row.get("proof"),
                   list(row.get("tactics") or []),
                   Stats(stats.get("env_calls"), stats.get("policy_calls"), stats.get("nodes"), stats.get("seconds")),
                   row.get("stop_reason", ""),
                   None if v is None else Verdict(bool(v.get("ok")), tuple(v.get("messages") or ()),
                                                  tuple(v.get("axioms") or ()), checks=tuple(v.get("checks") or ())),
                   row.get("error"), row.get("run") or {}, None if sampled is None else SampleStats(**sampled))
