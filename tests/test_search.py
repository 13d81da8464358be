"""Proof search on the propositional bench with the real PropEnv and the uniform policy."""

from __future__ import annotations

import networkx as nx
import pytest

from prover.cli import main
from prover.config import SearchConfig
from prover.core import Theorem, Usage
from prover.env.prop import PropEnv, decide, problems, unprovable
from prover.policy import AutomationPolicy, UniformPolicy
from prover.search import MCTS, search
from prover.search.attempt import attempt

# Unprovable (it needs excluded middle) and with a state space larger than any budget below.
WIDE = Theorem.from_text("theorem wide (p q r : Prop) : (¬(p ∧ q) → ¬(q → p)) → r ∨ (p → q)")
ALGORITHMS = ["mcts", "bfs", "bfs-tactic"]  # bfs-tactic: best-first running one tactic at a time


def config(algorithm: str, **kw) -> SearchConfig:
    name, _, expand = algorithm.partition("-")
    return SearchConfig(algorithm=name, **({"bfs_expand": expand} if expand else {}), **kw)


class RecordingEnv:
    """The real PropEnv, with a log of every (goals, tactic) it was asked to step."""

    def __init__(self) -> None:
        self.env = PropEnv()
        self.steps: list[tuple[tuple[str, ...], str]] = []

    def open(self, theorem):
        return self.env.open(theorem)

    def step(self, state, tactic):
        self.steps.append((state.goals, tactic))
        return self.env.step(state, tactic)

    def verify(self, theorem, proof):
        return self.env.verify(theorem, proof)

    def close(self) -> None:
        self.env.close()


def run(theorem: Theorem, cfg: SearchConfig, env=None, policy=None):
    env = env or PropEnv()
    usage = Usage()
    root = env.open(theorem)
    return search(env, policy or UniformPolicy(), root, cfg, usage), usage


def check_cli(theorem: Theorem, tactics: list[str], capsys) -> None:
    """The proof replays and verifies through `prover check`, as a user would run it."""
    capsys.readouterr()
    rc = main(["check", "--env", "prop", theorem.statement, "--proof", "\n".join(tactics)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert out.rstrip().endswith("verified")


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_proves_known_provable_problems_and_proofs_replay(algorithm, capsys):
    theorems = problems("easy", 12) + problems("hard", 4) + [
        Theorem.from_text("theorem demo (p q r : Prop) : (p ∨ q) ∧ (p → r) ∧ (q → r) → r"),
        Theorem.from_text("theorem swap (p q : Prop) : p ∧ q → q ∧ p"),
    ]
    env = PropEnv()
    proved = 0
    for theorem in theorems:
        assert decide(theorem)
        a = attempt(env, UniformPolicy(), theorem, config(algorithm, budget_steps=600, timeout=None))
        if a.proof is not None:
            assert a.proved, a.error  # whatever the search returns passes the final check
            assert a.stop_reason == "proved" and a.usage.env_calls <= 600
            check_cli(theorem, list(a.proof.tactics), capsys)
            proved += 1
    # every easy one and the two classics; the hard ones may need more than this budget
    assert proved >= 14, f"{algorithm} proved only {proved} of {len(theorems)}"


@pytest.mark.parametrize("algorithm", [*ALGORITHMS, "rollout"])
def test_never_claims_an_unprovable_problem(algorithm):
    env = PropEnv()
    for theorem in unprovable(10) + [WIDE]:
        assert not decide(theorem)
        a = attempt(env, UniformPolicy(), theorem, config(algorithm, budget_steps=300, timeout=None))
        assert a.proof is None and not a.proved
        assert a.stop_reason in ("exhausted", "env_calls")


@pytest.mark.parametrize("algorithm", [*ALGORITHMS, "rollout"])
@pytest.mark.parametrize("limit", [{"budget_steps": 40}, {"policy_calls": 15}, {"nodes": 25},
                                   {"timeout": 0.15, "budget_steps": 10**7}])
def test_stops_inside_every_budget(algorithm, limit):
    cfg = config(algorithm, **({"budget_steps": 10**7, "timeout": None} | limit))
    result, usage = run(WIDE, cfg)
    name, used, cap = {
        "budget_steps": ("env_calls", usage.env_calls, cfg.budget_steps),
        "policy_calls": ("policy_calls", usage.policy_calls, cfg.policy_calls),
        "nodes": ("nodes", usage.nodes, cfg.nodes),
        "timeout": ("seconds", usage.seconds, cfg.timeout),
    }[next(iter(limit))]
    assert result.tactics is None
    assert result.stop_reason == name
    if name == "seconds":
        assert used < cap + 2.0  # it noticed the deadline within one step, not at the end of the search
    else:
        assert used == cap
    assert result.graph.number_of_nodes() == usage.nodes


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_equal_states_are_one_node_and_the_graph_has_no_cycle(algorithm):
    result, usage = run(WIDE, config(algorithm, budget_steps=1500, timeout=None))
    g = result.graph
    goals = [d["goals"] for _, d in g.nodes(data=True)]
    assert len(goals) == len(set(goals)) == usage.nodes
    assert max(d for _, d in g.in_degree()) >= 2  # some state was reached by two different paths
    assert result.stats["transpositions"] > 0
    assert nx.is_directed_acyclic_graph(g)


def test_a_tactic_leading_back_is_pruned_not_looped():
    # `apply h` with h : p → p turns the goal p into itself: the only move, and it goes nowhere.
    theorem = Theorem.from_text("theorem loop (p : Prop) : (p → p) → p")
    for algorithm in ALGORITHMS:
        result, usage = run(theorem, config(algorithm, budget_steps=10**6, timeout=None))
        assert result.stop_reason == "exhausted" and result.tactics is None
        assert result.stats["cycles"] == 1 and usage.env_calls < 10
        assert nx.is_directed_acyclic_graph(result.graph)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_failed_tactics_are_remembered_and_never_retried(algorithm):
    # The automation tactics are mostly not prop tactics: nearly every step fails.
    env = RecordingEnv()
    policy = AutomationPolicy(["simp", "omega", "intro h", "constructor", "assumption", "linarith"])
    theorem = Theorem.from_text("theorem t (p q : Prop) : p → q → p ∧ q")
    result, usage = run(theorem, config(algorithm, budget_steps=500, timeout=None), env, policy)
    assert len(env.steps) == len(set(env.steps)) == usage.env_calls
    assert result.stats["failed"] > 0
    failed = {t for _, d in result.graph.nodes(data=True) for t in d["failed"]}
    assert {"simp", "omega"} <= failed
    assert result.tactics is not None  # intro h, intro h, constructor, assumption, assumption


def test_progressive_widening_asks_for_more_tactics_as_visits_grow():
    asked: dict[str, list[int]] = {}
    uniform = UniformPolicy()

    class RecordingPolicy:  # the real uniform policy, with a log of the k asked for each state
        def propose(self, states, k):
            for state in states:
                asked.setdefault(state, []).append(k)
            return uniform.propose(states, k)

        def value(self, states):
            return uniform.value(states)

    cfg = SearchConfig(num_tactics=1, widen_c=1.0, widen_alpha=0.5, budget_steps=2000, timeout=None)
    result, _ = run(problems("hard", 1)[0], cfg, policy=RecordingPolicy())
    assert result.stop_reason == "proved"
    assert all(ks[0] <= 2 for ks in asked.values())  # ceil((N+1)^0.5) at a new node's first visit
    widened = [ks for ks in asked.values() if len(ks) > 1]
    assert widened and all(ks == sorted(ks) and ks[-1] > ks[0] for ks in widened)
    visits = {d["state"].text: d["visits"] for _, d in result.graph.nodes(data=True)}
    assert all(visits[s] >= 3 for s, ks in asked.items() if len(ks) > 1)


def test_simulations_in_flight_at_once_with_virtual_loss():
    env, policy = PropEnv(), UniformPolicy()
    theorem = problems("hard", 2)[1]
    usage = Usage()
    mcts = MCTS(env, policy, env.open(theorem), SearchConfig(budget_steps=2000, timeout=None), usage)
    most = 0
    while mcts.done is None:
        batch = []
        while len(batch) < 4 and (sel := mcts.select()) is not None:
            batch.append(sel)
        if not batch:
            break
        most = max(most, len(batch))
        claimed = [(sel.path[-1], sel.tactic) for sel in batch]
        assert len(claimed) == len(set(claimed))  # virtual loss and pending marks spread the batch out
        for sel in batch:
            mcts.backup(sel, mcts.evaluate(sel))
    assert most == 4
    assert mcts.done == "proved" and mcts.graph.proof() is not None
    assert mcts.in_flight == 0
    assert all(node.vloss == 0 and not node.pending for node in mcts.graph.nodes)
    assert all(edge.vloss == 0 for kids in mcts.graph.children for edge in kids.values())


def test_length_normalised_best_first_proves(capsys):
    theorem = problems("easy", 1)[0]
    result, _ = run(theorem, SearchConfig(algorithm="bfs", length_normalize=True, timeout=None))
    assert result.stop_reason == "proved"
    check_cli(theorem, result.tactics, capsys)


class RankedUniform:
    """The uniform policy's tactics, the i-th with log-prob -(i + 1): distinct priors, so that best-first
    has an order to follow."""

    def __init__(self) -> None:
        self.inner = UniformPolicy()

    def propose(self, states, k):
        return [[(t, -(i + 1.0)) for i, (t, _) in enumerate(got)] for got in self.inner.propose(states, k)]

    def value(self, states):
        return self.inner.value(states)


def test_best_first_one_tactic_at_a_time_runs_tactics_in_order_of_the_paths_they_make():
    """With bfs_expand="tactic" the env sees the untried tactic with the best path score next, wherever it
    is: scores never rise (every log-prob is negative), and the root's low-ranked tactics wait while a
    deeper path scores better; expanding whole nodes runs all the root's tactics first."""
    theorem = Theorem.from_text("theorem t (p q r s : Prop) (h : p ∨ q) (h1 : p → r) (h2 : q → r) : r ∨ s")
    scores = {}
    for expand in ("tactic", "node"):
        env, policy = RecordingEnv(), RankedUniform()
        result, _ = run(theorem, config("bfs", bfs_expand=expand, timeout=None), env, policy)
        assert result.stop_reason == "proved"
        g = result.graph
        index = {d["goals"]: n for n, d in g.nodes(data=True)}
        prior = {(d["goals"], t): logp for _, d in g.nodes(data=True) for t, logp in d["proposals"]}
        scores[expand] = [g.nodes[index[goals]]["score"] + prior[(goals, t)] for goals, t in env.steps]
        root = g.nodes[g.graph["root"]]
        root_steps = [i for i, (goals, _) in enumerate(env.steps) if goals == root["goals"]]
        assert len(root["proposals"]) > 2
        if expand == "node":  # every root tactic first
            assert root_steps == list(range(len(root["proposals"])))
        else:  # the root's low-ranked tactic waits while a deeper path scores better
            assert root_steps != list(range(len(root_steps)))
    assert scores["tactic"] == sorted(scores["tactic"], reverse=True)
    assert scores["node"] != sorted(scores["node"], reverse=True)
