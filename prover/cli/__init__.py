"""`prover prove | check | bench | report | train | data | formalize | doctor | setup-lean`.

Every command module exposes `add_parser(subparsers)`, which registers itself with `run(args, cfg) -> int`
as its handler. Errors a user can cause become one line on stderr and exit 2; `--debug` shows the
traceback. Exit codes: 0 proved/verified/ok, 1 not proved or rejected, 2 bad input or missing setup.

With `--json` stdout holds exactly one JSON object, whatever happens: the command's own, or, when it fails
before printing one (bad input, a usage error, a crash), `{"command", "error", "exit_code"}`; a failing
command's object always has `error` set.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import traceback

from prover import __version__
from prover.config import Config, load
from prover.core import ProverError

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """argparse's complaint, raised instead of exiting so `main` can answer it (as JSON too)."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own output, then main decides the exit
        self.print_usage(sys.stderr)
        raise UsageError(f"{self.prog}: error: {message}")


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
    p = Parser(add_help=False)
    p.add_argument("--config", metavar="FILE", help="TOML configuration file")
    p.add_argument("--debug", action="store_true", default=None, help="show tracebacks")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.add_argument("--quiet", "-q", action="store_true",
                   help="no progress bars or notes on stderr; errors still get their one line")
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="prover", description="A Lean-verified theorem prover.")
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


def _json_answer(command: str | None, out: str, code: int, error: str | None) -> str:
    """The one JSON object for stdout: the last object the command printed (other lines go to stderr),
    with `error` set when the command failed; or a small object of our own when it printed none."""
    lines = out.splitlines()
    for at in range(len(lines) - 1, -1, -1):
        try:
            obj = json.loads(lines[at])
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            break
    else:
        at, obj = -1, None
    stray = [line for i, line in enumerate(lines) if i != at and line.strip()]
    if stray:
        print("\n".join(stray), file=sys.stderr)
    if obj is None:
        obj = {"command": command, "error": error if code else None, "exit_code": code}
    if code and not obj.get("error"):
        obj["error"] = error or f"exit code {code}"
    return json.dumps(obj, ensure_ascii=False)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as e:  # argparse printed its usage; its complaint is one line
        print(e, file=sys.stderr)
        if "--json" in argv:
            names = {m.__name__.rsplit(".", 1)[-1].replace("_", "-") for m in _command_modules()}
            print(_json_answer(next((a for a in argv if a in names), None), "", EXIT_USAGE, str(e)))
        return EXIT_USAGE
    except SystemExit as e:  # --help, --version
        return EXIT_USAGE if e.code not in (0, None) else EXIT_OK
    debug = bool(getattr(args, "debug", False))
    as_json = bool(getattr(args, "json", False))
    quiet = bool(getattr(args, "quiet", False))
    out = io.StringIO()
    code, error = EXIT_OK, None
    try:
        with (contextlib.redirect_stdout(out) if as_json else contextlib.nullcontext(),
              contextlib.redirect_stderr(io.StringIO()) if quiet else contextlib.nullcontext()):
            cfg: Config = load(getattr(args, "config", None), os.environ, overrides_from(args))
            debug = cfg.debug
            limit_threads(cfg, args.command)
            code = int(args.handler(args, cfg))
    except ProverError as e:
        if debug:
            traceback.print_exc()
        print(f"prover {args.command}: {e}", file=sys.stderr)
        code, error = EXIT_USAGE, str(e)
    except KeyboardInterrupt:
        print(f"prover {args.command}: interrupted", file=sys.stderr)
        code, error = 130, "interrupted"
    except RecursionError:  # a reader that recurses met input nested past Python's stack: bad input, one line
        error = "the input is nested too deeply to read"
        print(f"prover {args.command}: {error}", file=sys.stderr)
        code = EXIT_USAGE
    except Exception as e:  # a bug: the traceback goes to stderr, and a script still gets its object
        if as_json:
            print(_json_answer(args.command, out.getvalue(), 1, f"internal error: {type(e).__name__}: {e}"))
        raise
    if as_json:
        print(_json_answer(args.command, out.getvalue(), code, error))
    return code


def limit_threads(cfg: Config, command: str) -> None:
    """torch's CPU threads for this process and its children (policy.threads; train.threads for `train`),
    set before torch is imported, through OMP_NUM_THREADS, which torch reads then. A thread count the user
    gave (in the configuration, or OMP_NUM_THREADS itself) is kept; 0 leaves torch's default."""
    section = cfg.train if command == "train" else cfg.policy
    if section.threads == 0 or ("threads" not in section.model_fields_set and "OMP_NUM_THREADS" in os.environ):
        return
    if "torch" in sys.modules:  # called in-process after torch was loaded (tests): set it directly
        sys.modules["torch"].set_num_threads(section.threads)
        return
    os.environ["OMP_NUM_THREADS"] = str(section.threads)


if __name__ == "__main__":
    sys.exit(main())
