"""`prover bench DATASET`: run a batch benchmark into a resumable JSONL file, then print its summary."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from prover.cli.options import add_attempt_options, add_run_options, add_ttrl_options
from prover.config import Config
from prover.core import ProverError

if TYPE_CHECKING:
    from prover.attempts import AttemptRecord


def add_parser(sub, parent) -> None:
    p = sub.add_parser("bench", parents=[parent], help="run a batch benchmark (resumable JSONL results)")
    p.add_argument("dataset", metavar="DATASET",
                   help="a JSONL file (miniF2F schema), prop:SPLIT[:N] or prop:SPLIT[A:B] (these imply --env prop), "
                        "or a named dataset (minif2f, olympiad)")
    p.add_argument("--split", metavar="S", help="only problems of this split (valid, test, ...)")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N problems")
    p.add_argument("--attempts", dest="bench.attempts", type=int, metavar="K", help="attempts per problem (pass@k)")
    add_attempt_options(p)
    add_run_options(p, "parallel workers (1: no Ray)")
    p.add_argument("--out", metavar="FILE", help="results file (default: bench.out_dir/DATASET.jsonl)")
    p.add_argument("--resume", action="store_true", help="continue FILE: skip finished attempts")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--dry-run", action="store_true",
                   help="only load the dataset and run the safety gate on every row (no Lean needed): "
                        "what loads, what is skipped, what the gate refuses, and why")
    add_ttrl_options(p)  # after the normal pass: test-time RL on each problem still unsolved
    p.set_defaults(handler=run)


def run_ttrl_pass(problems, records: list[AttemptRecord], cfg: Config, out: Path, ttrl_dir: str | None,
                  log) -> list[dict]:
    """Test-time RL, with its whole budget each, on every problem no attempt solved; one JSON line a problem
    in OUT.ttrl.jsonl (a problem already there is skipped, so the pass resumes)."""
    from prover.cli.prove import run_ttrl

    solved = {r.theorem for r in records if r.proved}
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


def env_for(args, cfg: Config) -> Config:
    """A generated `prop:...` dataset runs on the propositional bench whatever the configured default; an
    explicit `--env lean` with one is a contradiction, said in one line."""
    from prover.bench.datasets import is_prop_spec

    if not is_prop_spec(args.dataset) or cfg.env == "prop":
        return cfg
    if args.env == "lean":
        raise ProverError(f"{args.dataset} is a propositional dataset: it runs with --env prop, not --env lean "
                          "(drop --env, or give a JSONL file of Lean theorems)")
    return cfg.model_copy(update={"env": "prop"})


def dry_run(args, cfg: Config) -> int:
    """Load the dataset and put every loaded row through the safety gate; nothing starts Lean."""
    from prover.bench.datasets import load_dataset
    from prover.core import GateError
    from prover.env.lean import gate

    dataset = load_dataset(args.dataset, cfg, split=args.split, limit=args.limit, report=None, allow_empty=True)
    refused = []
    for problem in dataset.problems:
        try:
            gate.check_header(problem.theorem.header, cfg.lean)
            gate.check_statement(problem.theorem.statement, cfg.lean)
        except GateError as e:
            refused.append({"name": problem.name, "reason": str(e)})
    loaded = [p.name for p in dataset.problems]
    if args.json:
        print(json.dumps({
            "dataset": dataset.name, "file": dataset.file, "env": cfg.env,
            "counts": {"loaded": len(loaded), "skipped": len(dataset.skipped), "renamed": len(dataset.renamed),
                       "refused": len(refused), "ready": len(loaded) - len(refused)},
            "loaded": loaded, "skipped": [s.as_dict() for s in dataset.skipped],
            "renamed": [r.as_dict() for r in dataset.renamed], "refused": refused,
        }, ensure_ascii=False))
        return 0
    print(f"{dataset.name}: {len(loaded)} problems load, {len(dataset.skipped)} rows skipped, "
          f"{len(dataset.renamed)} renamed, {len(refused)} refused by the safety gate; "
          f"{len(loaded) - len(refused)} ready for --env {cfg.env}")
    for s in dataset.skipped:
        print(f"skipped  line {s.line}{f' ({s.name})' if s.name else ''}: {s.reason}")
    for r in dataset.renamed:
        print(f"renamed  line {r.line}: {r.name} -> {r.new_name} (line {r.first_line} keeps {r.name})")
    for row in refused:
        print(f"refused  {row['name']}: {row['reason']}")
    return 0


def run(args, cfg: Config) -> int:
    from prover.attempts import make_executor
    from prover.bench.datasets import load_dataset
    from prover.bench.report import console as report_console
    from prover.bench.report import summarize, summary_table
    from prover.bench.runner import run_bench

    cfg = env_for(args, cfg)
    if args.dry_run:
        return dry_run(args, cfg)
    dataset = load_dataset(args.dataset, cfg, split=args.split, limit=args.limit)
    if cfg.env == "lean":  # the gate answers before anything asks whether Lean is set up
        from prover.core import GateError
        from prover.env.lean import gate

        for problem in dataset.problems:
            try:
                gate.check_theorem(problem.theorem, cfg.lean)
            except GateError as e:
                raise GateError(f"{args.dataset}, problem {problem.theorem.name}: {e}") from e
    out = Path(args.out) if args.out else default_out(args.dataset, cfg)
    executor = make_executor(cfg)  # local, or Ray with --workers N / --ray-address: chosen here, once
    try:
        records = run_bench(dataset.problems, cfg, out, resume=args.resume, title=dataset.name,
                            progress=not args.no_progress, executor=executor)
    finally:
        executor.close()
    summary = summarize(records)
    ttrl = (run_ttrl_pass(dataset.problems, records, cfg, out, args.ttrl_dir, (lambda _m: None) if args.json else print)
            if args.ttrl else None)
    if args.json:
        extra = {} if ttrl is None else {"ttrl": {"tried": len(ttrl), "proved": sum(r["proved"] for r in ttrl),
                                                  "out": str(out.with_suffix(".ttrl.jsonl"))}}
        print(json.dumps({"dataset": dataset.name, "out": str(out), "summary": summary,
                          "skipped": [s.as_dict() for s in dataset.skipped],
                          "renamed": [r.as_dict() for r in dataset.renamed]} | extra, ensure_ascii=False))
    else:
        console = report_console()
        console.print(summary_table(f"{dataset.name} ({out})", summary))
        console.print(f"results: {out}  (prover report {out})")
        if ttrl is not None:
            console.print(f"test-time RL on the {len(ttrl)} unsolved: {sum(r['proved'] for r in ttrl)} proved "
                          f"({out.with_suffix('.ttrl.jsonl')})")
    return 0
