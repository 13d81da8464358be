"""`prover prove STATEMENT_OR_FILE`: search for a proof, verify it, print it."""

from __future__ import annotations

import json
from pathlib import Path

from prover.cli.inputs import read_theorem
from prover.config import Config
from prover.core import ProverError, StatementError


def add_parser(sub, parent) -> None:
    p = sub.add_parser("prove", parents=[parent], help="prove one theorem")
    p.add_argument("statement", metavar="STATEMENT_OR_FILE")
    p.add_argument("--env", dest="env", choices=["lean", "prop"], help="verifier backend (default: lean)")
    p.add_argument("--budget-steps", dest="search.budget_steps", type=int, metavar="N", help="env calls allowed")
    p.add_argument("--timeout", dest="search.timeout", type=float, metavar="S", help="wall seconds allowed")
    p.add_argument("--search", dest="search.algorithm", choices=["mcts", "bfs", "rollout"],
                   help="search algorithm (default: mcts)")
    p.add_argument("--policy", dest="policy.kind", metavar="automation|uniform|DIR", help="tactic proposer")
    p.add_argument("--rank", dest="policy.candidates", choices=["uniform", "automation"],
                   help="with --policy DIR: the model ranks this proposer's tactics instead of writing its own")
    p.add_argument("--workers", dest="ray.workers", type=int, metavar="N",
                   help="env workers running one MCTS tree in parallel (1, the default: no Ray)")
    p.add_argument("--ray-address", dest="ray.address", metavar="ADDR",
                   help="join this Ray cluster (e.g. ray://head:10001) instead of starting Ray locally")
    p.add_argument("--out", metavar="FILE", help="write the result: Lean source if FILE ends in .lean, else JSON")
    p.add_argument("--graph", metavar="FILE.png", help="write the search graph: FILE.png (proof path in red) and FILE.json")
    add_ttrl_options(p)
    p.set_defaults(handler=run)


def add_ttrl_options(p) -> None:
    """`--ttrl` and its budget for the whole run (prove and bench)."""
    t = p.add_argument_group("test-time RL (--ttrl): variants proved, trained on, the target searched again")
    t.add_argument("--ttrl", action="store_true", help="if the search fails, run test-time RL on the theorem")
    t.add_argument("--ttrl-budget-steps", dest="learn.ttrl_budget_steps", type=int, metavar="N",
                   help="env calls for the whole test-time RL run (default 4000)")
    t.add_argument("--ttrl-timeout", dest="learn.ttrl_timeout", type=float, metavar="S",
                   help="wall seconds for the whole test-time RL run, training included (default 1800)")
    t.add_argument("--ttrl-rounds", dest="learn.ttrl_rounds", type=int, metavar="N", help="rounds (default 3)")
    t.add_argument("--ttrl-dir", metavar="DIR", help="keep the run (ttrl.jsonl, checkpoints) in DIR (default: a temporary one)")


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

    from prover.env import make_env
    from prover.policy import make_policy
    from prover.search.attempt import attempt

    if cfg.ray.workers > 1:
        from prover.distributed.driver import prove_tree

        result = prove_tree(cfg, theorem)
    else:
        env = make_env(cfg)
        try:
            policy = make_policy(cfg)
            result = attempt(env, policy, theorem, cfg.search)
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
                out.write_text(record["proof"] or f"-- not proved: {why_not(record)}\n")
            else:
                out.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        except OSError as e:
            raise ProverError(f"cannot write {out}: {e.strerror}") from e
    if args.json:
        print(json.dumps(record, ensure_ascii=False))
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


def why_not(record: dict) -> str:
    if record["error"]:
        return record["error"]
    if record["stop_reason"] == "exhausted":
        return "the search tried every tactic the policy proposed and found no proof"
    return f"no proof found within the budget ({record['stop_reason']} ran out)"
