"""Whole-proof generation against tactic search on the prop bench, with one trained model family.

    .venv/bin/python benchmarks/whole_bench.py --out results/whole [--train 600] [--steps 1500] [--test 30]

1. Data: the first --train prop:train problems that need a case split (as every prop:hard problem does),
   proved by breadth-first search with the uniform policy; each proof gives (state, tactic) examples and
   one (statement, whole proof) example. One byte-level model is trained on both, from scratch, on one
   thread with fixed seeds, so the tactic and whole-proof modes use the same weights.
2. pass@1/8/32 of `whole` on prop:hard[0:test]: --samples proofs a problem, every one replayed and
   final-checked (no early stop), pass@k by the unbiased estimator.
3. Equal env-call budgets (--budget, one env call a tactic in every mode): problems solved by tactic MCTS,
   by `whole` (stop at the first verified sample) and by `hybrid` (a few samples, then MCTS from the deepest
   state one reached).
4. The local endpoint (prover/policy/serve.py, our client): sampled proofs per second with one prompt a
   request (batch 1) and 16 prompts a request (batch 16), 8 samples a prompt, best of 3 alternating runs.
Prints a Markdown table and writes OUT/summary.json and the checkpoint OUT/model.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from pathlib import Path

import torch

from prover.bench.passk import mean_pass_at_k
from prover.config import PolicyConfig, SearchConfig, TrainConfig
from prover.core import Theorem
from prover.env.prop import PropEnv
from prover.env.prop.generate import problems
from prover.learn.teacher import bfs_proof
from prover.policy.data import Example
from prover.policy.endpoint import EndpointGenerator
from prover.policy.hf import HFPolicy
from prover.policy.serve import make_server
from prover.policy.train import train_sft
from prover.policy.whole import PRESETS, ModelProofGenerator, whole_examples
from prover.search.attempt import attempt
from prover.search.whole import whole_attempt


def needs_case_split(theorem: Theorem) -> bool:
    from prover.env.prop.decide import provable
    from prover.env.prop.env import parse

    st = parse(theorem.statement)
    return not provable([t for _, t in st.binders if t is not None], st.target, or_left=False)


def training_data(n: int) -> tuple[list[Example], int]:
    env, out, proved = PropEnv(), [], 0
    corpus = [t for t in problems("train") if needs_case_split(t)][:n]
    for theorem in corpus:
        proof = bfs_proof(env, theorem)
        if proof is None:
            continue
        proved += 1
        out += [Example(s, t, 1.0, problem=theorem.name) for s, t in proof]
        out.append(Example(*whole_examples(theorem.statement, [t for _, t in proof]), 1.0, problem=theorem.name))
    return out, proved


def endpoint_speed(model: HFPolicy, prompts: list[str], repeats: int = 3) -> dict[str, float]:
    server = make_server(model)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = EndpointGenerator(f"http://127.0.0.1:{server.server_address[1]}/v1/completions", max_tokens=200,
                               stops=(), timeout=600)
    best = {"batch1": 0.0, "batch16": 0.0}
    try:
        client.complete(prompts[:2], 2)  # warm up
        for _ in range(repeats):
            t = time.perf_counter()
            for p in prompts[:16]:
                client.complete([p], 8)
            best["batch1"] = max(best["batch1"], 16 * 8 / (time.perf_counter() - t))
            t = time.perf_counter()
            client.complete(prompts[:16], 8)
            best["batch16"] = max(best["batch16"], 16 * 8 / (time.perf_counter() - t))
    finally:
        server.shutdown()
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path("results/whole"))
    ap.add_argument("--train", type=int, default=600, help="case-split prop:train problems to learn from")
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--test", type=int, default=30, help="prop:hard problems measured")
    ap.add_argument("--budget", type=int, default=128, help="env calls an attempt, every mode")
    ap.add_argument("--samples", type=int, default=32, help="whole proofs a problem for pass@k")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    args.out.mkdir(parents=True, exist_ok=True)
    model_dir = args.out / "model"
    if not (model_dir / "config.json").is_file():
        examples, proved = training_data(args.train)
        print(f"data: {len(examples)} examples from {proved} proved case-split training problems")
        t = time.process_time()
        train_sft(examples, model_dir, TrainConfig(steps=args.steps, batch_size=32, lr=2e-3, warmup_steps=50,
                                                   save_every=args.steps, eval_fraction=0.05),
                  PolicyConfig(device="cpu"), progress=False)
        print(f"trained {args.steps} steps in {time.process_time() - t:.0f} CPU-s")
    pcfg = PolicyConfig(device="cpu", max_new_tokens=200)
    model = HFPolicy.load(model_dir, pcfg)
    tactic_model = HFPolicy.load(model_dir, pcfg.model_copy(update={"max_new_tokens": 96}))
    gen = ModelProofGenerator(model, PRESETS["ours"])
    test = problems("hard", args.test)
    env = PropEnv()

    counts: list[tuple[int, int]] = []
    unlimited = SearchConfig(budget_steps=10**9, timeout=None)
    for theorem in test:
        a = whole_attempt(env, gen, theorem, unlimited, samples=args.samples, batch=8, stop_at_first=False)
        counts.append((a.sampled.samples, a.sampled.verified))
    ks = sorted({1, min(8, args.samples), args.samples})
    passk = {k: mean_pass_at_k(counts, k) for k in ks}

    budget = SearchConfig(budget_steps=args.budget, timeout=None)
    solved = {"tactic (MCTS)": [], "whole": [], "hybrid": []}
    calls = {k: 0 for k in solved}
    for theorem in test:
        runs = {"tactic (MCTS)": attempt(env, tactic_model, theorem, budget),
                "whole": whole_attempt(env, gen, theorem, budget, samples=10**6, batch=8),
                "hybrid": whole_attempt(env, gen, theorem, budget, samples=4, batch=4, policy=tactic_model)}
        for mode, a in runs.items():
            calls[mode] += a.usage.env_calls
            if a.proved:
                solved[mode].append(theorem.name)
    speed = endpoint_speed(model, [model.ckpt.fmt.prompt(whole_examples(t.statement, [])[0]) for t in test])

    print(f"\nprop:hard[0:{args.test}], one model ({model_dir}):")
    print("| " + " | ".join(f"whole pass@{k}" for k in ks) + " |")
    print("|" + "---:|" * len(ks))
    print("| " + " | ".join(f"{passk[k]:.1%}" for k in ks) + " |")
    print(f"\nat {args.budget} env calls an attempt:")
    print("| mode | solved | mean env calls |\n|---|---:|---:|")
    for mode in solved:
        print(f"| {mode} | {len(solved[mode])}/{args.test} | {calls[mode] / args.test:.1f} |")
    print(f"\nlocal endpoint, sampled proofs/s (8 a prompt): batch 1 {speed['batch1']:.1f}, batch 16 "
          f"{speed['batch16']:.1f} ({speed['batch16'] / speed['batch1']:.2f}x)")
    summary = {"test": args.test, "budget": args.budget, "samples": args.samples, "pass_at_k": passk,
               "solved": solved, "mean_env_calls": {k: v / args.test for k, v in calls.items()},
               "endpoint_proofs_per_s": speed, "counts": counts}
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
