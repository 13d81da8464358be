"""`prover train`: not built yet; says so rather than printing anything made up."""

from __future__ import annotations

from prover.config import Config
from prover.core import ProverError


def add_parser(sub, parent) -> None:
    p = sub.add_parser("train", parents=[parent], help="train the policy (not built yet)")
    p.add_argument("rest", nargs="*", help="arguments, once built")
    p.set_defaults(handler=run)


def run(args, cfg: Config) -> int:
    raise ProverError("training (prover/policy and prover/learn, issues 4 and 8) is not built yet")
