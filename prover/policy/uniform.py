"""UniformPolicy: the no-knowledge baseline over the propositional tactic space.

It reads the first goal's text (hypotheses, target), lists the tactics of the `prop` tactic set whose shape
fits it (intro for → and ¬, constructor for ∧ ↔ True, left/right for ∨, rcases on ∧ ↔ ∨ hypotheses, apply
and exact with the terms whose types fit the target, `have` for facts one application away, `obtain a : B`
to cut on what an implication concludes, ...), and gives
every one the same log-prob.
Matching shapes is not knowledge of which move is good; it only keeps moves that cannot apply out of
the list. Targets it cannot parse get the generic moves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from prover.policy.goals import Formula, Goal, conclusion, parse_goals, show_formula

NEUTRAL_VALUE = 0.5  # a policy that knows nothing says nothing about provability


def fresh_names(used: set[str], n: int) -> list[str]:
    """h, h1, h2, ...: the first n not already taken in the goal."""
    out: list[str] = []
    i = 0
    while len(out) < n:
        name = "h" if i == 0 else f"h{i}"
        if name not in used:
            out.append(name)
        i += 1
    return out


class _Parsed(NamedTuple):
    """An accessible hypothesis whose type parsed as a formula (the only ones the moves reason about)."""

    name: str
    formula: Formula


def _wrap(expr: str) -> str:
    return f"({expr})" if " " in expr else expr


def prop_tactics(goal: Goal) -> list[str]:
    """The tactics of the prop tactic set that fit the goal's shape, closing moves first, no duplicates."""
    target = goal.formula
    hyps = [_Parsed(h.name, h.formula) for h in goal.hyps if h.accessible and h.formula is not None]
    a, b = fresh_names(goal.names(), 2)
    terms = _terms(hyps)
    have = {f for _, f, _ in terms}
    out: list[str] = []

    if target is None:  # opaque: the generic moves, with every hypothesis
        out += [f"exact {h.name}" for h in goal.hyps if h.accessible]
        out += ["assumption", "intro " + a, "constructor", "left", "right", "exfalso", "contradiction"]
        out += [f"apply {h.name}" for h in goal.hyps if h.accessible]
        return _unique(out)

    # Closing moves.
    out += [f"exact {t}" for t, f, _ in terms if f == target]
    if target in {h.formula for h in goal.hyps}:
        out.append("assumption")
    if target == ("true",):
        out.append("exact trivial")
    for h in hyps:
        if h.formula == ("false",):
            out.append(f"exact False.elim {h.name}")
        if h.formula[0] == "not":
            out += [f"exact absurd {x.name} {h.name}" for x in hyps if x.formula == h.formula[1]]
    base = {h.formula for h in goal.hyps if h.formula is not None}  # what `contradiction` looks at
    if ("false",) in base or any(("not", f) in base for f in base):
        out.append("contradiction")
    if target[0] == "and" and target[1] in have and target[2] in have:
        left = next(t for t, f, _ in terms if f == target[1])
        right = next(t for t, f, _ in terms if f == target[2])
        out.append(f"exact ⟨{left}, {right}⟩")
    if target[0] == "or":
        out += [f"exact Or.inl {_wrap(t)}" for t, f, _ in terms if f == target[1]]
        out += [f"exact Or.inr {_wrap(t)}" for t, f, _ in terms if f == target[2]]

    # Introduction rules for the target.
    if target[0] in ("imp", "not"):
        out.append(f"intro {a}")
    if target[0] in ("and", "iff", "true"):
        out.append("constructor")
    if target[0] == "or":
        out += ["left", "right"]

    # Elimination: take hypotheses (and applications) apart, reason backwards through implications.
    for t, f, kind in terms:
        if kind != "hyp":
            continue
        if f[0] in ("and", "iff"):
            out.append(f"rcases {t} with ⟨{a}, {b}⟩")
        elif f[0] == "or":
            out.append(f"rcases {t} with {a} | {b}")
    for h in hyps:
        if h.formula[0] in ("imp", "not") and h.formula != target and conclusion(h.formula) == target:
            out.append(f"apply {h.name}")
    if target != ("false",) and any(conclusion(f) == ("false",) for f in have):
        out.append("exfalso")
    # Forward reasoning: name a new fact (`have h := h1 h2`) so that it can be taken apart next.
    known = {h.formula for h in goal.hyps}
    out += [f"have {a} := {t}" for t, f, kind in terms if kind == "app" and f not in known and f != target]
    # A cut on what an implication concludes, when its premises are not at hand: `obtain a : B` asks
    # for B first (where `apply h` leaves h's premises), then continues with a : B to take it apart.
    # This is the sequent calculus' rule for `h : A → B` on the left, needed only where B must be
    # taken apart and leads somewhere: to the target (through ∧ components, ↔ sides, conclusions of
    # implications) or to a case split (∨, False). An atom is reached backwards by `apply`, and False
    # by `exfalso` then `apply`. With it the moves are complete: every intuitionistic tautology of the
    # fragment has a proof made of them (tests/test_prop_moves.py).
    for h in hyps:
        c = conclusion(h.formula)
        if (h.formula[0] in ("imp", "not") and c[0] in ("and", "or", "iff") and c != target and c not in have
                and _leads_to(c, target)):
            out.append(f"obtain {a} : {show_formula(c)}")
    return _unique(out)


def _leads_to(f: Formula, target: Formula) -> bool:
    """Whether taking `f` apart (∧ components, ↔ sides, what implications conclude) reaches the target,
    or a disjunction or False (a case split that proves anything)."""
    stack, seen = [f], set()
    while stack:
        g = stack.pop()
        if g == target or g[0] in ("or", "false"):
            return True
        if id(g) in seen:
            continue
        seen.add(id(g))
        if g[0] == "and":
            stack += [g[1], g[2]]
        elif g[0] == "iff":
            stack += [g[1], g[2]]  # the sides' conclusions are the sides themselves
        elif g[0] == "imp":
            stack.append(g[2])
        elif g[0] == "not":
            return True  # ¬x concludes False
    return False


MAX_TERMS = 200  # keeps the term closure small on states with many hypotheses


def _terms(hyps: list[_Parsed]) -> list[tuple[str, Formula, str]]:
    """Proof terms within easy reach: hypotheses, their projections (`h.1`), and applications two deep
    (`h a`, `h a b`, `h1 (h a)`), each with its formula and kind ("hyp", "proj", "app")."""
    terms: dict[str, tuple[Formula, str]] = {h.name: (h.formula, "hyp") for h in hyps}
    for h in hyps:
        f = h.formula
        if f[0] == "and":
            terms |= {f"{h.name}.1": (f[1], "proj"), f"{h.name}.2": (f[2], "proj")}
        elif f[0] == "iff":
            terms |= {f"{h.name}.1": (("imp", f[1], f[2]), "proj"), f"{h.name}.2": (("imp", f[2], f[1]), "proj")}
    for _ in range(2):
        for fn, (f, kind) in list(terms.items()):
            if f[0] not in ("imp", "not") or (" " in fn and kind != "app"):
                continue
            premise, result = (f[1], f[2]) if f[0] == "imp" else (f[1], ("false",))
            for arg, (g, _k) in list(terms.items()):
                if g == premise and len(terms) < MAX_TERMS:
                    terms.setdefault(f"{fn} {_wrap(arg)}", (result, "app"))
    return [(t, f, kind) for t, (f, kind) in terms.items()]


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


class UniformPolicy:
    """Every fitting prop tactic with the same prior; value 0.5 everywhere."""

    def candidates(self, state: str) -> list[str]:
        goals = parse_goals(state)
        return prop_tactics(goals[0]) if goals else []

    def propose(self, states: Sequence[str], k: int) -> list[list[tuple[str, float]]]:
        out = []
        for state in states:
            cands = self.candidates(state)
            logp = -math.log(len(cands)) if cands else 0.0
            out.append([(t, logp) for t in cands[:k]])
        return out

    def value(self, states: Sequence[str]) -> list[float]:
        return [NEUTRAL_VALUE for _ in states]
