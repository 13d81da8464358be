"""`prover prove --search ... --graph FILE.png` on the propositional bench: the files a user gets."""

from __future__ import annotations

import json

import pytest

from prover.cli import main

DEMO = "theorem demo (p q r : Prop) : (p ∨ q) ∧ (p → r) ∧ (q → r) → r"


@pytest.mark.parametrize("algorithm", ["mcts", "bfs", "rollout"])
def test_graph_files_show_the_search_and_its_proof(tmp_path, capsys, algorithm):
    png = tmp_path / "tree.png"
    rc = main(["prove", "--env", "prop", "--policy", "uniform", "--search", algorithm, DEMO,
               "--graph", str(png), "--json"])
    record = json.loads(capsys.readouterr().out)
    assert rc == 0 and record["proved"]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    data = json.loads((tmp_path / "tree.json").read_text())
    assert data["algorithm"] == algorithm and data["stop_reason"] == "proved"
    nodes = {n["id"]: n for n in data["nodes"]}
    assert len(nodes) == data["stats"]["nodes"]
    assert all({"goals", "visits", "value", "status"} <= set(n) for n in nodes.values())
    assert nodes[data["root"]]["goals"] == ["p q r : Prop\n⊢ (p ∨ q) ∧ (p → r) ∧ (q → r) → r"]
    assert nodes[data["proved"]]["goals"] == []
    # the marked proof path, read edge by edge, is the proof the command printed
    edges = {(e["source"], e["target"]): e for e in data["edges"] if e["target"] is not None}
    path = data["proof_path"]
    tactics = [edges[u, v]["tactic"] for u, v in zip(path, path[1:], strict=False)]
    assert tactics == record["tactics"]
    assert all(edges[u, v]["on_proof"] for u, v in zip(path, path[1:], strict=False))
    assert sum(e["on_proof"] for e in edges.values()) == len(tactics)
    assert all({"tactic", "prior", "result"} <= set(e) for e in data["edges"])
    assert edges[path[-2], path[-1]]["result"] == "proved"
    rc = main(["check", "--env", "prop", DEMO, "--proof", "\n".join(tactics)])
    assert rc == 0 and capsys.readouterr().out.rstrip().endswith("verified")


def test_graph_of_a_failed_search_lists_failed_tactics(tmp_path, capsys):
    rc = main(["prove", "--env", "prop", "--policy", "automation", "theorem t (p : Prop) : p → p ∨ False",
               "--budget-steps", "30", "--graph", str(tmp_path / "g.png")])
    out = capsys.readouterr().out
    assert rc == 1 and out.startswith("not proved")
    data = json.loads((tmp_path / "g.json").read_text())
    failed = [e for e in data["edges"] if e["result"] == "failed"]
    assert failed and all(e["target"] is None and e["message"] for e in failed)
    assert data["proof_path"] == [] and data["proved"] is None
    assert (tmp_path / "g.png").stat().st_size > 0


def test_unwritable_graph_path_is_one_line(tmp_path, capsys):
    rc = main(["prove", "--env", "prop", "--policy", "uniform", DEMO, "--graph", str(tmp_path / "no" / "t.png")])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "cannot write the search graph" in err
