"""Prompts for the formalizer and the statement inside a completion.

Two formats. "fewshot", for a pretrained language model or an endpoint: worked pairs from a file of the
miniF2F schema (`informal_prefix`, a Lean doc comment, -> `formal_statement`), then the problem as a doc
comment, and the model continues with `theorem`. "plain", for a model trained on (informal, statement)
pairs alone, like the prop demo's: the informal text is the whole prompt, in the policy's `:::` layout.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from prover.core import ProverError, read_lines

INSTRUCTION = "Translate each informal problem into a Lean 4 theorem statement.\n\n"


@dataclass(frozen=True)
class Pair:
    informal: str
    formal: str  # the statement without its proof


def load_pairs(path: Path, split: str | None = "valid") -> list[Pair]:
    """(informal, formal) pairs from a JSONL file of the miniF2F schema; [] when the file is absent."""
    if not path.is_file():
        return []
    pairs = []
    lines = read_lines(path, "examples file")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            informal, formal = row["informal_prefix"], row["formal_statement"]
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise ProverError(f"{path}:{number}: not a line of the miniF2F schema ({e})") from e
        if split is None or row.get("split") == split:
            pairs.append(Pair(doc_comment(informal), strip_proof(formal)))
    return pairs


def doc_comment(text: str) -> str:
    """The informal text as a Lean doc comment (kept as is when it already is one)."""
    text = text.strip()
    if text.startswith("/--") and text.endswith("-/"):
        return text
    return f"/-- {text} -/"


def strip_proof(statement: str) -> str:
    return re.sub(r"\s*:=\s*(by)?\s*(sorry)?\s*$", "", statement.rstrip())


def fewshot_prompt(informal: str, pairs: list[Pair], shots: int) -> str:
    parts = [INSTRUCTION]
    for pair in pairs[:shots]:
        parts.append(f"{pair.informal}\n{pair.formal} := by\n\n")
    parts.append(f"{doc_comment(informal)}\ntheorem")
    return "".join(parts)


_END = re.compile(r":=|\n\s*\n|/--|```")
_FENCE = re.compile(r"^\s*```[a-z0-9]*\s*")
_DECL = re.compile(r"^\s*(theorem|lemma)\b")


def statement_from(completion: str, fewshot: bool) -> str | None:
    """The declaration a completion makes: up to `:=`, a blank line or the next doc comment.

    A few-shot prompt ends in `theorem`, so the completion continues it; a chat answer may instead
    repeat the whole declaration, perhaps in a code fence.
    """
    text = _FENCE.sub("", completion)
    if fewshot and not _DECL.match(text):
        text = "theorem" + text
    m = _END.search(text)
    text = (text[: m.start()] if m else text).strip()
    return text or None
