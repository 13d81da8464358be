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


def plot_rounds(rows: Sequence[Mapping], out_dir: str | Path) -> list[Path]:
    """solved.png, diversity.png and proof_lengths.png in out_dir; returns the paths written."""
    plt = _pyplot()
    out_dir = Path(out_dir)
    written = []

    fig, ax = plt.subplots(figsize=(6, 4))
    for key, label in [("heldout_solve_rate", "held-out solved"), ("train_solve_rate", "train solved (searched)"),
                       ("train_solved_ever_rate", "train solved (ever)")]:
        x, y = _series(rows, key)
        if x:
            ax.plot(x, y, marker="o", label=label)
    ax.set(xlabel="round", ylabel="fraction", ylim=(0, 1.05), title="Solved per round")
    _legend(ax, loc="lower right")
    ax.grid(alpha=0.3)
    written.append(_save(fig, out_dir / "solved.png", plt))

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in [("heldout_distinct_tactics", "distinct tactics (held-out proofs)"),
                       ("buffer_distinct_tactics", "distinct tactics (training data)")]:
        x, y = _series(rows, key)
        if x:
            a1.plot(x, y, marker="o", label=label)
    a1.set(xlabel="round", title="Distinct tactics")
    _legend(a1)
    a1.grid(alpha=0.3)
    for key, label in [("heldout_tactic_entropy", "tactic entropy, held-out proofs (bits)"),
                       ("buffer_tactic_entropy", "tactic entropy, training data (bits)"),
                       ("heldout_shape_coverage", "held-out shape coverage")]:
        x, y = _series(rows, key)
        if x:
            a2.plot(x, y, marker="o", label=label)
    a2.set(xlabel="round", title="Entropy and coverage")
    _legend(a2)
    a2.grid(alpha=0.3)
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
