"""`prover train --sft DATA.jsonl --out DIR`: supervised training of a policy checkpoint.

DATA holds {"state": goals text, "tactic": ..., "value": optional 0..1} lines; DIR becomes a checkpoint that
`prover prove --policy DIR` loads.

`prover train CORPUS --rounds N --out DIR [--resume] [--workers N] [--ray-address ADDR]`: expert iteration over
any dataset `prover bench` accepts (prover/learn/expert.py); `prover train --ttrl STATEMENT --out DIR`: test-time RL
on one target (prover/learn/ttrl.py).
"""

from __future__ import annotations

import json

from prover.config import Config
from prover.core import ProverError


def add_parser(sub, parent) -> None:
    p = sub.add_parser("train", parents=[parent], help="train the policy (supervised: --sft DATA.jsonl)")
    p.add_argument("corpus", nargs="?", metavar="CORPUS",
                   help="problem corpus for expert iteration: a JSONL file, a named dataset, or prop:SPLIT[:N]")
    p.add_argument("--sft", metavar="DATA.jsonl", help='supervised data: {"state", "tactic", "value"?} lines')
    p.add_argument("--out", metavar="DIR", help="checkpoint directory to write (loadable with --policy DIR)")
    p.add_argument("--resume", action="store_true",
                   help="continue the checkpoint in --out to --steps (with CORPUS: after the last complete round)")
    p.add_argument("--init", dest="train.init", metavar="DIR", help="start from this checkpoint, not a new model")
    p.add_argument("--steps", dest="train.steps", type=int, metavar="N", help="optimizer steps in all")
    p.add_argument("--batch-size", dest="train.batch_size", type=int, metavar="N")
    p.add_argument("--lr", dest="train.lr", type=float, metavar="LR", help="peak learning rate")
    p.add_argument("--save-every", dest="train.save_every", type=int, metavar="N", help="steps between checkpoints")
    p.add_argument("--arch", dest="train.model_arch", choices=["causal", "seq2seq"], help="new model's kind")
    p.add_argument("--device", dest="policy.device", metavar="auto|cpu|cuda")
    ei = p.add_argument_group("expert iteration (with CORPUS) and test-time RL (--ttrl)")
    ei.add_argument("--rounds", dest="learn.rounds", type=int, metavar="N", help="rounds after round 0 (default 5)")
    ei.add_argument("--heldout", dest="learn.heldout", metavar="DATASET", help="evaluated after each round")
    ei.add_argument("--data", metavar="DATA.jsonl",
                    help="original (state, tactic) data (prover data trace | prop-teacher), always kept in the buffer "
                         "at learn.min_original_share")
    ei.add_argument("--replace", dest="learn.replace", action="store_true", default=None,
                    help="ablation: train on the newest round's synthetic data only (the original data stays)")
    ei.add_argument("--steps-per-round", dest="learn.steps_per_round", type=int, metavar="N")
    ei.add_argument("--sft-steps", dest="learn.sft_steps", type=int, metavar="N",
                    help="with --data: train N steps on the original data alone first (round 0's policy)")
    ei.add_argument("--patience", dest="learn.patience", type=int, metavar="N",
                    help="stop after N rounds in a row without a better held-out solve rate (default 2; 0: never)")
    ei.add_argument("--ttrl", metavar="STATEMENT", help="test-time RL on one hard target")
    ei.add_argument("--env", dest="env", choices=["lean", "prop"], help="verifier backend")
    ei.add_argument("--policy", dest="policy.kind", metavar="automation|uniform|DIR", help="starting policy")
    ei.add_argument("--rank", dest="policy.candidates", choices=["uniform", "automation", "none"],
                    help="with --policy DIR: the model ranks this proposer's tactics instead of writing its own "
                         "(none: it writes them; default: as the checkpoint was trained)")
    ei.add_argument("--budget-steps", dest="search.budget_steps", type=int, metavar="N", help="env calls an attempt")
    ei.add_argument("--search", dest="search.algorithm", choices=["mcts", "bfs", "rollout"])
    ei.add_argument("--mode", dest="policy.mode", choices=["tactic", "whole", "hybrid"],
                    help="what the policy writes: tactics (default), whole proofs (trained on the verified "
                         "proofs as statement -> proof), or both (hybrid)")
    ei.add_argument("--samples", dest="policy.samples", type=int, metavar="N",
                    help="whole/hybrid: proofs sampled per problem at most")
    ei.add_argument("--workers", dest="ray.workers", type=int, metavar="N",
                    help="each round's searches on N parallel workers (1: no Ray)")
    ei.add_argument("--ray-address", dest="ray.address", metavar="ADDR",
                    help="join this Ray cluster (e.g. auto, after `ray start --head`) instead of starting Ray")
    p.set_defaults(handler=run)


def _learn(args, cfg: Config) -> int:
    if args.out is None:
        raise ProverError("expert iteration needs --out DIR, the run directory to write")
    if args.ttrl is not None:
        from prover.cli.inputs import read_theorem
        from prover.learn.ttrl import test_time_rl

        result = test_time_rl(cfg, read_theorem(args.ttrl, cfg), args.out, data=args.data,
                              log=None if args.json else print).to_json()
        trained = f"{result['trained_rounds']} round(s) of test-time training"
        print(json.dumps(result, ensure_ascii=False) if args.json else
              f"{'proved' if result['proved'] else 'not proved'} after {trained} ({result['env_calls']} env calls); "
              f"see {args.out}/ttrl.jsonl")
        return 0 if result["proved"] else 1
    from prover.attempts import make_executor
    from prover.learn.corpus import train_on_corpus

    executor = make_executor(cfg)  # local, or Ray with --workers N / --ray-address: chosen here, once
    try:
        rows = train_on_corpus(cfg, args.corpus, args.out, cfg.learn.rounds, resume=args.resume, data=args.data,
                               log=None if args.json else print, executor=executor)
    finally:
        executor.close()
    if args.json:
        print(json.dumps({"out": args.out, "rounds": rows}, ensure_ascii=False))
    else:
        from prover.learn.rounds import RunDir, policy_round

        chosen = policy_round(RunDir(args.out).complete_rounds(), cfg.learn.continue_from)
        which = (f" (round {chosen.number}: held-out {chosen.metrics['heldout_solved']}/"
                 f"{chosen.metrics['heldout_problems']})" if chosen is not None else " (none trained)")
        print(f"metrics: {args.out}/metrics.jsonl; plots: {args.out}/solved.png, diversity.png, proof_lengths.png, "
              f"collapse.png; "
              f"policy: {args.out}/policy{which}")
    return 0


def run(args, cfg: Config) -> int:
    if args.sft is None and (args.corpus is not None or args.ttrl is not None):
        return _learn(args, cfg)
    if args.sft is None:
        raise ProverError("nothing to train on: give CORPUS (expert iteration), --sft DATA.jsonl (supervised) "
                          "or --ttrl STATEMENT (test-time RL)")
    if args.corpus is not None:
        raise ProverError("give either CORPUS or --sft DATA.jsonl, not both")
    if args.out is None:
        raise ProverError("--sft needs --out DIR, the checkpoint directory to write")
    from prover.policy.data import read_examples
    from prover.policy.train import train_sft

    examples = read_examples(args.sft)
    if not examples:
        raise ProverError(f"{args.sft} holds no examples")

    result = train_sft(examples, args.out, cfg.train, cfg.policy, resume=args.resume, progress=not args.json)
    if args.json:
        print(json.dumps({
            "out": str(result.out_dir), "steps": result.steps, "examples": result.examples,
            "parameters": result.parameters, "losses": result.losses, "eval_losses": result.eval_losses}))
    else:
        print(result.summary())
        print(f"checkpoint: {result.out_dir} (use it with: prover prove --policy {result.out_dir} ...)")
    return 0
