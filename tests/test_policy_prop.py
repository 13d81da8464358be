"""UniformPolicy against the prop bench: its candidates, read from goals text alone, are steps PropEnv accepts,
and a small exhaustive search with them proves generated problems (checked by env.verify)."""

from __future__ import annotations

import random

import pytest

from prover.core import Failed, Proof, Proved, Theorem
from prover.learn.teacher import bfs_proof
from prover.policy import UniformPolicy

prop = pytest.importorskip("prover.env.prop")
if not hasattr(prop, "problems"):
    pytest.skip("prover.env.prop.problems is not there yet", allow_module_level=True)


def _walk_acceptance(env, policy, theorems: list[Theorem], seed: int = 0) -> tuple[int, int]:
    """Along random walks of accepted steps, how many candidates the env accepts out of all proposed."""
    rng, accepted, total = random.Random(seed), 0, 0
    for theorem in theorems:
        state = env.open(theorem)
        for _ in range(6):
            live = []
            for tactic, _ in policy.propose([state.text], 100)[0]:
                result = env.step(state, tactic)
                total += 1
                if not isinstance(result, Failed):
                    accepted += 1
                    if not isinstance(result, Proved):
                        live.append(result.state)
            if not live:
                break
            state = rng.choice(live)
    return accepted, total


def test_uniform_candidates_are_steps_the_prop_env_accepts():
    env, policy = prop.PropEnv(), UniformPolicy()
    accepted, total = _walk_acceptance(env, policy, prop.problems("easy", 20) + prop.problems("hard", 20))
    assert total > 300
    assert accepted >= 0.9 * total, (accepted, total)


@pytest.mark.parametrize("split, n, share", [("easy", 20, 1.0), ("hard", 12, 0.5)])
def test_exhaustive_search_with_uniform_candidates_finds_verified_proofs(split, n, share):
    env = prop.PropEnv()
    proved = 0
    for theorem in prop.problems(split, n):
        path = bfs_proof(env, theorem, budget=2000)  # every uniform candidate at every state, breadth first
        if path is not None:
            assert env.verify(theorem, Proof(theorem, tuple(tactic for _, tactic in path))).ok
            proved += 1
    assert proved >= share * n, f"{proved}/{n}"
