"""Against a real Lean toolchain with the REPL built (`prover setup-lean`); skipped, with the reason, elsewhere.

Core-Lean statements (empty header) keep these fast; one test goes through the Mathlib header.
"""

from __future__ import annotations

import pytest

from prover.config import LeanConfig
from prover.core import Failed, GateError, Proof, Proved, Theorem
from prover.env.lean import LeanEnv, gate

pytestmark = pytest.mark.lean

COMM = "theorem t (a b : Nat) : a + b = b + a"


@pytest.fixture(scope="module")
def env():
    with LeanEnv.from_config(LeanConfig(header="", timeout=120)) as e:
        yield e


def test_omega_proves_commutativity_and_the_final_check_passes(env):
    thm = Theorem.from_text(COMM)
    root = env.open(thm)
    assert root.goals == ("a b : Nat\n⊢ a + b = b + a",)
    assert isinstance(env.step(root, "omega"), Proved)
    verdict = env.verify(thm, Proof(thm, ("omega",)))
    assert verdict.ok, verdict.reason()
    assert set(verdict.axioms) <= {"propext", "Classical.choice", "Quot.sound"}


def test_a_wrong_proof_fails(env):
    thm = Theorem.from_text("theorem t2 (a b : Nat) : a + b = b + a + 1")
    root = env.open(thm)
    assert isinstance(env.step(root, "omega"), Failed)
    assert isinstance(env.step(root, "exact rfl"), Failed)
    verdict = env.verify(thm, Proof(thm, ("omega",)))
    assert not verdict.ok and verdict.messages


def test_a_proof_through_a_new_axiom_is_rejected(env, monkeypatch):
    thm = Theorem.from_text("theorem t3 (a b : Nat) : a + b = b + a + 1", header="axiom cheat : False")
    proof = Proof(thm, ("exact cheat.elim",))
    refused = env.verify(thm, proof)
    assert not refused.ok and "axiom" in refused.reason()  # the gate stops it first
    # and were the gate bypassed, Lean's own axiom audit rejects it
    monkeypatch.setattr(gate, "check_header", lambda header, cfg: None)
    audited = env.verify(thm, proof)
    assert not audited.ok and "cheat" in audited.reason() and "cheat" in audited.axioms
    with pytest.raises(GateError):
        env.open(thm)


def test_an_axiom_outside_the_allowed_set_is_rejected():
    cfg = LeanConfig(header="", allowed_axioms=["propext", "Quot.sound"])
    with LeanEnv.from_config(cfg) as env:
        thm = Theorem.from_text("theorem em' (p : Prop) : p ∨ ¬p")
        verdict = env.verify(thm, Proof(thm, ("exact Classical.em p",)))
        assert not verdict.ok and "Classical.choice" in verdict.reason()


@pytest.mark.slow
def test_the_mathlib_header(tmp_path):
    with LeanEnv.from_config(LeanConfig(timeout=300)) as env:  # the olympiad header: import Mathlib ...
        thm = Theorem.from_text("theorem prover_sq (x : ℝ) : 0 ≤ x ^ 2", header=env.cfg.header)
        root = env.open(thm)
        assert isinstance(env.step(root, "positivity"), Proved)
        assert env.verify(thm, Proof(thm, ("positivity",))).ok
