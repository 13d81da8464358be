"""Propositional formulas: hash-consed, printed the way Lean 4's pretty printer prints them.

Every formula is interned (one object per distinct formula), so equality is identity, and its printed
text, precedence and definitional-equality key are computed once. Precedences are Lean 4 core's:
`¬` is `notation:max "¬" p:40`, `∧` is `infixr:35`, `∨` is `infixr:30`, `→` is right-associative
at 25 and `↔` is `infix:20` (non-associative).
"""

from __future__ import annotations

VAR, TRUE, FALSE, NOT, AND, OR, IMP, IFF = range(8)
MAX_PREC = 1024

# kind -> (symbol, precedence, least precedence of the left operand, of the right operand)
BINARY = {
    AND: (" ∧ ", 35, 36, 35),
    OR: (" ∨ ", 30, 31, 30),
    IMP: (" → ", 25, 26, 25),
    IFF: (" ↔ ", 20, 21, 21),
}
NOT_ARG_PREC = 40


class F:
    """One interned formula. Build with the module's constructors, never directly."""

    __slots__ = ("kind", "a", "b", "name", "text", "prec", "size", "_core")

    def __init__(self, kind: int, a: F | None, b: F | None, name: str) -> None:
        self.kind, self.a, self.b, self.name = kind, a, b, name
        self._core: F | None = None
        if kind == VAR or kind == TRUE or kind == FALSE:
            self.text, self.prec, self.size = name, MAX_PREC, 1
        elif kind == NOT:
            assert a is not None
            self.text, self.prec, self.size = "¬" + _paren(a, NOT_ARG_PREC), MAX_PREC, a.size + 1
        else:
            assert a is not None and b is not None
            sym, prec, lmin, rmin = BINARY[kind]
            self.text = _paren(a, lmin) + sym + _paren(b, rmin)
            self.prec, self.size = prec, a.size + b.size + 1

    def __repr__(self) -> str:
        return f"F({self.text})"

    @property
    def core(self) -> F:
        """The definitional-equality key: `¬a` unfolded to `a → False` everywhere (Lean's `Not` is a def;
        nothing else in the fragment unfolds), so two formulas are defeq iff their cores are identical."""
        if self._core is None:
            k = self.kind
            if k == VAR or k == TRUE or k == FALSE:
                self._core = self
            elif k == NOT:
                assert self.a is not None
                self._core = imp(self.a.core, FALSE_F)
            else:
                assert self.a is not None and self.b is not None
                self._core = _mk(k, self.a.core, self.b.core)
        return self._core

    def arrow(self) -> tuple[F, F] | None:
        """(domain, codomain) if the formula is a Pi type after whnf (`a → b`, or `¬a` as `a → False`)."""
        if self.kind == IMP:
            return self.a, self.b  # type: ignore[return-value]
        if self.kind == NOT:
            return self.a, FALSE_F  # type: ignore[return-value]
        return None

    def num_args(self) -> int:
        """Lean's `getExpectedNumArgs`: binders in the forall telescope, unfolding `¬`."""
        n, f = 0, self
        while (ab := f.arrow()) is not None:
            n, f = n + 1, ab[1]
        return n

    def variables(self) -> list[str]:
        """Variable names in order of first appearance."""
        seen: dict[str, None] = {}
        stack = [self]
        while stack:
            f = stack.pop()
            if f.kind == VAR:
                seen.setdefault(f.name)
            elif f.a is not None:
                if f.b is not None:
                    stack.append(f.b)
                stack.append(f.a)
        return list(seen)


def _paren(f: F, min_prec: int) -> str:
    return f.text if f.prec >= min_prec else "(" + f.text + ")"


_TABLE: dict[tuple, F] = {}  # the intern table: a process-wide cache, formulas are immutable


def _mk(kind: int, a: F | None, b: F | None, name: str = "") -> F:
    key = (kind, a, b, name)
    f = _TABLE.get(key)
    if f is None:
        f = _TABLE[key] = F(kind, a, b, name)
    return f


def var(name: str) -> F:
    return _mk(VAR, None, None, name)


def neg(a: F) -> F:
    return _mk(NOT, a, None)


def conj(a: F, b: F) -> F:
    return _mk(AND, a, b)


def disj(a: F, b: F) -> F:
    return _mk(OR, a, b)


def imp(a: F, b: F) -> F:
    return _mk(IMP, a, b)


def iff(a: F, b: F) -> F:
    return _mk(IFF, a, b)


TRUE_F = _mk(TRUE, None, None, "True")
FALSE_F = _mk(FALSE, None, None, "False")


def rename(f: F, mapping: dict[str, str]) -> F:
    """The formula with variables renamed."""
    if f.kind == VAR:
        return var(mapping.get(f.name, f.name))
    if f.kind == TRUE or f.kind == FALSE:
        return f
    assert f.a is not None
    if f.kind == NOT:
        return neg(rename(f.a, mapping))
    assert f.b is not None
    return _mk(f.kind, rename(f.a, mapping), rename(f.b, mapping))
