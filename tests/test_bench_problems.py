"""problems/olympiad.jsonl: our own olympiad-style set. Every row loads; with Lean, every statement elaborates."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from prover.bench.datasets import load_dataset, load_jsonl, read_jsonl
from prover.config import load

REPO = Path(__file__).resolve().parent.parent
OLYMPIAD = REPO / "problems" / "olympiad.jsonl"
ROWS = [json.loads(line) for line in OLYMPIAD.read_text(encoding="utf-8").splitlines() if line.strip()]


def strip_parens(text: str) -> str:
    return " ".join(text.replace("(", "").replace(")", "").split())


def test_every_row_loads_as_a_declaration():
    dataset = read_jsonl(OLYMPIAD)  # the loader skips what it cannot take: our own file must lose nothing
    assert dataset.skipped == [] and dataset.renamed == [] and dataset.summary() is None
    problems = load_jsonl(OLYMPIAD)
    assert len(problems) == len(ROWS) >= 20
    assert {p.source for p in problems} == {"algebra", "numbertheory", "inequality"}
    assert {p.difficulty for p in problems} == {"easy", "medium", "hard"}
    assert {p.split for p in problems} == {"valid", "test"}
    for problem, row in zip(problems, ROWS, strict=True):
        t = problem.theorem
        assert t.is_declaration and t.statement.startswith(f"theorem {row['name']} "), row["name"]
        assert row["formal_statement"] == t.statement + " := by\n"  # the statement is kept byte for byte
        assert t.statement.count("(") == t.statement.count(")"), row["name"]
        assert not re.search(r"\b(sorry|admit|axiom|native_decide)\b", t.statement), row["name"]
        assert t.informal and "Show that" in t.informal
        # The goal's target is the statement's conclusion (Lean may print it with fewer parentheses).
        conclusion = re.split(r"\) : |^theorem \S+ : ", t.statement)[-1]
        target = row["goal"].split("⊢ ")[-1]
        assert strip_parens(target) == strip_parens(conclusion), row["name"]


def test_every_row_passes_the_safety_gate():
    from prover.env.lean import gate

    cfg = load().lean
    for problem in load_jsonl(OLYMPIAD):
        gate.check_header(problem.theorem.header, cfg)
        gate.check_statement(problem.theorem.statement, cfg)


def test_named_dataset_resolves_to_the_shipped_file():
    dataset = load_dataset("olympiad", load(), split="valid")
    assert len(dataset.problems) == sum(r["split"] == "valid" for r in ROWS)


@pytest.fixture(scope="module")
def lean_env():
    from prover.env.lean import LeanEnv

    env = LeanEnv.from_config(load().lean)
    yield env
    env.close()


@pytest.mark.lean
@pytest.mark.slow
@pytest.mark.parametrize("row", ROWS, ids=[r["name"] for r in ROWS])
def test_statement_elaborates_in_lean(lean_env, row):
    problem = next(p for p in load_jsonl(OLYMPIAD) if p.name == row["name"])
    state = lean_env.open(problem.theorem)  # StatementError if Lean rejects it
    assert len(state.goals) == 1
    assert " ".join(state.goals[0].split()) == " ".join(row["goal"].split())
