"""`prover bench DATASET`: run a batch benchmark into a resumable JSONL file, then print its summary."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import get_args

from prover.config import Config, SearchConfig

ALGORITHMS = list(get_args(SearchConfig.model_fields["algorithm"].annotation))


def add_parser(sub, parent) -> None:
    p = sub.add_parser("bench", parents=[parent], help="run a batch benchmark (resumable JSONL results)")
    p.add_argument("dataset", metavar="DATASET", help="a JSONL file, prop:SPLIT[:N], or a named dataset (minif2f, olympiad)")
    p.add_argument("--split", metavar="S", help="only problems of this split (valid, test, ...)")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N problems")
    p.add_argument("--attempts", dest="bench.attempts", type=int, metavar="K", help="attempts per problem (pass@k)")
    p.add_argument("--env", dest="env", choices=["lean", "prop"], help="verifier backend (default: lean)")
    p.add_argument("--budget-steps", dest="search.budget_steps", type=int, metavar="N", help="env calls per attempt")
    p.add_argument("--timeout", dest="search.timeout", type=float, metavar="S", help="wall seconds per attempt")
    p.add_argument("--search", dest="search.algorithm", choices=ALGORITHMS, help="search algorithm")
    p.add_argument("--policy", dest="policy.kind", metavar="automation|uniform|DIR", help="tactic proposer")
    p.add_argument("--rank", dest="policy.candidates", choices=["uniform", "automation"],
                   help="with --policy DIR: the model ranks this proposer's tactics instead of writing its own")
    p.add_argument("--workers", dest="ray.workers", type=int, metavar="N", help="parallel workers (1: no Ray)")
    p.add_argument("--ray-address", dest="ray.address", metavar="ADDR",
                   help="join this Ray cluster (e.g. ray://head:10001) instead of starting Ray locally")
    p.add_argument("--out", metavar="FILE", help="results file (default: bench.out_dir/DATASET.jsonl)")
    p.add_argument("--resume", action="store_true", help="continue FILE: skip finished attempts")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    from prover.cli.prove import add_ttrl_options

    add_ttrl_options(p)  # after the normal pass: test-time RL on each problem still unsolved
    p.set_defaults(handler=run)


def run_ttrl_pass(problems, records: list[dict], cfg: Config, out: Path, ttrl_dir: str | None, log) -> list[dict]:
    """Test-time RL, with its whole budget each, on every problem no attempt solved; one JSON line a problem
    in OUT.ttrl.jsonl (a problem already there is skipped, so the pass resumes)."""
    from prover.cli.prove import run_ttrl

    solved = {r["theorem"] for r in records if r.get("proved")}
    path = out.with_suffix(".ttrl.jsonl")
    done = {json.loads(line)["target"]: json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()} if path.is_file() else {}
    rows = []
    for problem in problems:
        t = problem.theorem
        if t.statement in solved:
            continue
        if t.statement in done:
            rows.append(done[t.statement])
            continue
        where = None if ttrl_dir is None else str(Path(ttrl_dir) / re.sub(r"[^A-Za-z0-9_.-]+", "-", t.name))
        row = run_ttrl(cfg, t, where, None).to_json()
        rows.append(row)
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
        log(f"test-time RL: {t.name} {'proved' if row['proved'] else 'not proved'} ({row['env_calls']} env calls)")
    return rows


def default_out(spec: str, cfg: Config) -> Path:
    """`prop:easy:50` -> results/prop-easy-50.jsonl; `data/x.jsonl` -> results/x.jsonl."""
    stem = Path(spec).stem if spec.endswith(".jsonl") else spec
    return cfg.bench.out_dir / (re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-") + ".jsonl")


def run(args, cfg: Config) -> int:
    from prover.bench.datasets import load_dataset
    from prover.bench.report import console as report_console
    from prover.bench.report import summarize, summary_table
    from prover.bench.runner import run_bench

    dataset = load_dataset(args.dataset, cfg, split=args.split, limit=args.limit)
    out = Path(args.out) if args.out else default_out(args.dataset, cfg)
    records = run_bench(dataset.problems, cfg, out, resume=args.resume, title=dataset.name,
                        progress=not args.no_progress)
    summary = summarize(records)
    ttrl = (run_ttrl_pass(dataset.problems, records, cfg, out, args.ttrl_dir, (lambda _m: None) if args.json else print)
            if args.ttrl else None)
    if args.json:
        extra = {} if ttrl is None else {"ttrl": {"tried": len(ttrl), "proved": sum(r["proved"] for r in ttrl),
                                                  "out": str(out.with_suffix(".ttrl.jsonl"))}}
        print(json.dumps({"dataset": dataset.name, "out": str(out), "summary": summary} | extra, ensure_ascii=False))
    else:
        console = report_console()
        console.print(summary_table(f"{dataset.name} ({out})", summary))
        console.print(f"results: {out}  (prover report {out})")
        if ttrl is not None:
            console.print(f"test-time RL on the {len(ttrl)} unsolved: {sum(r['proved'] for r in ttrl)} proved "
                          f"({out.with_suffix('.ttrl.jsonl')})")
    return 0
