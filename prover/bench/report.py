"""Summaries of results files: solved by split, source and difficulty, pass@k, time and env calls; comparisons."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from statistics import mean
from typing import Any

from rich.console import Console
from rich.table import Table

from prover.attempts.record import AttemptRecord
from prover.attempts.results import key
from prover.bench.passk import ks_for, mean_pass_at_k


@dataclass
class ProblemResult:
    """Every attempt at one problem, folded."""

    name: str
    split: str | None
    source: str | None
    difficulty: str | None
    attempts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def _by_sample(self) -> bool:
        """Whole proofs with every sample checked (`--all-samples`): pass@k counts samples, not attempts."""
        return bool(self.attempts) and all((a.get("sampled") or {}).get("every_sample_checked")
                                           for a in self.attempts)

    @property
    def n(self) -> int:
        if self._by_sample:
            return sum(a["sampled"]["samples"] for a in self.attempts)
        return len(self.attempts)

    @property
    def c(self) -> int:
        if self._by_sample:
            return sum(a["sampled"]["verified"] for a in self.attempts)
        return sum(1 for a in self.attempts if a.get("proved"))

    @property
    def solved(self) -> bool:
        return self.c > 0

    @property
    def rejected(self) -> bool:
        """The verifier refused the statement itself: a fault of the row, not of the prover."""
        return any(str(a.get("error") or "").startswith("statement rejected") for a in self.attempts)

    @property
    def crashed(self) -> int:
        return sum(1 for a in self.attempts if a.get("stop_reason") == "crashed")


Records = list[dict[str, Any]] | list[AttemptRecord]


def rows(records: Records) -> list[dict[str, Any]]:
    """Records as the results file holds them: a run's typed records, or lines read back from a file."""
    return [r.to_json() if isinstance(r, AttemptRecord) else r for r in records]


def by_problem(records: Records) -> dict[str, ProblemResult]:
    """Records grouped by problem, in file order; a repeated (problem, attempt) keeps its last record."""
    latest = {key(r): r for r in rows(records)}
    out: dict[str, ProblemResult] = {}
    for (name, _), r in latest.items():
        if name not in out:
            out[name] = ProblemResult(name, r.get("split"), r.get("source"), r.get("difficulty"))
        out[name].attempts.append(r)
    return out


def _stat_mean(attempts: list[dict[str, Any]], stat: str) -> float | None:
    values = [a["stats"][stat] for a in attempts if (a.get("stats") or {}).get(stat) is not None]
    return round(mean(values), 4) if values else None


def _group(results: list[ProblemResult], ks: list[int]) -> dict[str, Any]:
    attempts = [a for p in results for a in p.attempts]
    solved = sum(1 for p in results if p.solved)
    counts = [(p.n, p.c) for p in results]
    return {
        "problems": len(results),
        "attempts": len(attempts),
        "solved": solved,
        "rate": round(solved / len(results), 4) if results else 0.0,
        "rejected": sum(1 for p in results if p.rejected),
        "crashed": sum(p.crashed for p in results),
        "pass_at_k": {str(k): _round(mean_pass_at_k(counts, k)) for k in ks},
        "mean_seconds": _stat_mean(attempts, "seconds"),
        "mean_env_calls": _stat_mean(attempts, "env_calls"),
    }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def summarize(records: Records) -> dict[str, Any]:
    """The summary `prover report --json` prints for one file."""
    records = rows(records)
    problems = list(by_problem(records).values())
    ks = ks_for(max((p.n for p in problems), default=0))
    summary: dict[str, Any] = {"all": _group(problems, ks)}
    for label in ("split", "source", "difficulty"):
        groups: dict[str, list[ProblemResult]] = defaultdict(list)
        for p in problems:
            value = getattr(p, label)
            if value is not None:
                groups[str(value)].append(p)
        summary[f"by_{label}"] = {g: _group(ps, ks) for g, ps in sorted(groups.items())}
    runs = [r["run"] for r in records if r.get("run")]
    summary["run"] = runs[0] if runs else None
    return summary


def compare(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> dict[str, Any]:
    """On the problems both files attempted: which each solved alone, both, neither."""
    pa, pb = by_problem(a), by_problem(b)
    common = [name for name in pa if name in pb]
    a_only = [n for n in common if pa[n].solved and not pb[n].solved]
    b_only = [n for n in common if pb[n].solved and not pa[n].solved]
    both = [n for n in common if pa[n].solved and pb[n].solved]
    return {"common": len(common), "both": len(both), "a_only": a_only, "b_only": b_only,
            "neither": len(common) - len(both) - len(a_only) - len(b_only),
            "a_solved": len(both) + len(a_only), "b_solved": len(both) + len(b_only)}


def console() -> Console:
    """stdout; when it is not a terminal (a pipe, a log), wide enough that tables do not fold."""
    out = Console()
    if not out.is_terminal:
        out.width = 160
    return out


def _fmt(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def brief_settings(run: dict[str, Any]) -> str:
    """A run's settings in one line a person reads: the env, then only what differs from the defaults."""
    from prover.attempts.record import run_settings
    from prover.config import Config

    defaults = run_settings(Config(env=run.get("env", "lean")))
    parts = [f"env {run.get('env')}"] if "env" in run else []
    for section, value in run.items():
        if section == "env":
            continue
        if isinstance(value, dict):
            base = defaults.get(section) or {}
            parts += [f"{section}.{k}={v}" for k, v in value.items() if base.get(k, object()) != v]
        elif defaults.get(section) != value:
            parts.append(f"{section}={value}")
    return ", ".join(parts)


def summary_table(title: str, summary: dict[str, Any]) -> Table:
    ks = list(summary["all"]["pass_at_k"])
    run = brief_settings(summary.get("run") or {})
    table = Table(title=title, title_justify="left", caption=run or None, caption_justify="left")
    for column in ("group", "problems", "solved", "%", "rejected", "crashed"):
        table.add_column(column, justify="left" if column == "group" else "right")
    for k in ks:
        table.add_column(f"pass@{k}", justify="right")
    table.add_column("mean s", justify="right")
    table.add_column("env calls", justify="right")

    def row(label: str, g: dict[str, Any], end_section: bool = False) -> None:
        table.add_row(label, str(g["problems"]), str(g["solved"]), f"{100 * g['rate']:.1f}", str(g["rejected"]),
                      str(g["crashed"]), *(_fmt(g["pass_at_k"][k], 3) for k in ks),
                      _fmt(g["mean_seconds"], 3), _fmt(g["mean_env_calls"], 1), end_section=end_section)

    row("all", summary["all"], end_section=True)
    for label in ("split", "source", "difficulty"):
        groups = summary[f"by_{label}"]
        for i, (name, g) in enumerate(groups.items()):
            row(f"{label}={name}", g, end_section=i == len(groups) - 1)
    return table


def compare_table(name_a: str, name_b: str, cmp: dict[str, Any]) -> Table:
    table = Table(title=f"{name_a} vs {name_b} on {cmp['common']} common problems", title_justify="left")
    table.add_column("")
    table.add_column(name_a, justify="right")
    table.add_column(name_b, justify="right")
    table.add_row("solved", str(cmp["a_solved"]), str(cmp["b_solved"]))
    table.add_row("solved by this one only", str(len(cmp["a_only"])), str(len(cmp["b_only"])))
    table.add_row("solved by both", str(cmp["both"]), str(cmp["both"]))
    table.add_row("solved by neither", str(cmp["neither"]), str(cmp["neither"]))
    return table


def only_lines(name_a: str, name_b: str, cmp: dict[str, Any], show: int = 12) -> list[str]:
    """`solved by A only: x, y, ... (N more)`, for each side that has any."""
    lines = []
    for name, only in ((name_a, cmp["a_only"]), (name_b, cmp["b_only"])):
        if only:
            more = f", ... ({len(only) - show} more)" if len(only) > show else ""
            lines.append(f"solved by {name} only: {', '.join(only[:show])}{more}")
    return lines
