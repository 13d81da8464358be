"""The prop bench reads Lean 4 statements and prints formulas and goals as Lean 4 does."""

from __future__ import annotations

import random

import pytest

from prover.core import StatementError, Theorem
from prover.env.prop import PropEnv, parse
from prover.env.prop import formula as fm
from prover.env.prop.generate import _to_formula, random_tree
from prover.env.prop.syntax import parse_formula


def target(text: str) -> str:
    return PropEnv().open(Theorem("t", text)).goals[0].split("\n")[-1].removeprefix("⊢ ")


@pytest.mark.parametrize(
    ("given", "printed"),
    [
        ("¬(p ∧ q)", "¬(p ∧ q)"),
        ("(p → q) → r", "(p → q) → r"),
        ("p → (q → r)", "p → q → r"),
        ("p ∧ (q ∧ r)", "p ∧ q ∧ r"),
        ("(p ∧ q) ∧ r", "(p ∧ q) ∧ r"),
        ("p ∨ (q ∧ r)", "p ∨ q ∧ r"),
        ("(p ∨ q) ∧ r", "(p ∨ q) ∧ r"),
        ("¬p ∧ q", "¬p ∧ q"),
        ("¬¬p", "¬¬p"),
        ("¬(p → q)", "¬(p → q)"),
        ("(p → q) ↔ r", "p → q ↔ r"),  # → (25) binds tighter than ↔ (20)
        ("p ↔ (q → r)", "p ↔ q → r"),
        ("(p ↔ q) ↔ r", "(p ↔ q) ↔ r"),  # ↔ is infix:20, not associative
        ("(p ↔ q) → r", "(p ↔ q) → r"),
        ("p ∧ q → q ∧ p", "p ∧ q → q ∧ p"),
        ("p -> q /\\ r \\/ s <-> t", "p → q ∧ r ∨ s ↔ t"),
        ("True ∧ ¬False", "True ∧ ¬False"),
        ("((p))", "p"),
    ],
)
def test_lean_precedence_and_parentheses(given: str, printed: str) -> None:
    assert target(given) == printed


def test_printing_then_parsing_gives_the_same_formula() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        f = _to_formula(random_tree(rng, 4, rng.randint(0, 12))[0])
        assert parse_formula(f.text, fm.var) is f


def test_statement_goal_groups_binders_like_lean() -> None:
    env = PropEnv()
    st = env.open(Theorem("t", "theorem t (p q r : Prop) (h1 : p ∧ q) (h2 h3 : q → r) : p ∧ r"))
    assert st.goals == ("p q r : Prop\nh1 : p ∧ q\nh2 h3 : q → r\n⊢ p ∧ r",)
    st = env.open(Theorem("t", "example {p : Prop} (q : Prop) : p → q → p"))
    assert st.goals == ("p q : Prop\n⊢ p → q → p",)


def test_bare_formula_binds_free_names_in_order_of_appearance() -> None:
    st = PropEnv().open(Theorem("t", "q ∧ p → p ∧ q ∨ r"))
    assert st.goals == ("q p r : Prop\n⊢ q ∧ p → p ∧ q ∨ r",)


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("theorem t (p : Prop) : p ∧ q", "unknown identifier 'q'"),
        ("theorem t (p q : Prop) : (p ∧ q", "unbalanced parenthesis"),
        ("p ∧ q)", "unbalanced parenthesis"),
        ("theorem t (n : Nat) : n = n", "binder 'n' has type Nat"),
        ("theorem t (p q r : Prop) : p ↔ q ↔ r", "not associative"),
        ("theorem t (p : Prop) : p ∧", "unexpected end of input"),
        ("theorem t (p : Prop) (p : Prop) : p", "used twice"),
        ("p ~ q", "unexpected character '~'"),
        ("lemma t (p : Prop) : p → p", "'lemma' is Mathlib syntax"),
        ("   ", "empty"),
        ("theorem t (p : Prop) : p := by", "has a proof attached"),
        ("theorem t (p : Prop) : p := by sorry", "has a proof attached"),
        ("p → p := trivial", "has a proof attached"),
        ("theorem t (p : Prop) (h : p → q) : p", "unknown identifier 'q': only the variables the binders declare"),
        ("example (p : Prop) : p ∨ nofile", "unknown identifier 'nofile'"),
        ("nofile", "single proposition 'nofile', which is not provable"),
        ("runs/x", "looks like a file path"),
        ("proof.lean", "looks like a file path"),
        ("prop:hard:0", "dataset spec"),
        ("bench", "is a prover command or keyword"),
        ("theoremthPcasexacth1", "single proposition"),
    ],
)
def test_malformed_statements_raise_one_clear_line(statement: str, message: str) -> None:
    with pytest.raises(StatementError) as err:
        parse(statement)
    assert message in str(err.value)
    assert "\n" not in str(err.value)
