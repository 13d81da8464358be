"""Test-time RL against search with the same compute, on prop:hard targets a trained policy misses.

    PYTHONPATH=. OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/ttrl_bench.py --out benchmarks/results/ttrl

1. The policy: expert iteration from the uniform policy on the first 300 case-split problems of prop:train
   (as README's demonstration: the model ranks the uniform proposer's tactics), held-out prop:hard:60,
   fixed seeds; its run's policy (the best held-out round) is the policy here. Skipped when OUT/policy_run
   already holds a finished run (the stage resumes after a crash).
2. The targets, by a rule fixed before any TTRL run: scan prop:hard from index 60 (after the held-out set that
   chose the policy) in order, search each once at B env calls; the first N misses are the targets, the first
   P solved problems are the forgetting probe set.
3. For each target: TTRL (prover.learn.ttrl, a budget in env calls); then the same policy, untrained,
   searching the target with (a) the env calls TTRL spent in all (target + variants + sub-goal lemmas), in
   one search, and (b) the wall seconds TTRL took; and the probe set with TTRL's final policy (forgetting).
One JSON line per target in OUT/results.jsonl as it is finished (a killed run resumes); OUT/summary.json
and the table at the end.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from prover.config import load

HARD_START = 60  # prop:hard[:60] chose the policy (held-out set of the training run)


def base_overrides(budget: int) -> dict:
    return {"env": "prop", "policy.kind": "uniform", "policy.candidates": "uniform", "policy.device": "cpu",
            "search.budget_steps": budget, "search.timeout": 60.0, "learn.heldout": f"prop:hard:{HARD_START}",
            "learn.steps_per_round": 300, "learn.seed": 0, "train.seed": 0, "policy.seed": 0}


def train_policy(out: Path, budget: int, rounds: int) -> Path:
    """The trained policy the targets are missed by: a finished expert-iteration run, resumed if partial."""
    sys.path.insert(0, str(Path(__file__).parent))
    from expert_iteration import filtered_corpus

    from prover.learn.corpus import train_on_corpus

    run = out / "policy_run"
    done = run / "done.json"
    if not done.is_file():
        cfg = load(overrides=base_overrides(budget))
        corpus = filtered_corpus("prop:train:300", "case-splits", out / "corpus.jsonl")
        started = time.monotonic()
        rows = train_on_corpus(cfg, corpus, run, rounds, resume=(run / "run.json").is_file(), log=print)
        done.write_text(json.dumps({"rounds": rows, "wall_seconds": round(time.monotonic() - started, 1)}) + "\n")
    return (run / "policy").resolve()


def replay_examples(run: Path, policy: Path) -> list:
    """What the policy was trained on: the examples of its run's rounds up to the chosen one."""
    from prover.learn.buffer import read_examples

    chosen = int(policy.parent.name.split("-")[-1])
    out = []
    for k in range(1, chosen + 1):
        data = run / "rounds" / f"round-{k:04d}" / "data.jsonl"
        if data.is_file():
            out += read_examples(str(data))
    return out


def select(cfg, policy, out: Path, n_targets: int, n_probe: int) -> tuple[list, list]:
    """The rule, fixed before any TTRL run: prop:hard from HARD_START on, in order, one search each at B env
    calls; the first n_targets misses are the targets, the first n_probe solved the probe set (OUT/scan.jsonl)."""
    from prover.env.prop import PropEnv
    from prover.env.prop.generate import problems
    from prover.search.attempt import attempt

    scan = out / "scan.jsonl"
    done = {json.loads(x)["name"]: json.loads(x) for x in scan.read_text().splitlines()} if scan.is_file() else {}
    targets, probe, env = [], [], PropEnv()
    for t in problems("hard")[HARD_START:]:
        if len(targets) >= n_targets and len(probe) >= n_probe:
            break
        row = done.get(t.name)
        if row is None:
            r = attempt(env, policy, t, cfg.search)
            row = {"name": t.name, "proved": r.proved, "env_calls": r.usage.env_calls}
            with open(scan, "a") as f:
                f.write(json.dumps(row) + "\n")
        if row["proved"] and len(probe) < n_probe:
            probe.append(t)
        elif not row["proved"] and len(targets) < n_targets:
            targets.append(t)
    return targets, probe


def solved_count(cfg, policy, theorems) -> int:
    from prover.env.prop import PropEnv
    from prover.search.attempt import attempt

    env = PropEnv()
    return sum(attempt(env, policy, t, cfg.search).proved for t in theorems)


def one_target(cfg, tcfg, base_policy, target, replay, probe, out: Path) -> dict:
    from prover.env.prop import PropEnv
    from prover.learn.expert import policy_for
    from prover.learn.ttrl import TestTimeRL
    from prover.search.attempt import attempt

    run = out / "runs" / target.name
    if run.exists():  # a run killed half-way: start it again
        import shutil

        shutil.rmtree(run)
    ttrl = TestTimeRL(tcfg, run, env=PropEnv(), replay=replay)
    result = ttrl.run(target)
    r0 = result.rounds[0]
    calls, secs = result.env_calls, result.seconds
    eq_calls = attempt(PropEnv(), base_policy, target,
                       cfg.search.model_copy(update={"budget_steps": calls, "timeout": None}))
    started = time.monotonic()
    eq_time = attempt(PropEnv(), base_policy, target,
                      cfg.search.model_copy(update={"budget_steps": 10**9, "timeout": secs}))
    eq_time_wall = time.monotonic() - started
    probe_after = (solved_count(cfg, policy_for(cfg, result.checkpoint), probe)
                   if result.checkpoint is not None else None)
    return {"name": target.name, "statement": target.statement, "ttrl_proved": result.proved,
            "ttrl_env_calls": calls, "ttrl_seconds": round(secs, 1), "ttrl_stop": result.stop_reason,
            "variants": r0.get("variants", 0), "variants_kept": r0.get("variants_kept", 0),
            "variants_too_easy": r0.get("variants_too_easy", 0), "lemmas": r0.get("lemmas", 0),
            "lemmas_kept": r0.get("lemmas_kept", 0), "trained": result.checkpoint is not None,
            "ttrl_proof": result.tactics,
            "eq_calls_proved": eq_calls.proved, "eq_calls_env_calls": eq_calls.usage.env_calls,
            "eq_calls_stop": eq_calls.stop_reason,
            "eq_time_proved": eq_time.proved, "eq_time_env_calls": eq_time.usage.env_calls,
            "eq_time_seconds": round(eq_time_wall, 1), "eq_time_stop": eq_time.stop_reason,
            "probe_after": probe_after, "probe_n": len(probe)}


def probe_cell(after: int | None, n: int) -> str:
    return "-" if after is None else f"{after}/{n}"


def table(rows: list[dict], n_probe: int) -> str:
    lines = ["| target | TTRL | env calls | s | variants kept/tried (too easy) | lemmas kept/tried | "
             "same env calls | same wall time (env calls) | probe after |",
             "|---|---|---:|---:|---|---|---|---|---|"]
    yes = {True: "proved", False: "-"}
    for r in rows:
        lines.append(f"| {r['name']} | {yes[r['ttrl_proved']]} | {r['ttrl_env_calls']} | {r['ttrl_seconds']} | "
                     f"{r['variants_kept']}/{r['variants']} ({r['variants_too_easy']}) | {r['lemmas_kept']}/{r['lemmas']} | "
                     f"{yes[r['eq_calls_proved']]} | {yes[r['eq_time_proved']]} ({r['eq_time_env_calls']}) | "
                     f"{probe_cell(r['probe_after'], n_probe)} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="results/ttrl")
    ap.add_argument("--budget-steps", type=int, default=64, help="B: env calls of the miss test")
    ap.add_argument("--train-rounds", type=int, default=2, help="expert-iteration rounds for the policy")
    ap.add_argument("--targets", type=int, default=20)
    ap.add_argument("--probe", type=int, default=10, help="already-solved problems of the forgetting check")
    ap.add_argument("--ttrl-budget", type=int, default=1000, help="env calls of one TTRL run")
    ap.add_argument("--ttrl-rounds", type=int, default=1)
    ap.add_argument("--variants", type=int, default=14)
    ap.add_argument("--lemmas", type=int, default=4)
    ap.add_argument("--stage", choices=["train", "all", "report"], default="all",
                    help="report: only the table and summary of the targets finished so far")
    args = ap.parse_args()
    out = Path(args.out)
    if args.stage == "report":
        rows = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
        report(rows, rows[0]["probe_n"] if rows else 0, out, "(report of the targets finished)")
        return
    import torch

    torch.set_num_threads(1)
    out.mkdir(parents=True, exist_ok=True)
    policy_dir = train_policy(out, args.budget_steps, args.train_rounds)
    print(f"policy: {policy_dir}")
    if args.stage == "train":
        return
    from prover.learn.expert import policy_for

    cfg = load(overrides=base_overrides(args.budget_steps) | {"policy.kind": str(policy_dir)})
    base_policy = policy_for(cfg, None)
    targets, probe = select(cfg, base_policy, out, args.targets, args.probe)
    print(f"targets ({len(targets)}): {' '.join(t.name for t in targets)}")
    print(f"probe ({len(probe)}): {' '.join(t.name for t in probe)}")
    replay = replay_examples(out / "policy_run", policy_dir)
    tcfg = cfg.model_copy(deep=True)
    tcfg.learn = tcfg.learn.model_copy(update={
        "ttrl_budget_steps": args.ttrl_budget, "ttrl_timeout": None, "ttrl_rounds": args.ttrl_rounds,
        "ttrl_variants": args.variants, "ttrl_lemmas": args.lemmas, "ttrl_variant_steps": args.budget_steps})
    path = out / "results.jsonl"
    rows = [json.loads(x) for x in path.read_text().splitlines()] if path.is_file() else []
    for t in targets[len(rows):]:
        row = one_target(cfg, tcfg, base_policy, t, replay, probe, out)
        rows.append(row)
        with open(path, "a") as f:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{t.name}: TTRL {row['ttrl_proved']} ({row['ttrl_env_calls']} calls, {row['ttrl_seconds']}s); "
              f"same calls {row['eq_calls_proved']}; same time {row['eq_time_proved']}; probe {row['probe_after']}",
              flush=True)
    report(rows, len(probe), out, str(policy_dir))


def report(rows: list[dict], n_probe: int, out: Path, policy: str) -> None:
    n = len(rows)
    ttrl = {r["name"] for r in rows if r["ttrl_proved"]}
    calls = {r["name"] for r in rows if r["eq_calls_proved"]}
    wall = {r["name"] for r in rows if r["eq_time_proved"]}
    probes = [r["probe_after"] for r in rows if r["probe_after"] is not None]
    summary = {"command": " ".join(["benchmarks/ttrl_bench.py", *sys.argv[1:]]), "policy": policy,
               "targets": n, "probe": n_probe, "ttrl_solved": len(ttrl), "same_env_calls_solved": len(calls),
               "same_wall_time_solved": len(wall), "ttrl_only_vs_env_calls": sorted(ttrl - calls),
               "ttrl_only_vs_wall_time": sorted(ttrl - wall), "env_calls_only": sorted(calls - ttrl),
               "wall_time_only": sorted(wall - ttrl),
               "probe_before": n_probe, "probe_after_mean": round(sum(probes) / len(probes), 2) if probes else None,
               "probe_after_min": min(probes) if probes else None,
               # the forgetting check: a trained policy may lose at most 10% of the probe set
               "forgetting_margin": max(1, n_probe // 10),
               "trained_within_margin": sum(p >= n_probe - max(1, n_probe // 10) for p in probes),
               "trained": len(probes)}
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    (out / "table.md").write_text(table(rows, n_probe) + "\n")
    print(table(rows, n_probe))
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
