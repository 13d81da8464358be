"""The tactic subset, each with Lean 4 core's meaning, acting on the first goal.

A tactic returns the goals that replace the first one. Case tags follow Lean: `apply`/`constructor`/
`left`/`right` name new goals after the binders of what they apply (`left`/`right` of `And.intro`,
`mp`/`mpr` of `Iff.intro`, `h` of `Or.inl`/`Or.inr`, `a` for an arrow), appended to the goal's own tag,
except that a single new argument inherits the tag (Lean's `appendParentTag`); `rcases` appends the
constructor name (`intro`, `inl`, `inr`); `intro`, `exfalso` and `have` keep the tag; `obtain h : T`
first asks for T in an untagged goal, then continues the tagged goal with `h : T`.
Whatever the bench cannot match to Lean's behaviour exactly is refused with a message, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from prover.env.prop import formula as fm
from prover.env.prop.formula import F
from prover.env.prop.goal import Goal
from prover.env.prop.syntax import RESERVED, Parser, SyntaxError_, parse_formula, tokenize
from prover.env.prop.terms import ElabError, Name, Term, check, parse_term, synth


class TacticError(Exception):
    """The tactic failed; the message is what the user sees."""


@dataclass(frozen=True)
class Tactic:
    kind: str  # intro exact apply constructor left right rcases exfalso contradiction assumption have obtain
    names: tuple[str, ...] = ()  # intro names, rcases pattern names, have name
    term: Term | None = None
    target: str = ""  # rcases target hypothesis
    alt: bool = False  # rcases: `a | b` (True) or `⟨a, b⟩` (False)
    typ: str = ""  # have / obtain: the stated type


SIMPLE = ("constructor", "left", "right", "exfalso", "contradiction", "assumption")
KNOWN_LEAN = frozenset(
    "simp simp_all omega norm_num linarith nlinarith positivity decide aesop ring ring_nf rfl tauto cases "
    "induction rintro by_cases by_contra push_neg specialize refine use exists rw unfold show calc "
    "sorry admit trivial intros rename_i next case all_goals any_goals first try repeat skip done exact? "
    "apply? rcases? split exists contrapose itauto nofun nomatch intro_s absurd symm".split()
)


def parse_tactic(text: str) -> Tactic:
    src = text.strip()
    if not src:
        raise TacticError("empty tactic")
    if "\n" in src or ";" in src or "<;>" in src:
        raise TacticError("the prop bench runs one tactic per step (no ';', '<;>' or line breaks)")
    word = src.split(None, 1)[0]
    try:
        toks = tokenize(src)
    except SyntaxError_ as e:
        raise TacticError(str(e)) from None
    p = Parser(toks)
    try:
        p.next()  # the tactic's name, already read as `word`
        tac = _parse(word, p)
    except SyntaxError_ as e:
        raise TacticError(f"{word}: {e}") from None
    # peek, not next: next() raises on a token the lexer marked bad (`exact h &&`)
    if (extra := p.peek()) is not None:
        raise TacticError(f"unexpected token '{extra.text}' after '{word}'")
    return tac


def _parse(word: str, p: Parser) -> Tactic:
    if word in SIMPLE:
        return Tactic(word)
    if word == "intro":
        if p.done():
            raise TacticError("intro without a name is not supported by the prop bench; name it: intro h")
        names = []
        while not p.done():
            names.append(_hyp_name(p))
        return Tactic("intro", tuple(names))
    if word in ("exact", "apply"):
        return Tactic(word, term=parse_term(p))
    if word == "rcases":
        target = _hyp_name(p)
        t = p.next()
        if t.text != "with":
            raise SyntaxError_("expected 'with'")
        if p.at("⟨"):
            p.next()
            a = _hyp_name(p)
            p.expect(",")
            b = _hyp_name(p)
            p.expect("⟩")
            return Tactic("rcases", (a, b), target=target)
        a = _hyp_name(p)
        p.expect("|")
        b = _hyp_name(p)
        return Tactic("rcases", (a, b), target=target, alt=True)
    if word == "obtain":  # `obtain h : T`: T becomes a goal first, then h : T is a hypothesis (a cut)
        name = _hyp_name(p)
        p.expect(":")
        typ = " ".join(t.text for t in p.toks[p.i :])
        if not typ:
            raise SyntaxError_("expected a type after ':'")
        p.i = len(p.toks)
        if ":=" in typ:
            raise TacticError("obtain with ':=' is not supported by the prop bench; use have")
        return Tactic("obtain", (name,), typ=typ)
    if word == "have":
        name = _hyp_name(p)
        typ = ""
        if p.at(":"):
            p.next()
            start = p.i
            while not p.done() and not p.at(":="):
                p.next()
            typ = " ".join(t.text for t in p.toks[start : p.i])
        p.expect(":=")
        return Tactic("have", (name,), term=parse_term(p), typ=typ)
    if word in KNOWN_LEAN or word.rstrip("?!") in KNOWN_LEAN:
        raise TacticError(f"tactic '{word}' is not supported by the prop bench")
    raise TacticError(f"unknown tactic '{word}'")


def _hyp_name(p: Parser) -> str:
    t = p.next()
    if t.kind != "id" or "." in t.text:
        raise SyntaxError_(f"expected a hypothesis name but found '{t.text}'")
    if t.text in RESERVED or t.text == "_":
        raise TacticError(f"'{t.text}' cannot be a hypothesis name in the prop bench")
    return t.text


def _tag(parent: str, child: str) -> str:
    return f"{parent}.{child}" if parent else child


def run(tac: Tactic, g: Goal) -> list[Goal]:
    """The goals replacing `g` (empty when it is closed); TacticError when the tactic fails."""
    try:
        return _RUN[tac.kind](tac, g)
    except ElabError as e:
        raise TacticError(str(e)) from None


def _intro(tac: Tactic, g: Goal) -> list[Goal]:
    variables = g.variables()
    ctx, target = g.ctx, g.target
    for name in tac.names:
        _check_name(name, variables)
        ab = target.arrow()
        if ab is None:
            raise TacticError("tactic 'introN' failed, insufficient number of binders")
        ctx, target = ctx + ((name, ab[0]),), ab[1]
    return [Goal(ctx, target, g.tag)]


def _exact(tac: Tactic, g: Goal) -> list[Goal]:
    assert tac.term is not None
    check(g, tac.term, g.target)
    return []


# Constructors for `apply C` / `constructor` / `left` / `right`: target kind -> [(binder tag, field)].
def _ctor_goals(g: Goal, fields: list[tuple[str, F]]) -> list[Goal]:
    return [Goal(g.ctx, f, _tag(g.tag, name)) for name, f in fields]


def _fields(ctor: str, t: F) -> list[tuple[str, F]] | None:
    a, b = t.a, t.b
    if ctor == "And.intro" and t.kind == fm.AND:
        return [("left", a), ("right", b)]  # type: ignore[list-item]
    if ctor == "Iff.intro" and t.kind == fm.IFF:
        return [("mp", fm.imp(a, b)), ("mpr", fm.imp(b, a))]  # type: ignore[arg-type]
    if ctor == "Or.inl" and t.kind == fm.OR:
        return [("h", a)]  # type: ignore[list-item]
    if ctor == "Or.inr" and t.kind == fm.OR:
        return [("h", b)]  # type: ignore[list-item]
    if ctor in ("True.intro", "trivial") and t.kind == fm.TRUE:
        return []
    return None


def _apply(tac: Tactic, g: Goal) -> list[Goal]:
    term = tac.term
    target = g.target
    if isinstance(term, Name) and g.lookup(term.name) is None and term.name in (
        "And.intro", "Iff.intro", "Or.inl", "Or.inr", "True.intro", "trivial",
    ):
        fields = _fields(term.name, target)
        if fields is None:
            raise TacticError(f"tactic 'apply' failed, could not unify the conclusion of '{term.name}' with the goal\n  {target.text}")
        return _ctor_goals(g, fields)
    if isinstance(term, Name) and term.name in ("absurd", "False.elim") and g.lookup(term.name) is None:
        raise TacticError(f"'apply {term.name}' is not supported by the prop bench (use exfalso or exact)")
    assert term is not None
    typ = synth(g, term)
    # Lean's MVarId.apply: try i = numArgs - targetArgs .. numArgs leading arguments as new goals.
    n = typ.num_args()
    for i in range(max(0, n - target.num_args()), n + 1):
        domains, rest = [], typ
        for _ in range(i):
            ab = rest.arrow()
            assert ab is not None
            domains.append(ab[0])
            rest = ab[1]
        if rest.core is target.core:
            if i == 1:
                return [Goal(g.ctx, domains[0], g.tag)]
            return [Goal(g.ctx, d, _tag(g.tag, "a")) for d in domains]
    raise TacticError(f"tactic 'apply' failed, could not unify the conclusion of\n  {typ.text}\nwith the goal\n  {target.text}")


def _constructor(tac: Tactic, g: Goal) -> list[Goal]:
    t = g.target
    ctor = {fm.AND: "And.intro", fm.IFF: "Iff.intro", fm.OR: "Or.inl", fm.TRUE: "True.intro"}.get(t.kind)
    if ctor is None:
        if t.kind == fm.FALSE:
            raise TacticError("tactic 'constructor' failed, no applicable constructor found")
        raise TacticError("tactic 'constructor' failed, target is not an inductive datatype")
    return _ctor_goals(g, _fields(ctor, t) or [])


def _left_right(tac: Tactic, g: Goal) -> list[Goal]:
    t = g.target
    if t.kind != fm.OR:
        if t.kind in (fm.AND, fm.IFF, fm.TRUE, fm.FALSE):
            raise TacticError(f"tactic '{tac.kind}' failed, {tac.kind} tactic works for inductive types with exactly 2 constructors")
        raise TacticError(f"tactic '{tac.kind}' failed, target is not an inductive datatype")
    return _ctor_goals(g, _fields("Or.inl" if tac.kind == "left" else "Or.inr", t) or [])


def _exfalso(tac: Tactic, g: Goal) -> list[Goal]:
    return [g.with_target(fm.FALSE_F)]


def _contradiction(tac: Tactic, g: Goal) -> list[Goal]:
    hyps = [t for _, t in g.ctx if t is not None]
    cores = {t.core for t in hyps}
    for t in hyps:
        if t.kind == fm.FALSE or (t.kind == fm.NOT and t.a.core in cores):  # type: ignore[union-attr]
            return []
    raise TacticError("tactic 'contradiction' failed")


def _assumption(tac: Tactic, g: Goal) -> list[Goal]:
    core = g.target.core
    if any(t is not None and t.core is core for _, t in g.ctx):
        return []
    raise TacticError("tactic 'assumption' failed")


def _rcases(tac: Tactic, g: Goal) -> list[Goal]:
    found = g.lookup(tac.target)
    if found is None:
        raise TacticError(f"unknown identifier '{tac.target}'")
    idx, t = found
    if t is None:
        raise TacticError(f"rcases: '{tac.target}' is a proposition, not a hypothesis")
    variables = g.variables()
    for name in tac.names:
        _check_name(name, variables)
    rest = g.ctx[:idx] + g.ctx[idx + 1 :]
    a, b = tac.names
    if tac.alt:
        if t.kind != fm.OR:
            raise TacticError(f"rcases: the pattern 'a | b' needs a hypothesis of type _ ∨ _, not {t.text}")
        return [Goal(rest + ((a, t.a),), g.target, _tag(g.tag, "inl")), Goal(rest + ((b, t.b),), g.target, _tag(g.tag, "inr"))]
    if t.kind == fm.AND:
        fa, fb = t.a, t.b
    elif t.kind == fm.IFF:
        fa, fb = fm.imp(t.a, t.b), fm.imp(t.b, t.a)  # type: ignore[arg-type]
    else:
        raise TacticError(f"rcases: the pattern ⟨a, b⟩ needs a hypothesis of type _ ∧ _ or _ ↔ _, not {t.text}")
    return [Goal(rest + ((a, fa), (b, fb)), g.target, _tag(g.tag, "intro"))]


def _check_name(name: str, variables: set[str]) -> None:
    if name in variables:
        raise TacticError(f"'{name}' names a proposition here; the prop bench does not let a hypothesis shadow it")


def _stated_type(tac: Tactic, g: Goal) -> F:
    variables = g.variables()
    _check_name(tac.names[0], variables)

    def bound(v: str) -> F:
        if v not in variables:
            raise SyntaxError_(f"unknown identifier '{v}'")
        return fm.var(v)

    try:
        return parse_formula(tac.typ, bound)
    except SyntaxError_ as e:
        raise TacticError(str(e)) from None


def _have(tac: Tactic, g: Goal) -> list[Goal]:
    assert tac.term is not None
    if tac.typ:
        typ = _stated_type(tac, g)
        check(g, tac.term, typ)
    else:
        _check_name(tac.names[0], g.variables())
        typ = synth(g, tac.term)
    return [Goal(g.ctx + ((tac.names[0], typ),), g.target, g.tag)]


def _obtain(tac: Tactic, g: Goal) -> list[Goal]:
    # RCases.obtainNone: a fresh (untagged, natural) goal for the type, then the main goal with the
    # hypothesis added; the main goal keeps its tag.
    typ = _stated_type(tac, g)
    return [Goal(g.ctx, typ, ""), Goal(g.ctx + ((tac.names[0], typ),), g.target, g.tag)]


_RUN = {
    "intro": _intro,
    "exact": _exact,
    "apply": _apply,
    "constructor": _constructor,
    "left": _left_right,
    "right": _left_right,
    "exfalso": _exfalso,
    "contradiction": _contradiction,
    "assumption": _assumption,
    "rcases": _rcases,
    "have": _have,
    "obtain": _obtain,
}
