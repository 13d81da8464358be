"""The layering is the contract (DESIGN.md): every `prover` import, at module level or inside a function,
points down. A lower layer that imports an upper one fails here, naming the file and line."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PROVER = Path(__file__).resolve().parent.parent / "prover"

# core <- config <- env, policy <- search <- distributed <- attempts <- learn, bench, formalize <- cli.
# Equal ranks do not import each other (policy knows nothing of Lean; a backend never imports policy).
RANK = {"core": 0, "config": 1, "env": 2, "policy": 2, "search": 3, "distributed": 4, "attempts": 5,
        "learn": 6, "bench": 6, "formalize": 6, "cli": 7}
# Sideways imports allowed by name: a training corpus is any dataset `prover bench` accepts; test-time RL's
# model-written Lean variants come from the formaliser's generator (prompted with target/variant pairs).
ALLOWED = {("learn", "prover.bench.datasets"), ("learn", "prover.formalize.generate")}


def imports(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
    return [(line, name) for line, name in out if name.startswith("prover.")]


def layer(path: Path) -> str | None:
    parts = path.relative_to(PROVER).with_suffix("").parts
    if parts == ("__init__",):
        return None
    return "cli" if parts == ("__main__",) else parts[0]  # `python -m prover` is the CLI


def violations() -> list[str]:
    bad = []
    for path in sorted(PROVER.rglob("*.py")):
        here = layer(path)
        if here is None:
            continue
        assert here in RANK, f"{path}: a new layer; give it a rank in tests/test_layers.py (and DESIGN.md)"
        for line, name in imports(path):
            there = name.split(".")[1]
            assert there in RANK, f"{path}:{line}: imports {name}, of no known layer"
            if there == here or RANK[there] < RANK[here] or (here, name) in ALLOWED:
                continue
            bad.append(f"{path.relative_to(PROVER.parent)}:{line}: {here} imports {name}")
    return bad


def test_every_import_points_down_the_layers():
    assert violations() == []


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    fake = tmp_path / "prover"
    (fake / "search").mkdir(parents=True)
    (fake / "search" / "x.py").write_text("def f():\n    from prover.learn import expert\n")
    (fake / "policy").mkdir()
    (fake / "policy" / "y.py").write_text("import prover.env.prop\n")
    monkeypatch.setattr(sys.modules[__name__], "PROVER", fake)
    assert violations() == ["prover/policy/y.py:1: policy imports prover.env.prop",
                            "prover/search/x.py:2: search imports prover.learn"]
