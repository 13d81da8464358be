"""English propositional sentences and their prop theorems: the data of the formalization demo.

A template is a connective tree of depth 1 or 2 whose leaves are slot numbers, one distinct atomic
sentence each, in order: `("imp", ("and", 0, 1), 2)` reads "if X0 and X1 then X2" and formalizes as
`theorem t (p q r : Prop) : p ∧ q → r`. Every depth-1 template is a training template (so each phrasing
is seen); depth-2 templates are split, seeded, into train and held-out sets. Templates whose English
collides with another's are dropped, since no reader could tell them apart. Atomic sentences come from
two disjoint vocabularies, one for training and one for held-out data, so a held-out example is a new
combination of phrasings filled with sentences the model has never seen.

A template's slots can also be filled with repeated sentences ("if X0 and X1 then X0"): `examples(...,
repeats=share)` draws that share of the examples so, and `theorems(...)` draws only fillings that are
theorems (intuitionistically provable, by G4ip), the informal corpus that expert iteration can learn from.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from functools import cache

from prover.env.prop.decide import decide

Tree = int | tuple  # a slot number, or (connective, child, ...)

PHRASES: dict[str, str] = {
    "imp": "if {0} then {1}",
    "and": "{0} and {1}",
    "or": "either {0} or {1}",
    "iff": "{0} if and only if {1}",
    "nand": "not both {0} and {1}",
    "nor": "neither {0} nor {1}",
    "not": "it is not the case that {0}",
}
ARITY = {name: phrase.count("{") for name, phrase in PHRASES.items()}
VARIABLES = "pqrs"

TRAIN_ATOMS = (
    "it rains", "the ground is wet", "the alarm rings", "the door is open", "we stay home",
    "the sun shines", "the road is icy", "the bus is late", "the dog barks", "the light is red",
    "the baby cries", "the river floods", "the shop is closed", "the wind blows", "the milk is sour",
    "the train stops", "the phone beeps", "the kettle boils", "the sky is grey", "the team wins",
)
HELDOUT_ATOMS = (
    "the bell tolls", "a cat sleeps", "the lamp glows", "snow falls", "the oven is hot",
    "my car starts", "the bread is fresh", "the film ends", "a bird sings", "the tap drips",
)


@dataclass(frozen=True)
class Example:
    informal: str
    formal: str  # the gold theorem, `theorem t (p q : Prop) : ...`
    template: Tree


def _shapes(depth: int) -> list[Tree]:
    """Connective trees with placeholder leaves (-1), of exactly this depth, that read unambiguously.

    A compound child goes only where the parent's words close it off: a non-final slot of a phrase that
    opens with a keyword ("if [..] then", "either [..] or", ...), or the final slot (the sentence's end).
    """
    if depth == 0:
        return [-1]
    smaller = [s for d in range(depth) for s in _shapes(d)]
    out: list[Tree] = []
    for name, arity in ARITY.items():
        keyword_first = not PHRASES[name].startswith("{")
        for children in itertools.product(smaller, repeat=arity):
            if max(_depth(c) for c in children) != depth - 1:
                continue
            if all(keyword_first or isinstance(c, int) for c in children[:-1]):
                out.append((name, *children))
    return out


def _depth(tree: Tree) -> int:
    return 0 if isinstance(tree, int) else 1 + max(_depth(c) for c in tree[1:])


def _fill(shape: Tree, slots: list[int]) -> Tree:
    if isinstance(shape, int):
        return slots.pop(0)
    return (shape[0], *(_fill(c, slots) for c in shape[1:]))


def _leaves(tree: Tree) -> int:
    return 1 if isinstance(tree, int) else sum(_leaves(c) for c in tree[1:])


def english(tree: Tree, atoms: tuple[str, ...]) -> str:
    if isinstance(tree, int):
        return atoms[tree]
    return PHRASES[tree[0]].format(*(english(c, atoms) for c in tree[1:]))


# Lean 4 precedences: ¬ 40 (prefix), ∧ 35 right, ∨ 30 right, → 25 right, ↔ 20 non-associative.
_INFIX = {"and": ("∧", 35), "or": ("∨", 30), "imp": ("→", 25), "iff": ("↔", 20)}


def lean(tree: Tree) -> str:
    """The formula as Lean prints it (minimal parentheses)."""
    text, _ = _lean(tree)
    return text


def _lean(tree: Tree) -> tuple[str, int]:
    if isinstance(tree, int):
        return VARIABLES[tree], 100
    name, *kids = tree
    if name in ("not", "nand", "nor"):
        inner = kids[0] if name == "not" else ("and" if name == "nand" else "or", *kids)
        text, prec = _lean(inner)
        return "¬" + (text if prec >= 40 else f"({text})"), 40
    symbol, prec = _INFIX[name]
    (lt, lp), (rt, rp) = _lean(kids[0]), _lean(kids[1])
    right_assoc = name != "iff"
    lt = lt if lp > prec else f"({lt})"
    rt = rt if (rp >= prec if right_assoc else rp > prec) else f"({rt})"
    return f"{lt} {symbol} {rt}", prec


def theorem(tree: Tree) -> str:
    n = max(_all_slots(tree)) + 1
    return f"theorem t ({' '.join(VARIABLES[:n])} : Prop) : {lean(tree)}"


def _all_slots(tree: Tree) -> list[int]:
    return [tree] if isinstance(tree, int) else [s for c in tree[1:] for s in _all_slots(c)]


@cache
def templates(seed: int = 0, heldout_fraction: float = 0.25) -> dict[str, tuple[Tree, ...]]:
    """{"train": ..., "heldout": ...}: disjoint; all depth-1 templates are in train."""
    placeholders = tuple(f"<{i}>" for i in range(4))
    filled = [_fill(shape, list(range(_leaves(shape)))) for depth in (1, 2) for shape in _shapes(depth)
              if _leaves(shape) <= 4]
    by_text: dict[str, list[Tree]] = {}
    for tree in filled:
        by_text.setdefault(english(tree, placeholders), []).append(tree)
    unambiguous = [trees[0] for trees in by_text.values() if len(trees) == 1]
    shallow = [t for t in unambiguous if _depth(t) == 1]
    deep = sorted((t for t in unambiguous if _depth(t) == 2), key=repr)
    random.Random(seed).shuffle(deep)
    cut = int(len(deep) * heldout_fraction)
    return {"train": tuple(shallow + deep[cut:]), "heldout": tuple(deep[:cut])}


def examples(split: str, n: int, seed: int = 0, draw: int = 0, max_depth: int = 2,
             repeats: float = 0.0) -> list[Example]:
    """n examples of a split ("train" or "heldout"): its templates filled with its own atomic sentences,
    a `repeats` share of them with some sentence repeated. `seed` fixes the template split, `draw` which
    examples are drawn from it."""
    pool = _pool(split, seed, max_depth)
    rng = random.Random(f"{split}:{seed}:{draw}")
    out = []
    for _ in range(n):
        tree = rng.choice(pool)
        if repeats and rng.random() < repeats and _refillings(tree):  # (no draw at 0: examples as before)
            tree = rng.choice(_refillings(tree))
        out.append(_example(tree, split, rng))
    return out


def theorems(split: str, n: int, seed: int = 0, draw: int = 0) -> list[Example]:
    """n distinct sentences of a split's templates, filled with repeated sentences so that they are
    theorems ("if X0 and X1 then X0"); fewer if the split has fewer."""
    pool = sorted({t for template in _pool(split, seed, 2) for t in _refillings(template) if decide(theorem(t))},
                  key=repr)
    rng = random.Random(f"theorems:{split}:{seed}:{draw}")
    out: dict[str, Example] = {}
    for _ in range(50 * n):
        if len(out) == n:
            break
        ex = _example(rng.choice(pool), split, rng)
        out.setdefault(ex.informal, ex)
    return list(out.values())


def _pool(split: str, seed: int, max_depth: int) -> list[Tree]:
    if split not in ("train", "heldout"):
        raise ValueError(f"unknown split {split!r}")
    return [t for t in templates(seed)[split] if _depth(t) <= max_depth]


def _example(tree: Tree, split: str, rng: random.Random) -> Example:
    atoms = tuple(rng.sample(TRAIN_ATOMS if split == "train" else HELDOUT_ATOMS, max(_all_slots(tree)) + 1))
    return Example(english(tree, atoms), theorem(tree), tree)


@cache
def _refillings(template: Tree) -> tuple[Tree, ...]:
    """The template with its slots relabelled so that some sentence repeats: every labelling of the slots
    in order of first use (0, then 0 or 1, ...) with fewer sentences than slots."""
    slots = len(_all_slots(template))
    labellings: list[list[int]] = [[]]
    for _ in range(slots):
        labellings = [lab + [v] for lab in labellings for v in range(max(lab, default=-1) + 2)]
    return tuple(_relabel(template, lab) for lab in labellings if len(set(lab)) < slots)


def _relabel(tree: Tree, labels: list[int]) -> Tree:
    if isinstance(tree, int):
        return labels[tree]
    return (tree[0], *(_relabel(c, labels) for c in tree[1:]))
