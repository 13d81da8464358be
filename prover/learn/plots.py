"""PNG plots of the per-round metrics (matplotlib, no display needed)."""

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


def _lines(ax, rows: Sequence[Mapping], series: Sequence[tuple[str, str]], legend_loc: str = "best",
           **axes) -> None:
    """One line per (metric, label) over the rounds that have it, then the axes' labels, legend and grid."""
    for key, label in series:
        x, y = _series(rows, key)
        if x:
            ax.plot(x, y, marker="o", label=label)
    ax.set(xlabel="round", **axes)
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
           legend_loc="lower right", ylabel="fraction", ylim=(0, 1.05), title="Solved per round")
    written.append(_save(fig, out_dir / "solved.png", plt))

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    _lines(a1, rows, [("heldout_distinct_tactics", "distinct tactics (held-out proofs)"),
                      ("buffer_distinct_tactics", "distinct tactics (training data)")], title="Distinct tactics")
    _lines(a2, rows, [("heldout_tactic_entropy", "tactic entropy, held-out proofs (bits)"),
                      ("buffer_tactic_entropy", "tactic entropy, training data (bits)"),
                      ("heldout_shape_coverage", "held-out shape coverage")], title="Entropy and coverage")
    written.append(_save(fig, out_dir / "diversity.png", plt))

    fig, ax = plt.subplots(figsize=(6, 4))
    lengths = sorted({int(k) for r in rows for k in (r.get("heldout_proof_lengths") or {})})
    rounds = [r["round"] for r in rows]
    bottom = [0] * len(rows)
    for n in lengths:
        counts = [(r.get("heldout_proof_lengths") or {}).get(str(n), 0) for r in rows]
        ax.bar(rounds, counts, bottom=bottom, label=f"{n} tactics")
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    ax.set(xlabel="round", ylabel="held-out proofs", title="Proof lengths (held-out)")
    if lengths:
        ax.legend(fontsize=7, ncol=2)
    written.append(_save(fig, out_dir / "proof_lengths.png", plt))
    return written


def plot_compare(runs: Mapping[str, Sequence[Mapping]], keys: Sequence[tuple[str, str]], path: str | Path) -> Path:
    """One panel per (key, title), one line per run: e.g. the accumulating buffer against --replace."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(keys), figsize=(4.5 * len(keys), 4))
    axes = axes if len(keys) > 1 else [axes]
    for ax, (key, title) in zip(axes, keys, strict=True):
        for name, rows in runs.items():
            x, y = _series(rows, key)
            ax.plot(x, y, marker="o", label=name)
        ax.set(xlabel="round", title=title)
        ax.grid(alpha=0.3)
        _legend(ax)
    return _save(fig, Path(path), plt)


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
