"""UniformPolicy against the prop bench: its candidates, read from goals text alone, are steps PropEnv accepts,
and a small exhaustive search with them proves generated problems (checked by env.verify)."""

from __future__ import annotations

import random

import pytest

from prover.core import Failed, Proof, Proved, State, Theorem
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


def _breadth_first(env, policy, root: State, budget: int) -> list[str] | None:
    """Every candidate at every state, states merged by goals text: a proof, or None within `budget` steps."""
    frontier, seen, steps = [(root, [])], {root.goals}, 0
    while frontier and steps < budget:
        state, path = frontier.pop(0)
        for tactic, _ in policy.propose([state.text], 100)[0]:
            result = env.step(state, tactic)
            steps += 1
            if isinstance(result, Proved):
                return path + [tactic]
            if not isinstance(result, Failed) and result.state.goals not in seen:
                seen.add(result.state.goals)
                frontier.append((result.state, path + [tactic]))
    return None


def test_uniform_candidates_are_steps_the_prop_env_accepts():
    env, policy = prop.PropEnv(), UniformPolicy()
    accepted, total = _walk_acceptance(env, policy, prop.problems("easy", 20) + prop.problems("hard", 20))
    assert total > 300
    assert accepted >= 0.9 * total, (accepted, total)


@pytest.mark.parametrize("split, n, share", [("easy", 20, 1.0), ("hard", 12, 0.5)])
def test_exhaustive_search_with_uniform_candidates_finds_verified_proofs(split, n, share):
    env, policy = prop.PropEnv(), UniformPolicy()
    proved = 0
    for theorem in prop.problems(split, n):
        tactics = _breadth_first(env, policy, env.open(theorem), budget=2000)
        if tactics is not None:
            assert env.verify(theorem, Proof(theorem, tuple(tactics))).ok
            proved += 1
    assert proved >= share * n, f"{proved}/{n}"
