"""Variants of a Lean target for test-time RL: rewrites on Lean's syntax, a model's, and `extract_goal` lemmas.

Rule-based rewrites read the statement as Lean writes it, `theorem NAME binder* : conclusion`, with
brackets matched (never a full parse: each rewrite is one a reader can check is sound as a *candidate*):
- specialise: a variable of a number type (ℕ ℤ ℚ ℝ ℂ) becomes a small numeral `(k : T)`, or another
  variable of the same type (an instance of the target's claim);
- strengthen: a hypothesis `0 < x` added for a number variable;
- drop: a hypothesis binder removed (a stronger claim, kept only if proved);
- weaken: a conclusion `a ∧ b` becomes `a` and `b`; `a ↔ b` becomes `a → b` and `b → a`.
The env decides: a candidate is used only after `env.open` elaborated it and the search proved it.

Model-written variants (`model_variants`): the formaliser's generator (any checkpoint or endpoint,
prover.formalize.generate) prompted with a few target/variant pairs and the target, continuing after
`theorem`.

Sub-goal lemmas (`extract_lemma`): Mathlib's `extract_goal *` run by the REPL on a live proof state; its
info message `theorem extracted_1 (x : ℕ) (h : 0 < x) : ... := sorry` is the lemma, renamed. Never a
re-parse of the pretty-printed goal.
"""

from __future__ import annotations

import random
import re
from collections.abc import Hashable
from dataclasses import dataclass

import networkx as nx

from prover.core import State, Theorem
from prover.learn.variants import Variant, deepest_open

NUMBER_TYPES = ("ℕ", "ℤ", "ℚ", "ℝ", "ℂ", "Nat", "Int", "Rat", "Real", "Complex")
_OPEN, _CLOSE = "([{⦃⟨", ")]}⦄⟩"
_HEAD = re.compile(r"^\s*(theorem|lemma)\s+([^\s(:{\[⦃]+)\s*", re.S)
_IDENT_CHARS = r"\w'!?₀-₉ₐ-ₜᵢ-ᵪ"
_PROP_SIGNS = re.compile(r"[=<>≤≥≠∣∧∨¬→↔∀∃]|\b(?:True|False)\b")


@dataclass(frozen=True)
class Binder:
    bracket: str  # "(", "{", "[", "⦃"
    names: tuple[str, ...]  # () for an anonymous instance binder `[Foo α]`
    type: str

    def text(self) -> str:
        close = _CLOSE[_OPEN.index(self.bracket)]
        return f"{self.bracket}{' '.join(self.names)} : {self.type}{close}" if self.names else \
            f"{self.bracket}{self.type}{close}"

    @property
    def is_hypothesis(self) -> bool:
        """A binder whose type reads as a proposition (a relation or a connective at its surface)."""
        return self.bracket == "(" and bool(_PROP_SIGNS.search(self.type)) and not self.type.startswith(("Type", "Sort"))

    @property
    def number_type(self) -> str | None:
        return self.type if self.bracket in "({" and self.type in NUMBER_TYPES else None


@dataclass(frozen=True)
class LeanStatement:
    keyword: str
    name: str
    binders: tuple[Binder, ...]
    conclusion: str

    def render(self, name: str | None = None) -> str:
        parts = [self.keyword, name or self.name, *(b.text() for b in self.binders), ":", self.conclusion]
        return " ".join(parts)


def _match(text: str, i: int) -> int:
    """The index just after the bracket closing the one at text[i] (nested brackets counted)."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] in _OPEN:
            depth += 1
        elif text[j] in _CLOSE:
            depth -= 1
            if depth == 0:
                return j + 1
    raise ValueError("unbalanced brackets")


def _top_split(text: str, sep: str) -> list[str]:
    """`text` split at every `sep` outside brackets."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            start = i = i + len(sep)
            continue
        i += 1
    parts.append(text[start:])
    return parts


def parse_lean(statement: str) -> LeanStatement | None:
    """A `theorem NAME binders : conclusion` read into its parts; None when it is not of that shape."""
    m = _HEAD.match(statement)
    if m is None:
        return None
    rest, binders = statement[m.end():], []
    try:
        while rest[:1] in ("(", "{", "[", "⦃"):
            end = _match(rest, 0)
            inner = rest[1:end - 1]
            head = _top_split(inner, " : ")
            if len(head) >= 2 and all(re.fullmatch(rf"[{_IDENT_CHARS}]+", n) for n in head[0].split()):
                binders.append(Binder(rest[0], tuple(head[0].split()), " : ".join(head[1:]).strip()))
            elif rest[0] == "[":
                binders.append(Binder("[", (), inner.strip()))
            else:
                return None
            rest = rest[end:].lstrip()
    except ValueError:
        return None
    if not rest.startswith(":") or rest.startswith(":="):
        return None
    conclusion = " ".join(rest[1:].split())
    return LeanStatement(m[1], m[2], tuple(binders), conclusion) if conclusion else None


def substitute(text: str, name: str, by: str) -> str:
    """Every whole-identifier occurrence of `name` (not a field `x.name`, not part of a longer name)."""
    return re.sub(rf"(?<![{_IDENT_CHARS}.]){re.escape(name)}(?![{_IDENT_CHARS}])", lambda _m: by, text)


def _variables(st: LeanStatement) -> list[tuple[int, str, str]]:
    """(binder index, name, number type) of each number variable."""
    return [(i, n, b.number_type) for i, b in enumerate(st.binders) if b.number_type for n in b.names]


def _specialise(st: LeanStatement, index: int, name: str, by: str) -> LeanStatement:
    binders = []
    for i, b in enumerate(st.binders):
        if i == index:
            names = tuple(n for n in b.names if n != name)
            if names:
                binders.append(Binder(b.bracket, names, b.type))
        elif i > index:
            binders.append(Binder(b.bracket, b.names, substitute(b.type, name, by)))
        else:
            binders.append(b)
    return LeanStatement(st.keyword, st.name, tuple(binders), substitute(st.conclusion, name, by))


def _candidates(st: LeanStatement) -> list[tuple[str, LeanStatement]]:
    out: list[tuple[str, LeanStatement]] = []
    variables = _variables(st)
    for i, name, typ in variables:
        for k in ("0", "1", "2", "3") if typ in ("ℕ", "Nat") else ("0", "1", "2", "-1"):
            out.append(("specialise", _specialise(st, i, name, f"({k} : {typ})")))
        for j, other, typ2 in variables:
            if other != name and typ2 == typ and j <= i:  # the other is bound before it: still in scope
                out.append(("specialise", _specialise(st, i, name, other)))
    for i, b in enumerate(st.binders):
        if b.is_hypothesis:
            out.append(("drop", LeanStatement(st.keyword, st.name, st.binders[:i] + st.binders[i + 1:], st.conclusion)))
    for _, name, typ in variables:
        if typ in ("ℂ", "Complex"):  # no order on ℂ outside a scoped instance
            continue
        hyp = Binder("(", (f"h{name}_pos",), f"0 < {name}")
        if f"0 < {name}" not in {b.type for b in st.binders}:
            out.append(("strengthen", LeanStatement(st.keyword, st.name, st.binders + (hyp,), st.conclusion)))
    c = st.conclusion
    if not c.startswith(("∀", "∃", "fun", "λ")) and len(_top_split(c, " → ")) == 1 and len(_top_split(c, " ∨ ")) == 1:
        iff = _top_split(c, " ↔ ")
        ands = _top_split(c, " ∧ ")
        if len(iff) == 2:
            left, right = (x.strip() for x in iff)
            out += [("weaken", LeanStatement(st.keyword, st.name, st.binders, f"({left}) → ({right})")),
                    ("weaken", LeanStatement(st.keyword, st.name, st.binders, f"({right}) → ({left})"))]
        elif len(ands) >= 2:
            out += [("weaken", LeanStatement(st.keyword, st.name, st.binders, a.strip())) for a in ands]
    return out


def _norm(text: str) -> str:
    return " ".join(text.replace("(", " ( ").replace(")", " ) ").split())


def lean_key(st: LeanStatement) -> Hashable:
    """Up to renaming (variables renamed in order of first use in the conclusion, then in the binders;
    hypothesis names dropped), hypothesis order, and premises of the conclusion moved into the hypotheses."""
    conclusion, hyps = st.conclusion, []
    parts = _top_split(conclusion, " → ")
    if len(parts) > 1 and not conclusion.startswith(("∀", "∃", "fun", "λ")):
        hyps, conclusion = [p.strip() for p in parts[:-1]], parts[-1].strip()
    variables = [(n, b.type) for b in st.binders if not b.is_hypothesis for n in b.names]
    hyps += [b.type for b in st.binders if b.is_hypothesis for _ in (b.names or ("_",))]
    order = sorted(variables, key=lambda v: _first_use(v[0], [conclusion, *hyps]))
    mapping = {n: f"x·{i}" for i, (n, _) in enumerate(order)}

    def ren(text: str) -> str:
        for n, by in mapping.items():
            text = substitute(text, n, by)
        return _norm(text)

    kinds = tuple(sorted((mapping[n], ren(t)) for n, t in variables))
    return kinds, tuple(sorted(ren(h) for h in hyps)), ren(conclusion)


def _first_use(name: str, texts: list[str]) -> tuple[int, int]:
    for i, t in enumerate(texts):
        m = re.search(rf"(?<![{_IDENT_CHARS}.]){re.escape(name)}(?![{_IDENT_CHARS}])", t)
        if m:
            return i, m.start()
    return len(texts), 0


# ---------------------------------------------------------------------------------------------------
# extract_goal and model-written variants

_EXTRACTED = re.compile(r"^\s*theorem\s+(?P<name>[^\s({\[⦃:]+?)(?P<univ>\.\{[^}]*\})?(?=[\s({\[⦃:])(?P<rest>.*?)\s*:=\s*sorry\s*$", re.S)


def lemma_from_message(text: str, name: str) -> str | None:
    """`theorem extracted_1 ... := sorry` (the info message of `extract_goal`) as a statement named `name`;
    None for anything else (a `def`: the goal was not a proposition)."""
    m = _EXTRACTED.match(text)
    if m is None:
        return None
    return f"theorem {name}{m['univ'] or ''}{m['rest']}"


def extract_lemma(env, state: State, name: str) -> str | None:
    """Ask the REPL that holds `state` for `extract_goal *` on it (the whole context kept) and return the
    lemma it printed; None when the state is gone (its process was replaced) or Lean printed no theorem."""
    from prover.env.lean.client import ReplFailure
    from prover.env.lean.protocol import TacticResponse

    handle = state.handle
    pool = getattr(env, "pool", None)
    if pool is None or not hasattr(handle, "proof_state"):
        return None
    with pool.acquire(handle.worker) as worker:
        if worker.generation != handle.generation:
            return None
        try:
            response = worker.request({"tactic": "extract_goal *", "proofState": handle.proof_state}, env.cfg.timeout)
        except ReplFailure:
            return None
    if not isinstance(response, TacticResponse) or response.errors:
        return None
    for message in response.messages:
        if message.severity == "info" and (lemma := lemma_from_message(message.data, name)) is not None:
            return lemma
    return None


# Target/variant pairs shown to the model before the target (sound specialisations and weakenings).
FEWSHOT = (
    ("theorem t (n : ℕ) (h₀ : n % 5 = 3) : 2 * n % 5 = 1",
     "theorem t (h₀ : (8 : ℕ) % 5 = 3) : 2 * (8 : ℕ) % 5 = 1"),
    ("theorem t (a b : ℝ) (h₀ : 0 < a ∧ 0 < b) (h₁ : a * b = 1) : a + b ≥ 2",
     "theorem t (a : ℝ) (h₀ : 0 < a) (h₁ : a * a = 1) : a + a ≥ 2"),
    ("theorem t (x y : ℤ) (h : x + y = 10) (h' : x - y = 2) : x = 6 ∧ y = 4",
     "theorem t (x y : ℤ) (h : x + y = 10) (h' : x - y = 2) : x = 6"),
)


def fewshot_prompt(target: str, pairs=FEWSHOT) -> str:
    blocks = [f"-- A problem:\n{t}\n-- An easier variant of it:\n{v}\n" for t, v in pairs]
    return "\n".join(blocks) + f"\n-- A problem:\n{target}\n-- An easier variant of it:\ntheorem"


def model_variants(generator, target: Theorem, n: int) -> list[str]:
    """Up to `n` statements the generator writes as variants of the target (unchecked: the env decides)."""
    st = parse_lean(target.statement)
    shown = st.render("t") if st is not None else target.statement
    out = []
    for completion in generator.generate(fewshot_prompt(shown), n):
        text = "theorem" + completion.split(":=")[0].split("\n\n")[0].split("\n--")[0]
        if (parsed := parse_lean(text)) is not None:
            out.append(parsed.render())
    return out


class LeanVariants:
    """Candidates for a Lean target; `env` is a LeanEnv (for `extract_goal`), `generator` optional."""

    def __init__(self, env=None, generator=None, model_samples: int = 8) -> None:
        self.env, self.generator, self.model_samples = env, generator, model_samples
        self._calls = 0

    def env_calls(self) -> int:
        return self._calls

    def key(self, theorem: Theorem) -> Hashable | None:
        st = parse_lean(theorem.statement)
        return None if st is None else lean_key(st)

    def variants(self, target: Theorem, limit: int, seed: int) -> list[Variant]:
        st = parse_lean(target.statement)
        if st is None:
            return []
        found = _candidates(st)
        random.Random(seed).shuffle(found)
        if self.generator is not None:  # the model's first: the rules are cheap to remake every round
            found[:0] = [("model", s) for text in model_variants(self.generator, target, self.model_samples)
                         if (s := parse_lean(text)) is not None]
        seen, out = {lean_key(st)}, list[Variant]()
        for kind, s in found:
            if _trivial(s):
                continue
            k = lean_key(s)
            if k in seen:
                continue
            seen.add(k)
            name = f"{target.name}_v{len(out)}"
            neg = _negation(s, name)
            out.append(Variant(Theorem.from_text(s.render(name), header=target.header), kind, k,
                               None if neg is None else Theorem.from_text(neg, header=target.header)))
            if len(out) >= limit:
                break
        return out

    def lemmas(self, target: Theorem, graph: nx.DiGraph | None, limit: int) -> list[Variant]:
        if self.env is None or graph is None:
            return []
        st = parse_lean(target.statement)
        seen, out = ({lean_key(st)} if st is not None else set()), list[Variant]()
        for nid in deepest_open(graph):
            if len(out) >= limit:
                break
            name = f"{target.name}_l{len(out)}"
            self._calls += 1
            text = extract_lemma(self.env, graph.nodes[nid]["state"], name)
            parsed = parse_lean(text) if text is not None else None
            if parsed is None or _trivial(parsed) or (k := lean_key(parsed)) in seen:
                continue
            seen.add(k)
            out.append(Variant(Theorem.from_text(text, header=target.header), "subgoal", k))  # type: ignore[arg-type]
        return out


def _trivial(st: LeanStatement) -> bool:
    """A hypothesis that is the conclusion, a False hypothesis, or a True conclusion."""
    hyps = {_norm(b.type) for b in st.binders if b.is_hypothesis}
    return st.conclusion == "True" or "False" in hyps or _norm(st.conclusion) in hyps


def _negation(st: LeanStatement, name: str) -> str | None:
    """`¬ (∀ hyps, conclusion)` for a statement with hypotheses only (no variables left to quantify)."""
    if any(not b.is_hypothesis for b in st.binders):
        return None
    inner = st.conclusion
    if st.binders:
        inner = "∀ " + " ".join(b.text() for b in st.binders) + f", {inner}"
    return f"theorem {name}_neg : ¬ ({inner})"
