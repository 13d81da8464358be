"""The training pictures say something: integer round ticks, one unit per y axis, no repeated colour."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from matplotlib.image import imread  # noqa: E402

from prover.learn.plots import colours, plot_compare, plot_rounds, unit  # noqa: E402


def rows(n: int = 7, lengths: int = 14) -> list[dict]:
    return [{"round": r, "heldout_solve_rate": 0.3 + 0.08 * r, "train_solve_rate": 0.5 + 0.05 * r,
             "train_solved_ever_rate": 0.6 + 0.05 * r, "heldout_distinct_tactics": 20 + 3 * r,
             "buffer_distinct_tactics": 40 + 5 * r, "heldout_tactic_entropy": 3.1 + 0.1 * r,
             "buffer_tactic_entropy": 4.0 - 0.1 * r, "heldout_shape_coverage": 0.4 + 0.05 * r,
             "heldout_proof_lengths": {str(k): (k + r) % 5 + 1 for k in range(1, lengths + 1)}}
            for r in range(n)]


def test_units_and_colours() -> None:
    assert unit("heldout_tactic_entropy") == "bits" and unit("heldout_solve_rate") == "fraction"
    assert unit("heldout_shape_coverage") == "fraction" and unit("heldout_distinct_tactics") == "count"
    for n in (3, 10, 14, 20, 35):
        assert len(set(colours(n))) == n


def _figures(monkeypatch) -> list:
    """The figures plot_rounds saves, kept open for inspection."""
    import matplotlib.pyplot as plt

    kept = []
    monkeypatch.setattr(plt, "close", lambda fig=None: kept.append(fig))
    return kept


def test_round_plots_have_integer_ticks_one_unit_per_axis_and_distinct_colours(tmp_path, monkeypatch) -> None:
    figs = _figures(monkeypatch)
    paths = plot_rounds(rows(), tmp_path)
    assert [p.name for p in paths] == ["solved.png", "diversity.png", "proof_lengths.png"]
    for p in paths:
        assert imread(p).shape[0] > 100
    axes = [ax for fig in figs for ax in fig.axes]
    for ax in axes:
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        assert ticks and all(float(t).is_integer() for t in ticks), (ax.get_title(), ticks)
        assert ax.get_xlabel() == "round"
        assert ax.get_ylabel() in ("fraction", "bits", "count", "held-out proofs (count)"), ax.get_title()
    diversity = {ax.get_title(): ax.get_ylabel() for ax in figs[1].axes}
    assert diversity == {"Distinct tactics": "count", "Tactic entropy": "bits", "Shape coverage": "fraction"}
    bars = figs[2].axes[0]
    fills = {tuple(c.patches[0].get_facecolor()) for c in bars.containers}
    assert len(bars.containers) == 14 and len(fills) == 14  # 14 proof lengths, 14 colours


def test_compare_plot_one_colour_per_run_and_units(tmp_path, monkeypatch) -> None:
    figs = _figures(monkeypatch)
    runs = {f"run {i}": rows(4, 3) for i in range(12)}
    plot_compare(runs, [("heldout_solve_rate", "held-out solved"), ("heldout_tactic_entropy", "entropy")],
                 tmp_path / "compare.png")
    a, b = figs[0].axes[:2]
    assert (a.get_ylabel(), b.get_ylabel()) == ("fraction", "bits")
    assert len({tuple(line.get_color()) for line in a.get_lines()}) == 12
    assert all(float(t).is_integer() for t in a.get_xticks())
