"""Every tactic of the prop bench, step by step, with the goal text Lean 4 shows after it.

The expected texts follow Lean 4 core (`Lean.Meta.ppGoal`, `MVarId.apply`/`appendParentTag`,
`cases` tags); two proofs are checked against real Lean REPL transcripts in ../shared.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prover.core import Failed, Progress, Proof, Proved, State, Theorem
from prover.env.base import ProofEnv
from prover.env.prop import PropEnv


def replay(statement: str, steps: list[tuple[str, tuple[str, ...]]]) -> State:
    """Run the tactics, asserting the exact goals after each; then verify the whole proof."""
    env = PropEnv()
    theorem = Theorem.from_text(statement)
    state = env.open(theorem)
    for tactic, goals in steps:
        result = env.step(state, tactic)
        assert not isinstance(result, Failed), f"{tactic}: {result.message}"
        assert result.state.goals == goals, tactic
        assert isinstance(result, Proved) == (goals == ())
        state = result.state
    if state.solved:
        verdict = env.verify(theorem, Proof(theorem, tuple(t for t, _ in steps)))
        assert verdict.ok, verdict.messages
        assert verdict.source.startswith(statement + " := by\n  " + steps[0][0])
    return state


def failure(statement: str, tactics: list[str], message: str) -> None:
    env = PropEnv()
    state = env.open(Theorem.from_text(statement))
    for tactic in tactics[:-1]:
        result = env.step(state, tactic)
        assert isinstance(result, Progress), tactic
        state = result.state
    result = env.step(state, tactics[-1])
    assert isinstance(result, Failed), tactics[-1]
    assert message in result.message


def test_is_a_proof_env() -> None:
    assert isinstance(PropEnv(), ProofEnv)


def test_intro_exact_anonymous_constructor_and_projections() -> None:
    replay(
        "theorem swap (p q : Prop) : p ∧ q → q ∧ p",
        [
            ("intro h", ("p q : Prop\nh : p ∧ q\n⊢ q ∧ p",)),
            ("exact ⟨h.2, h.1⟩", ()),
        ],
    )


def test_constructor_on_and_tags_left_right_and_apply_keeps_single_goal_tag() -> None:
    replay(
        "theorem complex_and (p q r : Prop) (h1 : p ∧ q) (h2 : q → r) : p ∧ r",
        [
            ("constructor", ("case left\np q r : Prop\nh1 : p ∧ q\nh2 : q → r\n⊢ p",
                             "case right\np q r : Prop\nh1 : p ∧ q\nh2 : q → r\n⊢ r")),
            ("exact h1.left", ("case right\np q r : Prop\nh1 : p ∧ q\nh2 : q → r\n⊢ r",)),
            ("apply h2", ("case right\np q r : Prop\nh1 : p ∧ q\nh2 : q → r\n⊢ q",)),
            ("exact h1.right", ()),
        ],
    )


def test_iff_constructor_tags_mp_mpr_and_intro_keeps_the_tag() -> None:
    replay(
        "theorem t (p q : Prop) : p ∧ q ↔ q ∧ p",
        [
            ("constructor", ("case mp\np q : Prop\n⊢ p ∧ q → q ∧ p", "case mpr\np q : Prop\n⊢ q ∧ p → p ∧ q")),
            ("intro h", ("case mp\np q : Prop\nh : p ∧ q\n⊢ q ∧ p", "case mpr\np q : Prop\n⊢ q ∧ p → p ∧ q")),
            ("rcases h with ⟨hp, hq⟩", ("case mp.intro\np q : Prop\nhp : p\nhq : q\n⊢ q ∧ p",
                                        "case mpr\np q : Prop\n⊢ q ∧ p → p ∧ q")),
            ("exact ⟨hq, hp⟩", ("case mpr\np q : Prop\n⊢ q ∧ p → p ∧ q",)),
            ("intro h", ("case mpr\np q : Prop\nh : q ∧ p\n⊢ p ∧ q",)),
            ("exact And.intro h.2 h.1", ()),
        ],
    )


def test_rcases_on_or_tags_inl_inr_and_removes_the_hypothesis() -> None:
    replay(
        "theorem t (p q r : Prop) : (p ∨ q) ∧ (p → r) ∧ (q → r) → r",
        [
            ("intro h", ("p q r : Prop\nh : (p ∨ q) ∧ (p → r) ∧ (q → r)\n⊢ r",)),
            ("rcases h with ⟨hpq, hr⟩", ("case intro\np q r : Prop\nhpq : p ∨ q\nhr : (p → r) ∧ (q → r)\n⊢ r",)),
            ("rcases hpq with hp | hq", (
                "case intro.inl\np q r : Prop\nhr : (p → r) ∧ (q → r)\nhp : p\n⊢ r",
                "case intro.inr\np q r : Prop\nhr : (p → r) ∧ (q → r)\nhq : q\n⊢ r",
            )),
            ("exact hr.1 hp", ("case intro.inr\np q r : Prop\nhr : (p → r) ∧ (q → r)\nhq : q\n⊢ r",)),
            ("apply hr.2", ("case intro.inr\np q r : Prop\nhr : (p → r) ∧ (q → r)\nhq : q\n⊢ q",)),
            ("assumption", ()),
        ],
    )


def test_left_right_tag_h_and_or_inl_or_inr_terms() -> None:
    replay(
        "theorem t (p q : Prop) : p ∨ q → q ∨ p",
        [
            ("intro h", ("p q : Prop\nh : p ∨ q\n⊢ q ∨ p",)),
            ("rcases h with hp | hq", ("case inl\np q : Prop\nhp : p\n⊢ q ∨ p", "case inr\np q : Prop\nhq : q\n⊢ q ∨ p")),
            ("right", ("case inl.h\np q : Prop\nhp : p\n⊢ p", "case inr\np q : Prop\nhq : q\n⊢ q ∨ p")),
            ("exact hp", ("case inr\np q : Prop\nhq : q\n⊢ q ∨ p",)),
            ("exact Or.inl hq", ()),
        ],
    )
    replay("theorem t (p q : Prop) (hp : p) : q ∨ p", [("left", ("case h\np q : Prop\nhp : p\n⊢ q",))])


def test_negation_intro_exfalso_contradiction_and_shadowing() -> None:
    replay(
        "theorem t (p q : Prop) : (p → q) → ¬q → ¬p",
        [
            ("intro h h", ("p q : Prop\nh✝ : p → q\nh : ¬q\n⊢ ¬p",)),
            ("intro h", ("p q : Prop\nh✝¹ : p → q\nh✝ : ¬q\nh : p\n⊢ False",)),
            ("exfalso", ("p q : Prop\nh✝¹ : p → q\nh✝ : ¬q\nh : p\n⊢ False",)),
        ],
    )
    failure("theorem t (p q : Prop) : (p → q) → ¬q → ¬p", ["intro h1 h2 h3", "contradiction"], "contradiction")
    replay(
        "theorem t (p q : Prop) : (p → q) → ¬q → ¬p",
        [
            ("intro h1 h2 h3", ("p q : Prop\nh1 : p → q\nh2 : ¬q\nh3 : p\n⊢ False",)),
            ("have hq := h1 h3", ("p q : Prop\nh1 : p → q\nh2 : ¬q\nh3 : p\nhq : q\n⊢ False",)),
            ("contradiction", ()),
        ],
    )
    replay(
        "theorem t (p q : Prop) : p → ¬p → q",
        [("intro hp hnp", ("p q : Prop\nhp : p\nhnp : ¬p\n⊢ q",)), ("exact absurd hp hnp", ())],
    )
    replay(
        "theorem t (p q : Prop) : p → ¬p → q",
        [
            ("intro hp hnp", ("p q : Prop\nhp : p\nhnp : ¬p\n⊢ q",)),
            ("exfalso", ("p q : Prop\nhp : p\nhnp : ¬p\n⊢ False",)),
            ("apply hnp", ("p q : Prop\nhp : p\nhnp : ¬p\n⊢ p",)),
            ("exact hp", ()),
        ],
    )
    replay("theorem t (q : Prop) : False → q", [("intro h", ("q : Prop\nh : False\n⊢ q",)), ("exact False.elim h", ())])


def test_apply_with_two_arguments_makes_goals_tagged_a() -> None:
    replay(
        "theorem t (p q r : Prop) (h : p → q → r) (hp : p) (hq : q) : r",
        [
            ("apply h", ("case a\np q r : Prop\nh : p → q → r\nhp : p\nhq : q\n⊢ p",
                         "case a\np q r : Prop\nh : p → q → r\nhp : p\nhq : q\n⊢ q")),
            ("exact hp", ("case a\np q r : Prop\nh : p → q → r\nhp : p\nhq : q\n⊢ q",)),
            ("exact hq", ()),
        ],
    )
    # `apply h` tries fewer arguments first when the goal is itself an implication.
    replay(
        "theorem t (p q r : Prop) (h : p → q → r) (hp : p) : q → r",
        [("apply h", ("p q r : Prop\nh : p → q → r\nhp : p\n⊢ p",)), ("exact hp", ())],
    )


def test_apply_constructors_and_have_with_a_type() -> None:
    replay(
        "theorem t (p q : Prop) (hp : p) (hq : q) : (p ∧ q) ∨ False",
        [
            ("apply Or.inl", ("case h\np q : Prop\nhp : p\nhq : q\n⊢ p ∧ q",)),
            ("apply And.intro", ("case h.left\np q : Prop\nhp : p\nhq : q\n⊢ p", "case h.right\np q : Prop\nhp : p\nhq : q\n⊢ q")),
            ("have h : p ∧ q := ⟨hp, hq⟩", ("case h.left\np q : Prop\nhp : p\nhq : q\nh : p ∧ q\n⊢ p",
                                            "case h.right\np q : Prop\nhp : p\nhq : q\n⊢ q")),
            ("exact h.1", ("case h.right\np q : Prop\nhp : p\nhq : q\n⊢ q",)),
            ("exact hq", ()),
        ],
    )
    replay("theorem t : True", [("exact trivial", ())])
    replay("theorem t (p : Prop) (h : p → p) : p ↔ p", [("exact ⟨h, h⟩", ())])
    replay("theorem t (p q : Prop) (h : p ↔ q) (hq : q) : p", [("exact h.mpr hq", ())])
    replay("theorem t (p q : Prop) (h : p ↔ q) (hq : q) : p", [("apply h.2", ("p q : Prop\nh : p ↔ q\nhq : q\n⊢ q",)),
                                                                 ("exact hq", ())])


def test_defeq_of_not_is_respected() -> None:
    replay("theorem t (p : Prop) (h : p → False) : ¬p", [("exact h", ())])
    replay("theorem t (p : Prop) (h : ¬p) : p → False", [("assumption", ())])
    replay("theorem t (p q : Prop) (h : ¬p) (hp : p) : q", [("exact absurd hp h", ())])


@pytest.mark.parametrize(
    ("statement", "tactics", "message"),
    [
        ("theorem t (p : Prop) : p → p", ["exact h"], "unknown identifier 'h'"),
        ("theorem t (p q : Prop) (hp : p) : q", ["exact hp"], "type mismatch"),
        ("theorem t (p : Prop) : p → p", ["exact p"], "type mismatch"),
        ("theorem t (p : Prop) : p", ["intro h"], "insufficient number of binders"),
        ("theorem t (p : Prop) : p → p", ["intro p"], "names a proposition"),
        ("theorem t (p : Prop) : p → p", ["intro"], "name it"),
        ("theorem t (p : Prop) : p → p", ["simp"], "not supported"),
        ("theorem t (p : Prop) : p → p", ["exat h"], "unknown tactic"),
        ("theorem t (p : Prop) : p → p", ["intro h; exact h"], "one tactic per step"),
        ("theorem t (p : Prop) : p → p", ["sorry"], "not supported"),
        ("theorem t (p q : Prop) : p ∧ q", ["left"], "exactly 2 constructors"),
        ("theorem t (p q : Prop) : p → q", ["constructor"], "not an inductive datatype"),
        ("theorem t : False", ["constructor"], "no applicable constructor"),
        ("theorem t (p q : Prop) (h : p) : q", ["assumption"], "assumption' failed"),
        ("theorem t (p q : Prop) (h : p) : q", ["contradiction"], "contradiction' failed"),
        ("theorem t (p q : Prop) (h : p) : q", ["apply h"], "could not unify"),
        ("theorem t (p q : Prop) (h : p ∧ q) : q", ["rcases h with a | b"], "∨"),
        ("theorem t (p q : Prop) (h : p ∨ q) : q", ["rcases h with ⟨a, b⟩"], "∧"),
        ("theorem t (p q : Prop) (h : p ∧ q) : q", ["exact h.3"], "invalid field"),
        ("theorem t (p q : Prop) (h : p ∧ q) : q", ["exact h.mp"], "invalid field"),
        ("theorem t (p q : Prop) (h : ¬p) : q", ["exact h.1"], "invalid projection"),
        ("theorem t (p q : Prop) (h : p) : q", ["exact h h"], "function expected"),
        ("theorem t (p q : Prop) (h : p) : p ∨ q", ["exact Or.inr h"], "type mismatch"),
        ("theorem t (p q : Prop) (h : p) : p ∧ q", ["exact ⟨h⟩"], "insufficient number of arguments"),
        ("theorem t (p q : Prop) (h : p) : ¬q", ["exact ⟨h, h⟩"], "invalid constructor"),
        ("theorem t (p : Prop) (h : p) : p", ["exact h", "exact h"], "no goals to be proved"),
        ("theorem t (p : Prop) (h : p) : p", ["exact h &&"], "unexpected token '&'"),  # a model proposed it
    ],
)
def test_failures_are_lean_like(statement: str, tactics: list[str], message: str) -> None:
    env = PropEnv()
    state = env.open(Theorem.from_text(statement))
    for tactic in tactics[:-1]:
        state = env.step(state, tactic).state  # type: ignore[union-attr]
    result = env.step(state, tactics[-1])
    assert isinstance(result, Failed), tactics[-1]
    assert message in result.message


def test_verify_replays_from_scratch_and_rejects_partial_or_bad_proofs() -> None:
    env = PropEnv()
    th = Theorem.from_text("theorem t (p q : Prop) : p → q → p")
    assert env.verify(th, Proof(th, ("intro hp hq", "exact hp"))).ok
    partial = env.verify(th, Proof(th, ("intro hp hq",)))
    assert not partial.ok and "unsolved goals" in partial.messages[0]
    bad = env.verify(th, Proof(th, ("intro hp hq", "exact hq")))
    assert not bad.ok and "type mismatch" in bad.messages[0]
    extra = env.verify(th, Proof(th, ("intro hp hq", "exact hp", "exact hp")))
    assert not extra.ok
    assert env.verify(th, Proof(th, ("intro hp hq", "exact hp"))).source == "theorem t (p q : Prop) : p → q → p := by\n  intro hp hq\n  exact hp\n"


# ---------------------------------------------------------------------------------------------------
# Real Lean transcripts: the same tactics give the same goals, character for character.


def _json_objects(path: Path) -> list[dict]:
    text, out, i = path.read_text(), [], 0
    dec = json.JSONDecoder()
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        obj, i = dec.raw_decode(text, i)
        out.append(obj)
    return out


@pytest.mark.parametrize("name", ["proof_branching", "proof_branching2"])
def test_goals_match_real_lean_transcripts(shared_fixtures: Path, name: str) -> None:
    requests = _json_objects(shared_fixtures / f"{name}.in")
    responses = _json_objects(shared_fixtures / f"{name}.expected.out")
    env = PropEnv()
    root = env.open(Theorem.from_text(requests[0]["cmd"]))
    assert list(root.goals) == [responses[0]["sorries"][0]["goal"]]
    states = {0: root}
    for req, resp in zip(requests[1:], responses[1:], strict=True):
        result = env.step(states[req["proofState"]], req["tactic"])
        assert not isinstance(result, Failed), (req, result)
        assert list(result.state.goals) == resp["goals"], req["tactic"]
        assert isinstance(result, Proved) == (resp["proofStatus"] == "Completed")
        states[resp["proofState"]] = result.state


def test_obtain_asks_for_the_stated_type_first_then_adds_it() -> None:
    # Forward reasoning through an implication whose premise needs a proof of its own: not expressible
    # with the other tactics (there is no `fun`), which is why the bench has `obtain h : T`.
    replay(
        "theorem t (p q r s t : Prop) : ((p → q) → r ∨ s) → q → (r → t) → (s → t) → t",
        [
            ("intro h hq hr hs", ("p q r s t : Prop\nh : (p → q) → r ∨ s\nhq : q\nhr : r → t\nhs : s → t\n⊢ t",)),
            ("obtain hrs : r ∨ s", (
                "p q r s t : Prop\nh : (p → q) → r ∨ s\nhq : q\nhr : r → t\nhs : s → t\n⊢ r ∨ s",
                "p q r s t : Prop\nh : (p → q) → r ∨ s\nhq : q\nhr : r → t\nhs : s → t\nhrs : r ∨ s\n⊢ t",
            )),
            ("apply h", (
                "p q r s t : Prop\nh : (p → q) → r ∨ s\nhq : q\nhr : r → t\nhs : s → t\n⊢ p → q",
                "p q r s t : Prop\nh : (p → q) → r ∨ s\nhq : q\nhr : r → t\nhs : s → t\nhrs : r ∨ s\n⊢ t",
            )),
            ("intro hp", (
                "p q r s t : Prop\nh : (p → q) → r ∨ s\nhq : q\nhr : r → t\nhs : s → t\nhp : p\n⊢ q",
                "p q r s t : Prop\nh : (p → q) → r ∨ s\nhq : q\nhr : r → t\nhs : s → t\nhrs : r ∨ s\n⊢ t",
            )),
            ("exact hq", ("p q r s t : Prop\nh : (p → q) → r ∨ s\nhq : q\nhr : r → t\nhs : s → t\nhrs : r ∨ s\n⊢ t",)),
            ("rcases hrs with a | b", (
                "case inl\np q r s t : Prop\nh : (p → q) → r ∨ s\nhq : q\nhr : r → t\nhs : s → t\na : r\n⊢ t",
                "case inr\np q r s t : Prop\nh : (p → q) → r ∨ s\nhq : q\nhr : r → t\nhs : s → t\nb : s\n⊢ t",
            )),
            ("exact hr a", ("case inr\np q r s t : Prop\nh : (p → q) → r ∨ s\nhq : q\nhr : r → t\nhs : s → t\nb : s\n⊢ t",)),
            ("exact hs b", ()),
        ],
    )
    failure("theorem t (p : Prop) : p", ["obtain h : q"], "unknown identifier 'q'")
    failure("theorem t (p : Prop) : p", ["obtain h : p := x"], "not supported")
