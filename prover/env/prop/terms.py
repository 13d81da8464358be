"""Proof terms for `exact`, `apply` and `have`: parsing and a checker that follows Lean's elaborator.

Supported: hypotheses; projections `h.1`, `h.2`, `h.left`, `h.right` (∧) and `h.1`, `h.2`, `h.mp`,
`h.mpr` (↔); application `f a b` of a hypothesis (or projection) whose type is an implication or a
negation; anonymous constructors `⟨a, b⟩` (∧ and ↔, with Lean's right-nesting of extra components, and
`⟨⟩` for True); `Or.inl e`, `Or.inr e`, `And.intro a b`, `Iff.intro a b`, `absurd h₁ h₂`,
`False.elim e`, `trivial`, `True.intro`. Anything else fails: the checker accepts a term only where
Lean's elaborator surely accepts it (definitional unfolding of `¬` included, nothing else).
"""

from __future__ import annotations

from dataclasses import dataclass

from prover.env.prop import formula as fm
from prover.env.prop.formula import F
from prover.env.prop.goal import Goal
from prover.env.prop.syntax import Parser, SyntaxError_

CONSTANTS = frozenset({"Or.inl", "Or.inr", "And.intro", "Iff.intro", "absurd", "False.elim", "trivial", "True.intro"})
_PROJ = {fm.AND: {"1": 0, "2": 1, "left": 0, "right": 1}, fm.IFF: {"1": 0, "2": 1, "mp": 0, "mpr": 1}}


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class Proj:
    term: Term
    field: str


@dataclass(frozen=True)
class App:
    head: Term
    args: tuple[Term, ...]


@dataclass(frozen=True)
class Anon:
    items: tuple[Term, ...]


Term = Name | Proj | App | Anon


class ElabError(Exception):
    """The term does not check; the message is Lean-like and one paragraph."""


# ---------------------------------------------------------------------------------------------------
# Parsing


MAX_TERM_DEPTH = 64  # proof terms nest this deep at most (parsing, checking and printing recurse on terms)


def parse_term(p: Parser, depth: int = 0) -> Term:
    if depth > MAX_TERM_DEPTH:
        raise SyntaxError_(f"proof term nested more than {MAX_TERM_DEPTH} deep: the prop bench refuses it "
                           "(split the step with have)")
    head = _arg(p, depth)
    args: list[Term] = []
    while (t := p.peek()) is not None and (t.kind == "id" or (t.kind == "sym" and t.text in "(⟨")):
        args.append(_arg(p, depth))
    return App(head, tuple(args)) if args else head


def _arg(p: Parser, depth: int) -> Term:
    t = p.next()
    if t.kind == "id":
        term: Term = Name(t.text)
    elif t.text == "(":
        term = parse_term(p, depth + 1)
        p.expect(")")
    elif t.text == "⟨":
        items: list[Term] = []
        if not p.at("⟩"):
            items.append(parse_term(p, depth + 1))
            while p.at(","):
                p.next()
                items.append(parse_term(p, depth + 1))
        p.expect("⟩")
        term = Anon(tuple(items))
    else:
        raise SyntaxError_(f"unexpected token '{t.text}'; expected term")
    while (proj := p.peek()) is not None and proj.kind == "proj":
        p.next()
        term = Proj(term, proj.text[1:])
    return term


def show(term: Term) -> str:
    if isinstance(term, Name):
        return term.name
    if isinstance(term, Proj):
        return f"{_show_arg(term.term)}.{term.field}"
    if isinstance(term, Anon):
        return "⟨" + ", ".join(show(t) for t in term.items) + "⟩"
    return " ".join([_show_arg(term.head), *(_show_arg(a) for a in term.args)])


def _show_arg(term: Term) -> str:
    return f"({show(term)})" if isinstance(term, App) else show(term)


# ---------------------------------------------------------------------------------------------------
# Checking. `synth` infers a type (Lean elaborating without an expected type); `check` elaborates
# against an expected type. Types are compared up to definitional equality, i.e. by `.core`.


def _mismatch(term: Term, got: F | str, expected: F) -> ElabError:
    got_text = got.text if isinstance(got, F) else got
    return ElabError(
        f"type mismatch\n  {show(term)}\nhas type\n  {got_text} : Prop\nbut is expected to have type\n  {expected.text} : Prop"
    )


def _resolve(goal: Goal, name: str) -> Term | F:
    """A name is a hypothesis (its type), a constant (the Name term), or a hypothesis with dotted fields."""
    found = goal.lookup(name)
    if found is not None:
        if found[1] is None:
            raise ElabError(f"type mismatch: '{name}' is a proposition (of type Prop), not a proof of one")
        return found[1]
    if name in CONSTANTS:
        return Name(name)
    head, *fields = name.split(".")
    found = goal.lookup(head)
    if fields and found is not None:
        term: Term = Name(head)
        for f in fields:
            term = Proj(term, f)
        return synth(goal, term)
    raise ElabError(f"unknown identifier '{name}'")


def synth(goal: Goal, term: Term) -> F:
    if isinstance(term, Name):
        r = _resolve(goal, term.name)
        if isinstance(r, F):
            return r
        if term.name in ("trivial", "True.intro"):
            return fm.TRUE_F
        raise ElabError(f"the bench cannot elaborate '{term.name}' without its arguments and an expected type")
    if isinstance(term, Proj):
        t = synth(goal, term.term)
        fields = _PROJ.get(t.kind)
        if fields is None:
            raise ElabError(f"invalid projection '.{term.field}': {show(term.term)} has type {t.text}, not a structure")
        idx = fields.get(term.field)
        if idx is None:
            n = "1, 2, left, right" if t.kind == fm.AND else "1, 2, mp, mpr"
            raise ElabError(f"invalid field '{term.field}' of {t.text} (the bench knows {n})")
        a, b = t.a, t.b
        assert a is not None and b is not None
        if t.kind == fm.AND:
            return a if idx == 0 else b
        return fm.imp(a, b) if idx == 0 else fm.imp(b, a)
    if isinstance(term, Anon):
        raise ElabError(f"invalid constructor ⟨...⟩: the expected type must be known ({show(term)})")
    head = term.head
    if isinstance(head, Name) and head.name in CONSTANTS and goal.lookup(head.name) is None:
        if head.name == "And.intro" and len(term.args) == 2:
            return fm.conj(synth(goal, term.args[0]), synth(goal, term.args[1]))
        if head.name == "Iff.intro" and len(term.args) == 2:
            mp = synth(goal, term.args[0])
            if mp.kind != fm.IMP:
                raise ElabError(f"the first argument of Iff.intro must be an implication, not {mp.text}")
            assert mp.a is not None and mp.b is not None
            check(goal, term.args[1], fm.imp(mp.b, mp.a))
            return fm.iff(mp.a, mp.b)
        raise ElabError(f"the bench cannot infer the type of '{show(term)}' without an expected type")
    t = synth(goal, head)
    for arg in term.args:
        ab = t.arrow()
        if ab is None:
            raise ElabError(f"function expected\n  {show(head)}\nhas type\n  {t.text} : Prop")
        check(goal, arg, ab[0])
        t = ab[1]
    return t


def check(goal: Goal, term: Term, expected: F) -> None:
    if isinstance(term, Anon):
        _check_anon(goal, term, expected)
        return
    if isinstance(term, App) and isinstance(term.head, Name) and goal.lookup(term.head.name) is None:
        c, args = term.head.name, term.args
        if c in ("Or.inl", "Or.inr") and len(args) == 1:
            if expected.kind != fm.OR:
                raise _mismatch(term, f"{'?a ∨ ?b'}", expected)
            check(goal, args[0], expected.a if c == "Or.inl" else expected.b)  # type: ignore[arg-type]
            return
        if c in ("And.intro", "Iff.intro") and len(args) == 2 and expected.kind in (fm.AND, fm.IFF):
            if (c == "And.intro") != (expected.kind == fm.AND):
                raise _mismatch(term, "?a ∧ ?b" if c == "And.intro" else "?a ↔ ?b", expected)
            _check_anon(goal, Anon(args), expected)
            return
        if c == "False.elim" and len(args) == 1:
            check(goal, args[0], fm.FALSE_F)
            return
        if c == "absurd" and len(args) == 2:
            _check_absurd(goal, args[0], args[1])
            return
    got = synth(goal, term)
    if got.core is not expected.core:
        raise _mismatch(term, got, expected)


def _check_anon(goal: Goal, term: Anon, expected: F) -> None:
    # Extra components nest to the right (`⟨a, b, c⟩ : A ∧ B ∧ C`): a loop, so a thousand conjuncts
    # do not mean a thousand nested calls.
    items, i = term.items, 0
    while True:
        n = len(items) - i
        if expected.kind == fm.TRUE and not n:
            return
        if expected.kind not in (fm.AND, fm.IFF):
            raise ElabError(f"invalid constructor ⟨...⟩, expected type must be an inductive type with one constructor\n  {expected.text}")
        a, b = expected.a, expected.b
        assert a is not None and b is not None
        fields = (a, b) if expected.kind == fm.AND else (fm.imp(a, b), fm.imp(b, a))
        if n < 2:
            raise ElabError(f"invalid constructor ⟨...⟩, insufficient number of arguments, constructs '{'And' if expected.kind == fm.AND else 'Iff'}.intro' has 2 explicit fields, but only {n} provided")
        check(goal, items[i], fields[0])
        if n == 2:
            check(goal, items[i + 1], fields[1])
            return
        i, expected = i + 1, fields[1]


def _check_absurd(goal: Goal, h1: Term, h2: Term) -> None:
    # Lean elaborates h₁ first; if its type is unknown (an anonymous constructor, `Or.inl e`) it is
    # postponed and `?a` comes from h₂ : ¬?a. The bench requires h₂'s type to be literally `¬a` then.
    try:
        a = synth(goal, h1)
    except ElabError:
        n = synth(goal, h2)
        if n.kind != fm.NOT:
            raise ElabError(f"the bench cannot infer the proposition of 'absurd {show(h1)} {show(h2)}'") from None
        assert n.a is not None
        check(goal, h1, n.a)
        return
    check(goal, h2, fm.neg(a))
