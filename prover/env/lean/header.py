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
    """`text` with Lean comments (`-- ...`, nested `/- ... -/`) blanked out, every other character keeping
    its line and column (Lean's layout rules read columns); string literals kept whole."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/-", i):
            start, depth, i = i, 1, i + 2
            while i < n and depth:
                if text.startswith("/-", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("-/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
            out.append(re.sub(r"[^\n]", " ", text[start:i]))  # columns and line breaks kept
        elif text[i] == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


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
