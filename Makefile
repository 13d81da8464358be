# The two commands of the README: `make demo` (set up, prove a theorem) and `make test` (set up, run the tests).
# `prover` lives in .venv/bin: `. .venv/bin/activate` puts it on PATH, or `make shell` opens a shell with it.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_LEAN := theorem demo (a b : Nat) (h : a ≤ b) : a + (b - a) = b
DEMO_PROP := theorem demo (p q r : Prop) : (p ∨ q) ∧ (p → r) ∧ (q → r) → r

.PHONY: setup demo shell test lean lint bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	@if $(BIN)/prover doctor --lean-ready; then \
		$(BIN)/prover prove "$(DEMO_LEAN)"; \
	else \
		echo "No Lean toolchain here (\`make lean\` sets one up): the demo runs on the propositional bench, which is not Lean."; \
		$(BIN)/prover prove --env prop "$(DEMO_PROP)"; \
	fi
	@echo; echo "prover is installed in $(BIN): run '. $(BIN)/activate' (or 'make shell') to put it on your PATH."

shell: setup
	@echo "A shell with prover on PATH (the virtual environment $(VENV)); 'exit' leaves it."
	@PATH="$(abspath $(BIN)):$$PATH" VIRTUAL_ENV="$(abspath $(VENV))" $${SHELL:-/bin/sh} -i

test: setup
	$(BIN)/ruff check prover tests benchmarks
	$(BIN)/mypy prover
	$(BIN)/python -m pytest -q

lean: setup
	$(BIN)/prover setup-lean

lint: setup
	$(BIN)/ruff check prover tests benchmarks
	$(BIN)/mypy prover

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
