"""`prover report FILE [FILE...]`: tables, pass@k, PNG plots, and side-by-side comparison of results files."""

from __future__ import annotations

import json
from pathlib import Path

from prover.config import Config
from prover.core import ProverError


def add_parser(sub, parent) -> None:
    p = sub.add_parser("report", parents=[parent], help="summarise `prover bench` results files")
    p.add_argument("files", nargs="+", metavar="FILE", help="results JSONL files; two or more are compared")
    p.add_argument("--plots", metavar="DIR", help="write the PNG plots here (default: next to the first file)")
    p.add_argument("--no-plots", action="store_true", help="write no plots")
    p.set_defaults(handler=run)


def check_records(path: Path, records: list[dict]) -> None:
    """Every record must be a `prover bench` attempt (a problem name and whether it was proved): a JSONL file
    of anything else would otherwise be summarised as problems named None, none solved."""
    if not records:
        raise ProverError(f"{path} has no records")
    for number, record in enumerate(records, 1):
        if not isinstance(record.get("problem"), str) or not isinstance(record.get("proved"), bool):
            raise ProverError(f"{path}: record {number} is not a `prover bench` result "
                              "(it needs \"problem\" and \"proved\"): is this a results file?")


def _labels(paths: list[Path]) -> list[str]:
    """Short names for the files: their stems, or their paths when stems collide."""
    stems = [p.stem for p in paths]
    return stems if len(set(stems)) == len(stems) else [str(p) for p in paths]


def run(args, cfg: Config) -> int:
    from prover.bench.plots import write_plots
    from prover.bench.records import read_results
    from prover.bench.report import compare, compare_table, only_lines, summarize, summary_table
    from prover.bench.report import console as report_console

    paths = [Path(f) for f in args.files]
    labels = _labels(paths)
    runs = [(label, read_results(path).records) for label, path in zip(labels, paths, strict=True)]
    for path, (_, records) in zip(paths, runs, strict=True):
        check_records(path, records)
    summaries = [summarize(records) for _, records in runs]
    comparisons = [(labels[0], label, compare(runs[0][1], records)) for label, records in runs[1:]]
    plots: list[Path] = []
    if not args.no_plots:
        directory = Path(args.plots) if args.plots else paths[0].parent
        plots = write_plots(runs, directory, "+".join(p.stem for p in paths))
    if args.json:
        print(json.dumps({
            "files": [{"path": str(p), "summary": s} for p, s in zip(paths, summaries, strict=True)],
            "compare": [{"a": a, "b": b, **c} for a, b, c in comparisons],
            "plots": [str(p) for p in plots],
        }, ensure_ascii=False))
        return 0
    console = report_console()
    for path, summary in zip(paths, summaries, strict=True):
        console.print(summary_table(str(path), summary))
    for a, b, c in comparisons:
        if not c["common"]:
            console.print(f"{a} and {b} share no problems: nothing to compare", highlight=False)
            continue
        console.print(compare_table(a, b, c))
        for line in only_lines(a, b, c):
            console.print(line, highlight=False)
    for plot in plots:
        console.print(f"plot: {plot}")
    return 0
