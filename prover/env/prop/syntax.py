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

    # Formulas: Pratt parsing with Lean's precedences (a trailing operator applies when its precedence is
    # at least the context's and the left operand's precedence reaches the operator's left minimum).
    def formula(self, resolve, min_prec: int = 0) -> F:
        lhs, lhs_prec = self._prefix(resolve)
        while True:
            t = self.peek()
            if t is None or t.kind != "sym":
                return lhs
            kind = _INFIX.get(t.text)
            if kind is None:
                return lhs
            _, prec, lmin, rmin = fm.BINARY[kind]
            if prec < min_prec:
                return lhs
            if lhs_prec < lmin:
                raise SyntaxError_(f"unexpected token '{t.text}' ('↔' is not associative: add parentheses)")
            self.i += 1
            lhs, lhs_prec = fm._mk(kind, lhs, self.formula(resolve, rmin), ""), prec

    def _prefix(self, resolve) -> tuple[F, int]:
        """The leading operand and its precedence (a parenthesised formula is an atom)."""
        t = self.next()
        if t.kind == "sym":
            if t.text == "¬":
                return fm.neg(self.formula(resolve, fm.NOT_ARG_PREC)), fm.MAX_PREC
            if t.text == "(":
                f = self.formula(resolve, 0)
                if not self.at(")"):
                    found = self.peek()
                    raise SyntaxError_("unbalanced parenthesis: expected ')'" + (f" but found '{found.text}'" if found else ""))
                self.i += 1
                return f, fm.MAX_PREC
            raise SyntaxError_(f"unexpected token '{t.text}'" + (" (unbalanced parenthesis)" if t.text == ")" else ""))
        if t.kind != "id":
            raise SyntaxError_(f"unexpected token '{t.text}'")
        if t.text == "True":
            return fm.TRUE_F, fm.MAX_PREC
        if t.text == "False":
            return fm.FALSE_F, fm.MAX_PREC
        if t.text in RESERVED or "." in t.text:
            raise SyntaxError_(f"'{t.text}' is not a proposition of the propositional fragment")
        return resolve(t.text), fm.MAX_PREC


_INFIX = {"∧": fm.AND, "∨": fm.OR, "→": fm.IMP, "↔": fm.IFF}


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


def parse_statement(text: str) -> Statement:
    """`theorem NAME binders* : formula`, `example binders* : formula`, or a bare formula whose free
    names become `Prop` variables in order of first appearance."""
    toks = tokenize(text)
    if not toks:
        raise SyntaxError_("empty statement")
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
    if not p.done():
        t = p.next()
        raise SyntaxError_(f"unexpected token '{t.text}'" + (" (unbalanced parenthesis)" if t.text == ")" else ""))
    return Statement(tuple((n, None) for n in seen), target)


def _declaration(p: Parser) -> Statement:
    if p.next().text == "theorem":
        t = p.next()
        if t.kind != "id" or t.text in RESERVED:
            raise SyntaxError_(f"expected a theorem name but found '{t.text}'")
    binders: list[tuple[str, F | None]] = []
    variables: set[str] = set()

    def bound(name: str) -> F:
        if name not in variables:
            raise SyntaxError_(f"unknown identifier '{name}' (bind it first: ({name} : Prop))")
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
    if not p.done():
        t = p.next()
        raise SyntaxError_(f"unexpected token '{t.text}'" + (" (unbalanced parenthesis)" if t.text == ")" else ""))
    return Statement(tuple(binders), target)
