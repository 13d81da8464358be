"""`prover report`: the summary table, pass@k, PNG plots, and two files compared side by side."""

from __future__ import annotations

import json

from prover.bench.plots import solved_within
from prover.bench.report import compare, summarize
from prover.cli import main

RUN = {"env": "prop", "policy": "uniform", "search": "mcts", "budget_steps": 100, "timeout": 600.0}


def rec(problem, attempt, proved, calls, split="easy", source="prop", seconds=0.5, error=None):
    return {"problem": problem, "attempt": attempt, "split": split, "source": source, "difficulty": split,
            "proved": proved, "proof": "..." if proved else None, "tactics": [], "verdict": None,
            "stats": {"env_calls": calls, "policy_calls": 1, "nodes": calls, "seconds": seconds},
            "stop_reason": "proved" if proved else "env_calls", "error": error, "run": RUN}


A = [  # p1 proved twice, p2 once of two, p3 never, p4 rejected
    rec("p1", 0, True, 10), rec("p1", 1, True, 30),
    rec("p2", 0, False, 100, split="hard"), rec("p2", 1, True, 60, split="hard", seconds=2.0),
    rec("p3", 0, False, 100, split="hard"), rec("p3", 1, False, 100, split="hard"),
    rec("p4", 0, False, 0, error="statement rejected: bad"), rec("p4", 1, False, 0, error="statement rejected: bad"),
]
B = [rec("p1", 0, False, 100), rec("p2", 0, True, 5, split="hard"), rec("p3", 0, True, 50, split="hard"),
     rec("p9", 0, True, 1)]


def write(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def test_summary_counts_pass_at_k_and_groups():
    s = summarize(A)
    assert s["all"]["problems"] == 4 and s["all"]["attempts"] == 8
    assert s["all"]["solved"] == 2 and s["all"]["rate"] == 0.5 and s["all"]["rejected"] == 1
    assert s["all"]["pass_at_k"] == {"1": (1 + 0.5 + 0 + 0) / 4, "2": 0.5}
    assert s["by_split"]["hard"]["solved"] == 1 and s["by_split"]["hard"]["problems"] == 2
    assert s["by_split"]["easy"]["pass_at_k"]["1"] == 0.5  # p1 1.0, p4 0.0
    assert s["all"]["mean_env_calls"] == (10 + 30 + 100 + 60 + 100 + 100) / 8
    assert s["run"] == RUN


def test_solved_within_budget_curve():
    xs, ys = solved_within(A)
    assert (xs, ys) == ([0, 10, 60, 100], [0.0, 0.25, 0.5, 0.5])  # cheapest proof per problem; up to the budget


def test_compare_same_problems():
    c = compare(A, B)
    assert c["common"] == 3 and c["a_only"] == ["p1"] and c["b_only"] == ["p3"] and c["both"] == 1
    assert c["neither"] == 0


def test_report_cli_table_plots_and_comparison(tmp_path, capsys):
    a, b = write(tmp_path / "a.jsonl", A), write(tmp_path / "b.jsonl", B)
    with open(a, "a") as f:
        f.write('{"problem": "p5", "attem')  # a torn last line is ignored
    assert main(["report", a]) == 0
    out = capsys.readouterr().out
    assert "pass@1" in out and "pass@2" in out and "split=hard" in out and "source=prop" in out
    assert (tmp_path / "a.budget.png").stat().st_size > 1000 and (tmp_path / "a.time.png").stat().st_size > 1000

    plots = tmp_path / "plots"
    assert main(["report", a, b, "--plots", str(plots)]) == 0
    out = capsys.readouterr().out
    assert "a vs b on 3 common problems" in out and "p3" in out
    assert sorted(p.name for p in plots.iterdir()) == ["a+b.budget.png", "a+b.time.png"]

    assert main(["report", a, b, "--json", "--no-plots"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [f["summary"]["all"]["solved"] for f in report["files"]] == [2, 3]
    assert report["compare"][0]["a_only"] == ["p1"] and report["plots"] == []


def test_report_errors_are_one_line(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing.jsonl")]) == 2
    assert "no such results file" in capsys.readouterr().err
    (tmp_path / "empty.jsonl").write_text("")
    assert main(["report", str(tmp_path / "empty.jsonl")]) == 2
    assert "has no records" in capsys.readouterr().err


def test_the_comparison_plot_compares_only_problems_common_to_the_runs(tmp_path):
    from prover.bench.plots import common_problems, plot_budget

    kept, note = common_problems([("a", A), ("b", B)])
    assert [sorted({r["problem"] for r in records}) for _, records in kept] == [["p1", "p2", "p3"]] * 2
    assert note == "3 problems common to all runs (2 not in every run left out)"
    # over the common problems a solves p1, p2 (2 of 3), b solves p2, p3: the curves end at 2/3 each
    assert [solved_within(records)[1][-1] for _, records in kept] == [2 / 3, 2 / 3]
    _, note = common_problems([("a", A), ("c", [rec("q", 0, True, 1)])])
    assert note.startswith("no problem in common")
    png = plot_budget([("a", A), ("b", B)], tmp_path / "budget.png")
    assert png.stat().st_size > 1000
