"""`prover prove STATEMENT_OR_FILE`: search for a proof, verify it, print it."""

from __future__ import annotations

import json
from pathlib import Path

from prover.cli.inputs import read_theorem
from prover.cli.options import add_attempt_options, add_run_options, add_ttrl_options
from prover.config import Config
from prover.core import ProverError, StatementError


def add_parser(sub, parent) -> None:
    p = sub.add_parser("prove", parents=[parent], help="prove one theorem")
    p.add_argument("statement", metavar="STATEMENT_OR_FILE")
    add_attempt_options(p, per="allowed")
    add_run_options(p, "env workers running one MCTS tree in parallel (1, the default: no Ray)")
    p.add_argument("--out", metavar="FILE", help="write the result: Lean source if FILE ends in .lean, else JSON")
    p.add_argument("--graph", metavar="FILE.png", help="write the search graph: FILE.png (proof path in red) and FILE.json")
    add_ttrl_options(p)
    p.set_defaults(handler=run)


def run_ttrl(cfg: Config, theorem, ttrl_dir: str | None, log):
    """Test-time RL on one theorem, in `ttrl_dir` or a temporary directory removed afterwards."""
    import tempfile

    from prover.learn.ttrl import test_time_rl

    if ttrl_dir is not None:
        return test_time_rl(cfg, theorem, ttrl_dir, log=log)
    with tempfile.TemporaryDirectory(prefix="prover-ttrl-") as tmp:
        return test_time_rl(cfg, theorem, Path(tmp) / "run", log=log)


def run(args, cfg: Config) -> int:
    theorem = read_theorem(args.statement, cfg)  # bad input fails before anything heavy is imported
    if cfg.env == "lean":  # the gate answers before anything asks whether Lean is set up
        from prover.env.lean import gate

        gate.check_theorem(theorem, cfg.lean)

    from prover.env import make_env
    from prover.search.modes import attempter

    if cfg.ray.workers > 1 and cfg.policy.mode != "tactic":
        raise ProverError("--workers runs one parallel tree search: it takes --mode tactic only")
    if cfg.ray.workers > 1:
        from prover.distributed.driver import prove_tree

        result = prove_tree(cfg, theorem)
    else:
        env = make_env(cfg)
        try:
            result = attempter(cfg)(env, theorem)
        finally:
            env.close()
    if result.stop_reason == "rejected":  # a malformed statement is bad input, not a failed search
        raise StatementError(result.error or "statement rejected")
    record = result.to_json()
    if args.ttrl and not result.proved:
        ttrl = run_ttrl(cfg, theorem, args.ttrl_dir, None if args.json else print)
        record["ttrl"] = ttrl.to_json()
        if ttrl.proved:
            from prover.core import Proof

            record |= {"proved": True, "tactics": ttrl.tactics, "proof": Proof(theorem, tuple(ttrl.tactics)).render(),
                       "stop_reason": "proved", "error": None}
    if args.graph and result.graph is not None:
        from prover.search.export import write_graph

        write_graph(result.graph, args.graph)
    if args.out:
        out = Path(args.out)
        try:
            if out.suffix == ".lean":
                out.write_text(record["proof"] or unproved_source(theorem, why_not(record)))
            else:
                out.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        except OSError as e:
            raise ProverError(f"cannot write {out}: {e.strerror}") from e
    if args.json:  # a failed attempt says why in `error`, as every failing command's object does
        print(json.dumps(record | {"error": record["error"] or (None if result.proved else why_not(record))},
                         ensure_ascii=False))
    else:
        stats = record["stats"]
        summary = f"{stats['env_calls']} env calls, {stats['nodes']} nodes, {stats['seconds']:.2f}s"
        if "ttrl" in record:
            t = record["ttrl"]
            summary += f"; test-time RL: {t['env_calls']} env calls, {t['seconds']:.0f}s, {t['trained_rounds']} round(s) trained"
        if record["proved"]:
            print(f"proved {theorem.name} ({summary})")
            print(record["proof"], end="")
        else:
            print(f"not proved: {why_not(record)} ({summary})")
    return 0 if record["proved"] else 1


def unproved_source(theorem, reason: str) -> str:
    """What `--out FILE.lean` holds when no proof was found: the reason as a comment, the header and the
    statement, so `prover prove FILE.lean` tries again and `check FILE.lean --proof ...` reads it."""
    header = theorem.header if not theorem.header or theorem.header.endswith("\n") else theorem.header + "\n"
    return f"-- not proved: {' '.join(reason.split())}\n" + (header + "\n" if header else "") + theorem.statement + "\n"


def why_not(record: dict) -> str:
    if record["error"]:
        return record["error"]
    if record["stop_reason"] == "exhausted":
        return "the search tried every tactic the policy proposed and found no proof"
    return f"no proof found within the budget ({record['stop_reason']} ran out)"
