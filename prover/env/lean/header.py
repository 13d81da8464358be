"""A Lean header split the way the REPL pool uses it: the imports (one Mathlib import per process) and
the rest (options, opens), normalised so that headers that mean the same share one cache entry.

`import` lines are what costs: the REPL runs `importModules` for every command sent without `env` and for
every unpickle. So a process elaborates its import set once (the base environment) and each header's
rest runs as a command on that base (`{"cmd": rest, "env": base}`), which is cheap. Normalising drops
comments, blank lines, trailing whitespace and runs of spaces inside a line (never leading indentation:
a continuation line must stay indented, as Lean's column rules read it). Only the imports that open the
header count as imports; an `import` after a command stays in the rest, where Lean rejects it as it
would in a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from prover.env.lean.lexer import LexError, tokenize

_IMPORT = re.compile(r"^import\s+(\S+)\s*$")


@dataclass(frozen=True)
class Header:
    imports: tuple[str, ...]  # module names, in first-seen order, no duplicates
    rest: str  # the normalised non-import lines ("" when none)

    @property
    def key(self) -> str:
        """The cache key of the whole header: its normalised text."""
        return "\n".join([*(f"import {m}" for m in self.imports), *([self.rest] if self.rest else [])])

    @property
    def import_key(self) -> frozenset[str]:
        """What the pool keys processes by: the set of imported modules."""
        return frozenset(self.imports)

    @property
    def import_command(self) -> str:
        return "\n".join(f"import {m}" for m in self.imports)


def strip_comments(text: str) -> str:
    """`text` with Lean comments (`-- ...`, nested `/- ... -/`, doc comments) blanked out, every other
    character keeping its line and column (Lean's layout rules read columns). Comments are what lies
    between the tokens of Lean's lexer; text it cannot lex is returned as it is (the gate refuses it)."""
    try:
        tokens = [t for t in tokenize(text) if t.kind != "doc"]
    except LexError:
        return text
    out, at = [], 0
    for tok in tokens:
        out += [_blank(text[at:tok.start]), text[tok.start:tok.end]]
        at = tok.end
    return "".join(out) + _blank(text[at:])


def _blank(gap: str) -> str:
    return re.sub(r"\S", " ", gap)  # whitespace and line breaks kept, comment text blanked


def _squeeze(line: str) -> str:
    """Runs of spaces inside a line become one (outside string literals); indentation and the end trimmed."""
    indent = line[:len(line) - len(line.lstrip())]
    parts = re.split(r'("(?:[^"\\]|\\.)*")', line.strip())
    return indent + "".join(p if k % 2 else re.sub(r"\s+", " ", p) for k, p in enumerate(parts))


def parse_header(text: str) -> Header:
    imports: list[str] = []
    rest: list[str] = []
    for raw in strip_comments(text).splitlines():
        line = _squeeze(raw.replace("\t", " "))
        if not line.strip():
            continue
        m = _IMPORT.match(line.strip())
        if m is not None and not rest:
            if m.group(1) not in imports:
                imports.append(m.group(1))
        else:
            rest.append(line)
    return Header(tuple(imports), "\n".join(rest))
