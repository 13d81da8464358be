"""Collapse metrics that compare across rounds: a fixed probe set of states, and tactic kinds.

Raw counts of distinct tactics grow with the number of problems solved and with proof length, so they
cannot tell a narrowing policy from a weaker one. These numbers can:
- the probe set: states chosen once per run (seeded) from held-out problems, their root states and the
  states along their teacher proofs (prover.learn.teacher), saved as DIR/probe.json and read back every
  round. On it, per round: the entropy of the policy's proposals (its sampled tactics, weighted by the
  policy's own probabilities, renormalised over what it proposed), and the probability mass the policy
  puts on the kind of tactic the teacher used there, for the rare-but-needed kinds (case splits, exfalso,
  absurd, Or.inr) on their own: the tails that vanish first when a model trains on its own output;
- tactic-kind shares of the held-out proofs, per problem (each proof's kinds as fractions, averaged over
  the solved problems), so a longer or more numerous set of proofs does not weigh more;
- the held-out solve rate split by the kinds a problem's teacher proof needs.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from prover.core import Theorem

RARE_KINDS = ("rcases|", "exfalso", "absurd", "Or.inr")  # needed by prop:hard, rare in what a model writes
_TERM_HEADS = {"Or.inl": "Or.inl", "Or.inr": "Or.inr", "absurd": "absurd", "False.elim": "False.elim",
               "⟨": "⟨⟩", "trivial": "trivial"}


def tactic_kind(tactic: str) -> str:
    """A tactic's kind, by what it does: `rcases h with a | b` is `rcases|`, `right` and `exact Or.inr e`
    are both `Or.inr`, `exact absurd h₁ h₂` is `absurd`, `exact h` / `exact h e` is `exact`."""
    words = tactic.split()
    if not words:
        return "?"
    head = words[0]
    if head == "rcases":
        return "rcases|" if "|" in tactic else "rcases⟨⟩"
    if head in ("left", "right"):
        return "Or.inl" if head == "left" else "Or.inr"
    if head in ("exact", "apply") and len(words) > 1:
        rest = tactic[len(head):].strip().lstrip("(")
        for prefix, kind in _TERM_HEADS.items():
            if rest.startswith(prefix):
                return kind
    return head


@dataclass(frozen=True)
class ProbeState:
    state: str
    tactic: str  # the teacher's tactic there
    kind: str  # its kind
    problem: str


@dataclass
class ProbeSet:
    """The states the policy is measured on every round, and each held-out problem's needed kinds."""

    seed: int
    states: list[ProbeState]
    needs: dict[str, list[str]] = field(default_factory=dict)  # held-out problem -> kinds its teacher proof uses

    def save(self, path: Path) -> None:
        row = {"seed": self.seed, "states": [asdict(s) for s in self.states], "needs": self.needs}
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(row, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> ProbeSet:
        row = json.loads(path.read_text(encoding="utf-8"))
        return cls(row["seed"], [ProbeState(**s) for s in row["states"]], row.get("needs", {}))


def build_probe(heldout: Sequence[Theorem], seed: int, size: int = 160, budget: int = 3000) -> ProbeSet:
    """Up to `size` states of the held-out problems' teacher proofs (the root state is each proof's first),
    a seeded sample that takes the rare-kind states first (up to half the set), so the tails are measured."""
    from prover.learn.teacher import teacher_proofs

    taught = teacher_proofs(heldout, budget)
    every, needs = [], {}
    for theorem, proof in zip(taught.theorems, taught.proofs, strict=True):
        if proof is None:
            continue
        needs[theorem.name] = sorted({tactic_kind(t) for _, t in proof})
        every += [ProbeState(s, t, tactic_kind(t), theorem.name) for s, t in proof]
    rng = random.Random(f"probe-{seed}")
    rare = [s for s in every if s.kind in RARE_KINDS]
    rest = [s for s in every if s.kind not in RARE_KINDS]
    rng.shuffle(rare)
    rng.shuffle(rest)
    chosen = rare[: size // 2]
    chosen += rest[: size - len(chosen)]
    chosen += rare[size // 2: size // 2 + size - len(chosen)]
    return ProbeSet(seed, chosen, needs)


def _entropy(weights: Sequence[float]) -> float:
    total = sum(weights)
    if total <= 0:
        return 0.0
    return -sum(w / total * math.log2(w / total) for w in weights if w > 0) + 0.0


def probe_metrics(policy, probe: ProbeSet, k: int = 16) -> dict:
    """The policy's proposals (k a state) on the probe set: mean entropy (bits) of its distribution over the
    tactics and over the tactic kinds it proposed, the mass on the teacher's kind, and that mass for each
    rare kind. A tactic's mass is exp(log-prob): for a generative model the share of its samples that would
    be that tactic, for a ranker its renormalised prior."""
    if not probe.states:
        return {}
    proposals = policy.propose([s.state for s in probe.states], k)
    ent, kind_ent, needed = [], [], []
    rare: dict[str, list[float]] = {}
    for s, props in zip(probe.states, proposals, strict=True):
        mass = [(t, math.exp(lp)) for t, lp in props]
        ent.append(_entropy([m for _, m in mass]))
        kinds: dict[str, float] = {}
        for t, m in mass:
            kinds[tactic_kind(t)] = kinds.get(tactic_kind(t), 0.0) + m
        kind_ent.append(_entropy(list(kinds.values())))
        got = min(1.0, kinds.get(s.kind, 0.0))
        needed.append(got)
        if s.kind in RARE_KINDS:
            rare.setdefault(s.kind, []).append(got)
    mean = lambda xs: round(sum(xs) / len(xs), 4) if xs else None  # noqa: E731
    rare_all = [x for xs in rare.values() for x in xs]
    return {"probe_states": len(probe.states), "probe_tactic_entropy": mean(ent),
            "probe_kind_entropy": mean(kind_ent), "probe_needed_mass": mean(needed),
            "probe_rare_mass": mean(rare_all),
            "probe_rare_mass_by_kind": {kind: mean(rare[kind]) for kind in sorted(rare)}}


def kind_shares(proofs: Sequence[Sequence[str]]) -> dict[str, float]:
    """Each proof's tactic kinds as fractions of its steps, averaged over the proofs (one vote a problem)."""
    total: dict[str, float] = {}
    for proof in proofs:
        if proof:
            for kind, n in Counter(map(tactic_kind, proof)).items():
                total[kind] = total.get(kind, 0.0) + n / len(proof)
    return {kind: round(total[kind] / len(proofs), 4) for kind in sorted(total)} if proofs else {}


def solve_rate_by_kind(needs: dict[str, list[str]], solved: dict[str, bool]) -> dict[str, dict]:
    """For each kind some held-out teacher proof uses: how many problems need it, how many were solved;
    `rare` pools the problems needing any rare kind."""
    groups: dict[str, list[bool]] = {}
    for problem, kinds in needs.items():
        if problem not in solved:
            continue
        for kind in kinds:
            groups.setdefault(kind, []).append(solved[problem])
        if any(k in RARE_KINDS for k in kinds):
            groups.setdefault("rare", []).append(solved[problem])
    return {kind: {"problems": len(v), "solved": sum(v), "rate": round(sum(v) / len(v), 4)}
            for kind, v in sorted(groups.items())}


def collapse_metrics(policy, probe: ProbeSet | None, heldout_proofs: dict[str, list[str]],
                     solved: dict[str, bool], k: int = 16) -> dict:
    """A round's collapse numbers: the probe set's (when there is one), the held-out proofs' kind shares
    per problem, and the held-out solve rate by needed kind."""
    out: dict = {"heldout_kind_shares": kind_shares(list(heldout_proofs.values()))}
    shares = out["heldout_kind_shares"]
    out["heldout_kind_entropy"] = round(_entropy(list(shares.values())), 4)
    out["heldout_rare_kind_share"] = round(sum(v for k_, v in shares.items() if k_ in RARE_KINDS), 4)
    if probe is not None:
        out |= probe_metrics(policy, probe, k)
        by_kind = solve_rate_by_kind(probe.needs, solved)
        out["heldout_solve_rate_by_kind"] = by_kind
        if "rare" in by_kind:
            out["heldout_rare_solve_rate"] = by_kind["rare"]["rate"]
    return out
