"""Reading what a user hands the CLI: a statement or a file, a tactic list or a file. Bad input -> ProverError."""

from __future__ import annotations

import re
from pathlib import Path

from prover.config import Config
from prover.core import ProverError, StatementError, Theorem

MAX_INPUT_BYTES = 1 << 20  # a statement or proof file larger than this is refused, not read
_DECL_START = re.compile(r"^(?:theorem|lemma|example)\b", re.MULTILINE)


def read_text(arg: str, what: str) -> tuple[str, bool]:
    """The argument itself, or the contents of the file it names. Returns (text, came_from_file)."""
    if not arg.strip():
        raise ProverError(f"empty {what}")
    path = Path(arg)
    looks_like_path = "\n" not in arg and len(arg) < 4096 and (path.suffix in {".lean", ".txt", ".tac"} or "/" in arg)
    try:
        is_file = looks_like_path and path.is_file()
    except OSError:
        is_file = False
    if not is_file:
        if looks_like_path and not any(c in arg for c in " :∀→"):
            raise ProverError(f"no such file: {arg}")
        return arg, False
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise ProverError(f"{arg} is {size} bytes; the limit for a {what} file is {MAX_INPUT_BYTES}")
        return path.read_text(encoding="utf-8"), True
    except UnicodeDecodeError as e:
        raise ProverError(f"{arg} is not UTF-8 text") from e
    except OSError as e:
        raise ProverError(f"cannot read {arg}: {e.strerror}") from e


def read_theorem(arg: str, cfg: Config) -> Theorem:
    """A statement given inline or as a file. In a file, everything before the first declaration is its header."""
    text, from_file = read_text(arg, "statement")
    m = _DECL_START.search(text)
    if from_file and m:
        header, stmt = text[: m.start()].strip("\n"), text[m.start():]
    else:
        header, stmt = "", text
    if not stmt.strip():
        raise StatementError("empty statement")
    if cfg.env == "lean" and not header:
        header = cfg.lean.header
    return Theorem.from_text(stmt, header=header)


def read_tactics(arg: str) -> list[str]:
    """Tactics one per line (inline `;`-free text or a file); blank lines and `--` comments are skipped."""
    text, _ = read_text(arg, "proof")
    tactics = [line.strip() for line in text.splitlines()]
    tactics = [t for t in tactics if t and not t.startswith("--")]
    if not tactics:
        raise ProverError("the proof has no tactics")
    return tactics
