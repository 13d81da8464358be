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
# symbol -> (kind, precedence, least precedence of the left operand, of the right operand)
_BINARY = {"∧": ("and", 35, 36, 35), "∨": ("or", 30, 31, 30), "→": ("imp", 25, 26, 25), "↔": ("iff", 20, 21, 21)}
_ATOM = 1024
# Formulas nested deeper than this are opaque (None) to the policies: they compare formulas as nested
# tuples, and Python compares and hashes those recursively.
MAX_DEPTH = 200


def parse_formula(text: str) -> Formula | None:
    """The propositional formula in `text`, or None when it is not one (quantifiers, arithmetic, ...)
    or is nested more than MAX_DEPTH deep. Operator precedence from explicit stacks, no recursion."""
    operands: list[tuple[Formula, int, int]] = []  # (formula, precedence, depth)
    ops: list[str] = []  # "∧" "∨" "→" "↔", "¬", or "(" pending
    text = text.strip()
    pos, expect_operand = 0, True

    def reduce() -> bool:
        rhs, _, dr = operands.pop()
        lhs, _, dl = operands.pop()
        kind, prec, _, _ = _BINARY[ops.pop()]
        operands.append(((kind, lhs, rhs), prec, max(dl, dr) + 1))
        return operands[-1][2] <= MAX_DEPTH

    def atom(f: Formula, depth: int) -> bool:
        while ops and ops[-1] == "¬":
            ops.pop()
            f, depth = ("not", f), depth + 1
        operands.append((f, _ATOM, depth))
        return depth <= MAX_DEPTH

    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            return None
        pos = m.end()
        tok = m.group("sym") or m.group("ident")
        if expect_operand:
            if tok in ("¬", "("):
                ops.append(tok)
            elif m.group("ident") and _IDENT.match(tok):
                if not atom({"True": ("true",), "False": ("false",)}.get(tok, ("var", tok)), 0):
                    return None
                expect_operand = False
            else:
                return None
        elif tok in _BINARY:
            _, prec, lmin, _ = _BINARY[tok]
            while ops and ops[-1] in _BINARY and prec < _BINARY[ops[-1]][3]:
                if not reduce():
                    return None
            if operands[-1][1] < lmin:  # `p ↔ q ↔ r`: Lean rejects it too
                return None
            ops.append(tok)
            expect_operand = True
        elif tok == ")" and "(" in ops:
            while ops[-1] != "(":
                if not reduce():
                    return None
            ops.pop()
            f, _, depth = operands.pop()
            if not atom(f, depth):
                return None
        else:
            return None
    if expect_operand or "(" in ops:
        return None
    while ops:
        if not reduce():
            return None
    return operands[0][0]


def conclusion(f: Formula) -> Formula:
    """The final conclusion of an implication chain: `a → b → c` gives `c`; `¬a` gives False."""
    while f[0] in ("imp", "not"):
        f = f[2] if f[0] == "imp" else ("false",)
    return f


_SHOW = {"and": (" ∧ ", 35, 36, 35), "or": (" ∨ ", 30, 31, 30), "imp": (" → ", 25, 26, 25), "iff": (" ↔ ", 20, 21, 21)}


def show_formula(f: Formula, min_prec: int = 0) -> str:
    """Lean's text of a formula (its precedences, fewest parentheses); formulas here are at most
    MAX_DEPTH deep."""
    kind = f[0]
    if kind == "var":
        return f[1]
    if kind in ("true", "false"):
        return "True" if kind == "true" else "False"
    if kind == "not":
        return "¬" + show_formula(f[1], 40)
    sym, prec, lmin, rmin = _SHOW[kind]
    text = show_formula(f[1], lmin) + sym + show_formula(f[2], rmin)
    return f"({text})" if prec < min_prec else text
