"""One canonical form for prop problems, so that splits cannot leak.

Two problems are the same when one becomes the other by renaming variables, reordering hypotheses,
moving premises between the binders and the target (`(h : A) : B → C` is `A → B → C`), unfolding
`¬a` to `a → False`, or giving the theorem another name. The canonical key of a problem: every premise
of the target introduced as a hypothesis (as `intro` would), hypotheses taken as a set, sorted by their
shape (the text with every variable blanked, which no renaming changes), ties between hypotheses of one
shape tried in every order, variables renamed in order of first appearance (target first, then the
hypotheses), and the least resulting text kept. When ties allow more than MAX_ORDERS orders only the
first MAX_ORDERS are tried (a problem with that many hypotheses of one shape is not generated here; for
such a problem two reorderings may get different keys, never two different problems the same key).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence

from prover.env.prop.formula import F

MAX_ORDERS = 720
_IDENT = re.compile(r"[^\s()¬∧∨→↔]+")
_CONST = frozenset({"True", "False"})


def problem_key(hyps: Iterable[F], target: F) -> str:
    """The canonical key of `hyps ⊢ target` (see the module's docstring)."""
    premises = [h.core for h in hyps]
    goal = target.core
    while (ab := goal.arrow()) is not None:
        premises.append(ab[0])
        goal = ab[1]
    unique = sorted({id(h): h for h in premises}.values(), key=lambda h: _shape(h.text))
    groups = [list(g) for _, g in itertools.groupby(unique, key=lambda h: _shape(h.text))]
    goal_toks = _tokens(goal.text)
    group_toks = [[_tokens(h.text) for h in g] for g in groups]
    best: str | None = None
    for order in itertools.islice(itertools.product(*(itertools.permutations(g) for g in group_toks)), MAX_ORDERS):
        text = _renamed([goal_toks, *(t for g in order for t in g)])
        if best is None or text < best:
            best = text
    return best if best is not None else _renamed([goal_toks])


def statement_key(statement: str) -> str:
    """The canonical key of a prop statement (its name ignored); StatementError if it is not one."""
    from prover.env.prop.env import parse

    st = parse(statement)
    return problem_key([t for _, t in st.binders if t is not None], st.target)


def _shape(text: str) -> str:
    return _IDENT.sub(lambda m: m.group() if m.group() in _CONST else "_", text)


def _tokens(text: str) -> list[tuple[bool, str]]:
    """The text cut into (is a variable, piece)."""
    out: list[tuple[bool, str]] = []
    pos = 0
    for m in _IDENT.finditer(text):
        out.append((False, text[pos : m.start()]))
        out.append((m.group() not in _CONST, m.group()))
        pos = m.end()
    out.append((False, text[pos:]))
    return out


def _renamed(parts: Sequence[list[tuple[bool, str]]]) -> str:
    """The goal, then ' ⊣ ' and the hypotheses joined by ' ; ', variables renamed x0 x1 ... in order
    of first appearance."""
    names: dict[str, str] = {}
    texts = []
    for toks in parts:
        texts.append("".join(names.setdefault(s, f"x{len(names)}") if var else s for var, s in toks))
    return texts[0] + " ⊣ " + " ; ".join(texts[1:])
