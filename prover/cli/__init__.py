"""`prover prove | check | bench | report | train | data | formalize | doctor | setup-lean`.

Every command module exposes `add_parser(subparsers)`, which registers itself with `run(args, cfg) -> int`
as its handler. Errors a user can cause become one line on stderr and exit 2; `--debug` shows the
traceback. Exit codes: 0 proved/verified/ok, 1 not proved or rejected, 2 bad input or missing setup.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

from prover import __version__
from prover.config import Config, load
from prover.core import ProverError

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def _command_modules():
    # The command modules are light; each imports its subsystem (torch, ray, ...) only when it runs.
    from prover.cli import (
        bench,
        check,
        config_cmd,
        data,
        doctor,
        formalize,
        prove,
        report,
        serve,
        setup_lean,
        train,
    )

    return [prove, check, bench, report, train, data, formalize, serve, config_cmd, doctor, setup_lean]


def common_options() -> argparse.ArgumentParser:
    """Options every subcommand takes (a parent parser, so they may come after the subcommand)."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--config", metavar="FILE", help="TOML configuration file")
    p.add_argument("--debug", action="store_true", default=None, help="show tracebacks")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="prover", description="A Lean-verified theorem prover.")
    parser.add_argument("--version", action="version", version=f"prover {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parent = common_options()
    for module in _command_modules():
        module.add_parser(sub, parent)
    return parser


def overrides_from(args: argparse.Namespace) -> dict[str, object]:
    """Command-line options that map onto configuration fields (dest='section.field', or a top-level field)."""
    top = set(Config.model_fields) - {"debug"}
    return {k: v for k, v in vars(args).items() if ("." in k or k in top) and v is not None} | (
        {"debug": True} if getattr(args, "debug", None) else {}
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse already printed its one-line usage error
        return EXIT_USAGE if e.code not in (0, None) else EXIT_OK
    debug = bool(getattr(args, "debug", False))
    try:
        cfg: Config = load(getattr(args, "config", None), os.environ, overrides_from(args))
        debug = cfg.debug
        return int(args.handler(args, cfg))
    except ProverError as e:
        if debug:
            traceback.print_exc()
        print(f"prover {args.command}: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"prover {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
