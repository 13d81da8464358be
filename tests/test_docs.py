"""The documentation is kept true by tests: links resolve, generated references match the code, the README's
two commands are what CI runs."""

from __future__ import annotations

import re

from prover.cli.reference import DOC, with_reference
from tests.conftest import REPO

LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def markdown_files():
    return [REPO / "README.md", REPO / "benchmarks" / "README.md", *sorted((REPO / "docs").glob("*.md")),
            *sorted((REPO / "benchmarks" / "results").glob("*.md"))]


def test_every_relative_link_in_the_readme_and_docs_resolves():
    broken = []
    for path in markdown_files():
        if not path.is_file():
            continue
        for target in LINK.findall(path.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (path.parent / target).exists():
                broken.append(f"{path.relative_to(REPO)} -> {target}")
    assert broken == []


def test_docs_cli_md_holds_the_generated_reference_of_every_command_and_option():
    doc = DOC.read_text(encoding="utf-8")
    assert doc == with_reference(doc), "run `python -m prover.cli.reference`"


def test_the_readme_starts_with_the_two_commands_ci_runs():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in first_block.strip().splitlines()] == ["make demo", "make test"]
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert len(readme.encode()) < 12_000  # for people: depth goes to docs/
