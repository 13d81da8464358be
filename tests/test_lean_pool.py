"""The REPL pool's header handling and its recovery from what ends a real REPL process, counted.

The stand-in (tests/fake_repl.py) exits on a pickle it cannot read or write, as the real REPL does
(`uncaught exception: ...`, exit 1), and logs every process start, import and header command; the tests
count those, so a loop or a needless Mathlib import shows up as a number. No test reads a clock.
Headers skip the safety gate here (its rules are tests/test_lean_gate.py's business): these tests are
about what the pool does with whatever header reaches Lean.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from prover.config import OLYMPIAD_HEADER, LeanConfig
from prover.core import Failed, Progress, Proved, StatementError, Theorem
from prover.env.lean import LeanEnv, gate
from prover.env.lean.client import ReplCrashed
from prover.env.lean.header import parse_header

FAKE = str(Path(__file__).with_name("fake_repl.py"))
AND_SWAP = "theorem t (p q : Prop) : p ∧ q → q ∧ p"
NHDS = "theorem n (x : Nat) (h : 𝓝 = 𝓝) : x = x"  # parses only where Topology's scoped notation is active
SCOPED = "import Mathlib\nimport Aesop\nopen scoped Topology\n"


def fake_cfg(tmp_path: Path, *args: str, **kw) -> LeanConfig:
    return LeanConfig(repl_command=[sys.executable, FAKE, "--log", str(tmp_path / "log.jsonl"), *args],
                      timeout=kw.pop("timeout", 5.0), **kw)


def counts(tmp_path: Path) -> Counter:
    path = tmp_path / "log.jsonl"
    return Counter(json.loads(line)["kind"] for line in path.read_text().splitlines()) if path.is_file() else Counter()


def thm(header: str = OLYMPIAD_HEADER, text: str = AND_SWAP) -> Theorem:
    return Theorem.from_text(text, header=header)


@pytest.fixture(autouse=True)
def headers_skip_the_gate(monkeypatch):
    monkeypatch.setattr(gate, "check_header", lambda header, cfg: None)


pytestmark = pytest.mark.usefixtures("no_children")


# -- headers ---------------------------------------------------------------------------------------


def test_headers_that_mean_the_same_share_one_cache_entry():
    minif2f = "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 0\n\nopen BigOperators Real Nat Topology Rat\n\n"
    olympiad = OLYMPIAD_HEADER + "\n"  # problems/olympiad.jsonl's: the default plus a blank line
    parsed = [parse_header(h) for h in (OLYMPIAD_HEADER, olympiad, minif2f)]
    assert parsed[0] == parsed[1] and parsed[0].key == parsed[1].key
    assert {p.import_key for p in parsed} == {frozenset({"Mathlib", "Aesop"})}  # one import for all three
    assert parsed[2].rest == "set_option maxHeartbeats 0\nopen BigOperators Real Nat Topology Rat"
    spaced = parse_header("import  Mathlib  -- all of it\n/- a\n comment -/\nopen   Real\n\n\n")
    assert spaced.imports == ("Mathlib",) and spaced.rest == "open Real"
    # indentation is Lean's business (a continuation line), and an import after a command stays put
    assert parse_header("open Foo\n  Bar\nimport X").rest == "open Foo\n  Bar\nimport X"


def test_imports_once_per_process_and_each_header_rest_once(tmp_path):
    minif2f = "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 0\n\nopen BigOperators Real Nat Topology Rat\n\n"
    with LeanEnv.from_config(fake_cfg(tmp_path)) as env:
        for i, header in enumerate([OLYMPIAD_HEADER, OLYMPIAD_HEADER + "\n", minif2f] * 3):
            assert env.open(thm(header, f"theorem t{i} (p : Prop) : p → p")).goals == ("p : Prop\n⊢ p → p",)
    c = counts(tmp_path)
    assert (c["start"], c["import"], c["header"], c["statement"]) == (1, 1, 2, 9)


def test_the_header_cache_is_an_lru_of_the_configured_size(tmp_path):
    headers = [f"import Mathlib\nset_option maxHeartbeats {n}" for n in (1, 2, 3)]
    with LeanEnv.from_config(fake_cfg(tmp_path, header=headers[0], header_cache=2)) as env:
        for h in [headers[1], headers[0], headers[1], headers[0]]:  # two headers fit: no command again
            env.open(thm(h))
        assert counts(tmp_path)["header"] == 2
        env.open(thm(headers[2]))  # evicts headers[1], the least recently used
        env.open(thm(headers[0]))
        assert counts(tmp_path)["header"] == 3
        env.open(thm(headers[1]))
        assert counts(tmp_path)["header"] == 4
    assert counts(tmp_path)["import"] == 1


def test_the_pool_keys_processes_by_import_set(tmp_path):
    other = "import Batteries\nopen Nat"
    with LeanEnv.from_config(fake_cfg(tmp_path, pool_size=2)) as env:
        assert counts(tmp_path)["import"] == 2
        a = env.open(thm(other))  # no process holds `Lean`: the worker used longest ago switches
        b = env.open(thm(other))  # and the next statement with those imports goes to it
        assert a.handle.worker == b.handle.worker and env.pool.recycles == 1
        c = env.open(thm())  # the Mathlib statements go to the other worker
        assert c.handle.worker != a.handle.worker
        assert isinstance(env.step(a, "intro h"), Progress)
    assert counts(tmp_path)["import"] == 3 and counts(tmp_path)["start"] == 3


def test_a_process_is_recycled_after_max_uses_between_statements(tmp_path):
    with LeanEnv.from_config(fake_cfg(tmp_path, max_uses=3)) as env:
        roots = [env.open(thm(text=f"theorem t{i} (p q : Prop) : p ∧ q → q ∧ p")) for i in range(7)]
        assert env.pool.recycles == 2 and env.pool.starts == 3 and env.pool.restarts == 0
        assert isinstance(env.step(roots[0], "intro h"), Progress)  # replayed in the new process
    assert counts(tmp_path)["import"] == 3


def test_open_scoped_survives_restarts_and_unpickling(tmp_path):
    """Only the imports are pickled; the header's opens always run as a command on them."""
    with LeanEnv.from_config(fake_cfg(tmp_path, "--crash-at", "6", "--once", str(tmp_path / "crashed"),
                                      header=SCOPED, pool_size=2, pickle_header=True)) as env:
        assert counts(tmp_path)["unpickle"] == 1  # the second process unpickled the imports
        roots = [env.open(thm(SCOPED, NHDS)) for _ in range(2)]
        assert {r.handle.worker for r in roots} == {0, 1}  # both processes, the unpickled one too
        with pytest.raises(StatementError, match="mid-answer"):  # the stand-in dies once, on its 6th request
            for _ in range(4):
                env.open(thm(SCOPED, NHDS))
        after = [env.open(thm(SCOPED, NHDS)) for _ in range(2)]  # the replacement unpickles, opens again
        assert {r.handle.worker for r in after} == {0, 1}
        assert all(isinstance(env.step(r, "rfl"), Proved) for r in after)
        assert env.pool.restarts == 1
    assert counts(tmp_path)["unpickle"] == 2


# -- pickles the real REPL cannot read or write end its process --------------------------------------


def test_an_unreadable_pickle_is_dropped_and_the_imports_elaborated_instead(tmp_path):
    cfg = fake_cfg(tmp_path, "--pickle-corrupt", pool_size=2, pickle_header=True)
    with LeanEnv.from_config(cfg) as env:  # process 1 pickles; process 2 cannot unpickle and dies
        pickles = env.pool.pickles
        assert not pickles.enabled and "unpickling" in pickles.disabled_because
        assert not list(Path(pickles._dir.name).iterdir())  # the bad pickle is deleted
        c = counts(tmp_path)
        assert (c["start"], c["import"], c["pickle"], c["unpickle"]) == (3, 2, 1, 1)
        root = env.open(thm())
        assert isinstance(env.step(root, "crash"), Failed)  # and a later restart imports; no unpickle
        assert isinstance(env.step(root, "simp"), Proved)
    c = counts(tmp_path)
    assert (c["start"], c["import"], c["pickle"], c["unpickle"]) == (4, 3, 1, 1)


def test_a_pickle_that_vanished_is_dropped_too(tmp_path):
    with LeanEnv.from_config(fake_cfg(tmp_path, pickle_header=True)) as env:
        for path in Path(env.pool.pickles._dir.name).iterdir():
            path.unlink()
        root = env.open(thm())
        assert isinstance(env.step(root, "crash"), Failed)
        assert isinstance(env.step(root, "simp"), Proved)  # unpickle fails, imports instead, replays
        assert not env.pool.pickles.enabled
    c = counts(tmp_path)
    assert (c["start"], c["import"], c["unpickle"]) == (3, 2, 1)


def test_a_failing_pickle_at_start_degrades_to_no_pickling(tmp_path):
    with LeanEnv.from_config(fake_cfg(tmp_path, "--pickle-fail", pool_size=2, pickle_header=True)) as env:
        assert not env.pool.pickles.enabled and "pickling failed" in env.pool.pickles.disabled_because
        c = counts(tmp_path)  # process 1 dies on pickleTo and imports again; process 2 never pickles
        assert (c["start"], c["import"], c["pickle"], c["unpickle"]) == (3, 3, 1, 0)
        for _ in range(4):
            assert isinstance(env.step(env.open(thm()), "intro h"), Progress)
    assert counts(tmp_path)["start"] == 3


def test_a_header_that_fails_on_every_process_does_not_loop(tmp_path):
    with LeanEnv.from_config(fake_cfg(tmp_path)) as env:
        for _ in range(3):
            with pytest.raises(StatementError, match="expected command"):
                env.open(thm("import Mathlib\nimport Aesop\nfrobnicate"))
        with pytest.raises(StatementError, match="invalid 'import' command"):
            env.open(thm("import Mathlib\nimport Aesop\nopen Real\nimport Aesop"))
        assert isinstance(env.step(env.open(thm()), "intro h"), Progress)
    c = counts(tmp_path)
    assert (c["start"], c["import"]) == (1, 1)  # a header error costs a command, never a process


# -- several tactics in one step ---------------------------------------------------------------------


def test_a_step_of_several_tactics_runs_them_in_order(tmp_path):
    with LeanEnv.from_config(fake_cfg(tmp_path)) as env:
        root = env.open(thm())
        for text in ["intro h\nconstructor", "intro h; constructor", "intro h\n\nconstructor\n"]:
            s = env.step(root, text)
            assert isinstance(s, Progress) and [g.split("\n")[0] for g in s.state.goals] == ["case left", "case right"]
        assert isinstance(env.step(root, "intro h\nconstructor\nsimp\nsimp"), Proved)
        assert isinstance(env.step(root, "intro h\nexact nothing"), Failed)


def test_a_process_started_without_imports_takes_the_first_import_set(tmp_path):
    with LeanEnv.from_config(fake_cfg(tmp_path, header="")) as env:
        assert env.pool.starts == 1 and counts(tmp_path)["import"] == 0
        env.open(thm())  # the empty header's process imports Mathlib: no replacement needed
        env.open(thm("", "theorem e (p : Prop) : p → p"))  # no imports: a command without env, same process
        assert env.pool.starts == 1 and env.pool.recycles == 0
    assert counts(tmp_path)["import"] == 1


def test_a_request_the_repl_cannot_parse_costs_one_process_and_the_worker_goes_on(tmp_path):
    with LeanEnv.from_config(fake_cfg(tmp_path)) as env:
        root = env.open(thm())
        with env.pool.acquire(root.handle.worker) as worker:
            with pytest.raises(ReplCrashed, match="uncaught exception: .*Could not parse as a valid JSON command"):
                worker.request({"proofState": root.handle.proof_state}, 5.0)  # no request shape fits
            assert worker.pid is None and worker.restarts == 1
        assert isinstance(env.step(root, "intro h"), Progress)  # a new process, the state replayed
    c = counts(tmp_path)
    assert (c["start"], c["import"]) == (2, 2)
