"""Shared test fixtures. `lean`-marked tests run only where a Lean toolchain and the REPL build are found."""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.config import LeanConfig

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
FIXTURES = SHARED / "fixtures" / "lean-repl"
MINIF2F = SHARED / "data" / "minif2f.jsonl"


def pytest_collection_modifyitems(config, items):
    from prover.env.lean.toolchain import missing_line

    reason = missing_line(LeanConfig())
    if reason is None:
        return
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        # `lean_core` tests need only lean_project/core (no Mathlib) and skip on their own where it is missing
        if "lean" in item.keywords and "lean_core" not in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def shared_fixtures() -> Path:
    if not FIXTURES.is_dir():
        pytest.skip(f"{FIXTURES} is absent")
    return FIXTURES


@pytest.fixture
def minif2f_path() -> Path:
    if not MINIF2F.is_file():
        pytest.skip(f"{MINIF2F} is absent")
    return MINIF2F
