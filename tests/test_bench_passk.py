"""pass@k: the unbiased estimator against its definition (the mean over every k-subset of the attempts)."""

from __future__ import annotations

from itertools import combinations

import pytest

from prover.bench.passk import ks_for, mean_pass_at_k, pass_at_k


def by_subsets(n: int, c: int, k: int) -> float:
    outcomes = [True] * c + [False] * (n - c)
    subsets = list(combinations(outcomes, k))
    return sum(any(s) for s in subsets) / len(subsets)


def test_estimator_values():
    assert pass_at_k(10, 0, 1) == 0.0
    assert pass_at_k(10, 1, 1) == pytest.approx(0.1)
    assert pass_at_k(10, 3, 2) == pytest.approx(1 - 21 / 45)  # 1 - C(7,2)/C(10,2)
    assert pass_at_k(5, 4, 2) == 1.0  # fewer failures than k: every pair holds a proof
    assert pass_at_k(4, 1, 4) == 1.0 and pass_at_k(4, 0, 4) == 0.0  # n == k: any attempt proved
    assert pass_at_k(200, 13, 100) == pytest.approx(1 - 0.5 ** 13, rel=2e-3)  # large n stays finite


@pytest.mark.parametrize("n", [1, 2, 5, 8])
def test_estimator_is_the_mean_over_subsets(n):
    for c in range(n + 1):
        for k in range(1, n + 1):
            assert pass_at_k(n, c, k) == pytest.approx(by_subsets(n, c, k))


def test_bad_arguments_and_means():
    with pytest.raises(ValueError):
        pass_at_k(3, 4, 1)
    with pytest.raises(ValueError):
        pass_at_k(3, 1, 4)
    assert mean_pass_at_k([(4, 0), (4, 2), (2, 2)], 1) == pytest.approx((0 + 0.5 + 1) / 3)
    assert mean_pass_at_k([(4, 0), (4, 2), (2, 2)], 4) == 0.5  # the problem with 2 attempts is left out
    assert mean_pass_at_k([(1, 1)], 2) is None
    assert ks_for(1) == [1] and ks_for(8) == [1, 2, 4, 8] and ks_for(10) == [1, 2, 4, 8, 10]
