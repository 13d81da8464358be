"""The corpus / held-out guard compares problems by their canonical form, not their text: a held-out
problem renamed, with its variables renamed, its hypotheses reordered or curried into the target, is
the same problem, and a corpus holding it is refused with one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prover.config import Config
from prover.core import ProverError
from prover.env.prop.canon import statement_key
from prover.learn.corpus import corpus_and_heldout, problem_key


def write(path: Path, statements: dict[str, str]) -> str:
    rows = [{"name": n, "split": "test", "informal_prefix": "", "formal_statement": s, "goal": "", "header": ""}
            for n, s in statements.items()]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


HELD = "theorem prop_hard_0019 (p q r : Prop) : (p → q) → q ∨ r → (r → p) → q"
SAME = {
    "renamed": "theorem other (p q r : Prop) : (p → q) → q ∨ r → (r → p) → q",
    # the old generator's pair: the same problem with variables renamed and hypotheses reordered
    "prop_train_1963": "theorem prop_train_1963 (p q r : Prop) : p ∨ q → (q → r) → (r → p) → p",
    "variables": "theorem x (a b c : Prop) : (a → b) → b ∨ c → (c → a) → b",
    "reordered": "theorem y (p q r : Prop) : q ∨ r → (r → p) → (p → q) → q",
    "binders": "theorem z (s t u : Prop) (h1 : u → s) (h2 : s → t) (h3 : t ∨ u) : t",
    "bare": "(r → p) → (p → q) → q ∨ r → q",
}


@pytest.mark.parametrize("variant", sorted(SAME))
def test_the_canonical_form_equates_renamed_and_reordered_problems(variant: str) -> None:
    assert statement_key(SAME[variant]) == statement_key(HELD)


def test_the_canonical_form_tells_different_problems_apart() -> None:
    assert statement_key("theorem t (p q r : Prop) : (p → q) → q ∨ r → (r → p) → r") != statement_key(HELD)
    assert statement_key("p → q → p") != statement_key("p → q → q ∧ p")
    assert statement_key("(p → q) → p → q") != statement_key("(q → p) → p → q")


@pytest.mark.parametrize("variant", sorted(set(SAME) - {"bare"}))  # a dataset row is a declaration
def test_a_renamed_held_out_problem_in_the_corpus_is_refused(tmp_path: Path, variant: str) -> None:
    corpus = write(tmp_path / "corpus.jsonl", {"c1": "theorem c1 (p : Prop) : p → p", "c2": SAME[variant]})
    held = write(tmp_path / "held.jsonl", {"prop_hard_0019": HELD, "h2": "theorem h2 (p q : Prop) : p ∧ q → q"})
    cfg = Config()
    cfg.learn.heldout = held
    with pytest.raises(ProverError, match=r"1 held-out problem\(s\) .* also in the corpus .* up to names, variable renaming and "
                                          r"hypothesis order \(e.g. held-out prop_hard_0019 is c2\)"):
        corpus_and_heldout(corpus, cfg)


def test_a_disjoint_held_out_set_passes(tmp_path: Path) -> None:
    corpus = write(tmp_path / "corpus.jsonl", {"c1": "theorem c1 (p : Prop) : p → p"})
    held = write(tmp_path / "held.jsonl", {"prop_hard_0019": HELD})
    cfg = Config()
    cfg.learn.heldout = held
    train, heldout, name = corpus_and_heldout(corpus, cfg)
    assert [t.name for t in train] == ["c1"] and [t.name for t in heldout] == ["prop_hard_0019"]


def test_lean_statements_are_compared_without_their_names() -> None:
    a = "theorem mathd_1 (x : ℝ) (h : x = 2) : x + 1 = 3"
    assert problem_key(a) == problem_key("theorem other_name  (x : ℝ)\n (h : x = 2) : x + 1 = 3")
    assert problem_key(a) != problem_key("theorem mathd_1 (x : ℝ) (h : x = 2) : x + 2 = 4")


def test_a_seeded_split_keeps_copies_of_one_problem_on_one_side(tmp_path: Path) -> None:
    statements = {f"t{i}": f"theorem t{i} (p q : Prop) : p ∧ q → {'q ∧ p' if i % 2 else 'p'}" for i in range(6)}
    statements |= {"u": "theorem u (a b : Prop) (h : a) : b → a ∨ b", "v": "theorem v (p q : Prop) : p → q → q"}
    corpus = write(tmp_path / "corpus.jsonl", statements)
    cfg = Config()
    cfg.learn.heldout_fraction = 0.25
    for seed in range(8):
        cfg.learn.seed = seed
        train, heldout, _ = corpus_and_heldout(corpus, cfg)
        assert not {problem_key(t.statement) for t in train} & {problem_key(t.statement) for t in heldout}
        assert train and heldout and len(train) + len(heldout) == len(statements)
