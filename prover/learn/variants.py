"""Variants of a target for test-time RL, and the stand-alone lemmas of a failed search, for any ProofEnv.

A variant is a statement *near* the target that the policy may learn a real proof of: a special case, a
weakened conclusion, a strengthened or dropped hypothesis, a model-written neighbour. Nothing here decides
whether it is true: test-time RL elaborates each one in the env (`env.open`) and keeps it only when the
search proves it (or, for a refutable one, its negation). Each backend has its source:

- prop (`PropVariants`, this module): rewrites on the formula type (`prover.env.prop.formula`), with the
  constants True/False folded away so no `¬True → ...` artefact survives;
- Lean (`prover.learn.lean_variants.LeanVariants`): rule-based rewrites on Lean's syntax where they are
  sound, model-written variants, and sub-goal lemmas through the REPL's `extract_goal`.

Sub-goal lemmas (the deepest open states of a failed search, as theorems) are *curriculum*: they are states
of the target's own tree, so proving them is close to caching the target's search; they are trained on but
never counted as variants (`Variant.curriculum`).

Every candidate carries a key up to renaming of variables and hypothesis order (and, for prop, `intro`s and
split conjunctions in hypotheses): a candidate whose key is the target's is never made, nor two of one key.
Candidates that are trivial by construction are dropped before any env call: a hypothesis that is the
conclusion, a False hypothesis or a True conclusion, and (prop) hypotheses that contradict each other.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import networkx as nx

from prover.core import Theorem
from prover.env.prop import formula as fm
from prover.env.prop.decide import provable
from prover.env.prop.formula import F
from prover.env.prop.syntax import Statement, SyntaxError_, parse_statement

# The kinds of candidates; "subgoal" is curriculum, every other kind is a variant of the target.
KINDS = ("specialise", "weaken", "strengthen", "drop", "model", "subgoal")


@dataclass(frozen=True)
class Variant:
    """A candidate near the target. `negation`, when set, is the statement whose proof refutes it."""

    theorem: Theorem
    kind: str
    key: Hashable = field(compare=False)
    negation: Theorem | None = field(default=None, compare=False)

    @property
    def curriculum(self) -> bool:
        """A sub-goal lemma of the target's own search: trained on, never counted as a variant."""
        return self.kind == "subgoal"


class VariantSource(Protocol):
    """What test-time RL needs of a backend's variant maker."""

    def key(self, theorem: Theorem) -> Hashable | None:
        """The theorem up to renaming and hypothesis order; None when it cannot be read."""
        ...

    def variants(self, target: Theorem, limit: int, seed: int) -> list[Variant]:
        """Up to `limit` distinct candidates from the target's statement, none of the target's key."""
        ...

    def lemmas(self, target: Theorem, graph: nx.DiGraph | None, limit: int) -> list[Variant]:
        """Up to `limit` stand-alone lemmas of a failed search's deepest open states (curriculum)."""
        ...

    def env_calls(self) -> int:
        """Env calls this source made itself (e.g. `extract_goal` requests), for the run's budget."""
        ...


def deepest_open(graph: nx.DiGraph | None) -> list[int]:
    """The open, non-root nodes of a search graph, deepest first (closest to done), then by id."""
    if graph is None:
        return []
    root = graph.graph.get("root")
    nodes = [n for n, d in graph.nodes(data=True) if n != root and d.get("goals") and d.get("status") != "proved"]
    return sorted(nodes, key=lambda n: (-graph.nodes[n].get("depth", 0), n))


# ---------------------------------------------------------------------------------------------------
# prop: through the formula type

Binders = tuple[tuple[str, F | None], ...]


def simplify(f: F) -> F:
    """Fold True/False away (each rule an intuitionistic equivalence): `True ∧ a` is `a`, `False → a` is True,
    `¬True` is False, `a → True` is True, `True → a` is `a`, `a ∨ True` is True, `a ↔ True` is `a`, ..."""
    k = f.kind
    if k in (fm.VAR, fm.TRUE, fm.FALSE):
        return f
    T, B = fm.TRUE_F, fm.FALSE_F
    a = simplify(f.a)  # type: ignore[arg-type]
    if k == fm.NOT:
        return B if a is T else T if a is B else fm.neg(a)
    b = simplify(f.b)  # type: ignore[arg-type]
    if a is b:  # a ∧ a, a ∨ a are a; a → a, a ↔ a are True
        return a if k in (fm.AND, fm.OR) else T
    if k == fm.AND:
        if a is B or b is B:
            return B
        return b if a is T else a if b is T else fm.conj(a, b)
    if k == fm.OR:
        if a is T or b is T:
            return T
        return b if a is B else a if b is B else fm.disj(a, b)
    if k == fm.IMP:
        if a is B or b is T:
            return T
        if a is T:
            return b
        return fm.neg(a) if b is B else fm.imp(a, b)
    # IFF
    if a is T:
        return b
    if b is T:
        return a
    if a is B:
        return fm.neg(b) if b is not B else T
    if b is B:
        return fm.neg(a)
    return fm.iff(a, b)


def _subst(f: F, name: str, by: F) -> F:
    if f.kind == fm.VAR:
        return by if f.name == name else f
    if f.kind in (fm.TRUE, fm.FALSE):
        return f
    if f.kind == fm.NOT:
        return fm.neg(_subst(f.a, name, by))  # type: ignore[arg-type]
    return fm._mk(f.kind, _subst(f.a, name, by), _subst(f.b, name, by))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Sequent:
    """Variables, hypotheses and a conclusion: what a prop theorem says, with names of hypotheses dropped."""

    variables: tuple[str, ...]
    hyps: tuple[F, ...]
    target: F

    @classmethod
    def of(cls, st: Statement) -> Sequent:
        return cls(tuple(n for n, t in st.binders if t is None), tuple(t for _, t in st.binders if t is not None),
                   st.target)

    def normal(self) -> Sequent:
        """Constants folded, premises of the conclusion introduced, conjunctions among the hypotheses split,
        True hypotheses and repeats dropped: the same problem, up to a few invertible steps."""
        todo = [simplify(h) for h in self.hyps]
        t = simplify(self.target)
        while t.kind == fm.IMP:
            todo.append(t.a)  # type: ignore[arg-type]
            t = t.b  # type: ignore[assignment]
        hyps: dict[F, None] = {}
        while todo:
            h = todo.pop(0)
            if h.kind == fm.AND:
                todo[:0] = [h.a, h.b]  # type: ignore[list-item]
            elif h is not fm.TRUE_F:
                hyps.setdefault(h)
        used = set(t.variables()).union(*(h.variables() for h in hyps))
        return Sequent(tuple(v for v in self.variables if v in used), tuple(hyps), t)

    def trivial(self) -> str | None:
        """Why the (normal) sequent teaches nothing, or None."""
        if self.target is fm.TRUE_F:
            return "the conclusion is True"
        if fm.FALSE_F in self.hyps:
            return "a hypothesis is False"
        if self.target in self.hyps:
            return "a hypothesis is the conclusion"
        if self.hyps and provable(list(self.hyps), fm.FALSE_F):
            return "the hypotheses contradict each other"
        return None

    def key(self) -> tuple:
        """Up to renaming of variables (every permutation, up to 6 of them) and hypothesis order."""
        names = self.variables
        perms = itertools.permutations(names) if len(names) <= 6 else [names]
        best = None
        for perm in perms:
            mapping = {n: f"v{i}" for i, n in enumerate(perm)}
            k = (tuple(sorted(fm.rename(h, mapping).text for h in self.hyps)), fm.rename(self.target, mapping).text)
            if best is None or k < best:
                best = k
        return best  # type: ignore[return-value]

    def render(self, name: str) -> str:
        parts = [f"({' '.join(self.variables)} : Prop)"] if self.variables else []
        parts += [f"(h{i} : {h.text})" for i, h in enumerate(self.hyps)]
        return " ".join([f"theorem {name}", *parts, f": {self.target.text}"])

    def negation(self, name: str) -> str | None:
        """`¬(h₁ → ... → t)` for a sequent with no variables left (a closed claim can be refuted)."""
        if self.variables:
            return None
        claim = self.target
        for h in reversed(self.hyps):
            claim = fm.imp(h, claim)
        return f"theorem {name} : {fm.neg(claim).text}"


def _candidates(s: Sequent) -> list[tuple[str, Sequent]]:
    """Every rewrite of the (normal) sequent, with its kind."""
    out: list[tuple[str, Sequent]] = []
    for v in s.variables:
        rest = tuple(w for w in s.variables if w != v)
        for by in [fm.var(w) for w in rest] + [fm.TRUE_F, fm.FALSE_F]:
            out.append(("specialise", Sequent(rest, tuple(_subst(h, v, by) for h in s.hyps), _subst(s.target, v, by))))
    for i, h in enumerate(s.hyps):
        before, after = s.hyps[:i], s.hyps[i + 1:]
        out.append(("drop", Sequent(s.variables, before + after, s.target)))
        if h.kind == fm.OR:  # a case of the proof, as a hypothesis of its own
            assert h.a is not None and h.b is not None  # a binary connective has both sides
            out += [("strengthen", Sequent(s.variables, before + (h.a,) + after, s.target)),
                    ("strengthen", Sequent(s.variables, before + (h.b,) + after, s.target))]
        if h.kind == fm.IFF:
            out += [("weaken", Sequent(s.variables, before + (fm.imp(h.a, h.b),) + after, s.target)),  # type: ignore[arg-type]
                    ("weaken", Sequent(s.variables, before + (fm.imp(h.b, h.a),) + after, s.target))]  # type: ignore[arg-type]
        if (ab := h.arrow()) is not None and ab[0] not in s.hyps:  # the modus ponens the proof will need
            out.append(("strengthen", Sequent(s.variables, s.hyps + (ab[0],), s.target)))
    t = s.target
    if t.kind == fm.AND:
        out += [("weaken", Sequent(s.variables, s.hyps, t.a)), ("weaken", Sequent(s.variables, s.hyps, t.b))]  # type: ignore[arg-type]
    if t.kind == fm.IFF:
        out += [("weaken", Sequent(s.variables, s.hyps, fm.imp(t.a, t.b))),  # type: ignore[arg-type]
                ("weaken", Sequent(s.variables, s.hyps, fm.imp(t.b, t.a)))]  # type: ignore[arg-type]
    if t.kind == fm.OR:  # a disjunct is a stronger conclusion, kept only if proved
        out += [("strengthen", Sequent(s.variables, s.hyps, t.a)), ("strengthen", Sequent(s.variables, s.hyps, t.b))]  # type: ignore[arg-type]
    return out


def _goal_sequent(goal) -> Sequent | None:
    """A prop Goal (the env's own object, in State.handle) as a sequent; None when a variable is shadowed."""
    variables = [n for n, t in goal.ctx if t is None]
    if len(set(variables)) != len(variables):
        return None
    return Sequent(tuple(variables), tuple(t for _, t in goal.ctx if t is not None), goal.target)


class PropVariants:
    """Variants of a prop target through its formula type."""

    def key(self, theorem: Theorem) -> Hashable | None:
        try:
            return Sequent.of(parse_statement(theorem.statement)).normal().key()
        except SyntaxError_:
            return None

    def env_calls(self) -> int:
        return 0

    def _make(self, target: Theorem, found: Sequence[tuple[str, Sequent]], limit: int, seen: set,
              suffix: str) -> list[Variant]:
        out: list[Variant] = []
        for kind, s in found:
            n = s.normal()
            k = n.key()
            if k in seen or n.trivial() is not None:
                continue
            seen.add(k)
            name = f"{target.name}_{suffix}{len(out)}"
            neg = n.negation(name + "_neg")
            out.append(Variant(Theorem.from_text(n.render(name), header=target.header), kind, k,
                               None if neg is None else Theorem.from_text(neg, header=target.header)))
            if len(out) >= limit:
                break
        return out

    def variants(self, target: Theorem, limit: int, seed: int) -> list[Variant]:
        """One rewrite and two rewrites in turn (each list seeded-shuffled): one rewrite of a hard target is
        often still out of reach, two are a smaller step of the same kind."""
        s = Sequent.of(parse_statement(target.statement)).normal()
        rng = random.Random(seed)
        once = _candidates(s)
        twice = [(k2, c2) for _, c in once for k2, c2 in _candidates(c.normal())]
        rng.shuffle(once)
        rng.shuffle(twice)
        found = [x for pair in itertools.zip_longest(once, twice) for x in pair if x is not None]
        return self._make(target, found, limit, {s.key()}, "v")

    def lemmas(self, target: Theorem, graph: nx.DiGraph | None, limit: int) -> list[Variant]:
        s = Sequent.of(parse_statement(target.statement)).normal()
        found = []
        for nid in deepest_open(graph):
            state = graph.nodes[nid].get("state")  # type: ignore[union-attr]
            for goal in getattr(state, "handle", None) or ():
                if (g := _goal_sequent(goal)) is not None:
                    found.append(("subgoal", g))
        return self._make(target, found, limit, {s.key()}, "l")
