"""Options that several commands share, declared once: what an attempt is (env, budget, search, policy,
mode) and where it runs (workers, cluster)."""

from __future__ import annotations

import argparse
from typing import get_args

from prover.config import SearchConfig

ALGORITHMS = list(get_args(SearchConfig.model_fields["algorithm"].annotation))


def add_attempt_options(p: argparse.ArgumentParser, *, per: str = "per attempt") -> None:
    p.add_argument("--env", dest="env", choices=["lean", "prop"],
                   help="verifier backend (default: lean; prop:... datasets imply prop)")
    p.add_argument("--budget-steps", dest="search.budget_steps", type=int, metavar="N", help=f"env calls {per}")
    p.add_argument("--timeout", dest="search.timeout", type=float, metavar="S", help=f"wall seconds {per}")
    p.add_argument("--search", dest="search.algorithm", choices=ALGORITHMS, help="search algorithm (default: mcts)")
    p.add_argument("--policy", dest="policy.kind", metavar="automation|uniform|DIR", help="tactic proposer")
    p.add_argument("--rank", dest="policy.candidates", choices=["uniform", "automation", "none"],
                   help="with --policy DIR: the model ranks this proposer's tactics instead of writing its own "
                        "(none: it writes them; default: as the checkpoint was trained)")
    p.add_argument("--mode", dest="policy.mode", choices=["tactic", "whole", "hybrid"],
                   help="tactic: tree search (default); whole: sample complete proofs; hybrid: search on from "
                        "where a sampled proof breaks")
    p.add_argument("--samples", dest="policy.samples", type=int, metavar="N",
                   help="whole/hybrid: proofs sampled at most (default 32)")
    p.add_argument("--all-samples", dest="policy.stop_at_first", action="store_false", default=None,
                   help="whole: check every sample instead of stopping at the first proof (pass@k over samples)")
    p.add_argument("--whole-format", dest="policy.whole_format", metavar="NAME",
                   help="whole/hybrid prompt layout: ours, deepseek-v1.5, deepseek-v2, kimina")
    p.add_argument("--policy-endpoint", dest="policy.endpoint", metavar="URL",
                   help="a model on an OpenAI-compatible server (vLLM, SGLang, ...) instead of --policy")


def add_run_options(p: argparse.ArgumentParser, workers_help: str) -> None:
    p.add_argument("--workers", dest="ray.workers", type=int, metavar="N", help=workers_help)
    p.add_argument("--ray-address", dest="ray.address", metavar="ADDR",
                   help="join this Ray cluster (e.g. ray://head:10001, or auto) instead of starting Ray locally")


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
