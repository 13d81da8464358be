import pytest

from prover.core import Budget, Proof, State, StatementError, Theorem, Usage


def test_statement_kept_byte_for_byte_without_proof_suffix():
    src = "theorem amc (x y : ℤ) (h₀ : 0 < y) :\n  x + y = y + x := by\n"
    thm = Theorem.from_text(src, header="import Mathlib\n")
    assert thm.name == "amc"
    assert thm.statement == "theorem amc (x y : ℤ) (h₀ : 0 < y) :\n  x + y = y + x"
    assert Theorem.from_text("theorem t : True := by sorry").statement == "theorem t : True"
    with pytest.raises(StatementError):
        Theorem.from_text("  := by ")


def test_proof_renders_to_lean_source():
    thm = Theorem.from_text("theorem t (p q : Prop) : p ∧ q → q ∧ p", header="import Mathlib")
    proof = Proof(thm, ("intro h", "exact ⟨h.2, h.1⟩"))
    assert proof.render() == (
        "import Mathlib\n\ntheorem t (p q : Prop) : p ∧ q → q ∧ p := by\n  intro h\n  exact ⟨h.2, h.1⟩\n"
    )
    # multi-line tactics keep their relative indentation inside the `by` block
    multi = Proof(thm, ("intro h", "constructor\n· exact h.2\n· exact h.1"))
    assert multi.render(with_header=False).splitlines()[3:] == ["  · exact h.2", "  · exact h.1"]


def test_states_with_equal_goals_are_equal_whatever_their_handles():
    a, b = State(("p : Prop\n⊢ p",), handle=1), State(("p : Prop\n⊢ p",), handle=2)
    assert a == b and hash(a) == hash(b) and not a.solved and State(()).solved


def test_usage_reports_the_first_exhausted_limit():
    usage = Usage(env_calls=10)
    assert usage.exhausted(Budget(env_calls=11)) is None
    assert usage.exhausted(Budget(env_calls=10)) == "env_calls"
    assert Usage(policy_calls=3).exhausted(Budget(env_calls=None, policy_calls=3)) == "policy_calls"
    assert Usage(nodes=5).exhausted(Budget(env_calls=None, nodes=5)) == "nodes"
    assert Usage().exhausted(Budget(env_calls=None, seconds=0.0)) == "seconds"
