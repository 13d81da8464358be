"""Propositional formulas: hash-consed, printed the way Lean 4's pretty printer prints them.

Every formula is interned (one object per distinct formula), so equality is identity, and its printed
text, precedence and definitional-equality key are computed once, when first asked for. Nothing here
recurses on the formula's depth (statements nested thousands deep are real: ILTP has them), and a
node's text is computed only when asked for, so a chain n deep costs O(n) text, not O(n²). Precedences are Lean 4 core's:
`¬` is `notation:max "¬" p:40`, `∧` is `infixr:35`, `∨` is `infixr:30`, `→` is right-associative
at 25 and `↔` is `infix:20` (non-associative).
"""

from __future__ import annotations

from typing import cast

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

    __slots__ = ("kind", "a", "b", "name", "_text", "prec", "size", "depth", "_core")

    def __init__(self, kind: int, a: F | None, b: F | None, name: str) -> None:
        self.kind, self.a, self.b, self.name = kind, a, b, name
        self._core: F | None = None
        self._text: str | None = name if a is None else None
        if kind == VAR or kind == TRUE or kind == FALSE:
            self.prec, self.size, self.depth = MAX_PREC, 1, 0
        elif kind == NOT:
            assert a is not None
            self.prec, self.size, self.depth = MAX_PREC, a.size + 1, a.depth + 1
        else:
            assert a is not None and b is not None
            self.prec, self.size, self.depth = BINARY[kind][1], a.size + b.size + 1, max(a.depth, b.depth) + 1

    def __repr__(self) -> str:
        return f"F({self.text})"

    @property
    def text(self) -> str:
        """Lean's rendering (fewest parentheses Lean's precedences allow), computed without recursion."""
        if self._text is None:
            self._text = _render(self)
        return self._text

    @property
    def core(self) -> F:
        """The definitional-equality key: `¬a` unfolded to `a → False` everywhere (Lean's `Not` is a def;
        nothing else in the fragment unfolds), so two formulas are defeq iff their cores are identical."""
        if self._core is None:
            for f in _postorder(self, lambda g: g._core is None):
                k = f.kind
                if k == VAR or k == TRUE or k == FALSE:
                    f._core = f
                elif k == NOT:
                    f._core = imp(f.a._core, FALSE_F)  # type: ignore[union-attr,arg-type]
                else:
                    f._core = _mk(k, f.a._core, f.b._core)  # type: ignore[union-attr]
        return self._core  # type: ignore[return-value]

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


def _postorder(root: F, todo) -> list[F]:
    """The distinct subformulas of `root` for which `todo(f)` holds (their subformulas with it too),
    children before parents, found with an explicit stack."""
    out: list[F] = []
    seen: set[int] = set()
    stack: list[tuple[F, bool]] = [(root, False)]
    while stack:
        f, expanded = stack.pop()
        if expanded:
            out.append(f)
            continue
        if id(f) in seen or not todo(f):
            continue
        seen.add(id(f))
        stack.append((f, True))
        for c in (f.b, f.a):
            if c is not None:
                stack.append((c, False))
    return out


def _render(root: F) -> str:
    """The text of `root`, emitted piece by piece from an explicit stack (children's texts are not
    cached: that would cost O(depth²) memory on a deep chain)."""
    out: list[str] = []
    stack: list[object] = [(root, 0)]
    while stack:
        x = stack.pop()
        if isinstance(x, str):
            out.append(x)
            continue
        f, min_prec = cast("tuple[F, int]", x)
        paren = f.prec < min_prec
        if f._text is not None:
            out.append("(" + f._text + ")" if paren else f._text)
            continue
        if paren:
            stack.append(")")
        if f.kind == NOT:
            stack += [(f.a, NOT_ARG_PREC), "¬"]
        else:
            sym, _, lmin, rmin = BINARY[f.kind]
            stack += [(f.b, rmin), sym, (f.a, lmin)]
        if paren:
            stack.append("(")
    return "".join(out)


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
    done: dict[int, F] = {}
    for g in _postorder(f, lambda _: True):
        k = g.kind
        if k == VAR:
            done[id(g)] = var(mapping.get(g.name, g.name))
        elif k == TRUE or k == FALSE:
            done[id(g)] = g
        elif k == NOT:
            done[id(g)] = neg(done[id(g.a)])
        else:
            done[id(g)] = _mk(k, done[id(g.a)], done[id(g.b)])
    return done[id(f)]
