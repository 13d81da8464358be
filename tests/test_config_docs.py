"""The configuration reference and the example file are generated from the config model: they must match it."""

from __future__ import annotations

import subprocess
import sys

from prover.cli import main
from prover.cli.config_cmd import example, reference
from prover.config import Config, load
from tests.conftest import REPO


def test_docs_configuration_md_is_the_generated_reference():
    assert (REPO / "docs" / "configuration.md").read_text(encoding="utf-8") == reference(), (
        "run `prover config --reference > docs/configuration.md`")


def test_every_setting_is_in_the_reference():
    text = reference()
    for section in Config.model_fields:
        sub = getattr(Config(), section)
        names = [f"{section}.{n}" for n in type(sub).model_fields] if hasattr(type(sub), "model_fields") else [section]
        for name in names:
            assert f"`{name}`" in text, name


def test_the_example_file_is_generated_and_loads_as_it_is(tmp_path):
    path = REPO / "prover.example.toml"
    assert path.read_text(encoding="utf-8") == example(), "run `prover config --example > prover.example.toml`"
    assert load(path) == Config()
    uncommented = tmp_path / "all.toml"  # every line switched on must still be a valid configuration
    lines = []
    for line in example().splitlines():
        body = line[2:] if line.startswith("# ") and " = " in line and not line.endswith("# unset by default") else line
        lines.append(body.replace('"<repo>', '"' + str(REPO)) if "<repo>" in body else body)
    uncommented.write_text("\n".join(lines), encoding="utf-8")
    assert load(uncommented).search == Config().search


def test_prover_config_prints_a_toml_file_that_loads_back(tmp_path, capsys):
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    path = tmp_path / "effective.toml"
    path.write_text(out, encoding="utf-8")
    assert load(path) == Config()


def test_the_example_file_runs_a_command():
    done = subprocess.run([sys.executable, "-m", "prover.cli", "config", "--config", str(REPO / "prover.example.toml")],
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
