"""`prover check STATEMENT_OR_FILE [--proof TACTICS_OR_FILE]`: replay tactics one per line, then verify.

Without --proof the statement argument carries its proof (`theorem ... := by` and the tactics, as `prove
--out FILE.lean` writes it); with --proof it must not (two proofs: which one?).
"""

from __future__ import annotations

import json

from prover.cli.inputs import read_source, read_tactics
from prover.config import Config
from prover.core import Failed, Proof, Proved, ProverError


def add_parser(sub, parent) -> None:
    p = sub.add_parser("check", parents=[parent], help="replay and verify a given proof")
    p.add_argument("statement", metavar="STATEMENT_OR_FILE",
                   help="a statement, or a file holding one (with its proof when --proof is not given)")
    p.add_argument("--proof", metavar="TACTICS_OR_FILE",
                   help="tactics, one per line, or a file of them (or a .lean file whose proof is taken)")
    p.add_argument("--env", dest="env", choices=["lean", "prop"], help="verifier backend (default: lean)")
    p.set_defaults(handler=run)


def replay(env, theorem, tactics: list[str]) -> tuple[list[str], list[dict], bool]:
    """Run the tactics in order: the root goals, each step, and whether the last tactic closed every goal."""
    state = env.open(theorem)
    root = list(state.goals)
    steps: list[dict] = []
    for tactic in tactics:
        result = env.step(state, tactic)
        if isinstance(result, Failed):
            steps.append({"tactic": tactic, "ok": False, "goals": list(state.goals), "error": result.message})
            return root, steps, False
        state = result.state
        steps.append({"tactic": tactic, "ok": True, "goals": list(state.goals), "error": None})
        if isinstance(result, Proved):
            return root, steps, len(steps) == len(tactics)
    return root, steps, False


def run(args, cfg: Config) -> int:
    from prover.env import make_env

    source = read_source(args.statement, cfg)
    theorem = source.theorem
    if args.proof is None:
        if source.tactics is None:
            raise ProverError(f"no proof to check: {args.statement} holds none; give --proof TACTICS_OR_FILE")
        tactics = source.tactics
    else:
        tactics = read_tactics(args.proof)
        if source.tactics is not None and tactics != source.tactics:
            raise ProverError(f"{args.statement} holds a proof and --proof gives another: "
                              "leave out --proof to check the one in the file")
    if cfg.env == "lean":  # the gate answers before anything asks whether Lean is set up
        from prover.env.lean import gate

        gate.check_theorem(theorem, cfg.lean)
        for tactic in tactics:
            gate.check_tactic(tactic, cfg.lean)
    env = make_env(cfg)
    try:
        root_goals, steps, closed = replay(env, theorem, tactics)
        verdict = env.verify(theorem, Proof(theorem, tuple(tactics))) if closed else None
    finally:
        env.close()
    verified = bool(verdict and verdict.ok)
    if not closed:
        last = steps[-1]
        reason = last["error"] or ("goals remain after the last tactic" if last["ok"] else "")
        if last["ok"] and len(steps) < len(tactics):
            reason = f"no goals left before tactic {len(steps) + 1}"
    else:
        assert verdict is not None  # closed, so verified above
        reason = verdict.reason()
    if args.json:
        print(json.dumps({
            "theorem": theorem.statement, "verified": verified, "steps": steps, "goals": root_goals,
            "verdict": None if verdict is None else verdict.as_dict(),
            "error": None if verified else reason,
        }, ensure_ascii=False))
    else:
        print("\n".join(root_goals) or "no goals")
        for i, step in enumerate(steps, 1):
            mark = "ok " if step["ok"] else "ERR"
            print(f"\n[{i}] {mark} {step['tactic']}")
            if step["ok"]:
                print("\n\n".join(step["goals"]) or "no goals")
            else:
                print(f"    {step['error']}")
        print(f"\n{'verified' if verified else 'not verified: ' + reason}")
    return 0 if verified else 1
