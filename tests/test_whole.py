"""Whole-proof and hybrid modes, and models on an OpenAI-compatible server (a real local HTTP server)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import torch

from prover.config import PolicyConfig, SearchConfig, TrainConfig
from prover.core import ProverError, Theorem
from prover.env.prop import PropEnv
from prover.policy.data import Example
from prover.policy.endpoint import EndpointGenerator, EndpointPolicy
from prover.policy.hf import HFPolicy
from prover.policy.prompts import preset
from prover.policy.serve import make_server
from prover.policy.train import train_sft
from prover.policy.uniform import UniformPolicy
from prover.policy.whole import (
    PRESETS,
    EndpointProofGenerator,
    ModelProofGenerator,
    ProofPrompt,
    ScriptedProofGenerator,
    split_tactics,
    whole_examples,
)
from prover.search.whole import whole_attempt

CASES = "theorem t (p q r : Prop) : (p ∨ q) ∧ (p → r) ∧ (q → r) → r"
CASES_PROOF = ["intro h", "rcases h with ⟨h1, h23⟩", "rcases h23 with ⟨h2, h3⟩", "rcases h1 with a | b",
               "exact h2 a", "exact h3 b"]
NO_FAKE_SLEEP = {"sleep": lambda seconds: None}


def cfg(budget: int = 200) -> SearchConfig:
    return SearchConfig(budget_steps=budget, timeout=None)


# -- reading completions --------------------------------------------------------------------------------


def test_a_tactic_block_splits_into_top_level_steps_with_their_continuations():
    body = "\n  intro h\n  have h2 : p := by\n    exact h.1\n  nlinarith [sq_nonneg (a - b),\n    sq_nonneg a]\n  · simp\nend"
    assert split_tactics(body) == ("intro h", "have h2 : p := by\n  exact h.1",
                                   "nlinarith [sq_nonneg (a - b),\n  sq_nonneg a]", "· simp")
    assert split_tactics(" simp") == ("simp",) and split_tactics("\n\n") == ()


def test_published_formats_take_only_the_proof_body_never_the_models_statement():
    p = ProofPrompt("theorem t (a : Nat) : a + 0 = a", "import Mathlib", "Show a + 0 = a.")
    v2 = PRESETS["deepseek-v2"]
    assert v2.chat and "```lean4\nimport Mathlib\ntheorem t (a : Nat) : a + 0 = a := by" in v2.prompt(p)
    answer = ("### Plan\nsimp does it.\n```lean4\nimport Mathlib\n-- the model restated it, weaker:\n"
              "theorem t (a : Nat) : True := by\n  simp\n```\n")
    assert v2.read(answer, p) == ("simp",)  # the body only: the statement checked is always ours
    assert PRESETS["deepseek-v1.5"].read("\n  induction a\n  · rfl\n  · simp\n```\nfin", p) == (
        "induction a", "· rfl", "· simp")
    assert PRESETS["kimina"].read("no code here", p) == ()
    assert "# Problem: Show a + 0 = a." in PRESETS["kimina"].prompt(p)


# -- whole and hybrid attempts ---------------------------------------------------------------------------


def test_whole_mode_replays_each_sample_and_stops_at_the_first_verified_one():
    wrong = "intro h\nexact h"  # breaks at step 2
    gen = ScriptedProofGenerator([wrong, "  \n", "\n".join(CASES_PROOF), "intro h"])  # the 2nd is empty
    a = whole_attempt(PropEnv(), gen, Theorem.from_text(CASES), cfg(), samples=8, batch=2)
    assert a.proved and a.proof is not None and list(a.proof.tactics) == CASES_PROOF
    assert a.sampled is not None and (a.sampled.samples, a.sampled.unreadable, a.sampled.verified) == (3, 1, 1)
    assert a.usage.env_calls == 1 + 2 + 6  # open, the wrong sample's two steps, the proof's six
    assert a.to_json()["sampled"]["samples"] == 3


def test_whole_mode_stays_inside_its_env_call_budget():
    gen = ScriptedProofGenerator(["intro h\nrcases h with ⟨h1, h23⟩\nexact h1"] * 50)
    a = whole_attempt(PropEnv(), gen, Theorem.from_text(CASES), cfg(budget=10), samples=50, batch=4)
    assert not a.proved and a.usage.env_calls <= 10 and a.stop_reason == "env_calls"


def test_hybrid_searches_on_from_the_state_where_the_sample_broke():
    broken = "intro h\nrcases h with ⟨h1, h23⟩\nexact h1"  # the third step fails
    a = whole_attempt(PropEnv(), ScriptedProofGenerator([broken]), Theorem.from_text(CASES), cfg(), samples=1,
                      batch=1, policy=UniformPolicy())
    assert a.proved and a.sampled is not None and a.sampled.searched_from_step == 2
    assert a.proof is not None and list(a.proof.tactics[:2]) == ["intro h", "rcases h with ⟨h1, h23⟩"]
    assert a.graph is not None  # the search's graph, rooted at the state the sample reached


def test_a_statement_the_env_rejects_is_an_error_not_a_crash():
    a = whole_attempt(PropEnv(), ScriptedProofGenerator([]), Theorem.from_text("theorem t (p : Prop) : p ∧"),
                      cfg(), samples=2, batch=2)
    assert not a.proved and a.stop_reason == "rejected" and "statement rejected" in (a.error or "")


# -- a byte model trained here on whole proofs ------------------------------------------------------------

TRAIN = [
    ("theorem a1 (p q : Prop) : p ∧ q → q ∧ p", ["intro h", "exact ⟨h.2, h.1⟩"]),
    ("theorem a2 (p q : Prop) : p ∨ q → q ∨ p", ["intro h", "rcases h with h1 | h2", "exact Or.inr h1",
                                                 "exact Or.inl h2"]),
    ("theorem a3 (p : Prop) : False → p", ["intro h", "exact False.elim h"]),
    ("theorem a4 (p q : Prop) : (p ↔ q) → q → p", ["intro h", "exact h.2"]),
]


@pytest.fixture(scope="module")
def whole_dir(tmp_path_factory):
    torch.set_num_threads(1)
    examples = [Example(*whole_examples(s, t), 1.0) for s, t in TRAIN]
    out = tmp_path_factory.mktemp("whole") / "ckpt"
    train_sft(examples, out, TrainConfig(steps=150, batch_size=8, lr=3e-3, warmup_steps=10, save_every=150,
                                         eval_fraction=0, model_dim=96, model_layers=2, model_heads=4),
              PolicyConfig(device="cpu"), progress=False)
    return out


@pytest.fixture(scope="module")
def whole_model(whole_dir):
    return HFPolicy.load(whole_dir, PolicyConfig(device="cpu", max_new_tokens=160, temperature=0.7))


def test_a_byte_model_trained_on_whole_proofs_proves_in_whole_mode(whole_model):
    gen = ModelProofGenerator(whole_model, PRESETS["ours"])
    env, proved = PropEnv(), 0
    for statement, _ in TRAIN:
        a = whole_attempt(env, gen, Theorem.from_text(statement), cfg(400), samples=8, batch=4)
        assert a.proved == (a.verdict is not None and a.verdict.ok)  # every proof went through the final check
        proved += a.proved
    assert proved >= 3


def test_the_endpoint_serves_our_model_with_n_and_logprobs(whole_model):
    server = make_server(whole_model)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/v1/completions"
        client = EndpointGenerator(base, max_tokens=160, stops=(), **NO_FAKE_SLEEP)
        prompts = [whole_model.ckpt.fmt.prompt(whole_examples(s, [])[0]) for s, _ in TRAIN[:2]]
        got = client.complete(prompts, 3)  # two prompts in one request, answered as one batch
        assert [len(g) for g in got] == [3, 3]
        assert all(c.logprob is not None and c.logprob <= 0 for g in got for c in g)
        local = whole_model.sample_scored(prompts, 3)  # seeded: the server answers what the model samples
        assert [[c.text for c in g] for g in got] == [[t for t, _ in row] for row in local]
        assert [c.logprob for c in got[1]] == pytest.approx([lp for _, lp in local[1]], abs=1e-4)
        gen = EndpointProofGenerator(client, PRESETS["ours"])
        assert gen.fmt.prompt(ProofPrompt(TRAIN[0][0])) == whole_model.ckpt.fmt.prompt(whole_examples(TRAIN[0][0], [])[0])
    finally:
        server.shutdown()


# -- the client against a misbehaving server ---------------------------------------------------------------


class Scripted(BaseHTTPRequestHandler):
    """Answers from the server's script, one entry a request: (status, body bytes) or "hang"."""

    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        self.server.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        step = self.server.script.pop(0) if self.server.script else (200, b'{"choices": []}')
        if step == "hang":
            self.server.release.wait()
            return
        status, body = step
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def scripted():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    server.script, server.bodies, server.release = [], [], threading.Event()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}/v1/completions"
    server.release.set()
    server.shutdown()


def ok(*texts: str, logprobs: bool = True) -> tuple[int, bytes]:
    choices = [{"index": i, "text": t, "finish_reason": "stop",
                "logprobs": {"token_logprobs": [-0.5, -0.25]} if logprobs else None} for i, t in enumerate(texts)]
    return 200, json.dumps({"choices": choices}).encode()


def test_server_errors_are_retried_with_backoff_then_answered(scripted):
    server, url = scripted
    waits: list[float] = []
    server.script = [(503, b"busy"), (500, b"oops"), ok("intro h", "exact h")]
    got = EndpointGenerator(url, sleep=waits.append, backoff=0.5).complete(["x"], 2)[0]
    assert [c.text for c in got] == ["intro h", "exact h"] and got[0].logprob == pytest.approx(-0.75)
    assert waits == [0.5, 1.0] and server.bodies[-1]["n"] == 2 and server.bodies[-1]["logprobs"] == 1


def test_a_client_error_is_not_retried_and_is_one_line(scripted):
    server, url = scripted
    server.script = [(400, b"bad model name")]
    with pytest.raises(ProverError, match="answered HTTP 400: bad model name"):
        EndpointGenerator(url, **NO_FAKE_SLEEP).complete(["x"], 1)
    assert len(server.bodies) == 1


def test_garbage_json_is_one_clear_error(scripted):
    server, url = scripted
    server.script = [(200, b"<html>gateway</html>")]
    with pytest.raises(ProverError, match="did not answer JSON"):
        EndpointGenerator(url, **NO_FAKE_SLEEP).complete(["x"], 1)
    server.script = [(200, b'{"choices": [{"no": "text"}]}')]
    with pytest.raises(ProverError, match="without completions"):
        EndpointGenerator(url, **NO_FAKE_SLEEP).complete(["x"], 1)


def test_a_server_that_never_answers_times_out_and_gives_up(scripted):
    server, url = scripted
    server.script = ["hang", "hang"]
    with pytest.raises(ProverError, match="no answer in 0.2 s.*after 2 tries"):
        EndpointGenerator(url, timeout=0.2, retries=1, **NO_FAKE_SLEEP).complete(["x"], 1)


def test_a_timeout_without_a_message_is_named_by_its_kind(monkeypatch):
    def silent_timeout(*args, **kwargs):
        raise TimeoutError()  # str() is empty: the error line names the kind instead of "()"

    monkeypatch.setattr("urllib.request.urlopen", silent_timeout)
    with pytest.raises(ProverError, match=r"no answer in 0.2 s \(TimeoutError\) \(after 1 tries\)"):
        EndpointGenerator("http://127.0.0.1:9/v1", timeout=0.2, retries=0, **NO_FAKE_SLEEP).complete(["x"], 1)


def test_the_endpoint_tactic_policy_reads_tactics_and_uses_the_servers_logprobs(scripted):
    server, url = scripted
    server.script = [ok("intro h", "intro h", "exact ⟨h.2", "exact h.1", logprobs=False)]
    policy = EndpointPolicy(EndpointGenerator(url, **NO_FAKE_SLEEP), preset("bfs"))
    [props] = policy.propose(["p q : Prop\n⊢ p ∧ q → p"], 4)
    assert [t for t, _ in props] == ["intro h", "exact h.1"]  # duplicates merged, malformed dropped
    assert server.bodies[0]["prompt"] == "p q : Prop\n⊢ p ∧ q → p:::"
    assert policy.value(["x"]) == [0.5]


def test_prove_in_whole_mode_through_a_served_model(whole_model, capsys):
    from prover.cli import main

    server = make_server(whole_model)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        code = main(["prove", "--env", "prop", "--mode", "whole", "--policy-endpoint", url, "--samples", "16",
                     TRAIN[0][0], "--json"])
        record = json.loads(capsys.readouterr().out)
        assert code == 0 and record["proved"] and record["verdict"]["ok"], record
        assert 1 <= record["sampled"]["samples"] <= 16 and record["sampled"]["verified"] == 1
    finally:
        server.shutdown()


def test_bench_in_whole_mode_checks_every_sample_and_reports_pass_at_k_over_samples(whole_model, tmp_path, capsys):
    from prover.bench.report import summarize
    from prover.cli import main

    server = make_server(whole_model)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    data = tmp_path / "train.jsonl"
    data.write_text("".join(json.dumps({"name": s.split()[1], "split": "valid", "formal_statement": s + " := by",
                                        "informal_prefix": "", "goal": "", "header": ""}, ensure_ascii=False) + "\n"
                            for s, _ in TRAIN[:2]), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        code = main(["bench", str(data), "--env", "prop", "--mode", "whole", "--policy-endpoint", url, "--samples", "4",
                     "--all-samples", "--budget-steps", "10000", "--out", str(out), "--no-progress", "--json"])
        assert code == 0, capsys.readouterr().err
    finally:
        server.shutdown()
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 2 and all(r["sampled"]["samples"] == 4 and r["sampled"]["every_sample_checked"]
                                     for r in records)
    summary = summarize(records)["all"]
    assert set(summary["pass_at_k"]) == {"1", "2", "4"}  # k over the 4 samples of each problem, not 1 attempt
    verified = [r["sampled"]["verified"] / 4 for r in records]
    assert summary["pass_at_k"]["1"] == pytest.approx(sum(verified) / 2, abs=1e-3)


def test_expert_iteration_in_whole_mode_learns_from_its_verified_whole_proofs(whole_dir, tmp_path, capsys):
    """`prover train CORPUS --mode whole`: the rounds sample whole proofs, and each verified one becomes a
    (statement, whole proof) example in the round's data."""
    from prover.cli import main

    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"name": s.split()[1], "split": "train", "formal_statement": s + " := by",
                                          "informal_prefix": "", "goal": "", "header": ""}, ensure_ascii=False) + "\n"
                              for s, _ in TRAIN), encoding="utf-8")
    config = tmp_path / "run.toml"
    config.write_text('env = "prop"\n[policy]\ndevice = "cpu"\nmax_new_tokens = 160\ntemperature = 0.7\n'
                      '[train]\nmodel_dim = 96\nmodel_layers = 2\nmodel_heads = 4\nbatch_size = 8\n'
                      '[learn]\nheldout_fraction = 0.25\nsteps_per_round = 5\npatience = 0\n')
    out = tmp_path / "run"
    code = main(["train", str(corpus), "--config", str(config), "--mode", "whole", "--samples", "8",
                 "--policy", str(whole_dir),
                 "--rounds", "1", "--out", str(out), "--json"])
    assert code == 0, capsys.readouterr().err
    data = [json.loads(line) for line in (out / "rounds" / "round-0001" / "data.jsonl").read_text().splitlines()]
    whole = [ex for ex in data if ex["state"].endswith(":= by")]
    assert whole and all(ex["state"].startswith("theorem ") and ex["tactic"] for ex in whole)
    assert not [ex for ex in data if not ex["state"].endswith(":= by")]  # no search graph: whole proofs only


def test_a_chat_layout_goes_to_the_chat_api_with_its_system_message(scripted):
    from prover.config import load
    from prover.policy import make_generator

    server, url = scripted
    answer = {"choices": [{"index": 0, "message": {"content": "```lean4\ntheorem t : True := by\n  trivial\n```"},
                           "finish_reason": "stop"}]}
    server.script = [(200, json.dumps(answer).encode())]
    cfg = load(overrides={"env": "lean", "policy.endpoint": url.rsplit("/v1/", 1)[0], "policy.whole_format": "kimina"})
    gen = make_generator(cfg)
    [[proof]] = gen.generate([ProofPrompt("theorem t : True", informal="Show True.")], 1)
    assert proof.tactics == ("trivial",)
    body = server.bodies[0]
    assert [m["role"] for m in body["messages"]] == ["system", "user"] and "# Problem: Show True." in body["messages"][1]["content"]
