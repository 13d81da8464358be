"""The uniform proposer's moves are complete on the prop bench: whenever G4ip says a statement is
provable, a breadth-first search over those moves (and nothing else) finds a proof that verifies.

The search is iterative deepening over single goals (the bench's goals share nothing, so a goal list is
proved goal by goal, and each proof is then the concatenation), taking `intro` or `rcases` alone when
the proposer offers one (both lose nothing here), and trying every offered move otherwise. Bounds are
counted in env steps, never in seconds."""

from __future__ import annotations

import random

import pytest

from prover.core import Failed, Proof, State, Theorem
from prover.env.prop import PropEnv, decide
from prover.env.prop.generate import SIZES, _candidate, _redundant, _to_formula, canonical, fits, theorem
from prover.policy.uniform import UniformPolicy

ENV, POLICY = PropEnv(), UniformPolicy()


def _solve(state: State, depth: int, memo: dict, budget: list[int]) -> list[str] | None:
    key = state.goals[0]
    seen = memo.get(key)
    if seen is not None and (seen[0] is not None or seen[1] >= depth):
        return seen[0]
    if depth == 0 or budget[0] <= 0:
        return None
    moves = []
    for tactic in POLICY.candidates(key):
        budget[0] -= 1
        result = ENV.step(state, tactic)
        if isinstance(result, Failed):
            continue
        if result.state.solved:
            memo[key] = ([tactic], depth)
            return [tactic]
        moves.append((tactic, result.state.handle))
    safe = [m for m in moves if m[0].split()[0] in ("intro", "rcases")]
    for tactic, goals in safe[:1] or moves:
        script = [tactic]
        for g in goals:
            sub = _solve(State((g.text,), (g,)), depth - 1, memo, budget)
            if sub is None:
                break
            script += sub
        else:
            memo[key] = (script, depth)
            return script
    memo[key] = (None, depth)
    return None


def bfs_proof(t: Theorem, max_depth: int = 20, max_steps: int = 5000) -> Proof | None:
    """A proof made only of the uniform proposer's moves, by iterative deepening; None past the bounds."""
    root = ENV.open(t)
    memo: dict = {}
    budget = [max_steps]
    for depth in range(1, max_depth + 1):
        script = _solve(root, depth, memo, budget)
        if script is not None:
            return Proof(t, tuple(script))
        if budget[0] <= 0:
            return None
    return None


def assert_complete(t: Theorem, max_steps: int = 5000) -> None:
    assert decide(t), t.statement
    proof = bfs_proof(t, max_steps=max_steps)
    assert proof is not None, f"no proof from the uniform moves: {t.statement}"
    verdict = ENV.verify(t, proof)
    assert verdict.ok, (t.statement, proof.tactics, verdict.messages)


def generated(split: str, seed: int) -> Theorem:
    """The first formula the generator's candidate stream for `split` yields that fits the split."""
    rng = random.Random(f"moves-{split}-{seed}")
    while True:
        tree = _candidate(split, rng)
        if tree is None or _redundant(tree):
            continue
        f = canonical(_to_formula(tree))
        if fits(split, f):
            return theorem(f"{split}_{seed}", f)


@pytest.mark.parametrize("split", sorted(SIZES))
def test_every_generated_shape_is_proved_by_the_uniform_moves(split: str) -> None:
    for seed in range(120):
        assert_complete(generated(split, seed))


def _chain(n: int) -> list[str]:
    return [f"p{i}" for i in range(n + 1)]


FAMILIES = {
    # the issue's case: the goal is the conclusion of a hypothesis after several arrows
    "applied": lambda n: f"theorem t ({' '.join(_chain(n))} q : Prop) (h : {' → '.join(_chain(n))} → q) "
    + " ".join(f"(h{i} : p{i})" for i in range(n + 1)) + " : q",
    # (h1 : a → b) (h2 : b → c) ... : a → z
    "forward": lambda n: f"theorem t ({' '.join(_chain(n))} : Prop) "
    + " ".join(f"(h{i} : p{i} → p{i + 1})" for i in range(n)) + f" : p0 → p{n}",
    # the goal is a conjunct of what each hypothesis concludes: h : p → q ∧ r, goal r
    "conjunct": lambda n: f"theorem t ({' '.join(_chain(n))} {' '.join(f'q{i}' for i in range(n))} : Prop) "
    + " ".join(f"(h{i} : p{i} → q{i} ∧ p{i + 1})" for i in range(n)) + f" : p0 → p{n}",
    # and the same when the premise is not at hand (it must be proved after the cut)
    "conjunct_cut": lambda n: f"theorem t ({' '.join(_chain(n))} q : Prop) (h : p0 ∧ p1 → q ∧ p{n}) "
    + " ".join(f"(h{i} : p0 → p{i})" for i in range(1, n + 1)) + " : p0 → p" + str(n),
    # a disjunction concluded by a hypothesis, each side leading to the goal
    "disjunct": lambda n: f"theorem t ({' '.join(_chain(n))} a b : Prop) (h : p0 → a ∨ b) (ha : a → p{n}) "
    + f"(hb : b → p{n}) " + " ".join(f"(h{i} : p{i} → p{i + 1})" for i in range(n)) + f" : p0 → p{n}",
    # the goal is a conjunct of a conclusion whose premise needs its own proof (an intro, a chain)
    "conjunct_nested": lambda n: f"theorem t ({' '.join(_chain(n))} q r : Prop) (h : (p0 → p{n}) → q ∧ r) "
    + " ".join(f"(h{i} : p{i} → p{i + 1})" for i in range(n)) + " : r ∧ q",
    # a nested implication on the left: h : (p → q) → r
    "nested": lambda n: f"theorem t ({' '.join(_chain(n))} r : Prop) (h : (p0 → p{n}) → r) "
    + " ".join(f"(h{i} : p{i} → p{i + 1})" for i in range(n)) + " : r",
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_chained_implication_families_are_proved_by_the_uniform_moves(family: str) -> None:
    for n in range(1, 7):
        assert_complete(Theorem("t", FAMILIES[family](n)), max_steps=20_000)


def test_the_issue_examples_are_proved() -> None:
    for statement in (
        "theorem t (p q r : Prop) (h1 : p → q → r) (h2 : p) (h3 : q) : r",
        "theorem t (a b c d z : Prop) (h1 : a → b) (h2 : b → c) (h3 : c → d) (h4 : d → z) : a → z",
        "theorem t (p q r : Prop) (h : p → q ∧ r) : p → r",
        "theorem t (p q : Prop) : ((p → (p ↔ q → p)) → q ∧ p) → p",
        "theorem t (p q r : Prop) : (p ∧ q → p ∧ r) ∨ r → (p ∨ r) ∨ r → (p → q) → r",
    ):
        assert_complete(Theorem("t", statement))


def test_the_search_fails_on_what_g4ip_refutes() -> None:
    # the property is not vacuous: the same search proves nothing unprovable
    from prover.env.prop import unprovable

    for t in unprovable(20):
        assert bfs_proof(t, max_depth=8, max_steps=500) is None
