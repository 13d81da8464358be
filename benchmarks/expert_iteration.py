"""Expert iteration on the prop bench: the held-out solve rate per round, and the accumulating replay buffer
against `--replace` (entropy, distinct tactics, solved sets).

    .venv/bin/python benchmarks/expert_iteration.py --out results/expert_iteration

runs `prover train prop:train:N --heldout prop:hard:M` twice from the same starting policy (once with the
accumulating buffer, once with --replace), prints one line per round, and writes OUT/accumulate/ and
OUT/replace/ (each a full run directory: metrics.jsonl, plots, checkpoints), OUT/compare.png and
OUT/summary.json. Pass --only accumulate to run just the first. The held-out set picks each run's policy
(the best round), so that policy is then measured on --test more prop:hard problems, the ones after the
held-out set's. With --keep case-splits the corpus keeps only the first N problems of prop:train that need
a case split, as every prop:hard problem does; with --keep hard-shape, those that fit prop:hard's whole
definition (OUT/corpus.jsonl).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from prover.config import load
from prover.learn.corpus import train_on_corpus
from prover.learn.plots import plot_compare

KEYS = [("heldout_solve_rate", "held-out solved (prop:hard)"), ("train_solved_ever_rate", "train solved (ever)"),
        ("heldout_tactic_entropy", "tactic entropy, held-out proofs"),
        ("buffer_tactic_entropy", "tactic entropy, training data"),
        ("heldout_distinct_tactics", "distinct tactics, held-out proofs")]


def filtered_corpus(spec: str, keep: str, path: Path) -> str:
    """The first N problems of `prop:SPLIT:N` that pass the `keep` filter, written as a miniF2F-schema JSONL;
    returns its path. case-splits: G4ip cannot prove them without a case split (∨ on the left), as every
    prop:hard problem needs; hard-shape: they fit prop:hard's whole definition (that case split, a nested
    implication, at least 3 variables, 6-16 connectives). Either way they stay training problems, on the
    other side of the split's hash from prop:hard."""
    from prover.env.prop.decide import provable
    from prover.env.prop.env import parse
    from prover.env.prop.generate import fits, problems

    _, split, *count = spec.split(":")
    kept = []
    for theorem in problems(split):
        st = parse(theorem.statement)
        if keep == "hard-shape":
            passes = fits("hard", st.target)
        else:
            passes = not provable([t for _, t in st.binders if t is not None], st.target, or_left=False)
        if passes:
            kept.append(theorem)
            if count and len(kept) == int(count[0]):
                break
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for t in kept:
            f.write(json.dumps({"name": t.name, "split": split, "formal_statement": f"{t.statement} := by\n  sorry",
                                "header": "", "informal_prefix": "", "goal": ""}, ensure_ascii=False) + "\n")
    return str(path)


def test_run(cfg, run: Path, heldout: str, n: int) -> dict:
    """The run's policy (DIR/policy) on the n prop:hard problems after the first M of `prop:hard:M`."""
    from prover.env.prop.generate import problems
    from prover.learn.expert import policy_for, search_all

    _, _, count = heldout.partition("prop:hard:")
    if heldout == "prop:hard" or (heldout.startswith("prop:hard:") and not count.isdigit()):
        print(f"test: skipped, the held-out set {heldout} leaves no prop:hard problems after it")
        return {}
    start = int(count) if count else 0  # another held-out set: prop:hard from the start
    theorems = problems("hard")[start:start + n]
    policy = run / "policy"
    found = search_all(cfg, policy_for(cfg, policy if policy.exists() else None), theorems, "test", "test")
    solved = sum(r["proved"] for r in found.records)
    chosen = policy.resolve().parent.name if policy.exists() else "the starting policy"
    print(f"test: {chosen} solves {solved}/{n} of prop:hard[{start}:{start + n}]")
    return {"test": f"prop:hard[{start}:{start + n}]", "test_policy": chosen, "test_solved": solved,
            "test_solve_rate": round(solved / n, 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="results/expert_iteration")
    ap.add_argument("--corpus", default="prop:train:300")
    ap.add_argument("--heldout", default="prop:hard:60")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--policy", default="uniform", help="the starting policy")
    ap.add_argument("--budget-steps", type=int, default=64, help="env calls per attempt")
    ap.add_argument("--steps-per-round", type=int, default=300)
    ap.add_argument("--keep", choices=["all", "case-splits", "hard-shape"], default="all",
                    help="which corpus problems to keep: those needing a case split, as prop:hard's all do, or those "
                         "fitting prop:hard's whole definition")
    ap.add_argument("--data", default=None, help="original (state, tactic) JSONL kept in the buffer")
    ap.add_argument("--only", choices=["accumulate", "replace"], default=None)
    ap.add_argument("--test", type=int, default=60,
                    help="after the run, measure its policy on this many prop:hard problems that follow the "
                         "held-out ones (the held-out set chose the policy, so it cannot also measure it)")
    ap.add_argument("--set", nargs="*", default=[], metavar="SECTION.FIELD=VALUE", help="more config overrides")
    args = ap.parse_args()
    out = Path(args.out)
    overrides = {"env": "prop", "policy.kind": args.policy, "learn.heldout": args.heldout,
                 "search.budget_steps": args.budget_steps, "learn.steps_per_round": args.steps_per_round,
                 "search.timeout": 60.0}
    for item in args.set:
        key, _, value = item.partition("=")
        try:  # numbers, true/false, null, lists; anything else is a string
            overrides[key] = json.loads(value)
        except ValueError:
            overrides[key] = value
    corpus = args.corpus if args.keep == "all" else filtered_corpus(args.corpus, args.keep, out / "corpus.jsonl")
    runs, summary = {}, {"command": " ".join(["benchmarks/expert_iteration.py", *sys.argv[1:]])}
    for mode in ["accumulate", "replace"] if args.only is None else [args.only]:
        cfg = load(overrides=overrides | {"learn.replace": mode == "replace"})
        started, cpu = time.monotonic(), time.process_time()
        print(f"== {mode}")
        rows = train_on_corpus(cfg, corpus, out / mode, args.rounds, resume=(out / mode / "run.json").is_file(),
                               data=args.data, log=print)
        runs[mode] = rows
        wall, cpu = round(time.monotonic() - started, 1), round(time.process_time() - cpu, 1)
        test = test_run(cfg, out / mode, args.heldout, args.test) if args.test else {}
        summary[mode] = {"wall_seconds": wall, "cpu_seconds": cpu, **test,
                         "heldout_solve_rate": [r["heldout_solve_rate"] for r in rows],
                         "heldout_tactic_entropy": [r.get("heldout_tactic_entropy") for r in rows],
                         "buffer_tactic_entropy": [r.get("buffer_tactic_entropy") for r in rows],
                         "train_solved_ever": [r.get("train_solved_ever") for r in rows]}
    plot_compare(runs, KEYS, out / "compare.png")
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
