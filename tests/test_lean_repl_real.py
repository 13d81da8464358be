"""What the pool assumes of the real REPL, checked against it (`prover setup-lean`); skipped elsewhere.

Core Lean only (no Mathlib), so these run in minutes wherever the REPL is built. Each pins one claim
the stand-in (tests/fake_repl.py) and the pool are built on; see docs/lean.md, "The REPL pool".
"""

from __future__ import annotations

import pytest

from prover.config import LeanConfig
from prover.core import Progress, Proved, Theorem
from prover.env.lean import LeanEnv
from prover.env.lean.client import ReplCrashed
from prover.env.lean.protocol import CommandResponse, ErrorResponse, TacticResponse

pytestmark = pytest.mark.lean

AND_LEFT = "theorem t (p q : Prop) : p ∧ q → p"
# needs `Decidable p`, which only `Classical.propDecidable` (a scoped instance) supplies
DECIDE = "theorem d (p : Prop) : (if p then 1 else 0) = (if p then 1 else 0)"


def test_two_tactics_in_one_raw_request_do_not_parse_and_the_env_sends_a_sequence():
    with LeanEnv.from_config(LeanConfig(header="", timeout=120)) as env:
        root = env.open(Theorem.from_text(AND_LEFT))
        with env.pool.acquire(root.handle.worker) as worker:
            raw = worker.request({"tactic": "intro h\nexact h.1", "proofState": root.handle.proof_state}, 120)
        assert isinstance(raw, ErrorResponse) and "Lean error" in raw.message  # runParserCategory: one tactic
        assert isinstance(env.step(root, "intro h\nexact h.1"), Proved)  # sent as `(intro h\n exact h.1\n)`
        assert isinstance(env.step(root, "intro h; exact h.1"), Proved)
        # a single tactic over several lines means the same wrapped as raw
        have = "have h2 : p ∧ q → p := by\n  intro h\n  exact h.1"
        with env.pool.acquire(root.handle.worker) as worker:
            raw = worker.request({"tactic": have, "proofState": root.handle.proof_state}, 120)
        stepped = env.step(root, have)
        assert isinstance(raw, TacticResponse) and isinstance(stepped, Progress)
        assert stepped.state.goals == raw.goals


def test_an_unreadable_pickle_or_a_request_of_no_shape_ends_the_real_process(tmp_path):
    env = LeanEnv(LeanConfig(header="", timeout=120), start=False)
    try:
        for request, why in [({"unpickleEnvFrom": str(tmp_path / "absent.olean")}, "uncaught exception"),
                             ({"tactic": "simp"}, "Could not parse as a valid JSON command")]:
            proc = env.spawn()
            with pytest.raises(ReplCrashed, match=why):
                proc.request(request, 120)
            assert not proc.alive
    finally:
        env.close()


def test_open_scoped_is_lost_by_a_raw_pickle_and_kept_by_the_pool(tmp_path):
    header = "import Init\nopen scoped Classical"
    env = LeanEnv(LeanConfig(header="", timeout=120), start=False)
    try:
        proc = env.spawn()
        base = proc.request({"cmd": header}, 120)
        assert isinstance(base, CommandResponse) and not base.errors
        assert not proc.request({"cmd": f"{DECIDE} := rfl", "env": base.env}, 120).errors
        proc.request({"pickleTo": str(tmp_path / "h.olean"), "env": base.env}, 120)
        unpickled = proc.request({"unpickleEnvFrom": str(tmp_path / "h.olean")}, 120)
        assert proc.request({"cmd": f"{DECIDE} := rfl", "env": unpickled.env}, 120).errors  # the scope is gone
        proc.close()
    finally:
        env.close()
    with LeanEnv.from_config(LeanConfig(header=header, timeout=120, pool_size=2, pickle_header=True)) as env:
        assert env.pool.pickles.enabled  # the second process unpickled the imports
        roots = [env.open(Theorem.from_text(DECIDE, header=header)) for _ in range(2)]
        assert {r.handle.worker for r in roots} == {0, 1}
        assert all(isinstance(env.step(r, "rfl"), Proved) for r in roots)
