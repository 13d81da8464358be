"""Shared test fixtures. `lean`-marked tests run only where a Lean toolchain and the REPL build are found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prover.config import LeanConfig

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
FIXTURES = SHARED / "fixtures" / "lean-repl"
MINIF2F = SHARED / "data" / "minif2f.jsonl"


# A training run small enough for a test: a byte model of a few thousand parameters, searches bounded by env
# calls alone (no wall clock), the [learn] section given by the test.
TINY_TRAINING = """env = "prop"
[policy]
kind = "uniform"
device = "cpu"
max_new_tokens = 32
[search]
budget_steps = 10
timeout = 1e9
[train]
model_dim = 32
model_layers = 1
model_heads = 2
batch_size = 8
warmup_steps = 2
"""


def tiny_training(**learn: object) -> str:
    """TINY_TRAINING with these [learn] settings, as a TOML file's text."""
    return TINY_TRAINING + "[learn]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in learn.items())


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
def no_children():
    """The test leaves no child process behind (live or zombie)."""
    import psutil

    before = {p.pid for p in psutil.Process().children(recursive=True)}
    yield
    left = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
    assert not left, f"processes left behind: {left}"


@pytest.fixture(scope="module")
def one_thread():
    """Models this small gain nothing from threads, and on a shared CPU spinning threads slow them 50x."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


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
