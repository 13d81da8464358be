"""Plausible tactics for a prop goal: what a search over this bench would try.

Used by the speed benchmark, the soundness tests and `prove_by_search` (a small exhaustive prover that
shows the tactic subset is enough for the generated problems). Not a policy: the policy layer reads goal
text only and never imports this.
"""

from __future__ import annotations

import heapq

from prover.core import Failed, Proof, State, Theorem
from prover.env.prop import formula as fm
from prover.env.prop.env import PropEnv
from prover.env.prop.goal import Goal


def _fresh(g: Goal) -> str:
    used = {n for n, _ in g.ctx}
    i = 1
    while f"h{i}" in used:
        i += 1
    return f"h{i}"


def tactics_for(g: Goal) -> list[str]:
    """Tactics worth trying on goal `g`, most structural first (some of them fail, as in a search)."""
    t = g.target
    out: list[str] = []
    if t.arrow() is not None:
        out.append(f"intro {_fresh(g)}")
    if t.kind in (fm.AND, fm.IFF, fm.TRUE):
        out.append("constructor")
    names = {}
    for n, typ in g.ctx:
        if typ is not None:
            names[n] = typ  # the newest binder of a name is the accessible one
    for n, typ in names.items():
        if typ.core is t.core:
            out.append(f"exact {n}")
        if typ.kind == fm.OR:
            out.append(f"rcases {n} with {n}l | {n}r")
        elif typ.kind in (fm.AND, fm.IFF):
            out.append(f"rcases {n} with ⟨{n}a, {n}b⟩")
    have, cuts = {typ.core for typ in names.values()}, []
    for n, typ in names.items():
        ab = typ.arrow()
        if ab is not None:
            out.append(f"apply {n}")
            applied = False
            for m, arg in names.items():
                if m != n and arg.core is ab[0].core:
                    applied = True
                    if ab[1].core not in have:  # naming a known fact again only makes new states
                        out.append(f"have {_fresh(g)} := {n} {m}")
            if not applied and ab[1].core not in have and ab[1].kind != fm.FALSE:
                cuts.append(f"obtain {_fresh(g)} : {ab[1].text}")  # a cut: prove the conclusion first
    if t.kind == fm.OR:
        out += ["left", "right"]
    if any(typ.kind in (fm.NOT, fm.FALSE) for typ in names.values()):
        out.append("contradiction")
    if t.kind != fm.FALSE:
        out.append("exfalso")
    return out + cuts


def invertible(g: Goal) -> str | None:
    """A tactic that loses nothing (closing, `intro`, splitting ∧/↔/∨ hypotheses, `constructor` on ∧/↔),
    if there is one: a search needs to try nothing else on this goal."""
    t = g.target
    names = {n: typ for n, typ in g.ctx if typ is not None}
    for n, typ in names.items():
        if typ.core is t.core:
            return f"exact {n}"
        if typ.kind == fm.FALSE:
            return "contradiction"
    if t.arrow() is not None:
        return f"intro {_fresh(g)}"
    for n, typ in names.items():
        if typ.kind in (fm.AND, fm.IFF):
            return f"rcases {n} with ⟨{n}a, {n}b⟩"
        if typ.kind == fm.OR:
            return f"rcases {n} with {n}l | {n}r"
    if t.kind in (fm.AND, fm.IFF, fm.TRUE):
        return "constructor"
    return None


def prove_by_search(theorem: Theorem, max_steps: int = 20_000) -> Proof | None:
    """Best-first search with the tactics above (fewest open goals, then shortest path), taking an
    invertible step alone when there is one, states deduplicated by their text; a Proof, or None when
    `max_steps` tactic steps did not find one."""
    env = PropEnv()
    root = env.open(theorem)
    seen: set[tuple[str, ...]] = {root.goals}
    queue: list[tuple[int, int, int, State, tuple[str, ...]]] = [(1, 0, 0, root, ())]
    steps = counter = 0
    while queue and steps < max_steps:
        _, _, _, state, path = heapq.heappop(queue)
        goal = state.handle[0]
        safe = invertible(goal)
        for tactic in [safe] if safe else tactics_for(goal):
            steps += 1
            result = env.step(state, tactic)
            if isinstance(result, Failed):
                continue
            if result.state.solved:
                return Proof(theorem, path + (tactic,))
            if result.state.goals not in seen:
                seen.add(result.state.goals)
                counter += 1
                heapq.heappush(queue, (len(result.state.goals), len(path) + 1, counter, result.state, path + (tactic,)))
    return None
