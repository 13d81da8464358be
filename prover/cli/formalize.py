"""`prover formalize TEXT_OR_FILE`: informal problem in, ranked statements that the verifier accepts out.
`prover formalize CORPUS.jsonl --out FORMAL.jsonl [--resume]`: a corpus of them in, a formal corpus out
(prover.formalize.batch)."""

from __future__ import annotations

import json

from prover.cli.inputs import read_text
from prover.cli.options import add_run_options
from prover.config import Config


def add_parser(sub, parent) -> None:
    p = sub.add_parser("formalize", parents=[parent],
                       help="turn an informal problem into ranked theorem statements the verifier accepts")
    p.add_argument("problem", metavar="TEXT_OR_FILE",
                   help="the problem in words, or a file holding it (with --out: a JSONL corpus of problems)")
    p.add_argument("--out", metavar="FORMAL.jsonl",
                   help="batch: write the best accepted statement per problem (miniF2F schema; rejected ones "
                        "to FORMAL.rejected.jsonl)")
    p.add_argument("--resume", action="store_true", help="batch: continue --out, skipping problems already done")
    add_run_options(p, "batch: Ray actors formalizing problems in parallel (1, the default: no Ray)")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--model", dest="formalize.model", metavar="DIR", help="a checkpoint directory")
    source.add_argument("--endpoint", dest="formalize.endpoint", metavar="URL",
                        help="an OpenAI-compatible server (base URL or .../v1/completions)")
    p.add_argument("--n", dest="formalize.num_candidates", type=int, metavar="N", help="samples to draw (default 8)")
    p.add_argument("--env", dest="env", choices=["lean", "prop"], help="verifier backend (default: lean)")
    p.add_argument("--prove", action="store_true", help="hand the best statement to the prover and print the result")
    p.add_argument("--policy", dest="policy.kind", metavar="automation|uniform|DIR", help="tactic proposer for --prove")
    p.add_argument("--budget-steps", dest="search.budget_steps", type=int, metavar="N", help="env calls for --prove")
    p.set_defaults(handler=run)


def _batch(args, cfg: Config) -> int:
    from prover.formalize.batch import read_informal, rejected_path, run_batch

    read_informal(args.problem)  # a bad corpus fails before anything heavy starts
    c = run_batch(cfg, args.problem, args.out, args.resume, progress=not args.json)
    row = {"corpus": args.problem, "out": args.out, "rejected_out": str(rejected_path(args.out)),
           "problems": c.problems, "done_before": c.done_before, "accepted": c.accepted, "rejected": c.rejected}
    if args.json:
        print(json.dumps(row, ensure_ascii=False))
    else:
        print(f"{c.accepted} accepted, {c.rejected} rejected of {c.problems - c.done_before} formalized now"
              f"{f' ({c.done_before} done before)' if c.done_before else ''}: {args.out}, {row['rejected_out']}")
    return 0


def run(args, cfg: Config) -> int:
    if args.out is not None:
        return _batch(args, cfg)
    if args.resume:
        from prover.core import ProverError

        raise ProverError("--resume continues a batch: give --out FORMAL.jsonl")
    informal, _ = read_text(args.problem, "problem")  # bad input fails before anything heavy is imported

    from prover.env import make_env
    from prover.formalize.generate import make_generator
    from prover.formalize.pipeline import formalize, guard_policy
    from prover.policy import make_policy
    from prover.search.attempt import attempt

    generator = make_generator(cfg)  # a missing model or endpoint setting fails before the env starts
    env = make_env(cfg)
    try:
        result = formalize(informal, generator, env, guard_policy(cfg), cfg)
        best = result.best
        proved = None
        if args.prove and best is not None:
            outcome = attempt(env, make_policy(cfg), best.theorem, cfg.search)
            best.proof = outcome.to_json()
            proved = outcome.proved
    finally:
        env.close()
    if args.json:
        error = ("no candidate passed the gate and the verifier" if best is None else
                 "the best statement was not proved" if proved is False else None)
        print(json.dumps(result.to_json() | {"error": error}, ensure_ascii=False))
    else:
        _print(result)
    if best is None:
        return 1
    return 1 if proved is False else 0


def _print(result) -> None:
    accepted = sum(r.samples for r in result.ranked)
    print(f"{accepted} of {result.samples} samples accepted, {len(result.ranked)} distinct statements "
          f"({result.seconds:.2f}s)")
    for i, r in enumerate(result.ranked, 1):
        print(f"{i}. [{r.score:.3f}] {r.statement}")
        print(f"     {'; '.join(r.reasons)}")
        for variant in r.variants[:3]:
            print(f"     also: {variant}")
        if r.proof is not None:
            p = r.proof
            if p["proved"]:
                print(f"   proved ({p['stats']['env_calls']} env calls):")
                print("     " + p["proof"].rstrip().replace("\n", "\n     "))
            else:
                print(f"   not proved: {p['error'] or 'no proof found within the budget'}")
    if result.rejected:
        print("rejected:")
        for r in result.rejected:
            count = f" (x{r.count})" if r.count > 1 else ""
            print(f"  {' '.join(r.statement.split())[:120]}{count}\n     {r.reason}")
    if not result.ranked:
        print("no candidate passed the gate and the verifier")
