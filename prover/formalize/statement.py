"""Reading a declaration's shape (name, binders, conclusion) and normalising it for comparison.

Two candidates that differ only in the theorem's name, the names of their binders or whitespace state the
same thing; `normalize` maps them to one string. The parse is shallow on purpose: binders are the
bracketed groups between the name and the first top-level colon, the rest is the conclusion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEAD = re.compile(r"^\s*(theorem|lemma)\s+([^\s(:{\[⦃]+)\s*")
_IDENT = re.compile(r"[^\W\d][\w']*")
_OPEN = {"(": ")", "{": "}", "[": "]", "⦃": "⦄"}


@dataclass(frozen=True)
class Binder:
    bracket: str  # "(", "{", "[" or "⦃"
    names: tuple[str, ...]  # empty for an anonymous instance `[Fintype α]`
    type: str


@dataclass(frozen=True)
class Shape:
    name: str
    binders: tuple[Binder, ...]
    conclusion: str

    def hypotheses(self) -> tuple[Binder, ...]:
        """Binders that assume something (their type is not a sort or a plain type like `ℕ`)."""
        return tuple(b for b in self.binders if b.bracket == "(" and not _is_type(b.type))

    def render(self, name: str | None = None, conclusion: str | None = None) -> str:
        parts = [f"theorem {name or self.name}"]
        for b in self.binders:
            inner = f"{' '.join(b.names)} : {b.type}" if b.names else b.type
            parts.append(b.bracket + inner + _OPEN[b.bracket])
        return " ".join(parts) + f" : {self.conclusion if conclusion is None else conclusion}"


def _is_type(text: str) -> bool:
    text = text.strip()
    return text in {"Prop", "Type", "ℕ", "ℤ", "ℚ", "ℝ", "ℂ", "Nat", "Int", "Rat", "Real", "Complex"} or \
        text.startswith(("Type ", "Sort ", "Finset ", "Set ", "ℕ →", "ℝ →", "ℤ →", "Fin "))


def parse(statement: str) -> Shape | None:
    """The declaration's name, binders and conclusion; None when it is not a `theorem NAME ... : T`."""
    m = _HEAD.match(statement)
    if not m:
        return None
    text, i, binders = statement, m.end(), []
    while i < len(text):
        c = text[i]
        if c.isspace():
            i += 1
        elif c in _OPEN:
            end = _matching(text, i)
            if end is None:
                return None
            binders.append(_binder(c, text[i + 1:end]))
            i = end + 1
        elif c == ":" and not text.startswith(":=", i):
            conclusion = text[i + 1:].strip()
            return Shape(m.group(2), tuple(binders), conclusion) if conclusion else None
        else:
            return None
    return None


def _matching(text: str, start: int) -> int | None:
    depth = 0
    for j in range(start, len(text)):
        if text[j] in "({[⦃⟨":
            depth += 1
        elif text[j] in ")}]⦄⟩":
            depth -= 1
            if depth == 0:
                return j
    return None


def _binder(bracket: str, inner: str) -> Binder:
    depth = 0
    for j, c in enumerate(inner):
        depth += c in "({[⦃⟨"
        depth -= c in ")}]⦄⟩"
        if c == ":" and depth == 0 and not inner.startswith(":=", j):
            names = tuple(inner[:j].split())
            if all(_IDENT.fullmatch(n) for n in names):
                return Binder(bracket, names, inner[j + 1:].strip())
    return Binder(bracket, (), inner.strip())


def normalize(statement: str) -> str:
    """The statement with its name dropped, binder names numbered in order, whitespace collapsed."""
    shape = parse(statement)
    text = " ".join(statement.split())
    if shape is None:
        return text
    names: dict[str, str] = {}
    for b in shape.binders:
        for n in b.names:
            names.setdefault(n, f"x{len(names)}")

    def rename(m: re.Match) -> str:
        if m.start() > 0 and text[m.start() - 1] == ".":
            return m.group(0)  # a field or namespace (`h.1`'s `1` is no identifier; `Nat.succ`'s `succ`)
        return names.get(m.group(0), m.group(0))

    text = " ".join(shape.render(name="_").split())
    text = _IDENT.sub(rename, text)
    return re.sub(r"([(\[{⟨]) | ([)\]}⟩])", lambda m: m.group(1) or m.group(2), text)
