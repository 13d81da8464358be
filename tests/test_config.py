from pathlib import Path

import pytest

from prover.config import load
from prover.core import ProverError


def test_layers_in_order(tmp_path: Path):
    toml = tmp_path / "p.toml"
    toml.write_text('env = "prop"\n[search]\nbudget_steps = 50\nalgorithm = "bfs"\n[lean]\ntimeout = 5\n')
    cfg = load(toml)
    assert (cfg.env, cfg.search.budget_steps, cfg.search.algorithm, cfg.lean.timeout) == ("prop", 50, "bfs", 5.0)
    # environment beats the file, the command line beats both
    cfg = load(toml, {"PROVER_SEARCH__BUDGET_STEPS": "70", "PROVER_ENV": "lean"}, {"search.budget_steps": 90})
    assert (cfg.env, cfg.search.budget_steps, cfg.search.algorithm) == ("lean", 90, "bfs")
    assert load(None, {"PROVER_LEAN__REPL_COMMAND": '["python", "repl.py"]'}).lean.repl_command == ["python", "repl.py"]


def test_bad_values_are_one_clear_error(tmp_path: Path):
    with pytest.raises(ProverError, match="search.budget_steps"):
        load(None, {}, {"search.budget_steps": "many"})
    with pytest.raises(ProverError, match="unknown"):
        load(None, {"PROVER_SEARCH__NO_SUCH_KNOB": "1"})
    bad = tmp_path / "bad.toml"
    bad.write_text("env = \n")
    with pytest.raises(ProverError, match="not valid TOML"):
        load(bad)
    with pytest.raises(ProverError, match="cannot read"):
        load(tmp_path / "missing.toml")
