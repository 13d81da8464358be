"""`prover train --sft DATA.jsonl --out DIR`: supervised training of a policy checkpoint.

DATA holds {"state": goals text, "tactic": ..., "value": optional 0..1} lines; DIR becomes a checkpoint that
`prover prove --policy DIR` loads. Corpus training (`prover train CORPUS`, expert iteration) is issue 8.
"""

from __future__ import annotations

import json

from prover.config import Config
from prover.core import ProverError


def add_parser(sub, parent) -> None:
    p = sub.add_parser("train", parents=[parent], help="train the policy (supervised: --sft DATA.jsonl)")
    p.add_argument("corpus", nargs="?", metavar="CORPUS", help="problem corpus for expert iteration (not built yet)")
    p.add_argument("--sft", metavar="DATA.jsonl", help='supervised data: {"state", "tactic", "value"?} lines')
    p.add_argument("--out", metavar="DIR", help="checkpoint directory to write (loadable with --policy DIR)")
    p.add_argument("--resume", action="store_true", help="continue the checkpoint in --out to --steps")
    p.add_argument("--init", dest="train.init", metavar="DIR", help="start from this checkpoint, not a new model")
    p.add_argument("--steps", dest="train.steps", type=int, metavar="N", help="optimizer steps in all")
    p.add_argument("--batch-size", dest="train.batch_size", type=int, metavar="N")
    p.add_argument("--lr", dest="train.lr", type=float, metavar="LR", help="peak learning rate")
    p.add_argument("--save-every", dest="train.save_every", type=int, metavar="N", help="steps between checkpoints")
    p.add_argument("--arch", dest="train.model_arch", choices=["causal", "seq2seq"], help="new model's kind")
    p.add_argument("--device", dest="policy.device", metavar="auto|cpu|cuda")
    p.set_defaults(handler=run)


def run(args, cfg: Config) -> int:
    if args.sft is None:
        raise ProverError("corpus training (issue 8) is not built yet; "
                          "`prover train --sft DATA.jsonl --out DIR` trains a policy on (state, tactic) lines")
    if args.corpus is not None:
        raise ProverError("give either CORPUS or --sft DATA.jsonl, not both")
    if args.out is None:
        raise ProverError("--sft needs --out DIR, the checkpoint directory to write")
    from prover.policy.data import read_examples

    examples = read_examples(args.sft)
    from prover.policy.train import train_sft

    result = train_sft(examples, args.out, cfg.train, cfg.policy, resume=args.resume, progress=not args.json)
    if args.json:
        print(json.dumps({
            "out": str(result.out_dir), "steps": result.steps, "examples": result.examples,
            "parameters": result.parameters, "losses": result.losses, "eval_losses": result.eval_losses}))
    else:
        print(result.summary())
        print(f"checkpoint: {result.out_dir} (use it with: prover prove --policy {result.out_dir} ...)")
    return 0
