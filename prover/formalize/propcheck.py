"""Logic on prop-bench statements: equivalence of two candidates, and their hypotheses against False."""

from __future__ import annotations

from prover.core import ProverError
from prover.env.prop import formula as fm
from prover.env.prop import parse
from prover.env.prop.decide import decide


def formula(statement: str) -> fm.F:
    """The statement as one formula: hypotheses folded in as antecedents, variables named x0, x1, ... in
    the order they are declared (so candidates that only name things differently coincide)."""
    st = parse(statement)
    names = {name: f"x{i}" for i, name in enumerate(n for n, typ in st.binders if typ is None)}
    target = st.target
    for hyp in reversed([typ for _, typ in st.binders if typ is not None]):
        target = fm.imp(hyp, target)
    return fm.rename(target, names)


def equivalent(a: str, b: str) -> bool:
    """Whether two statements say the same thing, decided by G4ip on the biconditional."""
    try:
        return decide(fm.iff(formula(a), formula(b)))
    except ProverError:
        return False


def hypotheses_to_false(statement: str) -> str | None:
    """`theorem t (p q : Prop) (h : A) : B → C → D` -> `theorem t_hyps (p q : Prop) : A → B → C → False`;
    None when there is nothing to assume."""
    st = parse(statement)
    hyps = [typ for _, typ in st.binders if typ is not None]
    target = st.target
    while target.kind == fm.IMP:
        assert target.a is not None and target.b is not None  # an implication has both sides
        hyps.append(target.a)
        target = target.b
    if not hyps:
        return None
    goal = fm.FALSE_F
    for hyp in reversed(hyps):
        goal = fm.imp(hyp, goal)
    variables = [name for name, typ in st.binders if typ is None]
    binders = f" ({' '.join(variables)} : Prop)" if variables else ""
    return f"theorem hypotheses{binders} : {goal.text}"
