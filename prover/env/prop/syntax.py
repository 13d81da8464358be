"""Lexing and parsing of the Lean 4 subset the bench reads: formulas, theorem statements, terms.

Formulas use Lean 4 core's notations and precedences (ASCII `->`, `<->`, `/\\`, `\\/` are genuine
Lean 4 spellings and accepted; `~` is Lean 3 and is not). Errors are one-line `SyntaxError_` messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from prover.env.prop import formula as fm
from prover.env.prop.formula import F

_LETTER = "A-Za-z_\u03b1-\u03ba\u03bc-\u03c9\u0391-\u03a0\u03a2-\u03a8\u1f00-\u1ffe\u2100-\u214f"
_NAME = f"[{_LETTER}][{_LETTER}0-9'!?\u2080-\u2089\u2090-\u209c\u1d62-\u1d6a]*"
_TOKEN = re.compile(
    rf"(?P<ws>\s+)|(?P<proj>\.(?:[0-9]+|{_NAME}))|(?P<id>{_NAME}(?:\.{_NAME})*)|(?P<num>[0-9]+)"
    r"|(?P<sym><->|->|/\\|\\/|:=|[()¬∧∨→↔:{}⟨⟩,|\[\]])"
)
_SYM_NORMAL = {"->": "→", "<->": "↔", "/\\": "∧", "\\/": "∨"}

# Lean keywords and tactic names (tokens in Lean, not identifiers) and the constants the term language
# gives a meaning to: never variable or hypothesis names here (Lean would parse or resolve them otherwise).
RESERVED = frozenset(
    "theorem lemma example def fun by have show from at with match let if then else do in where using "
    "forall exists Prop Type Sort True False Not And Or Iff trivial absurd sorry admit obtain rcases "
    "rintro intro intros exact apply refine constructor left right exfalso contradiction assumption "
    "cases induction simp rfl calc use this suffices open import axiom instance structure class "
    "inductive namespace section end variable universe set_option attribute macro syntax notation _".split()
)


class SyntaxError_(Exception):
    """A parse error: the message is one line, fit to show a user."""


@dataclass(frozen=True)
class Tok:
    kind: str  # "id" | "proj" | "num" | "sym" | "bad" (a character outside the language)
    text: str
    glued: bool  # no whitespace before it


def tokenize(text: str) -> list[Tok]:
    toks: list[Tok] = []
    pos, glued = 0, False
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:  # reported when the parser reaches it, so earlier errors come first
            toks.append(Tok("bad", text[pos], glued))
            pos, glued = pos + 1, True
            continue
        kind = m.lastgroup or ""
        if kind == "ws":
            glued = False
        else:
            s = m.group()
            if kind == "proj" and not (toks and glued):
                raise SyntaxError_(f"unexpected token {s!r}")
            toks.append(Tok(kind, _SYM_NORMAL.get(s, s), glued))
            glued = True
        pos = m.end()
    return toks


class Parser:
    """A cursor over tokens with the formula parser; the term and tactic parsers build on it."""

    def __init__(self, toks: list[Tok]) -> None:
        self.toks, self.i = toks, 0

    def peek(self) -> Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def at(self, text: str) -> bool:
        t = self.peek()
        return t is not None and t.text == text and t.kind == "sym"

    def next(self) -> Tok:
        t = self.peek()
        if t is None:
            raise SyntaxError_("unexpected end of input")
        if t.kind == "bad":
            raise SyntaxError_(f"unexpected character {t.text!r}")
        self.i += 1
        return t

    def expect(self, text: str) -> None:
        t = self.peek()
        if t is None:
            raise SyntaxError_(f"expected '{text}' but the input ended")
        if t.text != text:
            raise SyntaxError_(f"expected '{text}' but found '{t.text}'")
        self.i += 1

    def done(self) -> bool:
        return self.i >= len(self.toks)

    def name(self, what: str = "a name") -> str:
        t = self.next()
        if t.kind != "id" or t.text in RESERVED or "." in t.text:
            raise SyntaxError_(f"expected {what} but found '{t.text}'")
        return t.text

    # Formulas: operator precedence with explicit stacks (no recursion, so nesting depth is not limited
    # by Python's stack). Lean's rule, as a Pratt parser states it: an infix operator Y continues the
    # right operand of a pending X when prec(Y) >= X's right minimum, else X is reduced first; the left
    # operand's precedence must reach Y's left minimum (`p ↔ q ↔ r` fails). `¬` takes its argument at
    # 40, above every infix operator, so it applies to the next complete atom.
    def formula(self, resolve) -> F:
        operands: list[tuple[F, int]] = []
        ops: list[int] = []  # a connective kind, _NOT, or _OPEN for a pending '('
        opens = 0

        def reduce_binary() -> None:
            kind = ops.pop()
            rhs, _ = operands.pop()
            lhs, _ = operands.pop()
            operands.append((fm._mk(kind, lhs, rhs, ""), fm.BINARY[kind][1]))

        def atom_done(f: F) -> None:
            while ops and ops[-1] == _NOT:
                ops.pop()
                f = fm.neg(f)
            operands.append((f, fm.MAX_PREC))

        t: Tok | None  # what next() returns, then what peek() sees, which may be nothing
        while True:
            # An operand is expected.
            t = self.next()
            if t.kind == "sym":
                if t.text == "¬":
                    ops.append(_NOT)
                    continue
                if t.text == "(":
                    ops.append(_OPEN)
                    opens += 1
                    continue
                raise SyntaxError_(f"unexpected token '{t.text}'" + (" (unbalanced parenthesis)" if t.text == ")" else ""))
            if t.kind != "id":
                raise SyntaxError_(f"unexpected token '{t.text}'")
            if t.text == "True":
                atom_done(fm.TRUE_F)
            elif t.text == "False":
                atom_done(fm.FALSE_F)
            elif t.text in RESERVED or "." in t.text:
                raise SyntaxError_(f"'{t.text}' is not a proposition of the propositional fragment")
            else:
                atom_done(resolve(t.text))
            # An operator, a closing parenthesis, or the end of this formula.
            while True:
                t = self.peek()
                kind = _INFIX.get(t.text) if t is not None and t.kind == "sym" else None
                if kind is not None and t is not None:  # (a kind implies a token)
                    _, prec, lmin, _ = fm.BINARY[kind]
                    while ops and ops[-1] >= 0 and prec < fm.BINARY[ops[-1]][3]:
                        reduce_binary()
                    if operands[-1][1] < lmin:
                        raise SyntaxError_(f"unexpected token '{t.text}' ('↔' is not associative: add parentheses)")
                    self.i += 1
                    ops.append(kind)
                    break
                if t is not None and t.kind == "sym" and t.text == ")" and opens:
                    self.i += 1
                    opens -= 1
                    while ops[-1] != _OPEN:
                        reduce_binary()
                    ops.pop()
                    f, _ = operands.pop()
                    atom_done(f)
                    continue
                if opens:
                    raise SyntaxError_("unbalanced parenthesis: expected ')'" + (f" but found '{t.text}'" if t else ""))
                while ops:
                    reduce_binary()
                return operands[0][0]

_INFIX = {"∧": fm.AND, "∨": fm.OR, "→": fm.IMP, "↔": fm.IFF}
_NOT, _OPEN = -1, -2  # pseudo-operators on the operator stack (connective kinds are >= 0)


def parse_formula(text: str, resolve) -> F:
    """Parse a whole formula; `resolve(name) -> F` turns a name into a variable or raises SyntaxError_."""
    p = Parser(tokenize(text))
    if p.done():
        raise SyntaxError_("empty formula")
    f = p.formula(resolve)
    if not p.done():
        t = p.next()
        raise SyntaxError_(f"unexpected token '{t.text}'" + (" (unbalanced parenthesis)" if t.text == ")" else ""))
    return f


@dataclass(frozen=True)
class Statement:
    """A parsed statement: its binders in order ((name, None) for `x : Prop`, (name, F) for a
    hypothesis) and the target."""

    binders: tuple[tuple[str, F | None], ...]
    target: F


# Words that name the prover's own commands and spec forms: as a whole statement they are a mistyped
# command line, never a proposition worth searching.
PROVER_WORDS = frozenset("prove check bench report train formalize data doctor setup-lean trace help "
                         "prop minif2f lean".split())
_PATHLIKE = re.compile(r"[/\\~]|^\.|\.[A-Za-z0-9]+$")


def _lone_word(text: str) -> None:
    """A bare statement that is one word is a path or a command typed in the wrong place far more often
    than a proposition (and a lone variable is never provable): refuse it with a hint."""
    word = text.strip()
    if not word or any(c.isspace() for c in word) or any(c in word for c in "()¬∧∨→↔"):
        return
    if word in ("True", "False"):
        return
    if _PATHLIKE.search(word) or ":" in word:
        raise SyntaxError_(f"'{word}' looks like a file path or a dataset spec, not a statement (no such file "
                           "here); write a statement such as 'theorem t (p q : Prop) : p ∧ q → q' or 'p → p'")
    if word in PROVER_WORDS:
        raise SyntaxError_(f"'{word}' is a prover command or keyword, not a statement (did you mean "
                           f"`prover {word} ...`?); write a statement such as 'p → p'")
    raise SyntaxError_(f"the statement is the single proposition '{word}', which is not provable (if a file "
                       "was meant: no such file was found); write a statement such as 'p → p'")


def parse_statement(text: str) -> Statement:
    """`theorem NAME binders* : formula`, `example binders* : formula`, or a bare formula whose free
    names become `Prop` variables in order of first appearance (a lone word is refused: `_lone_word`).
    In a declaration only the names its binders declare are variables (`(p q : Prop)`)."""
    toks = tokenize(text)
    if not toks:
        raise SyntaxError_("empty statement")
    if not (toks[0].kind == "id" and toks[0].text in ("theorem", "example", "lemma")):
        _lone_word(text)
    first = toks[0].text
    if first == "lemma" and toks[0].kind == "id":
        raise SyntaxError_("'lemma' is Mathlib syntax; Lean 4 core (and this bench) needs 'theorem'")
    if toks[0].kind == "id" and first in ("theorem", "example"):
        return _declaration(Parser(toks))
    seen: dict[str, None] = {}

    def free(name: str) -> F:
        seen.setdefault(name)
        return fm.var(name)

    p = Parser(toks)
    target = p.formula(free)
    _end_of_statement(p)
    return Statement(tuple((n, None) for n in seen), target)


def _end_of_statement(p: Parser) -> None:
    if p.done():
        return
    if p.at(":="):
        raise SyntaxError_("the statement has a proof attached (':= ...'): give the statement alone; "
                           "the proof is the prover's to find, or `prover check` reads a proof")
    t = p.next()
    raise SyntaxError_(f"unexpected token '{t.text}'" + (" (unbalanced parenthesis)" if t.text == ")" else ""))


def _declaration(p: Parser) -> Statement:
    t: Tok | None  # what next() returns, then what peek() sees, which may be nothing
    if p.next().text == "theorem":
        t = p.next()
        if t.kind != "id" or t.text in RESERVED:
            raise SyntaxError_(f"expected a theorem name but found '{t.text}'")
    binders: list[tuple[str, F | None]] = []
    variables: set[str] = set()

    def bound(name: str) -> F:
        if name not in variables:
            raise SyntaxError_(f"unknown identifier '{name}': only the variables the binders declare are "
                               f"propositions here (bind it first: ({name} : Prop))")
        return fm.var(name)

    while p.at("(") or p.at("{"):
        close = ")" if p.next().text == "(" else "}"
        names = [p.name("a binder name")]
        while (t := p.peek()) is not None and t.kind == "id":
            names.append(p.name("a binder name"))
        p.expect(":")
        t = p.peek()
        if t is not None and t.kind == "id" and t.text == "Prop":
            p.next()
            typ: F | None = None
        elif t is not None and t.kind == "id" and t.text[:1].isupper() and t.text not in ("True", "False"):
            raise SyntaxError_(f"binder '{names[0]}' has type {t.text}: the bench takes only (x : Prop) binders and hypotheses")
        else:
            typ = p.formula(bound)
        if not p.at(close):
            found = p.peek()
            raise SyntaxError_(f"unbalanced parenthesis: expected '{close}'" + (f" but found '{found.text}'" if found else ""))
        p.next()
        for n in names:
            if any(n == b for b, _ in binders):
                raise SyntaxError_(f"binder name '{n}' is used twice")
            binders.append((n, typ))
            if typ is None:
                variables.add(n)
    if p.at("["):
        raise SyntaxError_("instance binders [..] are not part of the propositional fragment")
    p.expect(":")
    target = p.formula(bound)
    _end_of_statement(p)
    return Statement(tuple(binders), target)
