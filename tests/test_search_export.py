"""The search picture says something: nodes coloured by what varies (value, else visits, else subtree
size) with a colour bar naming it, the largest branches labelled, a legend; also for a failed search
under a policy that gives every state the same value."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from matplotlib.image import imread  # noqa: E402
from matplotlib.text import Annotation  # noqa: E402

from prover.config import SearchConfig  # noqa: E402
from prover.core import Theorem, Usage  # noqa: E402
from prover.env.prop import PropEnv  # noqa: E402
from prover.policy import UniformPolicy  # noqa: E402
from prover.search import search  # noqa: E402
from prover.search.export import figure, largest_branches, node_colouring, subtree_sizes, write_graph  # noqa: E402

FAILS = "theorem wide (p q r : Prop) : (¬(p ∧ q) → ¬(q → p)) → r ∨ (p → q)"  # not found in 150 env calls
PROVES = "theorem t (p q r s : Prop) : ((p → q) → r) ∨ (s ∧ ¬(q ∨ r) → p ∨ s)"


def run(statement: str, algorithm: str, steps: int):
    env = PropEnv()
    cfg = SearchConfig(algorithm=algorithm, budget_steps=steps, timeout=None)
    return search(env, UniformPolicy(), env.open(Theorem.from_text(statement)), cfg, Usage())


@pytest.mark.parametrize("algorithm", ["mcts", "bfs"])
def test_a_failed_search_is_coloured_by_what_varies_and_its_largest_branches_are_labelled(tmp_path, algorithm):
    result = run(FAILS, algorithm, 150)
    assert result.tactics is None
    g = result.graph
    fig = figure(g)
    ax, bar = fig.axes
    colour = bar.get_ylabel()
    assert colour == node_colouring(g, list(g.nodes), g.graph.get("root", 0))[1]
    nodes = next(c for c in ax.collections if c.get_array() is not None)
    assert len(set(nodes.get_array().tolist())) >= 3  # not one colour
    labels = [t.get_text() for t in ax.texts if isinstance(t, Annotation)]
    sizes = subtree_sizes(g, g.graph.get("root", 0))
    expected = [f"{g.edges[u, v]['tactic']}\n{sizes[v]} states" for u, v in largest_branches(g, g.graph.get("root", 0))]
    assert labels == expected and len(labels) >= 4
    assert ax.get_legend() is not None and f"colour: {colour}" in ax.get_title()
    png, js = write_graph(g, tmp_path / "tree.png")
    assert imread(png).shape[0] > 300 and js.exists()


def test_a_proved_search_is_coloured_by_value_with_the_proof_in_red():
    result = run(PROVES, "mcts", 300)
    assert result.tactics is not None
    fig = figure(result.graph)
    ax, bar = fig.axes
    assert bar.get_ylabel().startswith("value")
    assert [t.get_text() for t in ax.get_legend().get_texts()][0] == "proof"


def test_largest_branches_follow_the_heaviest_path_below_the_first_fork():
    import networkx as nx

    g = nx.DiGraph()
    edges = [(0, 1), (1, 2), (1, 3), (1, 4), (2, 5), (2, 6), (5, 7), (7, 8), (3, 9)]
    for u, v in edges:
        g.add_edge(u, v, tactic=f"t{v}")
    g.graph["root"] = 0
    assert subtree_sizes(g, 0)[1] == 9 and subtree_sizes(g, 0)[2] == 5
    assert largest_branches(g, 0) == [(0, 1), (1, 2), (1, 3), (1, 4), (2, 5), (5, 7), (7, 8)]


def test_the_colour_is_value_if_it_varies_else_visits_else_subtree_size():
    import networkx as nx

    g = nx.DiGraph()
    for v in range(1, 6):
        g.add_edge(0 if v < 3 else 1, v, tactic=f"t{v}")
    nodes = list(g.nodes)
    for n in nodes:
        g.nodes[n].update(visits=1, value_sum=0.5, status="open")
    assert node_colouring(g, nodes, 0)[1] == "states in the subtree below"
    assert node_colouring(g, nodes, 0)[0] == [6, 4, 1, 1, 1, 1]
    for n, visits in zip(nodes, [9, 5, 2, 1, 1, 1], strict=True):
        g.nodes[n].update(visits=visits, value_sum=0.5 * visits)
    assert node_colouring(g, nodes, 0)[1] == "visits"
    g.nodes[3].update(status="dead", value_sum=0.0)
    values, what, log = node_colouring(g, nodes, 0)
    assert what.startswith("value") and not log and values[nodes.index(3)] == 0.0
