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
    """Only ⊤, ⊥, atoms, ∧, ∨, → (children before parents, from an explicit stack)."""
    r = _NORM.get(f)
    if r is not None:
        return r
    for g in fm._postorder(f, lambda x: x not in _NORM):
        k = g.kind
        if k in (VAR, TRUE, FALSE):
            r = g
        elif k == NOT:
            r = fm.imp(_NORM[g.a], fm.FALSE_F)  # type: ignore[index]
        else:
            a, b = _NORM[g.a], _NORM[g.b]  # type: ignore[index]
            r = fm.conj(fm.imp(a, b), fm.imp(b, a)) if k == IFF else fm._mk(k, a, b)
        _NORM[g] = r
    return _NORM[f]


Sequent = tuple[frozenset[F], F]


class _Prover:
    """G4ip as a trampoline: each sequent's rule application is a generator that yields the premises it
    needs and receives their answers, and one loop drives a stack of them, so the proof search's depth
    (thousands on a formula nested thousands deep) lives on the heap, not on Python's call stack."""

    def __init__(self, or_left: bool, imp_imp_left: bool) -> None:
        self.or_left, self.imp_imp_left = or_left, imp_imp_left
        self.memo: dict[Sequent, bool] = {}

    def prove(self, gamma: frozenset[F], goal: F) -> bool:
        memo = self.memo
        root: Sequent = (gamma, goal)
        if root in memo:
            return memo[root]
        stack = [(root, self._rule(gamma, goal))]
        answer: bool | None = None
        while stack:
            key, gen = stack[-1]
            try:
                sub = gen.send(answer)
            except StopIteration as stop:
                memo[key] = stop.value
                answer = stop.value
                stack.pop()
                continue
            answer = memo.get(sub)
            if answer is None:
                stack.append((sub, self._rule(*sub)))
        return memo[root]

    def _rule(self, gamma: frozenset[F], goal: F):  # a generator: yields premises, gets their answers
        ctx = set(gamma)
        while goal.kind == IMP:  # →R is invertible: take every premise of the goal at once
            ctx.add(goal.a)  # type: ignore[arg-type]
            goal = goal.b  # type: ignore[assignment]
        # Left invertible rules, to saturation, from a worklist; an implication whose premise is an
        # atom not (yet) in the context waits on that atom instead of being looked at on every pass.
        work = list(ctx)
        waiting: dict[F, list[F]] = {}
        while work:
            f = work.pop()
            if f not in ctx:
                continue
            k = f.kind
            if k == FALSE:
                return True
            new: tuple[F, ...]
            if k == VAR:
                work += waiting.pop(f, ())
                continue
            if k == TRUE:
                new = ()
            elif k == AND:
                new = (f.a, f.b)  # type: ignore[assignment]
            elif k == OR and self.or_left:
                rest = frozenset(ctx - {f})
                return (yield (rest | {f.a}, goal)) and (yield (rest | {f.b}, goal))
            elif k == IMP:
                a, b = f.a, f.b
                assert a is not None and b is not None
                ak = a.kind
                if ak == TRUE or (ak == VAR and a in ctx):
                    new = (b,)
                elif ak == VAR:
                    waiting.setdefault(a, []).append(f)
                    continue
                elif ak == FALSE:
                    new = ()
                elif ak == AND:
                    new = (fm.imp(a.a, fm.imp(a.b, b)),)  # type: ignore[arg-type]
                elif ak == OR:
                    new = (fm.imp(a.a, b), fm.imp(a.b, b))  # type: ignore[arg-type]
                else:
                    continue
            else:
                continue
            ctx.discard(f)
            for x in new:
                if x not in ctx:
                    ctx.add(x)
                    work.append(x)
        g = frozenset(ctx)
        # Right invertible rules (a right-nested conjunction: one premise a conjunct).
        k = goal.kind
        if k == TRUE or goal in g:
            return True
        if k == AND:
            todo = [goal]
            while todo:
                c = todo.pop()
                if c.kind == AND:
                    todo += (c.b, c.a)  # type: ignore[arg-type]  # an ∧ has both sides
                elif not (yield (g, c)):
                    return False
            return True
        # Choices.
        if k == OR and ((yield (g, goal.a)) or (yield (g, goal.b))):
            return True
        if self.imp_imp_left:
            for f in g:
                if f.kind == IMP and f.a.kind == IMP:  # type: ignore[union-attr]
                    ca, d, b = f.a.a, f.a.b, f.b  # type: ignore[union-attr]
                    rest = g - {f}
                    if (yield (rest | {fm.imp(d, b)}, fm.imp(ca, d))) and (yield (rest | {b}, goal)):  # type: ignore[arg-type]
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
