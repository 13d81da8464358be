"""Per-round numbers that make a collapse visible: solved counts, tactic diversity, proof lengths, shapes."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

_IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9'.₀-₉]*")


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


def shape(statement: str, depth: int = 0) -> str:
    """A problem's shape: its goal with names erased and parenthesised sub-terms (below `depth`) collapsed.

    `(p → q) → ¬q → ¬p` becomes `(…)→¬_→¬_`: problems of one shape need the same top-level moves, so the
    share of held-out shapes with a solved problem shows whether the policy still covers the whole space.
    """
    goal = _IDENT.sub("_", goal_of(statement))
    goal = re.sub(r"\s+", "", goal)
    out, level = [], 0
    for ch in goal:
        if ch in "([{⟨":
            level += 1
            if level == depth + 1:
                out.append("(…)")
            if level <= depth:
                out.append(ch)
        elif ch in ")]}⟩":
            if level <= depth:
                out.append(ch)
            level -= 1
        elif level <= depth:
            out.append(ch)
    return "".join(out)


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
