"""Variants of a propositional target for test-time RL, each checked with the decision procedure.

- special cases: two variables identified (`q := p`), or one set to True or False;
- strengthened hypotheses: a hypothesis `a ∨ b` replaced by `a` (and by `b`): the cases of the proof;
  a hypothesis `a → b` joined by `a`: the modus ponens the proof will need;
- weakened or split conclusions: `a ∧ b` becomes `a` and `b`; `a ↔ b` becomes `a → b` and `b → a`;
- dropped hypotheses (a stronger claim, kept only when still provable);
- sub-goals a failed search left open (the graph's open states, written back as theorems).

Only variants that `decide` proves intuitionistically valid are kept (a variant is something the policy can
learn a real proof of), and none that is the target again up to hypothesis names, order and `intro`s.
"""

from __future__ import annotations

import random
import re

import networkx as nx

from prover.core import Theorem
from prover.env.prop import decide
from prover.env.prop import formula as fm
from prover.env.prop.formula import F
from prover.env.prop.syntax import Statement, SyntaxError_, parse_statement

Binders = tuple[tuple[str, F | None], ...]


def render(name: str, binders: Binders, target: F) -> str:
    """`theorem NAME (p q : Prop) (h : p) : target`, consecutive variables sharing one binder."""
    parts, names = [], []
    for n, t in binders:
        if t is None:
            names.append(n)
            continue
        if names:
            parts.append(f"({' '.join(names)} : Prop)")
            names = []
        parts.append(f"({n} : {t.text})")
    if names:
        parts.append(f"({' '.join(names)} : Prop)")
    return f"theorem {name} {' '.join(parts)} : {target.text}".replace("  ", " ")


def _subst(f: F, name: str, by: F) -> F:
    if f.kind == fm.VAR:
        return by if f.name == name else f
    if f.kind in (fm.TRUE, fm.FALSE):
        return f
    if f.kind == fm.NOT:
        return fm.neg(_subst(f.a, name, by))
    return fm._mk(f.kind, _subst(f.a, name, by), _subst(f.b, name, by))


def _special_cases(st: Statement) -> list[tuple[Binders, F]]:
    out = []
    variables = [n for n, t in st.binders if t is None]
    for v in variables:
        for by in [fm.var(w) for w in variables if w != v] + [fm.TRUE_F, fm.FALSE_F]:
            binders = tuple((n, None if t is None else _subst(t, v, by)) for n, t in st.binders if n != v)
            out.append((binders, _subst(st.target, v, by)))
    return out


def _hypothesis_changes(st: Statement) -> list[tuple[Binders, F]]:
    out = []
    for i, (n, t) in enumerate(st.binders):
        if t is None:
            continue
        before, after = st.binders[:i], st.binders[i + 1:]
        out.append((before + after, st.target))  # dropped
        if t.kind == fm.OR:
            out += [(before + ((n, t.a),) + after, st.target), (before + ((n, t.b),) + after, st.target)]
        if t.kind == fm.AND:
            out.append((before + ((n, t.a), (n + "'", t.b)) + after, st.target))
        if (ab := t.arrow()) is not None:
            out.append((st.binders + ((n + "₀", ab[0]),), st.target))
    return out


def introduced(st: Statement) -> Statement:
    """The premises of an implication moved into the hypotheses, as `intro` would: `⊢ a → b` is `h0 : a ⊢ b`."""
    hyps, t = st.binders, st.target
    while t.kind == fm.IMP:
        hyps, t = hyps + ((f"h{len(hyps)}", t.a),), t.b
    return Statement(hyps, t)


def _conclusion_changes(st: Statement) -> list[tuple[Binders, F]]:
    t, hyps, out = st.target, st.binders, []
    if t.kind in (fm.AND, fm.OR):
        out += [(hyps, t.a), (hyps, t.b)]
    if t.kind == fm.IFF:
        out += [(hyps, fm.imp(t.a, t.b)), (hyps, fm.imp(t.b, t.a))]
    return out


_LINE = re.compile(r"^(.+?) : (.+)$")


def goal_statement(goal: str) -> tuple[Binders, F] | None:
    """One goal's text (`p q : Prop`, `h : p ∧ q`, `⊢ q ∧ p`) back as binders and a target."""
    lines = [ln for ln in goal.splitlines() if ln and not ln.startswith("case ")]
    if not lines or not lines[-1].startswith("⊢ "):
        return None
    parts, fresh = [], 0
    for ln in lines[:-1]:
        m = _LINE.match(ln)
        if m is None:
            return None
        names = m[1].split()
        if m[2] != "Prop":
            renamed = []
            for n in names:  # inaccessible names (`h✝`) cannot be written; hypotheses are never referred to
                renamed.append(n if "✝" not in n else f"x{fresh}")
                fresh += "✝" in n
            names = renamed
        elif any("✝" in n for n in names):
            return None
        parts.append(f"({' '.join(names)} : {m[2]})")
    try:
        st = parse_statement(f"theorem g {' '.join(parts)} : {lines[-1][2:]}")
    except SyntaxError_:
        return None
    return st.binders, st.target


def open_subgoals(graph: nx.DiGraph | None) -> list[tuple[Binders, F]]:
    """Every goal of the states a failed search reached, deepest first (closest to done)."""
    if graph is None:
        return []
    nodes = sorted(graph.nodes(data=True), key=lambda nd: (-nd[1].get("depth", 0), nd[0]))
    out = []
    for nid, data in nodes:
        if nid == graph.graph.get("root"):
            continue
        for goal in data.get("goals", ()):
            parsed = goal_statement(goal)
            if parsed is not None:
                out.append(parsed)
    return out


def _key(binders: Binders, target: F) -> tuple:
    """A sequent up to hypothesis names, order and intros: what makes two variants the same problem."""
    st = introduced(Statement(binders, target))
    return tuple(sorted(t.text for _, t in st.binders if t is not None)), st.target.text


def variants(target: Theorem, graph: nx.DiGraph | None = None, limit: int = 24, seed: int = 0) -> list[Theorem]:
    """Up to `limit` distinct, provable variants other than the target: open sub-goals first (deepest first),
    then a seeded mix of the rest."""
    st = parse_statement(target.statement)
    inner = introduced(st)
    rest = _special_cases(st) + _hypothesis_changes(inner) + _conclusion_changes(inner)
    random.Random(seed).shuffle(rest)
    seen = {_key(inner.binders, inner.target)}
    out: list[Theorem] = []
    for binders, tgt in open_subgoals(graph) + rest:
        key = _key(binders, tgt)
        if key in seen:  # a repeat, or the target again after a few intros
            continue
        seen.add(key)
        name = f"{target.name}_v{len(out)}"
        thm = Theorem.from_text(render(name, binders, tgt), header=target.header)
        if decide(thm):
            out.append(thm)
            if len(out) >= limit:
                break
    return out
