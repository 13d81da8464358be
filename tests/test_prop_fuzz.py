"""A policy may propose any text: the bench must answer every tactic with a StepResult, never an exception."""

import random

from prover.core import Failed, Progress, Proved
from prover.env.prop import PropEnv, problems
from prover.policy import UniformPolicy

NOISE = list("()⟨⟩,.|&;:→∧∨¬↔ \n\t#@!'\"`") + ["h", "h1", "Or.inl", "with", "fun", "⊢", "✝", "--", "by", "_"]


def mutate(tactic: str, rng: random.Random) -> str:
    chars = list(tactic)
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(3)
        pos = rng.randint(0, len(chars))
        if op == 0:
            chars[pos:pos] = list(rng.choice(NOISE))
        elif op == 1 and chars:
            del chars[min(pos, len(chars) - 1)]
        else:
            chars[pos:pos + rng.randint(0, 4)] = []
    return "".join(chars)


def test_mutated_tactics_never_raise():
    rng = random.Random(0)
    env, policy = PropEnv(), UniformPolicy()
    outcomes = set()
    for theorem in problems("hard", 150):
        state = env.open(theorem)
        for _ in range(6):
            candidates = [t for t, _ in policy.propose([state.text], 16)[0]]
            if not candidates:
                break
            for tactic in candidates[:8]:
                result = env.step(state, mutate(tactic, rng))
                assert isinstance(result, Progress | Proved | Failed)
                outcomes.add(type(result).__name__)
            nxt = env.step(state, rng.choice(candidates))
            if not isinstance(nxt, Progress):
                break
            state = nxt.state
    assert "Failed" in outcomes and "Progress" in outcomes  # the mutations reached both kinds of answer
