"""The autoformalizer: prompts, filtering, ranking, the endpoint path (a real local HTTP server), the CLI."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from prover.cli import main
from prover.config import load
from prover.core import ProverError
from prover.env.prop import PropEnv
from prover.formalize import propcheck, propdata
from prover.formalize.batch import rejected_path
from prover.formalize.pipeline import screen
from prover.formalize.prompting import fewshot_prompt, load_pairs, statement_from
from prover.formalize.statement import normalize
from prover.policy.endpoint import EndpointGenerator, endpoint_url

PROP = load(overrides={"env": "prop"})


# ---------------------------------------------------------------------------------------------------
# A real OpenAI-compatible server on 127.0.0.1 that answers canned completions.


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (the stdlib's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append((self.path, body))
        if "fail" in self.path:
            self.send_error(500, "model not loaded")
            return
        texts = self.server.completions[: body.get("n", 1)]
        if self.path.endswith("/chat/completions"):
            choices = [{"index": i, "message": {"role": "assistant", "content": t}} for i, t in enumerate(texts)]
        else:
            choices = [{"index": i, "text": t} for i, t in enumerate(texts)]
        payload = json.dumps({"object": "text_completion", "choices": choices}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.requests, srv.completions = [], []
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------------------------------------------
# Prompts and statements


def test_fewshot_pairs_from_minif2f(minif2f_path):
    pairs = load_pairs(minif2f_path)
    assert len(pairs) == 244  # the valid split only
    assert all(p.informal.startswith("/--") and not p.formal.rstrip().endswith(":= by") for p in pairs)
    prompt = fewshot_prompt("Show that 2 + 2 = 4.", pairs, 3)
    assert prompt.count("/--") == 4 and prompt.endswith("/-- Show that 2 + 2 = 4. -/\ntheorem")
    assert pairs[0].formal in prompt


def test_pairs_from_any_file_of_the_schema(tmp_path):
    f = tmp_path / "mine.jsonl"
    f.write_text(json.dumps({"split": "valid", "informal_prefix": "/-- p implies p -/\n",
                             "formal_statement": "theorem x (p : Prop) : p → p := by\n"}) + "\n")
    assert [(p.informal, p.formal) for p in load_pairs(f)] == [("/-- p implies p -/", "theorem x (p : Prop) : p → p")]
    assert load_pairs(tmp_path / "absent.jsonl") == []
    (tmp_path / "bad.jsonl").write_text('{"name": 1}\n')
    with pytest.raises(ProverError, match="bad.jsonl:1"):
        load_pairs(tmp_path / "bad.jsonl")


def test_statement_from_completions():
    assert statement_from(" foo (x : ℕ) : x = x := by\n  rfl\n\n/-- next", True) == "theorem foo (x : ℕ) : x = x"
    assert statement_from("```lean\ntheorem t (p : Prop) : p → p := by sorry\n```", True) == "theorem t (p : Prop) : p → p"
    assert statement_from("theorem t (p q : Prop) : p ∨ q", False) == "theorem t (p q : Prop) : p ∨ q"
    assert statement_from("   ", False) is None


def test_normalize_ignores_names_and_whitespace():
    a = "theorem amc (x y : ℤ) (h₀ : 0 < y) (h₁ : y < x) : x = 26"
    b = "theorem other  (a b : ℤ)\n  (h : 0 < b) (k : b < a) :\n  a = 26"
    assert normalize(a) == normalize(b)
    assert normalize(a) != normalize("theorem amc (x y : ℤ) (h₀ : 0 < y) (h₁ : y < x) : y = 26")


# ---------------------------------------------------------------------------------------------------
# The prop data: disjoint splits, gold statements the bench accepts


def test_prop_templates_and_vocabulary_are_disjoint():
    t = propdata.templates()
    assert t["train"] and t["heldout"] and not set(t["train"]) & set(t["heldout"])
    assert not set(propdata.TRAIN_ATOMS) & set(propdata.HELDOUT_ATOMS)
    held = propdata.examples("heldout", 50)
    assert all(ex.template in t["heldout"] for ex in held)
    assert not any(atom in ex.informal for ex in held for atom in propdata.TRAIN_ATOMS)


def test_prop_gold_statements_elaborate_and_mean_what_they_say():
    ex = propdata.Example("", propdata.theorem(("imp", ("and", 0, 1), 2)), ())
    assert ex.formal == "theorem t (p q r : Prop) : p ∧ q → r"
    assert propdata.english(("nand", 0, 1), ("it rains", "it snows")) == "not both it rains and it snows"
    assert propdata.lean(("nand", 0, 1)) == "¬(p ∧ q)" and propdata.lean(("imp", ("imp", 0, 1), 0)) == "(p → q) → p"
    env = PropEnv()
    for ex in propdata.examples("train", 40) + propdata.examples("heldout", 40):
        theorem, why = screen(ex.formal, env, PROP)
        assert theorem is not None, (ex.formal, why)


def _shape(tree):
    return -1 if isinstance(tree, int) else (tree[0], *map(_shape, tree[1:]))


def _slots(tree):
    return [tree] if isinstance(tree, int) else [s for c in tree[1:] for s in _slots(c)]


def test_informal_theorems_repeat_a_sentence_are_provable_and_keep_the_template_split():
    from prover.env.prop.decide import decide

    env = PropEnv()
    heldout_shapes = {_shape(t) for t in propdata.templates()["heldout"]}
    for split in ("train", "heldout"):
        found = propdata.theorems(split, 30)
        assert len({ex.informal for ex in found}) == 30
        for ex in found:
            assert decide(ex.formal) and screen(ex.formal, env, PROP)[0] is not None
            assert len(set(_slots(ex.template))) < len(_slots(ex.template))  # some sentence repeats
            assert (_shape(ex.template) in heldout_shapes) == (split == "heldout")
    assert not any(len(set(_slots(ex.template))) < len(_slots(ex.template)) for ex in propdata.examples("train", 200))
    mixed = propdata.examples("train", 200, repeats=0.5)  # what the formalizer trains on to read theorems
    assert 50 < sum(len(set(_slots(ex.template))) < len(_slots(ex.template)) for ex in mixed) < 150


def test_prop_equivalence_is_logical_not_textual():
    assert propcheck.equivalent("theorem t (p q : Prop) : ¬(p ∨ q)", "theorem u (a b : Prop) : ¬a ∧ ¬b")
    assert not propcheck.equivalent("theorem t (p q : Prop) : p → q", "theorem t (p q : Prop) : q → p")
    assert propcheck.hypotheses_to_false("theorem t (p q : Prop) (h : p) : ¬p → q") == \
        "theorem hypotheses (p q : Prop) : p → ¬p → False"


# ---------------------------------------------------------------------------------------------------
# The filter


def test_filter_rejects_unbound_names_with_the_reason():
    theorem, why = screen("theorem t (p q : Prop) : p → r", PropEnv(), PROP)
    assert theorem is None and "unknown identifier 'r'" in why


def test_gate_refuses_a_hostile_candidate():
    theorem, why = screen("theorem t (p : Prop) : p → p\n#eval IO.println \"hi\"", PropEnv(), PROP)
    assert theorem is None and why.startswith("refused by the safety gate")


# ---------------------------------------------------------------------------------------------------
# The endpoint path, against the local server


def test_endpoint_url_forms():
    assert endpoint_url("http://h:8000", "completions") == "http://h:8000/v1/completions"
    assert endpoint_url("http://h:8000/v1/", "chat") == "http://h:8000/v1/chat/completions"
    assert endpoint_url("http://h/x/v1/completions", "chat") == "http://h/x/v1/completions"


def test_endpoint_ranks_filters_and_explains(server, capsys):
    server.completions = [
        " a (p q : Prop) : p → q := by\n  sorry",  # continues the few-shot prompt's `theorem`
        " b (x y : Prop) : x → y",  # the same statement, other names
        " c (p q : Prop) : ¬¬(p → q)",
        " d (p q : Prop) : p ∧ ¬p → q",  # vacuous
        " e (p q : Prop) : p ∧ ¬p → q",
        " f (p q : Prop) : p ∧ ¬p → q",
        " g (p q : Prop) : p → r",  # unbound name
        " h (p : Prop) : p\n#eval IO.println 1",  # hostile
    ]
    code, out, err = run_cli(capsys, "formalize", "if it rains then the ground is wet", "--env", "prop",
                             "--endpoint", f"http://127.0.0.1:{server.server_address[1]}", "--n", "8", "--json")
    assert code == 0, err
    result = json.loads(out)
    path, body = server.requests[0]
    assert path == "/v1/completions" and body["n"] == 8 and body["prompt"].endswith("-/\ntheorem")
    ranked = result["ranked"]
    assert [r["score"] for r in ranked] == sorted((r["score"] for r in ranked), reverse=True)
    assert ranked[0]["statement"] == "theorem a (p q : Prop) : p → q" and ranked[0]["samples"] == 2
    vacuous = next(r for r in ranked if "p ∧ ¬p" in r["statement"])
    assert vacuous["samples"] == 3 and any("vacuous" in why for why in vacuous["reasons"])
    reasons = {r["statement"].split("\n")[0]: r["reason"] for r in result["rejected"]}
    assert "unknown identifier 'r'" in reasons["theorem g (p q : Prop) : p → r"]
    assert reasons["theorem h (p : Prop) : p"].startswith("refused by the safety gate")


def test_endpoint_chat_api_and_equivalence_clusters(server, capsys):
    server.completions = ["```lean\ntheorem t (p q : Prop) : ¬(p ∨ q)\n```", "theorem u (p q : Prop) : ¬p ∧ ¬q",
                          "theorem v (p q : Prop) : p ∨ q"]
    cfg = load(overrides={"env": "prop", "formalize.endpoint": f"http://127.0.0.1:{server.server_address[1]}/v1",
                          "formalize.api": "chat"})
    from prover.formalize.generate import make_generator
    from prover.formalize.pipeline import formalize, guard_policy

    result = formalize("neither it rains nor it snows", make_generator(cfg), PropEnv(), guard_policy(cfg), cfg, n=3)
    assert server.requests[0][0] == "/v1/chat/completions"
    assert server.requests[0][1]["messages"][0]["role"] == "user"
    best = result.best
    assert best is not None and best.samples == 2 and "by logical equivalence" in best.reasons[0]
    assert best.statement == "theorem t (p q : Prop) : ¬(p ∨ q)"


def test_unreachable_endpoint_is_one_clear_error(capsys):
    code, out, err = run_cli(capsys, "formalize", "p implies p", "--env", "prop",
                             "--endpoint", f"http://127.0.0.1:{_free_port()}")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "cannot reach the endpoint" in err


def test_endpoint_http_errors_and_empty_answers(server):
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with pytest.raises(ProverError, match="answered HTTP 500"):
        EndpointGenerator(f"{base}/fail/v1/completions", sleep=lambda s: None).generate("x", 2)
    server.completions = []
    assert EndpointGenerator(f"{base}/v1/completions").generate("x", 2) == []  # no answer, and no endless retry


def test_missing_model_dir_is_one_clear_error(capsys, tmp_path):
    code, out, err = run_cli(capsys, "formalize", "p implies p", "--env", "prop", "--model", str(tmp_path / "none"))
    assert code == 2 and err.count("\n") == 1 and "not a checkpoint directory" in err
    code, _, err = run_cli(capsys, "formalize", "p implies p", "--env", "prop")
    assert code == 2 and "--model DIR" in err and "--endpoint URL" in err


# ---------------------------------------------------------------------------------------------------
# A tiny model trained here (seconds), through the checkpoint path


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    import torch

    from prover.formalize.demo import train_demo

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a model this small only loses time to thread hand-offs on a busy machine
    out = tmp_path_factory.mktemp("formalizer") / "model"
    cfg = load(overrides={"env": "prop", "policy.device": "cpu", "train.steps": 200, "train.batch_size": 16,
                          "train.lr": 5e-3, "train.model_dim": 64, "train.model_layers": 1, "train.model_heads": 2,
                          "train.warmup_steps": 10, "train.save_every": 10**6, "train.eval_fraction": 0.0})
    result = train_demo(out, cfg, n_examples=400, max_depth=1, reverse=True, progress=False)
    assert result.losses[-1][1] < result.losses[0][1] / 3
    yield out
    torch.set_num_threads(threads)


@pytest.mark.slow
def test_tiny_trained_model_yields_well_formed_ranked_candidates(tiny_model):
    from prover.formalize.generate import make_generator
    from prover.formalize.pipeline import formalize, guard_policy

    cfg = load(overrides={"env": "prop", "policy.device": "cpu", "formalize.model": str(tiny_model),
                          "formalize.max_new_tokens": 64, "formalize.temperature": 0.5})
    generator = make_generator(cfg)
    assert not generator.fewshot  # the demo checkpoint is marked for plain prompts
    env, guard = PropEnv(), guard_policy(cfg)
    results = [formalize(ex.informal, generator, env, guard, cfg, n=4)
               for ex in propdata.examples("train", 3, draw=1, max_depth=1)]
    assert all(r.samples == 4 for r in results)
    assert sum(len(r.ranked) for r in results) >= 1
    for r in results:
        assert sum(c.samples for c in r.ranked) + sum(x.count for x in r.rejected) == 4
        assert [c.score for c in r.ranked] == sorted((c.score for c in r.ranked), reverse=True)
        for c in r.ranked:
            assert screen(c.statement, env, cfg)[0] is not None and c.reasons and "agree" in c.reasons[0]
            assert any("model likelihood" in why for why in c.reasons)
            assert any("back-translation" in why for why in c.reasons)  # the model was trained both ways
        assert all(x.reason for x in r.rejected)
        json.dumps(r.to_json(), ensure_ascii=False)


@pytest.mark.slow
def test_cli_formalize_with_a_model_and_prove(tiny_model, capsys):
    code, out, err = run_cli(capsys, "formalize", "if the dog barks then the door is open", "--env", "prop",
                             "--model", str(tiny_model), "--n", "4", "--prove", "--policy", "uniform", "--json")
    result = json.loads(out)
    assert result["samples"] == 4
    if result["ranked"]:
        proof = result["ranked"][0]["proof"]
        assert proof is not None and proof["theorem"] == result["ranked"][0]["statement"]
        assert code == (0 if proof["proved"] else 1)
    else:
        assert code == 1


@pytest.mark.slow
def test_a_batch_on_two_ray_workers_writes_the_rows_one_process_writes(tiny_model, tmp_path, capsys):
    corpus = tmp_path / "informal.jsonl"
    corpus.write_text("".join(json.dumps({"name": f"s{i}", "informal": ex.informal}) + "\n"
                              for i, ex in enumerate(propdata.examples("train", 6, draw=1, max_depth=1))))
    written = {}
    for workers in ("1", "2"):
        out = tmp_path / f"formal{workers}.jsonl"
        code, _, _ = run_cli(capsys, "formalize", str(corpus), "--out", str(out), "--env", "prop", "--model",
                             str(tiny_model), "--n", "4", "--workers", workers, "--json")
        rows = [json.loads(line) for path in (out, rejected_path(out)) if path.exists()
                for line in path.read_text().splitlines()]
        assert code == 0 and sorted(r["name"] for r in rows) == [f"s{i}" for i in range(6)]  # each once
        written[workers] = {r["name"]: r.get("formal_statement") for r in rows}
    assert written["1"] == written["2"]  # sampling is seeded per call: a row does not depend on the worker


@pytest.mark.lean
def test_lean_filter_keeps_what_elaborates_and_says_why_the_rest_fails(server, capsys):
    server.completions = [" t (x : ℕ) : x + 0 = x := by", " u (x : ℕ) : x + 0 = y := by", " v : (1 : ℕ) + 1 = 2"]
    code, out, err = run_cli(capsys, "formalize", "Adding zero to a natural number changes nothing.",
                             "--endpoint", f"http://127.0.0.1:{server.server_address[1]}", "--n", "3", "--json")
    result = json.loads(out)
    assert code == 0, err
    assert {r["statement"] for r in result["ranked"]} == {"theorem t (x : ℕ) : x + 0 = x", "theorem v : (1 : ℕ) + 1 = 2"}
    assert any("y" in r["reason"] for r in result["rejected"])


def test_vacuity_guard_marks_trivial_and_vacuous_statements():
    from prover.formalize.generate import make_generator
    from prover.formalize.pipeline import guard_policy, rank

    cfg = load(overrides={"env": "prop", "formalize.endpoint": "http://127.0.0.1:9"})  # never contacted by rank
    generator, env, guard = make_generator(cfg), PropEnv(), guard_policy(cfg)
    result = rank("p implies q", [" a (p : Prop) : p → p", " c (p q : Prop) : p → q"], generator, env, guard, cfg)
    by_name = {r.theorem.name: r for r in result.ranked}
    assert any(why.startswith("trivial") for why in by_name["a"].reasons)
    assert not any(why.startswith(("trivial", "vacuous")) for why in by_name["c"].reasons)
    assert result.ranked[0].theorem.name == "c"  # equal agreement, the trivial one loses
    result = rank("q", [" b (p q : Prop) (h : p) (k : ¬p) : q"], generator, env, guard, cfg)
    assert any(why.startswith("vacuous") for why in result.ranked[0].reasons)
