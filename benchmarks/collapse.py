"""Does generative expert iteration collapse, and does keeping the original data prevent it? (issue 20)

    nice -n 10 env OMP_NUM_THREADS=1 .venv/bin/python benchmarks/collapse.py --out results/collapse

1. Corpus: the first --corpus-size prop:train problems that need a case split (as every prop:hard problem
   does); held-out: --heldout (prop:hard).
2. Original data: the teacher proofs (breadth-first search over the uniform moves, no model:
   prover.learn.teacher) of the --teacher-size case-split prop:train problems after the corpus, so the
   learner never saw a corpus problem's proof; {"state", "tactic"} lines in OUT/teacher.jsonl.
3. SFT: one byte-level model (--model-dim, --model-layers) trained on the teacher data from scratch
   (OUT/sft). It WRITES tactics (policy.candidates unset): the loop a Lean user runs with a generative prover.
4. Arms of --rounds rounds of expert iteration from that same checkpoint, every round continuing from the
   newest checkpoint (learn.continue_from=newest: the loop itself, without the best-round guard), never
   stopping early (patience 0):
   - replace:     each round trains on the newest round's proofs only;
   - accumulate:  on every round's proofs so far (synthetic only);
   - original:    on every round's proofs plus the teacher data, kept at learn.min_original_share;
   - ranker:      as original, but the model ranks the uniform proposer's tactics (policy.candidates=uniform)
                  instead of writing them: the ranker next to the generative policy, same start, data and
                  env calls.
   The arms run as processes at once (one torch thread each).
5. Per round and arm: held-out solve rate (all, and the problems whose teacher proof needs a rare kind),
   the policy's entropy and mass on the teacher's tactic kind on the run's fixed probe set, the held-out
   proofs' kind shares per problem. Prints a Markdown table; writes OUT/<arm>/ (run directories),
   OUT/collapse.png (the dashboard, one row an arm), OUT/compare.png (the arms in one panel a metric),
   OUT/summary.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

ARMS = ("replace", "accumulate", "original", "ranker")
COMPARE = [("heldout_solve_rate", "held-out solved"), ("heldout_rare_solve_rate", "held-out needing a rare kind, solved"),
           ("probe_tactic_entropy", "probe: entropy of proposals"), ("probe_needed_mass", "probe: mass on teacher's kind"),
           ("probe_rare_mass", "probe: mass on rare kinds"), ("rare_kinds_alive", "rare kinds the policy still proposes"),
           ("heldout_rare_kind_share", "rare kinds' share of proofs")]
ALIVE = 0.001  # a rare kind is alive on the probe set while the policy puts at least this mass on it


def derived(rows: list[dict]) -> list[dict]:
    """`rare_kinds_alive`: how many rare kinds keep at least ALIVE mass at the probe states needing them."""
    return [r | {"rare_kinds_alive": sum(v is not None and v >= ALIVE
                                         for v in (r.get("probe_rare_mass_by_kind") or {}).values())}
            for r in rows]


def overrides(args, sft: Path, arm: str) -> dict:
    return ({"env": "prop", "policy.kind": str(sft), "policy.device": "cpu", "learn.heldout": args.heldout,
            "search.budget_steps": args.budget_steps, "learn.steps_per_round": args.steps_per_round,
            "learn.replace": arm == "replace", "learn.continue_from": "newest", "learn.patience": 0,
            "learn.seed": args.seed, "train.seed": args.seed, "search.timeout": 600.0,
            "search.num_tactics": args.num_tactics}
            | ({"policy.candidates": "uniform"} if arm == "ranker" else {}))


def prepare(args, out: Path) -> tuple[str, Path, Path, dict]:
    from expert_iteration import filtered_corpus

    from prover.config import PolicyConfig, load
    from prover.learn.buffer import write_examples
    from prover.learn.corpus import load_theorems
    from prover.learn.teacher import teacher_proofs
    from prover.policy.train import train_sft

    both = filtered_corpus(f"prop:train:{args.corpus_size + args.teacher_size}", "case-splits",
                           out / "corpus+teacher.jsonl")
    rows = Path(both).read_text(encoding="utf-8").splitlines(keepends=True)
    corpus = out / "corpus.jsonl"
    corpus.write_text("".join(rows[:args.corpus_size]), encoding="utf-8")
    teacher, sft = out / "teacher.jsonl", out / "sft"
    info: dict = {}
    cfg = load(overrides={"env": "prop"})
    if not teacher.is_file():
        (out / "teacher-problems.jsonl").write_text("".join(rows[args.corpus_size:]), encoding="utf-8")
        taught = teacher_proofs(load_theorems(str(out / "teacher-problems.jsonl"), cfg))
        write_examples(teacher, taught.examples())
        info |= {"teacher_proved": taught.proved, "teacher_problems": len(taught.theorems)}
    if not (sft / "config.json").is_file():
        from prover.policy.data import read_examples

        examples = read_examples(teacher)
        t = time.monotonic()
        result = train_sft(examples, sft, cfg.train.model_copy(update={
            "steps": args.sft_steps, "seed": args.seed, "save_every": args.sft_steps, "model_dim": args.model_dim,
            "model_layers": args.model_layers}), PolicyConfig(device="cpu"),
            progress=False)
        info |= {"sft_examples": len(examples), "sft_parameters": result.parameters,
                 "sft_loss": round(result.losses[-1][1], 4) if result.losses else None,
                 "sft_seconds": round(time.monotonic() - t, 1)}
    saved = out / "prepare.json"  # what the first run of the preparation measured, for the summary
    if info:
        saved.write_text(json.dumps(info) + "\n")
    elif saved.is_file():
        info = json.loads(saved.read_text())
    return str(corpus), teacher, sft, info


def run_arm(args, arm: str) -> None:
    from prover.config import load
    from prover.learn.corpus import train_on_corpus

    out = Path(args.out)
    corpus, teacher, sft = str(out / "corpus.jsonl"), out / "teacher.jsonl", out / "sft"
    cfg = load(overrides=overrides(args, sft, arm))
    train_on_corpus(cfg, corpus, out / arm, args.rounds, resume=(out / arm / "run.json").is_file(),
                    data=str(teacher) if arm in ("original", "ranker") else None, log=print)


def _pct(row: dict, key: str) -> str:
    v = row.get(key)
    return "-" if v is None else f"{v:.2f}"


def table(runs: dict[str, list[dict]]) -> str:
    head = ("| round | arm | held-out solved | rare-kind problems solved | probe entropy, tactics (bits) | "
            "probe mass on teacher's kind | probe mass, rare states | rare kinds alive (of 4, mass ≥ 0.001) | "
            "rare kinds' share of held-out proofs | train solved (searched) | buffer examples (original share) |")
    lines = [head, "|" + "---|" * 11]
    rounds = max(len(rows) for rows in runs.values())
    for i in range(rounds):
        for arm, rows in runs.items():
            if i >= len(rows):
                continue
            r = rows[i]
            rare = (r.get("heldout_solve_rate_by_kind") or {}).get("rare") or {}
            lines.append(
                f"| {r['round']} | {arm} | {r['heldout_solved']}/{r['heldout_problems']} | "
                f"{rare.get('solved', '-')}/{rare.get('problems', '-')} | {_pct(r, 'probe_tactic_entropy')} | "
                f"{_pct(r, 'probe_needed_mass')} | {_pct(r, 'probe_rare_mass')} | {r.get('rare_kinds_alive', '-')} | "
                f"{_pct(r, 'heldout_rare_kind_share')} | {r.get('train_solved', '-')}/{r.get('train_searched', '-')} | "
                f"{r.get('buffer_examples', '-')} "
                f"({_pct(r, 'buffer_original_share')}) |")
    return "\n".join(lines)


def report(out: Path) -> str:
    """The table, OUT/collapse.png and OUT/compare.png, from the arms' metrics.jsonl."""
    from prover.learn.plots import plot_collapse, plot_compare
    from prover.learn.rounds import read_jsonl

    runs = {arm: derived(read_jsonl(out / arm / "metrics.jsonl")) for arm in ARMS
            if (out / arm / "metrics.jsonl").is_file()}
    plot_collapse(runs, out / "collapse.png")
    plot_compare(runs, COMPARE, out / "compare.png")  # the arms side by side, one panel a metric
    return table(runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="results/collapse")
    ap.add_argument("--corpus-size", type=int, default=150, help="prop:train case-split problems")
    ap.add_argument("--teacher-size", type=int, default=300,
                    help="case-split prop:train problems after the corpus whose teacher proofs are the original data")
    ap.add_argument("--heldout", default="prop:hard:40")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--budget-steps", type=int, default=64, help="env calls an attempt")
    ap.add_argument("--num-tactics", type=int, default=8, help="tactics sampled at an expansion (search.num_tactics)")
    ap.add_argument("--steps-per-round", type=int, default=200)
    ap.add_argument("--sft-steps", type=int, default=1500)
    ap.add_argument("--model-dim", type=int, default=128, help="the SFT model's width (128: 312k parameters)")
    ap.add_argument("--model-layers", type=int, default=2)
    ap.add_argument("--arms", nargs="+", choices=ARMS, default=list(ARMS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--arm", choices=ARMS, help=argparse.SUPPRESS)  # one arm, in a child process
    ap.add_argument("--report", action="store_true", help="only rebuild the table and pictures from OUT")
    args = ap.parse_args()
    out = Path(args.out)
    if args.arm:
        run_arm(args, args.arm)
        return
    if args.report:
        print(report(out))
        return
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    _, _, _, info = prepare(args, out)
    print(json.dumps(info), flush=True)
    argv = list(sys.argv[1:])
    children = {arm: subprocess.Popen([sys.executable, __file__, *argv, "--arm", arm],
                                      stdout=open(out / f"{arm}.log", "a"), stderr=subprocess.STDOUT)
                for arm in args.arms}
    codes = {arm: child.wait() for arm, child in children.items()}
    text = report(out)
    summary = {"command": " ".join(["benchmarks/collapse.py", *sys.argv[1:]]), "exit_codes": codes, **info,
               "wall_seconds": round(time.monotonic() - started, 1), "table": text}
    (out / "summary.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    print(text)
    print(json.dumps({k: v for k, v in summary.items() if k != "table"}))


if __name__ == "__main__":
    main()
