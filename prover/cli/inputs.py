"""Reading what a user hands the CLI: a statement or a file, a tactic list or a file. Bad input -> ProverError.

A statement argument is a file when it names an existing file (any name); an argument that looks like a
path (has a `/` or a file suffix) but names nothing, or names a directory, is refused, never searched. A
lone word is refused too (a prover command name, `theorem`, or a word that names no file): no one means a
single propositional variable or constant as a theorem, and it is usually a mistyped path.

A file may hold a whole proof: header, `theorem ... := by` and the tactics, which is what `prove --out
FILE.lean` writes (or the JSON record `prove --out FILE.json` writes). `prove` takes the statement alone
and refuses one with a proof attached (`:= by sorry` included) rather than drop the proof unseen; a
trailing bare `:= by` (or `:=`) holds nothing and is accepted. `check FILE` checks the proof inside FILE.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from prover.config import Config
from prover.core import ProverError, StatementError, Theorem

MAX_INPUT_BYTES = 1 << 20  # a statement or proof file larger than this is refused, not read
# A declaration starts a line; a doc comment right before it belongs to it (the gate allows one there).
_DECL_START = re.compile(r"^(?:/--(?:(?!-/).)*-/\s*)?(?:theorem|lemma|example)\b", re.MULTILINE | re.DOTALL)
_SUFFIXES = {".lean", ".txt", ".tac", ".json", ".jsonl", ".toml"}
_WORD = re.compile(r"[\w.'/\\~-]+")  # one bare name or path, nothing a formula would hold
COMMANDS = {"prove", "check", "bench", "report", "train", "data", "formalize", "doctor", "setup-lean"}
KEYWORDS = {"theorem", "lemma", "example", "by", "sorry", "Prop", "help"}
_CONSTANTS = {"True", "False"}  # lone words that are statements


def read_text(arg: str, what: str) -> tuple[str, bool]:
    """The argument itself, or the contents of the file it names. Returns (text, came_from_file)."""
    if not arg.strip():
        raise ProverError(f"empty {what}")
    path = Path(arg).expanduser()
    single = "\n" not in arg and len(arg) < 4096
    try:
        is_file, is_dir = (path.is_file(), path.is_dir()) if single else (False, False)
    except OSError:
        is_file = is_dir = False
    if is_dir:
        raise ProverError(f"{arg} is a directory, not a {what} file")
    if not is_file:
        looks_like_path = single and (path.suffix in _SUFFIXES or "/" in arg)
        if looks_like_path and not any(c in arg for c in " :∀→"):
            raise ProverError(f"no such file: {arg}")
        return arg, False
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise ProverError(f"{arg} is {size} bytes; the limit for a {what} file is {MAX_INPUT_BYTES}")
        return path.read_text(encoding="utf-8-sig"), True  # a byte-order mark is not part of the text
    except UnicodeDecodeError as e:
        raise ProverError(f"{arg} is not UTF-8 text") from e
    except OSError as e:
        raise ProverError(f"cannot read {arg}: {e.strerror}") from e


def _refuse_lone_word(arg: str, text: str) -> None:
    word = text.strip()
    if not _WORD.fullmatch(word) or word in _CONSTANTS:
        return
    example = "'theorem t (p q : Prop) : p ∧ q → q ∧ p'"
    if word in COMMANDS:
        raise ProverError(f"'{word}' is a prover command, not a statement (commands come first: prover {word} ...)")
    if word in KEYWORDS:
        raise ProverError(f"'{word}' alone is not a statement: give a whole one, e.g. {example}")
    raise ProverError(f"'{arg}' names no file here, and a lone name is not a statement: give an existing file "
                      f"or a statement, e.g. {example}")


# ---------------------------------------------------------------------------------------------------
# A declaration's statement and its proof: the first `:=` outside brackets, comments and strings.

_OPEN, _CLOSE = "([{⟨⦃", ")]}⟩⦄"


def _proof_start(text: str) -> int | None:
    """Index of the `:=` that starts the proof, or None: the first `:=` token at bracket depth 0, as Lean's
    lexer reads the text (comments, strings and «names» hide nothing). Binders' default values
    (`(n : Nat := 0)`) and structure instances sit inside brackets; a `let x := ...` at depth 0 in the
    statement's type would be taken for the proof's start (Lean statements almost never have one). Text
    Lean's lexer cannot read has no proof start here: the gate refuses it next, naming why."""
    from prover.env.lean.lexer import LexError, tokenize

    try:
        tokens = tokenize(text)
    except LexError:
        return None
    depth = 0
    for tok in tokens:
        if tok.kind != "symbol":
            continue
        if tok.text in _OPEN:
            depth += 1
        elif tok.text in _CLOSE:
            depth = max(depth - 1, 0)
        elif depth == 0 and tok.text == ":=":
            return tok.start
    return None


def split_proof(text: str) -> tuple[str, str | None]:
    """(statement, proof text after `:=`), the proof None when there is none or only a bare `by`."""
    at = _proof_start(text)
    if at is None:
        return text, None
    statement, proof = text[:at].rstrip(), text[at + 2:].strip()
    if proof in ("", "by"):
        return statement, None
    return statement, proof


def tactics_of(proof: str) -> list[str]:
    """The tactics of a proof given after `:=`: `by` and the lines after it (a line indented deeper than the
    first continues the tactic before it, as Lean reads a tactic block), or a term proof as `exact TERM`."""
    m = re.match(r"by(?=\s|$)", proof)
    if m is None:
        return [f"exact {proof}"]
    first, _, rest = proof[m.end():].partition("\n")
    tactics = [first.strip()] if first.strip() and not first.strip().startswith("--") else []
    return tactics + tactic_lines(rest)


def tactic_lines(text: str) -> list[str]:
    """Tactics one a line; blank lines and `--` comment lines skipped; deeper-indented lines continue the
    tactic before them (how `Proof.render` writes a tactic that spans lines)."""
    lines = [line.rstrip() for line in text.splitlines()]
    lines = [line for line in lines if line.strip() and not line.strip().startswith("--")]
    if not lines:
        return []
    indent = min(len(line) - len(line.lstrip()) for line in lines)
    tactics: list[str] = []
    for line in lines:
        deeper = len(line) - len(line.lstrip()) > indent
        if deeper and tactics:
            tactics[-1] += "\n" + line[indent:]
        else:
            tactics.append(line.strip())
    return tactics


def _from_record(text: str) -> tuple[str, list[str] | None] | None:
    """A `prove --out FILE.json` record: its statement and, when proved, its tactics."""
    if not text.lstrip().startswith("{"):
        return None
    try:
        record = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(record, dict) or not isinstance(record.get("theorem"), str):
        return None
    tactics = record.get("tactics")
    if record.get("proved") is True and isinstance(tactics, list) and all(isinstance(t, str) for t in tactics):
        return record["theorem"], list(tactics)
    return record["theorem"], None


@dataclass(frozen=True)
class Source:
    """A statement argument as read: the theorem, and the proof attached to it (its text after `:=` and its
    tactics), if any."""

    theorem: Theorem
    proof: str | None = None
    tactics: list[str] | None = None


def read_source(arg: str, cfg: Config) -> Source:
    """A statement given inline or as a file, with the proof attached to it, if any. In a file, everything
    before the first declaration is its header."""
    text, from_file = read_text(arg, "statement")
    record = _from_record(text) if from_file else None
    proof = None
    if record is not None:
        (stmt, tactics), header = record, ""
        proof = None if tactics is None else "by " + "; ".join(tactics)
    else:
        if not from_file:
            _refuse_lone_word(arg, text)
        m = _DECL_START.search(text)
        if from_file and m:
            header, decl = text[: m.start()].strip("\n"), text[m.start():]
        elif from_file:  # a bare formula in a file: its comment lines are no part of it
            header, decl = "", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
        else:
            header, decl = "", text
        stmt, proof = split_proof(decl)
        tactics = None if proof is None else tactics_of(proof)
    if not stmt.strip():
        raise StatementError("empty statement")
    if cfg.env == "lean" and not header:
        header = cfg.lean.header
    return Source(Theorem.from_text(stmt, header=header), proof, tactics)


def read_theorem(arg: str, cfg: Config) -> Theorem:
    """A statement alone, inline or in a file; one with a proof attached is refused, saying so."""
    source = read_source(arg, cfg)
    if source.proof is not None:
        proof = " ".join(source.proof.split())
        shown = proof if len(proof) <= 40 else proof[:37] + "..."
        raise StatementError(f"the statement has a proof attached (:= {shown}): give the statement alone "
                             "(a trailing ':= by' is fine), or check that proof with `prover check`")
    return source.theorem


def read_tactics(arg: str) -> list[str]:
    """Tactics one a line (inline text or a file), or the proof of the declaration such a file holds."""
    text, from_file = read_text(arg, "proof")
    record = _from_record(text) if from_file else None
    if record is not None:
        tactics = record[1] or []
    elif (start := _DECL_START.search(text)) is not None:
        _, proof = split_proof(text[start.start():])
        if proof is None:
            raise ProverError(f"{'the proof' if not from_file else arg} holds a statement but no proof")
        tactics = tactics_of(proof)
    else:
        tactics = tactic_lines(text)
    if not tactics:
        raise ProverError("the proof has no tactics")
    return tactics
