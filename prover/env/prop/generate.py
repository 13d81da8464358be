"""Seeded problem generator: splits "train", "easy", "hard", disjoint up to the canonical form.

Candidates are random classical tautologies (checked by truth tables on bitmasks), either free-form or
shaped `H₁ → … → Hₖ → C`, renamed canonically (variables `p q r s t` in order of first appearance),
and kept when G4ip proves them and they fit the split:
- easy: 2-7 connectives, provable with neither a case split (∨ on the left) nor the nested-implication
  rule (`(c → d) → b` on the left);
- hard: 6-16 connectives, at least 3 variables, a nested implication (an implication as the hypothesis
  of another) somewhere, and unprovable without a case split;
- train: 2-14 connectives, any provable formula.
A stable hash of the problem's canonical key (prover.env.prop.canon: variables renamed, premises
introduced as hypotheses, hypotheses sorted) sends each formula to the train side (6 in 10) or the
held-out side, and duplicates are dropped by that key; easy and hard both come from the held-out side
and exclude each other by definition (hard needs the case split that easy does without). So the splits
are disjoint up to renaming and hypothesis order by construction, and each is generated on its own.
"""

from __future__ import annotations

import random
import zlib
from functools import cache

from prover.core import Theorem
from prover.env.prop import formula as fm
from prover.env.prop.canon import problem_key
from prover.env.prop.decide import provable
from prover.env.prop.formula import AND, IFF, IMP, NOT, OR, F

SIZES = {"train": 3000, "easy": 2000, "hard": 2000}
NAMES = ("p", "q", "r", "s", "t")
_MAX_TRIES = 3_000_000
Tree = int | tuple  # a variable index, (NOT, t) or (op, t, u): cheap to build and to filter
_ROWS = 1 << len(NAMES)
_FULL = (1 << _ROWS) - 1
# Truth tables as bitmasks over the 32 valuations of p..t: bit m is the value under valuation m.
_MASKS = tuple(sum(1 << m for m in range(_ROWS) if m >> i & 1) for i in range(len(NAMES)))


def random_tree(rng: random.Random, nvars: int, connectives: int) -> tuple[Tree, int]:
    """A random formula tree with exactly `connectives` connectives, and its truth table."""
    if connectives == 0:
        i = int(rng.random() * nvars)
        return i, _MASKS[i]
    x = rng.random()
    if x < 0.14:
        t, m = random_tree(rng, nvars, connectives - 1)
        return (NOT, t), _FULL ^ m
    left = int(rng.random() * connectives)
    a, ma = random_tree(rng, nvars, left)
    b, mb = random_tree(rng, nvars, connectives - 1 - left)
    if x < 0.50:
        return (IMP, a, b), (_FULL ^ ma) | mb
    if x < 0.70:
        return (AND, a, b), ma & mb
    if x < 0.90:
        return (OR, a, b), ma | mb
    return (IFF, a, b), _FULL ^ (ma ^ mb)


def _chain(rng: random.Random, nvars: int, hyps: int, disjunction: bool) -> Tree | None:
    """`H₁ → … → Hₖ → C` with C a classical consequence of the Hᵢ (the shape of a theorem with
    hypotheses). With `disjunction`, one Hᵢ is a disjunction that C does not follow without. None when
    no such C exists among the small formulas."""
    trees, m = [], _FULL
    for _ in range(hyps - disjunction):
        h, mh = random_tree(rng, nvars, 1 + int(rng.random() * 4))
        trees.append(h)
        m &= mh
    without = m
    if disjunction:
        a, ma = random_tree(rng, nvars, int(rng.random() * 2))
        b, mb = random_tree(rng, nvars, int(rng.random() * 2))
        trees.append((OR, a, b))
        m &= ma | mb
    if m == 0:  # inconsistent hypotheses: anything follows, uninteresting
        return None
    table, keys = _conclusions(nvars)
    for _ in range(40):  # probe random truth tables for one that C may have
        mc = keys[int(rng.random() * len(keys))]
        if m & ~mc == 0 and (not disjunction or without & ~mc):
            break
    else:
        return None
    options = table[mc]
    c = options[int(rng.random() * len(options))]
    rng.shuffle(trees)
    for h in trees:
        c = (IMP, h, c)
    return c


@cache
def _conclusions(nvars: int) -> tuple[dict[int, list[Tree]], list[int]]:
    """Every formula over `nvars` variables with at most 2 connectives, grouped by truth table."""
    layers: list[list[tuple[Tree, int]]] = [[(i, _MASKS[i]) for i in range(nvars)]]
    for n in (1, 2):
        layer: list[tuple[Tree, int]] = [((NOT, t), _FULL ^ m) for t, m in layers[n - 1]]
        for left in range(n):
            for a, ma in layers[left]:
                for b, mb in layers[n - 1 - left]:
                    if a != b:
                        layer += [
                            ((IMP, a, b), (_FULL ^ ma) | mb), ((AND, a, b), ma & mb),
                            ((OR, a, b), ma | mb), ((IFF, a, b), _FULL ^ (ma ^ mb)),
                        ]
        layers.append(layer)
    table: dict[int, list[Tree]] = {}
    for layer in layers:
        for t, m in layer:
            table.setdefault(m, []).append(t)
    return table, sorted(table)


def _candidate(split: str, rng: random.Random) -> Tree | None:
    """A classically valid candidate for the split, or None."""
    if split == "easy" and rng.random() < 0.5:
        return _chain(rng, 2 + int(rng.random() * 2), 1 + int(rng.random() * 2), False)
    if split == "easy" or (split == "train" and rng.random() < 0.5):
        nvars = 2 + int(rng.random() * (2 if split == "easy" else 3))
        t, m = random_tree(rng, nvars, 2 + int(rng.random() * (5 if split == "easy" else 10)))
        return t if m == _FULL else None
    if split == "hard":
        return _chain(rng, 3 + int(rng.random() * 2), 2 + int(rng.random() * 3), True)
    return _chain(rng, 2 + int(rng.random() * 3), 1 + int(rng.random() * 3), rng.random() < 0.3)


def _redundant(t: Tree) -> bool:
    """A connective with two identical operands (`p ∧ p`, `q → q` inside a larger formula)."""
    if isinstance(t, int):
        return False
    if len(t) == 3 and t[1] == t[2]:
        return True
    return any(_redundant(x) for x in t[1:])


def _to_formula(t: Tree) -> F:
    if isinstance(t, int):
        return fm.var(NAMES[t])
    if t[0] == NOT:
        return fm.neg(_to_formula(t[1]))
    return fm._mk(t[0], _to_formula(t[1]), _to_formula(t[2]))


def canonical(f: F) -> F:
    """Variables renamed `p q r ...` in order of first appearance: equal up to renaming iff identical."""
    return fm.rename(f, {v: NAMES[i] for i, v in enumerate(f.variables())})


def side_of(key: str) -> str:
    """"train" or "held-out", by a stable hash of a problem's canonical key (6 in 10 go to train)."""
    return "train" if zlib.crc32(key.encode()) % 10 < 6 else "held-out"


def connectives(f: F) -> int:
    return 0 if f.a is None else 1 + connectives(f.a) + (connectives(f.b) if f.b is not None else 0)


def _has_nested_implication(f: F) -> bool:
    if f.kind == IMP and f.a is not None and f.a.arrow() is not None:
        return True
    return any(x is not None and _has_nested_implication(x) for x in (f.a, f.b))


def fits(split: str, f: F) -> bool:
    """Whether a formula fits the definition of a split (size, shape, and the rules G4ip needs for it)."""
    if split == "easy":  # disjoint from hard: hard needs the case split that easy does without
        return connectives(f) <= 7 and provable((), f, or_left=False, imp_imp_left=False)
    if split == "hard":
        return (
            6 <= connectives(f) <= 16
            and len(f.variables()) >= 3
            and _has_nested_implication(f)
            and not provable((), f, or_left=False)
            and provable((), f)
        )
    return connectives(f) <= 14 and provable((), f)


@cache
def _formulas(split: str, seed: int) -> tuple[F, ...]:
    if split not in SIZES:
        raise ValueError(f"unknown split {split!r}: choose one of {', '.join(SIZES)}")
    rng = random.Random(f"prop-{split}-{seed}")
    out: dict[str, F] = {}  # canonical key -> the formula (variables renamed in order of appearance)
    side = "train" if split == "train" else "held-out"
    for _ in range(_MAX_TRIES):
        if len(out) >= SIZES[split]:
            break
        t = _candidate(split, rng)
        if t is None or _redundant(t):
            continue
        f = canonical(_to_formula(t))
        key = problem_key((), f)
        if key not in out and side_of(key) == side and fits(split, f):
            out[key] = f
    return tuple(out.values())


def theorem(name: str, f: F) -> Theorem:
    names = " ".join(f.variables())
    binders = f"({names} : Prop) " if names else ""
    return Theorem(name=name, statement=f"theorem {name} {binders}: {f.text}")


def problems(split: str, n: int | None = None, seed: int = 0) -> list[Theorem]:
    """The first `n` (default: all) problems of a split, named `prop_<split>_<index>`; deterministic."""
    fs = _formulas(split, seed)
    return [theorem(f"prop_{split}_{i:04d}", f) for i, f in enumerate(fs[:n] if n is not None else fs)]


def unprovable(n: int, seed: int = 0) -> list[Theorem]:
    """`n` formulas G4ip refutes (about half of them classical tautologies), for soundness tests."""
    rng = random.Random(f"prop-unprovable-{seed}")
    out: dict[F, None] = {}
    while len(out) < n:
        f = canonical(_to_formula(random_tree(rng, rng.randint(1, 3), rng.randint(1, 9))[0]))
        if f not in out and not provable((), f) and (len(out) % 2 == 0 or _classical(f)):
            out[f] = None
    return [theorem(f"prop_unprovable_{i:04d}", f) for i, f in enumerate(out)]


def _classical(f: F) -> bool:
    """Truth-table validity."""
    names = f.variables()
    return all(_eval(f, {v: bool(m >> i & 1) for i, v in enumerate(names)}) for m in range(1 << len(names)))


def _eval(f: F, val: dict[str, bool]) -> bool:
    k = f.kind
    if k == fm.VAR:
        return val[f.name]
    if k == fm.TRUE or k == fm.FALSE:
        return k == fm.TRUE
    a = _eval(f.a, val)  # type: ignore[arg-type]
    if k == fm.NOT:
        return not a
    b = _eval(f.b, val)  # type: ignore[arg-type]
    return {fm.AND: a and b, fm.OR: a or b, fm.IMP: (not a) or b, fm.IFF: a == b}[k]
