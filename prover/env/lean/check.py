"""The final check: the only thing that makes a theorem proved.

A FRESH process (never one a search has touched) compiles the whole file: the header, the statement byte
for byte, `:= by` and the tactics, exactly as `Proof.render()` writes it, with no environment carried
over (the imports are elaborated anew). It must give no error and no `sorry` warning, and
`#print axioms NAME` must stay within lean.allowed_axioms (plus the compiler's axioms when
lean.allow_native_decide is on). The gate runs first, on every piece.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from prover.config import LeanConfig
from prover.core import GateError, Proof, Verdict
from prover.env.lean import gate
from prover.env.lean.client import ReplFailure, ReplProcess
from prover.env.lean.protocol import SORRY_WARNING, CommandResponse, ErrorResponse, axioms_of

NATIVE_AXIOMS = ("Lean.ofReduceBool", "Lean.trustCompiler")
CHECK_NAME = "prover_checked_example"
# The declaration keyword starts a line (a doc comment or `open ... in` may come first).
_EXAMPLE = re.compile(r"^([ \t]*)example\b", re.MULTILINE)
_NAME = re.compile(r"^[ \t]*(?:theorem|lemma)\s+([^\s(:{\[]+)", re.MULTILINE)


def allowed_axioms(cfg: LeanConfig) -> set[str]:
    return set(cfg.allowed_axioms) | (set(NATIVE_AXIOMS) if cfg.allow_native_decide else set())


def checked_source(proof: Proof) -> tuple[str, str, str]:
    """(source, name, note). An `example` has no name to audit, so it is checked as a theorem named
    CHECK_NAME: only the keyword changes, and a theorem is checked at least as strictly as an example."""
    statement = proof.theorem.statement
    note = ""
    if (m := _EXAMPLE.search(statement)) is not None:
        statement = f"{statement[:m.start()]}{m.group(1)}theorem {CHECK_NAME}{statement[m.end():]}"
        note = f"checked the example as `theorem {CHECK_NAME}` to audit its axioms"
        proof = Proof(dataclasses.replace(proof.theorem, name=CHECK_NAME, statement=statement), proof.tactics)
    m = _NAME.search(statement)
    return proof.render(), (m.group(1) if m else proof.theorem.name), note


def final_check(proof: Proof, cfg: LeanConfig, spawn: Callable[[], ReplProcess]) -> Verdict:
    theorem = proof.theorem
    try:
        gate.check_header(theorem.header, cfg)
        gate.check_statement(theorem.statement, cfg)
        for tactic in proof.tactics:
            gate.check_tactic(tactic, cfg)
    except GateError as e:
        return Verdict(False, (str(e),), source=proof.render())
    source, name, note = checked_source(proof)
    notes = (note,) if note else ()
    try:
        proc = spawn()
    except ReplFailure as e:
        return Verdict(False, (f"the final check could not start Lean: {e}",), source=source)
    try:
        compiled = proc.request({"cmd": source}, cfg.startup_timeout + cfg.timeout)
        if isinstance(compiled, ErrorResponse):
            return Verdict(False, (compiled.message,), source=source)
        if not isinstance(compiled, CommandResponse):
            return Verdict(False, ("the REPL answered the check with a tactic response",), source=source)
        if compiled.errors:
            return Verdict(False, tuple(m.text() for m in compiled.errors), source=source)
        if any(SORRY_WARNING.search(m.data) for m in compiled.messages) or compiled.sorries:
            return Verdict(False, ("the proof uses `sorry`",), source=source)
        printed = proc.request({"cmd": f"#print axioms {name}", "env": compiled.env}, cfg.timeout)
    except ReplFailure as e:
        return Verdict(False, (f"the final check did not finish: {e}",), source=source)
    finally:
        proc.close()
    axioms = axioms_of(printed)
    if axioms is None:
        return Verdict(False, (f"Lean gave no axiom report for {name}",), source=source)
    extra = sorted(set(axioms) - allowed_axioms(cfg))
    if extra:
        return Verdict(False, (f"the proof depends on axioms outside the allowed set: {', '.join(extra)}",),
                       axioms=axioms, source=source)
    return Verdict(True, notes, axioms=axioms, source=source)
