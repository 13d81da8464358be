"""The problem generator: seeded, sized, disjoint up to variable renaming, every problem provable."""

from __future__ import annotations

import subprocess
import sys

import pytest

from prover.core import Theorem
from prover.env.prop import SIZES, PropEnv, decide, parse, problems, provable, unprovable
from prover.env.prop.canon import statement_key
from prover.env.prop.generate import _has_nested_implication, canonical

pytestmark = pytest.mark.slow  # generating the three splits takes several seconds


@pytest.fixture(scope="module")
def splits() -> dict[str, list[Theorem]]:
    return {split: problems(split) for split in SIZES}


def _formula(th: Theorem):
    st = parse(th.statement)
    assert all(t is None for _, t in st.binders)
    return st.target


def test_splits_are_sized_named_and_open_in_the_env(splits) -> None:
    assert {s: len(ps) for s, ps in splits.items()} == {"train": 3000, "easy": 2000, "hard": 2000}
    env = PropEnv()
    for split, ps in splits.items():
        assert ps[42].name == f"prop_{split}_0042"
        assert ps[42].statement.startswith(f"theorem prop_{split}_0042 (p q")
        env.open(ps[-1])
    assert problems("hard", 5) == splits["hard"][:5]


def test_splits_are_disjoint_up_to_variable_renaming(splits) -> None:
    seen: dict[object, str] = {}
    for split, ps in splits.items():
        forms = {canonical(_formula(th)) for th in ps}
        assert len(forms) == len(ps), f"duplicates inside {split}"
        for f in forms:
            assert seen.setdefault(f, split) == split, f"{f.text} is in {seen[f]} and {split}"


def test_splits_are_disjoint_up_to_the_canonical_form(splits) -> None:
    # Renaming, hypothesis order and currying: `prop_hard_0019` used to be `prop_train_1963` after intros.
    seen: dict[str, str] = {}
    for split, ps in splits.items():
        keys = {statement_key(th.statement) for th in ps}
        assert len(keys) == len(ps), f"duplicates inside {split} up to the canonical form"
        for k in keys:
            assert seen.setdefault(k, split) == split, f"{k} is in {seen[k]} and {split}"


def test_every_problem_is_provable_and_hard_needs_a_case_split(splits) -> None:
    for ps in splits.values():
        for th in ps[::7]:
            assert decide(th), th.statement
    for th in splits["hard"][::5]:
        f = _formula(th)
        assert not provable((), f, or_left=False), th.statement
        assert _has_nested_implication(f) and len(f.variables()) >= 3
    for th in splits["easy"][::5]:
        assert provable((), _formula(th), or_left=False, imp_imp_left=False)


def test_generation_is_deterministic_across_processes(splits) -> None:
    code = "from prover.env.prop import problems; print('\\n'.join(t.statement for t in problems('easy', 300)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == [t.statement for t in splits["easy"][:300]]


def test_unprovable_formulas_are_refuted_and_seeded() -> None:
    bad = unprovable(50, seed=3)
    assert len(bad) == 50 and bad == unprovable(50, seed=3)
    assert not any(decide(th) for th in bad)
