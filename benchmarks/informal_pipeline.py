"""AlphaProof's front end on the prop bench: informal theorems -> formal corpus -> expert iteration (issue 20).

    .venv/bin/python benchmarks/formalize_bench.py --out R/formalizer --repeats 0.5   # the formalizer
    .venv/bin/python benchmarks/collapse.py --out R/collapse ...                      # R/collapse/sft: a tactic policy
    .venv/bin/python benchmarks/informal_pipeline.py --formalizer R/formalizer/model \\
        --policy R/collapse/sft --out R/pipeline

1. The informal corpus (OUT/informal.jsonl): English sentences that are theorems (prover.formalize.propdata
   .theorems: a template's slots filled with repeated sentences, "if X0 and X1 then X0"), --per-part of
   them from the formalizer's training templates (other sentences than it trained on) and --per-part from
   its held-out templates with its held-out vocabulary. The gold statement is kept for scoring only.
2. Formalize, as `prover formalize OUT/informal.jsonl --out OUT/formal.jsonl` does (prover.formalize.batch:
   sample, gate, elaborate, rank; rejected problems in OUT/formal.rejected.jsonl).
3. Score each accepted statement: faithful (G4ip: equivalent to the gold) and true (provable at all).
4. Expert iteration on OUT/formal.jsonl, as `prover train OUT/formal.jsonl` does, from --policy: writing
   tactics, or with --rank uniform ranking the uniform proposer's (OUT/ei-none, OUT/ei-uniform). A second
   run with the other --rank reuses OUT/formal.jsonl.
Prints, per part, the yield of each stage: informal -> accepted -> faithful -> true -> proved (and proved
and faithful: a proof of the wrong theorem is the front end's failure, not a success). OUT/summary-RANK.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from prover.config import load
from prover.env.prop.decide import decide
from prover.formalize import propcheck
from prover.formalize.batch import run_batch
from prover.formalize.propdata import theorems
from prover.learn.corpus import train_on_corpus
from prover.learn.rounds import read_jsonl

PARTS = {"train-templates": ("train", 1), "heldout-templates": ("heldout", 0)}  # (propdata split, draw)


def informal_corpus(out: Path, per_part: int, seed: int) -> dict[str, dict]:
    """name -> {part, informal, gold}; written as OUT/informal.jsonl."""
    rows = {}
    for part, (split, draw) in PARTS.items():
        for i, ex in enumerate(theorems(split, per_part, seed=seed, draw=draw)):
            rows[f"{part.replace('-', '_')}_{i:03d}"] = {"part": part, "informal": ex.informal,
                                                         "gold": ex.formal}
    with open(out / "informal.jsonl", "w", encoding="utf-8") as f:
        for name, row in rows.items():
            f.write(json.dumps({"name": name} | row, ensure_ascii=False) + "\n")
    return rows


def proved_names(run: Path) -> set[str]:
    """Corpus problems some round's search proved."""
    return {r["problem"] for path in sorted((run / "rounds").glob("round-*/search.jsonl"))
            for r in read_jsonl(path) if r.get("proved")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="results/informal_pipeline")
    ap.add_argument("--formalizer", required=True, help="a formalizer checkpoint (benchmarks/formalize_bench.py)")
    ap.add_argument("--policy", default="uniform", help="the tactic policy expert iteration starts from")
    ap.add_argument("--rank", choices=["none", "uniform"], default="none",
                    help="none: the model writes tactics; uniform: it ranks the uniform proposer's")
    ap.add_argument("--per-part", type=int, default=40, help="informal theorems per part")
    ap.add_argument("--samples", type=int, default=8, help="formalizer candidates per problem")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--heldout", default="prop:hard:10", help="expert iteration's held-out set")
    ap.add_argument("--budget-steps", type=int, default=64)
    ap.add_argument("--steps-per-round", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    rows = informal_corpus(out, args.per_part, args.seed)
    cfg = load(overrides={"env": "prop", "policy.device": "cpu", "formalize.model": args.formalizer,
                          "formalize.num_candidates": args.samples, "formalize.max_new_tokens": 96,
                          "train.seed": args.seed, "policy.seed": args.seed})
    counts = run_batch(cfg, str(out / "informal.jsonl"), str(out / "formal.jsonl"), resume=True, progress=False)
    print(f"formalized: {counts}", flush=True)
    formal = {r["name"]: r for r in read_jsonl(out / "formal.jsonl")}

    ei = load(overrides={"env": "prop", "policy.kind": args.policy, "policy.device": "cpu",
                         "learn.heldout": args.heldout, "search.budget_steps": args.budget_steps,
                         "learn.steps_per_round": args.steps_per_round, "learn.continue_from": "newest",
                         "learn.patience": 0, "learn.seed": args.seed, "train.seed": args.seed,
                         "search.timeout": 600.0, "policy.candidates": args.rank})
    run = out / f"ei-{args.rank}"
    train_on_corpus(ei, str(out / "formal.jsonl"), run, args.rounds, resume=(run / "run.json").is_file(), log=print)
    proved = proved_names(run)

    table = {}
    for part in PARTS:
        names = [n for n, r in rows.items() if r["part"] == part]
        accepted = [n for n in names if n in formal]
        statement = {n: formal[n]["formal_statement"].split(":=")[0] for n in accepted}
        faithful = {n for n in accepted if propcheck.equivalent(statement[n], rows[n]["gold"])}
        true = {n for n in accepted if decide(statement[n])}
        table[part] = {"informal": len(names), "accepted": len(accepted), "faithful": len(faithful),
                       "true": len(true), "proved": len(proved & set(accepted)),
                       "proved_and_faithful": len(proved & faithful)}
    lines = ["| part | informal | accepted | faithful (≡ gold) | true (provable) | proved | proved and faithful |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {part} | " + " | ".join(str(v) for v in t.values()) + " |" for part, t in table.items()]
    text = "\n".join(lines)
    summary = {"command": " ".join(["benchmarks/informal_pipeline.py", *sys.argv[1:]]), "stages": table,
               "ei_rounds": [{k: m.get(k) for k in ("round", "train_solved", "train_searched", "train_solved_ever",
                                                    "heldout_solved", "heldout_problems")}
                             for m in read_jsonl(run / "metrics.jsonl")],
               "table": text}
    (out / f"summary-{args.rank}.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    print(text)


if __name__ == "__main__":
    main()
