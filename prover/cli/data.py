"""`prover data trace REPO --out FILE`: a Lean repository's tactic proofs as (state, tactic) JSONL.
`prover data prop-teacher CORPUS --out FILE`: prop problems' breadth-first teacher proofs, the same format."""

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
    pt = actions.add_parser("prop-teacher", parents=[parent],
                            help="prop: shortest proofs by breadth-first search over the uniform moves (no model)")
    pt.add_argument("corpus", metavar="CORPUS", help="prop problems: prop:SPLIT[:N] or a miniF2F-schema JSONL")
    pt.add_argument("--out", required=True, metavar="FILE", help="the JSONL to write (state, tactic, problem)")
    pt.add_argument("--budget", type=int, default=3000, metavar="N", help="env calls a problem (default 3000)")
    p.set_defaults(handler=run)


def _teacher(args, cfg: Config) -> int:
    from prover.learn.buffer import write_examples
    from prover.learn.corpus import load_theorems
    from prover.learn.teacher import teacher_proofs

    theorems = load_theorems(args.corpus, cfg.model_copy(update={"env": "prop"}))
    taught = teacher_proofs(theorems, args.budget)
    examples = taught.examples()
    write_examples(args.out, examples)
    if args.json:
        print(json.dumps({"corpus": args.corpus, "out": args.out, "problems": len(theorems),
                          "proved": taught.proved, "examples": len(examples)}))
    else:
        print(f"wrote {len(examples)} (state, tactic) pairs from {taught.proved}/{len(theorems)} proved problems "
              f"to {args.out}")
    return 0


def run(args, cfg: Config) -> int:
    if args.action == "prop-teacher":
        return _teacher(args, cfg)
    from prover.learn.leandojo import trace_repo

    n = trace_repo(args.repo, args.out, commit=args.commit, with_deps=args.with_deps)
    if args.json:
        print(json.dumps({"repo": args.repo, "out": args.out, "examples": n}))
    else:
        print(f"wrote {n} (state, tactic) pairs to {args.out}")
    return 0
