"""Goals and their text, as Lean 4's `ppGoal` shows them.

A goal is a local context (binders in order: `(name, None)` for a `Prop` variable, `(name, F)` for a
hypothesis), a target and a case tag. The text follows `Lean.Meta.ppGoal`: names shadowed by a later
binder get a tombstone (`h✝`, then `h✝¹`, ... counted from the newest), consecutive binders of the same
type share a line (`p q : Prop`), then `⊢ target`, preceded by `case TAG` when the goal has a tag.
Lean breaks lines longer than 120 columns; the bench does not (its generated formulas are far shorter).
"""

from __future__ import annotations

from prover.env.prop.formula import F

Ctx = tuple[tuple[str, F | None], ...]
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_CTX_TEXT: dict[Ctx, str] = {}  # rendered contexts: a bounded process-wide cache (contexts repeat a lot)


class Goal:
    __slots__ = ("ctx", "target", "tag", "_text")

    def __init__(self, ctx: Ctx, target: F, tag: str = "") -> None:
        self.ctx, self.target, self.tag = ctx, target, tag
        self._text: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            body = _ctx_text(self.ctx) + "⊢ " + self.target.text
            self._text = f"case {self.tag}\n{body}" if self.tag else body
        return self._text

    def lookup(self, name: str) -> tuple[int, F | None] | None:
        """The binder a name refers to (the newest of that name): (index, type), or None."""
        ctx = self.ctx
        for i in range(len(ctx) - 1, -1, -1):
            if ctx[i][0] == name:
                return i, ctx[i][1]
        return None

    def variables(self) -> set[str]:
        return {n for n, t in self.ctx if t is None}

    def with_target(self, target: F, ctx: Ctx | None = None, tag: str | None = None) -> Goal:
        return Goal(self.ctx if ctx is None else ctx, target, self.tag if tag is None else tag)


def _ctx_text(ctx: Ctx) -> str:
    text = _CTX_TEXT.get(ctx)
    if text is None:
        if len(_CTX_TEXT) > 200_000:
            _CTX_TEXT.clear()
        text = _CTX_TEXT[ctx] = _render_ctx(ctx)
    return text


def _render_ctx(ctx: Ctx) -> str:
    # Lean's `sanitizeNames`: walk from the newest binder; a name already seen gets `✝` plus a
    # per-stem counter in superscript.
    names = [n for n, _ in ctx]
    seen: set[str] = set()
    counter: dict[str, int] = {}
    for i in range(len(ctx) - 1, -1, -1):
        n = names[i]
        if n in seen:
            k = counter.get(n, 0)
            counter[n] = k + 1
            names[i] = n + "✝" + (str(k).translate(_SUPERSCRIPT) if k else "")
        seen.add(n)
    lines: list[str] = []
    group: list[str] = []
    prev: object = _NONE
    for name, (_, typ) in zip(names, ctx, strict=True):
        if group and typ is not prev:
            lines.append(" ".join(group) + " : " + (prev.text if isinstance(prev, F) else "Prop"))
            group = []
        group.append(name)
        prev = typ
    if group:
        lines.append(" ".join(group) + " : " + (prev.text if isinstance(prev, F) else "Prop"))
    return "".join(line + "\n" for line in lines)


_NONE = object()
