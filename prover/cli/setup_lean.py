"""`prover setup-lean`: not built yet; says so rather than printing anything made up."""

from __future__ import annotations

from prover.config import Config
from prover.core import ProverError


def add_parser(sub, parent) -> None:
    p = sub.add_parser("setup-lean", parents=[parent], help="set up the pinned Lean toolchain, Mathlib and the REPL (not built yet)")
    p.add_argument("rest", nargs="*", help="arguments, once built")
    p.set_defaults(handler=run)


def run(args, cfg: Config) -> int:
    raise ProverError("the Lean setup (lean_project/, issue 3) is not built yet")
