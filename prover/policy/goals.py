"""Reading goals text as Lean prints it, for policies that reason about its shape (text only, no Lean).

    case inl              <- optional case tag
    p q : Prop            <- grouped names of one type (here: propositional variables)
    h : p ∧ q             <- a hypothesis; long types continue on indented lines
    ⊢ q ∧ p               <- the target
                          <- goals are separated by a blank line

Propositional formulas are parsed with Lean 4's notation levels: ¬ (max, argument at 40) binds tighter than
∧ (infixr 35), ∨ (infixr 30), → (infixr 25), ↔ (20). Anything else is kept as opaque text (None).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A formula: ("var", name) | ("true",) | ("false",) | ("not", f) | ("and"|"or"|"imp"|"iff", f, g)
Formula = tuple


@dataclass(frozen=True)
class Hyp:
    name: str
    type: str
    formula: Formula | None

    @property
    def accessible(self) -> bool:
        """Lean marks shadowed or anonymous hypotheses with ✝: they cannot be named in a tactic."""
        return "✝" not in self.name


@dataclass
class Goal:
    target: str
    formula: Formula | None
    hyps: list[Hyp] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)
    case: str | None = None

    def names(self) -> set[str]:
        return set(self.variables) | {h.name for h in self.hyps}


def parse_goals(text: str) -> list[Goal]:
    """All goals in a goals text; the first is the one a tactic acts on."""
    goals = []
    for block in re.split(r"\n\s*\n", text.strip()):
        goal = _parse_goal(block)
        if goal is not None:
            goals.append(goal)
    return goals


def _logical_lines(block: str) -> list[str]:
    lines: list[str] = []
    for raw in block.split("\n"):
        if raw[:1].isspace() and lines:
            lines[-1] += " " + raw.strip()  # Lean wraps long types onto indented lines
        elif raw.strip():
            lines.append(raw.strip())
    return lines


def _parse_goal(block: str) -> Goal | None:
    case, hyps, variables, target = None, [], [], None
    for line in _logical_lines(block):
        if line.startswith("case "):
            case = line[5:].strip()
        elif line.startswith("⊢"):
            target = line[1:].strip()
        elif " : " in line:
            names, typ = line.split(" : ", 1)
            typ = typ.strip()
            for name in names.split():
                if typ in ("Prop", "Sort 0"):
                    variables.append(name)
                else:
                    hyps.append(Hyp(name, typ, parse_formula(typ)))
    if target is None:
        return None
    return Goal(target, parse_formula(target), hyps, variables, case)


_TOKEN = re.compile(r"\s*(?:(?P<sym>[()¬∧∨→↔])|(?P<ident>[^\s()¬∧∨→↔]+))")
_IDENT = re.compile(r"^[A-Za-z_α-ωΑ-Ω][\w'.!?₀-₉✝]*$")
_BINARY = {"∧": ("and", 35), "∨": ("or", 30), "→": ("imp", 25), "↔": ("iff", 20)}


def parse_formula(text: str) -> Formula | None:
    """The propositional formula in `text`, or None when it is not one (quantifiers, arithmetic, ...)."""
    tokens: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            return None
        tok = m.group("sym") or m.group("ident")
        if m.group("ident") and not _IDENT.match(tok):
            return None
        tokens.append(tok)
        pos = m.end()
    parser = _Parser(tokens)
    try:
        result = parser.expr(0)
    except ValueError:
        return None
    return result if parser.i == len(tokens) else None


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens, self.i = tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> str:
        if self.i >= len(self.tokens):
            raise ValueError("unexpected end")
        self.i += 1
        return self.tokens[self.i - 1]

    def expr(self, min_prec: int) -> Formula:
        left = self.unary()
        while (op := self.peek()) in _BINARY and _BINARY[op][1] >= min_prec:
            kind, prec = _BINARY[self.take()]
            # ∧ ∨ → associate to the right; ↔ does not associate (Lean demands parentheses)
            right = self.expr(prec if kind != "iff" else prec + 1)
            left = (kind, left, right)
            if kind == "iff" and self.peek() == "↔":
                raise ValueError("↔ does not chain")
        return left

    def unary(self) -> Formula:
        tok = self.take()
        if tok == "¬":
            return ("not", self.unary())
        if tok == "(":
            inner = self.expr(0)
            if self.take() != ")":
                raise ValueError("unbalanced")
            return inner
        if tok in _BINARY or tok == ")":
            raise ValueError(f"unexpected {tok}")
        return {"True": ("true",), "False": ("false",)}.get(tok, ("var", tok))


def conclusion(f: Formula) -> Formula:
    """The final conclusion of an implication chain: `a → b → c` gives `c`; `¬a` gives False."""
    while f[0] in ("imp", "not"):
        f = f[2] if f[0] == "imp" else ("false",)
    return f
