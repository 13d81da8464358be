"""PNG plots of the per-round metrics (matplotlib, no display needed).

Rounds are whole numbers, so round axes carry integer ticks only; a panel has one unit on its y axis
(fractions, bits and counts never share one); colours come from one colour map sampled once per
series, so no two series of a picture share a colour however many there are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _series(rows: Sequence[Mapping], key: str) -> tuple[list[int], list[float]]:
    pts = [(r["round"], r[key]) for r in rows if r.get(key) is not None]
    return [p[0] for p in pts], [p[1] for p in pts]


def unit(key: str) -> str:
    """The y-axis unit of a metric, from its name."""
    if "entropy" in key:
        return "bits"
    if key.endswith(("_rate", "_share", "_coverage", "_fraction", "_mass")):
        return "fraction"
    return "count"


def colours(n: int) -> list:
    """n distinct colours: tab10 up to 10, tab20 up to 20, then evenly spaced samples of viridis."""
    from matplotlib import colormaps

    if n <= 10:
        return [colormaps["tab10"](i) for i in range(n)]
    if n <= 20:
        return [colormaps["tab20"](i) for i in range(n)]
    return _ramp(n)


def _round_axis(ax) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("round")


def _lines(ax, rows: Sequence[Mapping], series: Sequence[tuple[str, str]], legend_loc: str = "best",
           **axes) -> None:
    """One line per (metric, label) over the rounds that have it, then the axes' labels, legend and grid.
    The series must share one unit, which labels the y axis."""
    units = {unit(key) for key, _ in series} or {"fraction"}  # no series (nothing solved yet): an empty panel
    assert len(units) == 1, f"one unit per axis, got {units}"
    for (key, label), colour in zip(series, colours(len(series)), strict=True):
        x, y = _series(rows, key)
        if x:
            ax.plot(x, y, marker="o", label=label, color=colour)
    ax.set(ylabel=units.pop(), **axes)
    _round_axis(ax)
    _legend(ax, loc=legend_loc)
    ax.grid(alpha=0.3)


def plot_rounds(rows: Sequence[Mapping], out_dir: str | Path) -> list[Path]:
    """solved.png, diversity.png and proof_lengths.png in out_dir; returns the paths written."""
    plt = _pyplot()
    out_dir = Path(out_dir)
    written = []

    fig, ax = plt.subplots(figsize=(6, 4))
    _lines(ax, rows, [("heldout_solve_rate", "held-out solved"), ("train_solve_rate", "train solved (searched)"),
                      ("train_solved_ever_rate", "train solved (ever)")],
           legend_loc="lower right", ylim=(0, 1.05), title="Solved per round")
    written.append(_save(fig, out_dir / "solved.png", plt))

    fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(14, 4))
    _lines(a1, rows, [("heldout_distinct_tactics", "held-out proofs"),
                      ("buffer_distinct_tactics", "training data")], title="Distinct tactics")
    _lines(a2, rows, [("heldout_tactic_entropy", "held-out proofs"),
                      ("buffer_tactic_entropy", "training data")], title="Tactic entropy")
    _lines(a3, rows, [("heldout_shape_coverage", "held-out goal shapes covered")], ylim=(0, 1.05),
           title="Shape coverage")
    written.append(_save(fig, out_dir / "diversity.png", plt))

    fig, ax = plt.subplots(figsize=(7, 4))
    lengths = sorted({int(k) for r in rows for k in (r.get("heldout_proof_lengths") or {})})
    rounds = [r["round"] for r in rows]
    bottom = [0] * len(rows)
    for n, colour in zip(lengths, _ramp(len(lengths)), strict=True):  # ordered lengths: an ordered map
        counts = [(r.get("heldout_proof_lengths") or {}).get(str(n), 0) for r in rows]
        ax.bar(rounds, counts, bottom=bottom, label=f"{n} tactics", color=colour)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    ax.set(ylabel="held-out proofs (count)", title="Proof lengths (held-out)")
    _round_axis(ax)
    if lengths:  # beside the bars, not over them
        ax.legend(fontsize=7, ncol=1 + len(lengths) // 16, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  title="proof length", title_fontsize=7)
    written.append(_save(fig, out_dir / "proof_lengths.png", plt))
    if any("probe_rare_mass" in r or "heldout_kind_shares" in r for r in rows):
        written.append(plot_collapse({"run": rows}, out_dir / "collapse.png"))
    return written


def _flat(rows: Sequence[Mapping], key: str, prefix: str, field: str | None = None) -> tuple[list[dict], list[str]]:
    """Rows with a nested {name: value} metric spread into `prefix.name_share` keys; and those names."""
    names = sorted({n for r in rows for n in (r.get(key) or {})})
    out = []
    for r in rows:
        nested = r.get(key) or {}
        flat = {"round": r["round"]}
        for n in names:
            v = nested.get(n)
            flat[f"{prefix}{n}_share"] = v.get(field) if isinstance(v, Mapping) and field else v
        out.append(flat)
    return out, names


def plot_collapse(runs: Mapping[str, Sequence[Mapping]], path: str | Path) -> Path:
    """The collapse dashboard: one row of panels per run (the arms of benchmarks/collapse.py, or one run):
    held-out solve rate (all, and the problems needing a rare kind), the policy's entropy on the probe set,
    its mass on the kinds the teacher used (all, and each rare kind), and the held-out proofs' kind shares
    per problem."""
    plt = _pyplot()
    fig, grid = plt.subplots(len(runs), 4, figsize=(19, 3.8 * len(runs)), squeeze=False)
    for axes, (name, rows) in zip(grid, runs.items(), strict=True):
        tag = f"{name}: " if len(runs) > 1 else ""
        _lines(axes[0], rows, [("heldout_solve_rate", "all held-out"),
                               ("heldout_rare_solve_rate", "needing a rare kind")],
               ylim=(0, 1.05), title=f"{tag}held-out solved", legend_loc="lower right")
        _lines(axes[1], rows, [("probe_tactic_entropy", "tactics (probe)"), ("probe_kind_entropy", "kinds (probe)"),
                               ("heldout_kind_entropy", "kinds (held-out proofs)")], title=f"{tag}entropy",
               ylim=(0, None))
        rare, kinds = _flat(rows, "probe_rare_mass_by_kind", "rare ")
        merged = [dict(a) | b for a, b in zip(rows, rare, strict=True)]
        _lines(axes[2], merged, [("probe_needed_mass", "teacher's kind, all probe states"),
                                 ("probe_rare_mass", "teacher's kind, rare states")]
               + [(f"rare {k}_share", f"rare: {k}") for k in kinds],
               ylim=(0, 1.05), title=f"{tag}policy mass on the needed kind")
        shares, names = _flat(rows, "heldout_kind_shares", "")
        _lines(axes[3], shares, [(f"{n}_share", n) for n in names], ylim=(0, 1.05),
               title=f"{tag}kind shares of held-out proofs", legend_loc="upper right")
    return _save(fig, Path(path), plt)


def plot_compare(runs: Mapping[str, Sequence[Mapping]], keys: Sequence[tuple[str, str]], path: str | Path) -> Path:
    """One panel per (key, title), one line per run: e.g. the accumulating buffer against --replace."""
    plt = _pyplot()
    cols = len(keys) if len(keys) <= 4 else -(-len(keys) // 2)  # more than four panels: two rows
    rows_n = -(-len(keys) // cols)
    fig, grid = plt.subplots(rows_n, cols, figsize=(4.5 * cols, 4 * rows_n), squeeze=False)
    axes = list(grid.flat)
    for ax in axes[len(keys):]:
        ax.set_visible(False)
    run_colours = dict(zip(runs, colours(len(runs)), strict=True))  # one colour per run, in every panel
    for ax, (key, title) in zip(axes, keys, strict=False):
        for name, rows in runs.items():
            x, y = _series(rows, key)
            ax.plot(x, y, marker="o", label=name, color=run_colours[name])
        ax.set(ylabel=unit(key), title=title)
        if unit(key) == "fraction":
            ax.set_ylim(-0.02, 1.02)
        elif unit(key) == "bits":
            ax.set_ylim(bottom=0)
        _round_axis(ax)
        ax.grid(alpha=0.3)
        _legend(ax)
    return _save(fig, Path(path), plt)


def _ramp(n: int) -> list:
    """n distinct colours in order (viridis, ends trimmed so the lightest stays visible)."""
    from matplotlib import colormaps

    return [colormaps["viridis"](0.05 + 0.85 * i / max(1, n - 1)) for i in range(n)]


def _legend(ax, **kw) -> None:
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, **kw)


def _save(fig, path: Path, plt) -> Path:
    fig.tight_layout()
    tmp = path.with_name(path.stem + ".tmp.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    tmp.replace(path)
    return path
