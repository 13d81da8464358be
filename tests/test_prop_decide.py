"""G4ip decides intuitionistic provability; the bench's steps are sound against it."""

from __future__ import annotations

import random

import pytest

from prover.core import Failed, Proof, State, Theorem
from prover.env.prop import PropEnv, decide, problems, unprovable
from prover.env.prop import formula as fm
from prover.env.prop.generate import _classical, _to_formula, random_tree
from prover.env.prop.moves import prove_by_search, tactics_for


@pytest.mark.parametrize(
    ("formula", "provable"),
    [
        ("p ∨ ¬p", False),  # excluded middle
        ("((p → q) → p) → p", False),  # Peirce
        ("¬¬p → p", False),
        ("¬(p ∧ q) → ¬p ∨ ¬q", False),
        ("(¬q → ¬p) → p → q", False),
        ("(p → q) ∨ (q → p)", False),
        ("¬¬(p ∨ ¬p)", True),
        ("¬¬(((p → q) → p) → p)", True),
        ("p → ¬¬p", True),
        ("¬¬¬p → ¬p", True),
        ("¬p ∨ ¬q → ¬(p ∧ q)", True),
        ("(p → q) → ¬q → ¬p", True),
        ("(p ∨ q) ∧ (p → r) ∧ (q → r) → r", True),
        ("(p → q ∨ r) → (q → s) → (r → s) → p → s", True),
        ("¬(p ↔ ¬p)", True),
        ("((((p → q) → p) → p) → q) → q", True),
        ("False → p", True),
        ("True", True),
        ("False", False),
    ],
)
def test_known_tautologies_and_non_tautologies(formula: str, provable: bool) -> None:
    assert decide(formula) is provable


def test_decide_reads_theorems_with_hypotheses() -> None:
    assert decide(Theorem.from_text("theorem t (p q : Prop) (h : p ∧ q) : q"))
    assert not decide(Theorem.from_text("theorem t (p q : Prop) (h : p ∨ q) : q"))


def test_glivenko_agrees_with_truth_tables() -> None:
    # Glivenko: f is a classical tautology iff ¬¬f is intuitionistically provable; and provable => valid.
    rng = random.Random(3)
    for _ in range(1500):
        f = _to_formula(random_tree(rng, 3, rng.randint(0, 8))[0])
        classical = _classical(f)
        assert decide(fm.neg(fm.neg(f))) is classical, f.text
        if decide(f):
            assert classical, f.text


def _random_walk(env: PropEnv, state: State, rng: random.Random, steps: int) -> tuple[State, list[str]]:
    path: list[str] = []
    for _ in range(steps):
        if state.solved:
            break
        options = tactics_for(state.handle[0]) + ["exact trivial", "assumption", "exfalso", "constructor"]
        tactic = rng.choice(options)
        result = env.step(state, tactic)
        if not isinstance(result, Failed):
            state = result.state
            path.append(tactic)
    return state, path


def test_random_tactics_never_prove_an_unprovable_formula() -> None:
    env, rng = PropEnv(), random.Random(11)
    for theorem in unprovable(150):
        root = env.open(theorem)
        for _ in range(6):
            state, path = _random_walk(env, root, rng, 25)
            assert not state.solved, (theorem.statement, path)


@pytest.mark.slow
def test_every_proof_found_on_generated_problems_verifies_and_is_g4ip_provable() -> None:
    env, rng = PropEnv(), random.Random(5)
    found = 0
    for theorem in problems("easy", 40) + problems("train", 40) + unprovable(40, seed=1):
        root = env.open(theorem)
        for _ in range(10):
            state, path = _random_walk(env, root, rng, 20)
            if state.solved:
                found += 1
                assert decide(theorem), theorem.statement
                assert env.verify(theorem, Proof(theorem, tuple(path))).ok
    assert found > 5  # the walks do close some goals, so the assertions above were exercised


@pytest.mark.slow
def test_the_tactic_subset_proves_generated_problems() -> None:
    env = PropEnv()
    for theorem in problems("easy", 25) + problems("hard", 5):
        proof = prove_by_search(theorem)
        assert proof is not None, theorem.statement
        assert env.verify(theorem, proof).ok
