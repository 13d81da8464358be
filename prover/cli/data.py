"""`prover data trace REPO --out FILE`: a Lean repository's tactic proofs as (state, tactic) JSONL."""

from __future__ import annotations

import json

from prover.config import Config


def add_parser(sub, parent) -> None:
    p = sub.add_parser("data", parents=[parent], help="make training data (trace a Lean repository)")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    t = actions.add_parser("trace", parents=[parent], help="trace a Lean repository with LeanDojo (needs Lean)")
    t.add_argument("repo", metavar="REPO", help="a local git checkout of a Lean 4 project, or its URL")
    t.add_argument("--commit", help="tag, branch or hash to trace (default: the checkout's HEAD)")
    t.add_argument("--out", required=True, metavar="FILE", help="the JSONL to write (state, tactic, problem)")
    t.add_argument("--with-deps", action="store_true", help="trace the dependencies too (slow: Mathlib)")
    p.set_defaults(handler=run)


def run(args, cfg: Config) -> int:
    from prover.learn.leandojo import trace_repo

    n = trace_repo(args.repo, args.out, commit=args.commit, with_deps=args.with_deps)
    if args.json:
        print(json.dumps({"repo": args.repo, "out": args.out, "examples": n}))
    else:
        print(f"wrote {n} (state, tactic) pairs to {args.out}")
    return 0
