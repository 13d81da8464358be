"""Intuitionistic provability by G4ip, Dyckhoff's contraction-free sequent calculus (JSL 1992).

Sequents Γ ⇒ C over ⊤, ⊥, atoms, ∧, ∨, → (`¬a` is `a → ⊥`, `a ↔ b` is `(a → b) ∧ (b → a)`). Invertible
rules are applied eagerly; the only choices are ∨R and the rule for `(c → d) → b` on the left, and
every premise is smaller in Dyckhoff's multiset order, so the search terminates without loop checks.
`or_left=False` / `imp_imp_left=False` switch rules off: the generator uses them to tell whether a
formula needs a case split or a nested implication.
"""

from __future__ import annotations

from prover.core import Theorem
from prover.env.prop import formula as fm
from prover.env.prop.formula import AND, FALSE, IFF, IMP, NOT, OR, TRUE, VAR, F

_NORM: dict[F, F] = {}


def _norm(f: F) -> F:
    """Only ⊤, ⊥, atoms, ∧, ∨, →."""
    r = _NORM.get(f)
    if r is None:
        k = f.kind
        if k in (VAR, TRUE, FALSE):
            r = f
        elif k == NOT:
            r = fm.imp(_norm(f.a), fm.FALSE_F)  # type: ignore[arg-type]
        else:
            a, b = _norm(f.a), _norm(f.b)  # type: ignore[arg-type]
            r = fm.conj(fm.imp(a, b), fm.imp(b, a)) if k == IFF else fm._mk(k, a, b)
        _NORM[f] = r
    return r


class _Prover:
    def __init__(self, or_left: bool, imp_imp_left: bool) -> None:
        self.or_left, self.imp_imp_left = or_left, imp_imp_left
        self.memo: dict[tuple[frozenset[F], F], bool] = {}

    def prove(self, gamma: frozenset[F], goal: F) -> bool:
        key = (gamma, goal)
        r = self.memo.get(key)
        if r is None:
            r = self.memo[key] = self._prove(gamma, goal)
        return r

    def _prove(self, gamma: frozenset[F], goal: F) -> bool:
        # Left invertible rules, to saturation.
        ctx = set(gamma)
        changed = True
        while changed:
            changed = False
            for f in list(ctx):
                k = f.kind
                if k == FALSE:
                    return True
                if k == TRUE:
                    ctx.discard(f)
                elif k == AND:
                    ctx.discard(f)
                    ctx.update((f.a, f.b))  # type: ignore[arg-type]
                elif k == OR and self.or_left:
                    rest = frozenset(ctx - {f})
                    return self.prove(rest | {f.a}, goal) and self.prove(rest | {f.b}, goal)  # type: ignore[operator]
                elif k == IMP:
                    a, b = f.a, f.b
                    assert a is not None and b is not None
                    ak = a.kind
                    if ak == TRUE or (ak == VAR and a in ctx):
                        new: tuple[F, ...] = (b,)
                    elif ak == FALSE:
                        new = ()
                    elif ak == AND:
                        new = (fm.imp(a.a, fm.imp(a.b, b)),)  # type: ignore[arg-type]
                    elif ak == OR:
                        new = (fm.imp(a.a, b), fm.imp(a.b, b))  # type: ignore[arg-type]
                    else:
                        continue
                    ctx.discard(f)
                    ctx.update(new)
                else:
                    continue
                changed = True
        g = frozenset(ctx)
        # Right invertible rules.
        k = goal.kind
        if k == TRUE or goal in g:
            return True
        if k == AND:
            return self.prove(g, goal.a) and self.prove(g, goal.b)  # type: ignore[arg-type]
        if k == IMP:
            return self.prove(g | {goal.a}, goal.b)  # type: ignore[operator]
        # Choices.
        if k == OR and (self.prove(g, goal.a) or self.prove(g, goal.b)):  # type: ignore[arg-type]
            return True
        if self.imp_imp_left:
            for f in g:
                if f.kind == IMP and f.a.kind == IMP:  # type: ignore[union-attr]
                    c, d, b = f.a.a, f.a.b, f.b  # type: ignore[union-attr]
                    rest = g - {f}
                    if self.prove(rest | {fm.imp(d, b)}, fm.imp(c, d)) and self.prove(rest | {b}, goal):  # type: ignore[arg-type]
                        return True
        return False


def provable(hyps: list[F] | tuple[F, ...], goal: F, *, or_left: bool = True, imp_imp_left: bool = True) -> bool:
    """Whether hyps ⊢ goal in intuitionistic propositional logic (with the given G4ip rules)."""
    return _Prover(or_left, imp_imp_left).prove(frozenset(_norm(h) for h in hyps), _norm(goal))


def decide(x: F | Theorem | str) -> bool:
    """Intuitionistic provability of a formula, a theorem (its hypotheses and target) or statement text."""
    if isinstance(x, F):
        return provable((), x)
    from prover.env.prop.env import parse

    st = parse(x.statement if isinstance(x, Theorem) else x)
    return provable([t for _, t in st.binders if t is not None], st.target)
