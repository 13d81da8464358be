"""Per-round numbers that make a collapse visible: solved counts, tactic diversity, proof lengths, shapes."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence


def tactic_entropy(tactics: Iterable[str]) -> float:
    """Shannon entropy (bits) of the empirical tactic distribution; 0 when one tactic is all there is."""
    counts = Counter(tactics)
    total = sum(counts.values())
    if total == 0:
        return 0.0
    return -sum(c / total * math.log2(c / total) for c in counts.values()) + 0.0


def length_histogram(proofs: Iterable[Sequence[str]]) -> dict[str, int]:
    """{number of tactics: how many proofs}, keys as strings so the dict survives JSON unchanged."""
    counts = Counter(len(p) for p in proofs)
    return {str(k): counts[k] for k in sorted(counts)}


def goal_of(statement: str) -> str:
    """The proposition of a declaration: what follows the last top-level ` : ` after the binders."""
    depth, last = 0, -1
    for i, ch in enumerate(statement):
        if ch in "([{⟨":
            depth += 1
        elif ch in ")]}⟩":
            depth -= 1
        elif ch == ":" and depth == 0 and statement[i + 1:i + 2] != "=" and statement[i - 1:i] == " ":
            last = i
    return statement[last + 1:].strip() if last >= 0 else statement.strip()


_OPS = ("↔", "→", "∨", "∧", "=", "≠", "≤", "<", "¬")  # loosest first: the first found at depth 0 is the top


def _top_split(text: str, op: str) -> list[str]:
    """`text` split at `op` where it is outside every bracket."""
    parts, depth, last = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([{⟨":
            depth += 1
        elif ch in ")]}⟩":
            depth -= 1
        elif depth == 0 and text.startswith(op, i):
            parts.append(text[last:i])
            last = i + len(op)
    return parts + [text[last:]]


def _wrapped(term: str) -> bool:
    """`(…)` whose first bracket closes at the very end."""
    if not (term.startswith("(") and term.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(term):
        depth += (ch in "([{⟨") - (ch in ")]}⟩")
        if depth == 0 and i < len(term) - 1:
            return False
    return True


def _kind(term: str) -> str:
    term = term.strip()
    while _wrapped(term):
        term = term[1:-1].strip()
    for op in _OPS:
        if len(_top_split(term, op)) > 1 or (op == "¬" and term.startswith("¬")):
            return op
    return "_"


def shape(statement: str) -> str:
    """A problem's shape: the main connective of each premise (as a set) and of the conclusion.

    `(p → q) → ¬q → ¬p` is `→¬⊢¬`: after `intro`, problems of one shape call for the same first moves,
    so the share of held-out shapes with a solved problem shows whether the policy still covers them all.
    """
    *premises, conclusion = _top_split(goal_of(statement), "→")
    return "".join(sorted({_kind(p) for p in premises})) + "⊢" + _kind(conclusion)


def shape_coverage(statements: Sequence[str], solved: Sequence[bool]) -> dict[str, float | int]:
    """How many distinct shapes the set has, and the share of them with at least one solved problem."""
    shapes: dict[str, bool] = {}
    for stmt, ok in zip(statements, solved, strict=True):
        s = shape(stmt)
        shapes[s] = shapes.get(s, False) or ok
    covered = sum(shapes.values())
    return {"shapes": len(shapes), "shapes_covered": covered,
            "shape_coverage": round(covered / len(shapes), 4) if shapes else 0.0}


def diversity(proofs: Sequence[Sequence[str]]) -> dict[str, object]:
    """Distinct tactics, their entropy, distinct first words, and the proof-length histogram."""
    tactics = [t for p in proofs for t in p]
    return {
        "proofs": len(proofs),
        "distinct_tactics": len(set(tactics)),
        "tactic_entropy": round(tactic_entropy(tactics), 4),
        "distinct_tactic_kinds": len({t.split()[0] for t in tactics if t.split()}),
        "mean_proof_length": round(sum(map(len, proofs)) / len(proofs), 3) if proofs else 0.0,
        "proof_lengths": length_histogram(proofs),
    }
