"""The prop bench at scale: statements nested thousands deep parse, print, decide and step without
RecursionError (the algorithms are iterative; the one recursive reader, proof terms, refuses past a
documented depth with a clear message). Deeper than Python's default recursion limit on purpose."""

from __future__ import annotations

import random

from prover.core import Failed, Proved, Theorem
from prover.env.prop import PropEnv, decide
from prover.env.prop import formula as fm
from prover.env.prop.syntax import parse_formula
from prover.env.prop.terms import MAX_TERM_DEPTH
from prover.policy.goals import MAX_DEPTH
from prover.policy.goals import parse_formula as policy_parse
from prover.policy.uniform import UniformPolicy

DEEP = 3000  # three times Python's default recursion limit


def open_goal(statement: str) -> str:
    return PropEnv().open(Theorem("t", statement)).goals[0]


def test_three_thousand_nested_parentheses() -> None:
    st = "theorem t (p : Prop) : " + "(" * DEEP + "p" + ")" * DEEP + " → p"
    assert open_goal(st) == "p : Prop\n⊢ p → p"
    assert decide(st)


def test_a_thousand_conjuncts_parse_print_decide_and_close_with_one_anonymous_constructor() -> None:
    names = [f"p{i}" for i in range(1000)]
    target = " ∧ ".join(names)
    st = f"theorem t ({' '.join(names)} : Prop) " + " ".join(f"(h{i} : p{i})" for i in range(1000)) + f" : {target}"
    goal = open_goal(st)
    assert goal.endswith("⊢ " + target)
    assert decide(st)
    assert not decide(st.replace("(h999 : p999) ", ""))
    env = PropEnv()
    state = env.open(Theorem("t", st))
    assert isinstance(env.step(state, "exact ⟨" + ", ".join(f"h{i}" for i in range(1000)) + "⟩"), Proved)


def test_implication_chains_thousands_deep_decide_both_ways() -> None:
    # ILTP's SYJ families are chains like these: (p0 → p1) → (p1 → p2) → ... → p0 → pN.
    n = DEEP
    links = " → ".join(f"(p{i} → p{i + 1})" for i in range(n))
    assert decide(f"{links} → p0 → p{n}")
    assert not decide(f"{links} → p1 → p0")
    # nested to the left: ((((p → p0) → p1) → ...) → pM) → p: not provable; G4ip takes M sequents of
    # size M, so M is kept to half of DEEP (still past the default recursion limit)
    m = DEEP // 2
    left = "(" * m + "p" + "".join(f" → p{i})" for i in range(m)) + " → p"
    assert not decide(left)
    assert open_goal(left).endswith(left)


def test_deep_random_formulas_print_then_parse_to_the_same_formula() -> None:
    rng = random.Random(3)
    for _ in range(3):
        f = fm.var("p")
        for _ in range(DEEP):  # a random spine: each step wraps the formula on a random side
            other = fm.var("pqrs"[rng.randrange(4)])
            kind = rng.choice([fm.AND, fm.OR, fm.IMP, fm.IFF, fm.NOT])
            f = fm.neg(f) if kind == fm.NOT else fm._mk(kind, *((f, other) if rng.random() < 0.5 else (other, f)))
        assert f.depth == DEEP
        assert parse_formula(f.text, fm.var) is f
        assert fm.rename(f, {"p": "q", "q": "p"}).text == f.text.translate(str.maketrans("pq", "qp"))
        decide(f)  # answers (either way) without recursion


def test_many_negations_and_steps_on_a_deep_goal() -> None:
    st = "¬" * DEEP + "p → " + "¬" * DEEP + "p"
    assert decide(st)
    env = PropEnv()
    state = env.open(Theorem("t", st))
    result = env.step(state, "intro h")
    assert not isinstance(result, Failed)
    assert isinstance(env.step(result.state, "exact h"), Proved)


def test_proof_terms_past_the_depth_limit_are_refused_with_a_message() -> None:
    env = PropEnv()
    state = env.open(Theorem("t", "theorem t (p : Prop) (h : p) : p"))
    ok = "(" * MAX_TERM_DEPTH + "h" + ")" * MAX_TERM_DEPTH
    assert isinstance(env.step(state, f"exact {ok}"), Proved)
    deep = "(" * DEEP + "h" + ")" * DEEP
    result = env.step(state, f"exact {deep}")
    assert isinstance(result, Failed) and f"nested more than {MAX_TERM_DEPTH} deep" in result.message


def test_the_uniform_policy_reads_deep_goals_as_opaque_past_its_limit() -> None:
    shallow = "(" * MAX_DEPTH + "p" + ")" * MAX_DEPTH
    assert policy_parse(shallow) == ("var", "p")
    chain = " → ".join(["p"] * (MAX_DEPTH + 2))
    assert policy_parse(chain) is None
    assert policy_parse(" → ".join(["p"] * MAX_DEPTH)) is not None
    goal = open_goal(" → ".join(f"p{i}" for i in range(DEEP)))
    moves = UniformPolicy().candidates(goal)
    assert "intro h" in moves  # the generic moves
