"""Test-time RL on one hard prop target: search it; if that fails, generate variants (prover.learn.variants,
including the sub-goals the failed search left open), prove what can be proved, train on those proofs
(plus any original data), and search the target again, up to `learn.ttrl_rounds` times.

DIR/ttrl.jsonl gets one line per round (the target's attempt, variants made and proved); DIR/round-K/policy
is the checkpoint trained in round K. The target's own proof, when found, was checked like any other.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from prover.config import Config
from prover.core import ProverError, Theorem
from prover.learn.buffer import Example, dedup
from prover.learn.expert import policy_for, search_all, train_round


def test_time_rl(cfg: Config, target: Theorem, out: str | Path, data: str | None = None,
                 log: Callable[[str], None] | None = None) -> dict:
    if cfg.env != "prop":
        raise ProverError("test-time RL makes and checks its variants with the prop bench's decision procedure: "
                          "pass --env prop")
    from prover.learn.corpus import original_examples
    from prover.learn.variants import variants

    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ProverError(f"{out} is not empty; choose a new --out")
    out.mkdir(parents=True, exist_ok=True)
    say = log or (lambda _m: None)
    original = original_examples(data)
    learned: list[Example] = []
    ckpt: Path | None = None
    rows: list[dict] = []
    learn = cfg.learn
    for k in range(learn.ttrl_rounds + 1):
        policy = policy_for(cfg, ckpt)
        tried = search_all(cfg, policy, [target], f"ttrl-{k}", f"round {k}: target", keep_graphs=True)
        record = tried.records[0]
        row = {"round": k, "proved": record["proved"], "tactics": record["tactics"], "stats": record["stats"]}
        if record["proved"] or k == learn.ttrl_rounds:
            rows.append(row)
            say(f"round {k}: target {'proved' if record['proved'] else 'not proved'}")
            break
        made = variants(target, tried.graphs[0], limit=learn.ttrl_variants, seed=learn.seed + k)
        found = search_all(cfg, policy, made, f"ttrl-{k}", f"round {k}: variants")
        learned += found.examples
        row |= {"variants": len(made), "variants_proved": len(found.proofs),
                "variant_statements": [r["theorem"] for r in found.records if r["proved"]]}
        rows.append(row)
        say(f"round {k}: target not proved; {len(found.proofs)}/{len(made)} variants proved, "
            f"{len(learned)} examples learned so far")
        if not learned and not original:
            say("no variant was proved: nothing to learn from")
            break
        trained = out / f"round-{k}" / "policy"
        train_round(cfg, dedup(original + learned), trained, ckpt, k, log is not None)
        ckpt = trained
    (out / "ttrl.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    final = rows[-1]
    trained = sum(1 for k in range(len(rows)) if (out / f"round-{k}" / "policy").is_dir())
    return {"target": target.statement, "proved": final["proved"], "tactics": final["tactics"],
            "trained_rounds": trained, "rounds": rows}


