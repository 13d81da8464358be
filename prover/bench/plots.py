"""PNG plots of results files: problems solved against the env-call budget, and the time per attempt.

Runs drawn together are compared on the problems common to all of them (a fraction over different
problem sets compares nothing); the title says how many problems that is and how many were left out.
If the runs share no problem, each is drawn over its own problems and the title says so.
Uses matplotlib's object API (no pyplot), so no global figure state and no display is needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from prover.bench.report import by_problem


def solved_within(records: list[dict[str, Any]]) -> tuple[list[int], list[float]]:
    """The curve (x, fraction of problems with a proved attempt that used at most x env calls), as steps."""
    problems = by_problem(records).values()
    total = len(problems)
    cheapest = sorted(
        min(a["stats"]["env_calls"] for a in p.attempts if a.get("proved") and a["stats"].get("env_calls") is not None)
        for p in problems
        if any(a.get("proved") and (a.get("stats") or {}).get("env_calls") is not None for a in p.attempts)
    )
    xs, ys = [0], [0.0]
    for i, calls in enumerate(cheapest, start=1):
        xs.append(calls)
        ys.append(i / total)
    budget = max((r.get("run") or {}).get("budget_steps") or 0 for r in records) if records else 0
    xs.append(max(budget, xs[-1]))
    ys.append(ys[-1])
    return xs, ys


Runs = list[tuple[str, list[dict[str, Any]]]]


def common_problems(runs: Runs) -> tuple[Runs, str]:
    """Each run's records restricted to the problems every run has, and a note for the title."""
    if len(runs) < 2:
        n = len(by_problem(runs[0][1])) if runs else 0
        return runs, f"{n} problems"
    names = [set(by_problem(records)) for _, records in runs]
    common = set.intersection(*names)
    left_out = len(set.union(*names) - common)
    if not common:
        return runs, "no problem in common: each run over its own problems, not comparable"
    kept = [(label, [r for r in records if str(r.get("problem")) in common]) for label, records in runs]
    note = f"{len(common)} problems common to all runs"
    return kept, note + (f" ({left_out} not in every run left out)" if left_out else "")


def plot_budget(runs: Runs, path: Path) -> Path:
    runs, note = common_problems(runs)
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.subplots()
    for label, records in runs:
        xs, ys = solved_within(records)
        ax.step(xs, ys, where="post", label=label)
    ax.set_xlabel("env calls per attempt (budget)")
    ax.set_ylabel("fraction of problems solved")
    ax.set_ylim(0, 1.02)
    ax.set_title(f"Solved within a budget\n{note}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    fig.savefig(path, dpi=120)
    return path


def plot_times(runs: Runs, path: Path) -> Path:
    runs, note = common_problems(runs)
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.subplots()
    for i, (label, records) in enumerate(runs):
        for proved, style in ((True, "-"), (False, ":")):
            seconds = sorted(r["stats"]["seconds"] for r in records
                             if bool(r.get("proved")) == proved and (r.get("stats") or {}).get("seconds") is not None)
            if seconds:
                fractions = [j / len(seconds) for j in range(len(seconds) + 1)]
                ax.step([seconds[0], *seconds], fractions, style, where="post", color=f"C{i}",
                        label=f"{label}: {'proved' if proved else 'not proved'} ({len(seconds)})")
    ax.set_xscale("symlog", linthresh=1e-3)
    ax.set_xlabel("seconds per attempt")
    ax.set_ylabel("fraction of attempts (cumulative)")
    ax.set_title(f"Time per attempt\n{note}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    fig.savefig(path, dpi=120)
    return path


def write_plots(runs: Runs, directory: Path, stem: str) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    return [plot_budget(runs, directory / f"{stem}.budget.png"), plot_times(runs, directory / f"{stem}.time.png")]
