"""`prover formalize`: not built yet; says so rather than printing anything made up."""

from __future__ import annotations

from prover.config import Config
from prover.core import ProverError


def add_parser(sub, parent) -> None:
    p = sub.add_parser("formalize", parents=[parent], help="turn an informal problem into Lean statements (not built yet)")
    p.add_argument("rest", nargs="*", help="arguments, once built")
    p.set_defaults(handler=run)


def run(args, cfg: Config) -> int:
    raise ProverError("the autoformalizer (prover/formalize, issue 9) is not built yet")
