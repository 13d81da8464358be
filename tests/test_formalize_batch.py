"""`prover formalize CORPUS.jsonl --out FORMAL.jsonl`: a formal corpus out, rejected ones with the reason,
resumable after a kill with no duplicate rows, and readable by `prover train` as its corpus."""

import json

import pytest

import prover.attempts.results as results
from prover.cli import main
from prover.config import load
from prover.core import ProverError
from prover.env.prop import PropEnv
from prover.formalize.batch import formalize_corpus, outcome, read_informal, rejected_path
from prover.formalize.pipeline import formalize, guard_policy
from prover.learn.corpus import load_theorems

PROP = load(overrides={"env": "prop"})
ANSWERS = {  # informal text -> what the fake model writes for it
    "if it rains the ground is wet": "theorem t (p q : Prop) : (p → q) → p → q",
    "rain or snow, and no rain, gives snow": "theorem t (p q : Prop) : (p ∨ q) → ¬p → q",
    "something about r": "theorem t (p q : Prop) : p → r",  # unbound name: rejected
    "rain and snow gives snow": "theorem t (p q : Prop) : p ∧ q → q",
}


class Fake:
    """A Generator that writes one fixed statement per problem."""

    fewshot = False

    def prompt(self, informal):
        return informal

    def generate(self, prompt, n):
        return [ANSWERS[prompt]] * n

    def logprobs(self, prompt, completions):
        return None

    def back_translation(self, statements, informal):
        return None


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "informal.jsonl"
    path.write_text("".join(json.dumps({"name": f"w{i}", "informal": text}) + "\n"
                            for i, text in enumerate(ANSWERS)))
    return path


def one(env, seen=None):
    """A Formalizer: the fake model's statement for each problem, through the real gate and ranking."""
    def formalizer(problems):
        for p in problems:
            if seen is not None:
                seen.append(p.name)
            yield outcome(p, formalize(p.text, Fake(), env, guard_policy(PROP), PROP, n=2))
    return formalizer


def test_a_batch_writes_the_best_statement_per_problem_and_the_rejected_with_the_reason(corpus, tmp_path):
    out, env = tmp_path / "formal.jsonl", PropEnv()
    counts = formalize_corpus(read_informal(corpus), out, one(env))
    assert (counts.accepted, counts.rejected) == (3, 1)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["name"] for r in rows] == ["w0", "w1", "w3"]
    assert rows[0]["formal_statement"] == "theorem w0 (p q : Prop) : (p → q) → p → q := by\n  sorry"
    assert rows[0]["informal"] == "if it rains the ground is wet" and rows[0]["informal_prefix"].startswith("/--")
    bad = [json.loads(line) for line in rejected_path(out).read_text().splitlines()]
    assert [b["name"] for b in bad] == ["w2"] and "unknown identifier 'r'" in bad[0]["reason"]
    theorems = load_theorems(str(out), PROP)  # what `prover train FORMAL.jsonl` reads as its corpus
    assert [t.name for t in theorems] == ["w0", "w1", "w3"]


def test_a_killed_batch_resumes_with_no_duplicate_rows(corpus, tmp_path, monkeypatch):
    out, env = tmp_path / "formal.jsonl", PropEnv()
    real, writes = results.ResultsWriter.write, []

    def die_after_two(self, record):
        real(self, record)
        writes.append(record["name"])
        if len(writes) == 2:
            self._file.write('{"name": "w2", "torn')  # killed in the middle of the next line
            self._file.flush()
            raise KeyboardInterrupt

    monkeypatch.setattr(results.ResultsWriter, "write", die_after_two)
    with pytest.raises(KeyboardInterrupt):
        formalize_corpus(read_informal(corpus), out, one(env))
    monkeypatch.setattr(results.ResultsWriter, "write", real)
    with pytest.raises(ProverError, match="--resume"):
        formalize_corpus(read_informal(corpus), out, one(env))
    done = []
    counts = formalize_corpus(read_informal(corpus), out, one(env, done), resume=True)
    assert counts.done_before == 2 and len(done) == 2  # only the two not written yet
    names = [json.loads(line)["name"] for p in (out, rejected_path(out)) for line in p.read_text().splitlines()]
    assert sorted(names) == ["w0", "w1", "w2", "w3"]


def test_cli_batch_and_bad_corpora_are_one_line(corpus, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"name": "a", "informal": "x"}\n{"name": "b"}\n')
    assert main(["formalize", str(bad), "--env", "prop", "--out", str(tmp_path / "o.jsonl")]) == 2
    assert "bad.jsonl:2" in capsys.readouterr().err
    assert main(["formalize", "some text", "--env", "prop", "--resume"]) == 2
    assert "--out" in capsys.readouterr().err


@pytest.mark.slow
def test_a_batch_on_ray_whose_workers_cannot_start_is_one_line(corpus, tmp_path, capsys):
    out = tmp_path / "formal.jsonl"
    code = main(["formalize", str(corpus), "--env", "prop", "--out", str(out), "--model", str(tmp_path / "none"),
                 "--workers", "2"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "could not start" in err and "not a checkpoint directory" in err
