"""LeanEnv and its pool, driven for real against the stand-in REPL (tests/fake_repl.py).

The stand-in is a toy, not Lean: these tests check the machinery (header reuse, restarts, replay of
proof states, concurrency, the final check's rules, the CLI wiring), never mathematics.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import pytest

from prover.cli import main
from prover.config import OLYMPIAD_HEADER, LeanConfig, load
from prover.core import EnvUnavailable, Failed, GateError, Progress, Proof, Proved, StatementError, Theorem
from prover.env.lean import LeanEnv

FAKE = str(Path(__file__).with_name("fake_repl.py"))
FAKE_JUDGE = str(Path(__file__).with_name("fake_judge.py"))
AND_SWAP = "theorem t (p q : Prop) : p ∧ q → q ∧ p"


def fake_cfg(tmp_path: Path, *args: str, **kw) -> LeanConfig:
    return LeanConfig(repl_command=[sys.executable, FAKE, "--log", str(tmp_path / "log.jsonl"), *args],
                      judge_command=[sys.executable, FAKE_JUDGE, "--log", str(tmp_path / "judge.jsonl")],
                      timeout=kw.pop("timeout", 5.0), **kw)


def judged(tmp_path: Path) -> list[dict]:
    """The stand-in judge's runs: the challenge and solution files it was given."""
    path = tmp_path / "judge.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []


def log(tmp_path: Path) -> list[dict]:
    path = tmp_path / "log.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []


def kinds(tmp_path: Path) -> list[str]:
    return [r["kind"] for r in log(tmp_path)]


def theorem(text: str = AND_SWAP) -> Theorem:
    return Theorem.from_text(text, header=OLYMPIAD_HEADER)


def test_open_step_verify(tmp_path, no_children):
    with LeanEnv.from_config(fake_cfg(tmp_path)) as env:
        thm = theorem()
        root = env.open(thm)
        assert root.goals == ("p q : Prop\n⊢ p ∧ q → q ∧ p",)
        s1 = env.step(root, "intro h")
        assert isinstance(s1, Progress) and s1.state.goals == ("p q : Prop\nh : p ∧ q\n⊢ q ∧ p",)
        s2 = env.step(s1.state, "constructor")
        assert [g.split("\n")[0] for g in s2.state.goals] == ["case left", "case right"]
        assert isinstance(env.step(s2.state, "exact h"), Failed)
        assert isinstance(env.step(s2.state, "error_empty"), Failed)  # empty goals with an error: no proof
        assert isinstance(env.step(s2.state, "status_sorry"), Failed)
        s3 = env.step(env.step(s2.state, "simp").state, "simp")
        assert isinstance(s3, Proved)
        verdict = env.verify(thm, Proof(thm, ("intro h", "constructor", "simp", "simp")))
        assert verdict.ok and verdict.axioms == ("propext",)
        assert verdict.source.startswith(OLYMPIAD_HEADER) and f"{AND_SWAP} := by\n  intro h\n" in verdict.source
    # the imports elaborated once, the rest of the header run once on them, reused for every statement
    assert kinds(tmp_path).count("import") == 1 and kinds(tmp_path).count("header") == 1
    assert "check" not in kinds(tmp_path)  # the REPL serves search steps; the judge decides
    [run] = judged(tmp_path)
    assert run["solution"] == verdict.source and run["challenge"].endswith(f"{AND_SWAP} := by sorry\n")


def test_the_final_check_refuses_what_is_not_a_proof(tmp_path, no_children):
    with LeanEnv.from_config(fake_cfg(tmp_path)) as env:
        thm = theorem()
        wrong = env.verify(thm, Proof(thm, ("intro h",)))  # goals remain
        assert not wrong.ok and "unsolved goals" in wrong.reason()
        axiom = env.verify(thm, Proof(thm, ("apply_axiom",)))
        assert not axiom.ok and "myAxiom" in axiom.reason() and "myAxiom" in axiom.axioms
        hidden = env.verify(thm, Proof(thm, ("sorry_hidden",)))
        assert not hidden.ok and "sorry" in hidden.reason()
        gated = env.verify(thm, Proof(thm, ("simp\naxiom cheat : False",)))
        assert not gated.ok and "safety gate" in gated.reason()
        false = theorem("theorem f (a : Nat) : False")
        assert not env.verify(false, Proof(false, ("omega",))).ok
    assert len(judged(tmp_path)) == 3  # what the gate refused never reached the judge


def test_an_example_is_audited_under_a_name(tmp_path):
    with LeanEnv.from_config(fake_cfg(tmp_path)) as env:
        thm = theorem("example (p : Prop) : p → p")
        verdict = env.verify(thm, Proof(thm, ("intro h", "exact h")))
        assert verdict.ok and "theorem prover_checked_example" in verdict.source
    assert judged(tmp_path)[0]["challenge"].endswith("theorem prover_checked_example (p : Prop) : p → p := by sorry\n")


def test_statement_errors_and_gate(tmp_path):
    with LeanEnv.from_config(fake_cfg(tmp_path)) as env:
        with pytest.raises(StatementError, match="expected"):
            env.open(theorem("theorem t (a : Nat : a = a"))
        with pytest.raises(GateError):
            env.open(theorem("theorem t : True\naxiom a : False"))
        refused = env.step(env.open(theorem()), "native_decide")
        assert isinstance(refused, Failed) and "safety gate" in refused.message


def test_a_pool_starts_every_process_with_the_header(tmp_path, no_children):
    with LeanEnv.from_config(fake_cfg(tmp_path, pool_size=3)) as env:
        pids = {w.pid for w in env.pool.workers}
        assert len(pids) == 3
    assert sorted(kinds(tmp_path)) == ["header"] * 3 + ["import"] * 3 + ["start"] * 3
    (tmp_path / "b").mkdir()  # with pickles: the first process pickles its imports, the others unpickle them
    with LeanEnv.from_config(fake_cfg(tmp_path / "b", pool_size=3, pickle_header=True)):
        pass
    assert sorted(kinds(tmp_path / "b")) == ["header"] * 3 + ["import", "pickle"] + ["start"] * 3 + ["unpickle"] * 2


@pytest.mark.parametrize("bad, why", [("hang", "no answer from Lean within"), ("crash", "mid-answer"),
                                      ("garbage", "not a response")])
def test_a_failing_process_is_replaced_and_old_states_replayed(tmp_path, bad, why, no_children):
    with LeanEnv.from_config(fake_cfg(tmp_path, timeout=1.0)) as env:
        root = env.open(theorem())
        s1 = env.step(root, "intro h").state
        failed = env.step(s1, bad)
        assert isinstance(failed, Failed) and why in failed.message
        assert env.pool.workers[0].pid is None and env.pool.restarts == 1  # killed; the next request starts one
        # s1's proof state died with the process: it is rebuilt (statement, then `intro h`) and used
        s2 = env.step(s1, "constructor")
        assert isinstance(s2, Progress) and len(s2.state.goals) == 2
        assert isinstance(env.step(root, "simp"), Proved)
        assert env.pool.starts == 2
    after_restart = kinds(tmp_path)[kinds(tmp_path).index("start", 1):]
    # a new process: the imports, the header's rest, then the replay (statement, `intro h`), then the step
    assert after_restart[:6] == ["start", "import", "header", "statement", "tactic", "tactic"]


def test_memory_cap_replaces_the_process(tmp_path, no_children):
    cfg = fake_cfg(tmp_path, "--leak-mb", "100", memory_mb=150)  # one leak fits under the cap, two do not
    with LeanEnv.from_config(cfg) as env:
        first = env.step(env.open(theorem()), "leak")
        assert isinstance(first, Progress) and env.pool.restarts == 0
        second = env.step(first.state, "leak")
        if isinstance(second, Failed):  # crossed the cap while answering: killed mid-request
            assert "over its cap of 150 MB" in second.message
        assert env.pool.restarts == 1  # either way the process is gone
        # the first state is rebuilt in the new process (one leak: under the cap) and the search goes on
        assert isinstance(env.step(first.state, "simp"), Proved)


def test_concurrent_searches_share_the_pool(tmp_path, no_children):
    errors: list[BaseException] = []

    def search(env: LeanEnv, i: int) -> None:
        try:
            for _ in range(5):
                root = env.open(theorem(f"theorem t{i} (p q : Prop) : p ∧ q → q ∧ p"))
                s = env.step(root, "intro h")
                assert s.state.handle.worker == root.handle.worker  # a state is stepped where it lives
                s = env.step(s.state, "slow" if i % 2 else "constructor")
                assert isinstance(s, Progress)
                assert isinstance(env.step(root, "simp"), Proved)
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    with LeanEnv.from_config(fake_cfg(tmp_path, pool_size=2)) as env:
        threads = [threading.Thread(target=search, args=(env, i)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads) and not errors, errors
        assert len({r["pid"] for r in log(tmp_path) if r["kind"] == "statement"}) == 2  # both workers used


def test_a_search_survives_hangs_crashes_and_garbage(tmp_path, no_children):
    """The real search, through prover.search.attempt, with misbehaving tactics among the proposals."""
    from prover.policy import make_policy
    from prover.search.attempt import attempt

    cfg = load(overrides={"env": "lean", "search.budget_steps": 40, "search.algorithm": "bfs"})
    cfg.lean = fake_cfg(tmp_path, timeout=1.0)
    cfg.policy.automation_tactics = ["hang", "crash", "garbage", "intro h", "constructor", "simp"]
    with LeanEnv.from_config(cfg.lean) as env:
        result = attempt(env, make_policy(cfg), theorem(), cfg.search)
        assert result.proved and result.verdict.ok, result.to_json()
        assert env.pool.restarts >= 1


def test_startup_failures_are_env_unavailable(tmp_path, no_children):
    with pytest.raises(EnvUnavailable, match="header does not elaborate: 1:0: unknown module prefix"):
        LeanEnv.from_config(fake_cfg(tmp_path, "--header-error"))
    with pytest.raises(EnvUnavailable, match="cannot load the toolchain"):
        LeanEnv.from_config(fake_cfg(tmp_path, "--exit-at-start", "1"))
    with pytest.raises(EnvUnavailable, match="cannot start"):
        LeanEnv.from_config(LeanConfig(repl_command=["/nonexistent/repl"]))


def test_without_lean_every_entry_point_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PROVER_LEAN__PROJECT_DIR", str(tmp_path))  # no REPL build, no Mathlib here
    monkeypatch.setenv("PROVER_LEAN__ELAN_HOME", str(tmp_path))
    with pytest.raises(EnvUnavailable, match="--env prop"):
        LeanEnv.from_config(LeanConfig(project_dir=tmp_path, elan_home=tmp_path))
    assert main(["prove", AND_SWAP]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--env prop" in err and "prover setup-lean" in err


def test_prove_and_check_through_the_cli_with_a_configured_repl(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PROVER_LEAN__REPL_COMMAND", json.dumps([sys.executable, FAKE]))
    monkeypatch.setenv("PROVER_LEAN__JUDGE_COMMAND", json.dumps([sys.executable, FAKE_JUDGE]))
    assert main(["prove", AND_SWAP, "--json", "--budget-steps", "20"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["proved"] and record["verdict"]["axioms"] == ["propext"]
    assert record["verdict"]["checks"] == ["gate", "challenge", "solution", "imports", "statement", "safety",
                                           "replay", "axioms"]
    assert main(["check", AND_SWAP, "--proof", "intro h\nconstructor\nsimp\nsimp", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["verified"]
