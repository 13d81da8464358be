"""LeanEnv: the ProofEnv over a pool of Lean REPL processes.

`open` elaborates `statement := by sorry` in the header environment and returns the root goal exactly
as Lean printed it. `step` runs one tactic on a proof state (a tactic text of several lines is sent as
one parenthesised sequence, see `wire_tactic`). A proof-state id lives in one process, so a
State's handle records the worker and the worker's generation; if that process has since been replaced,
the step first replays the tactic path from the statement (each rebuilt state is remembered for the
generation), and fails cleanly if that is impossible: the search goes on either way. `verify` is the
final check, by the judge, never by these REPL processes (check.py). Safe to share between threads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from prover.config import LeanConfig
from prover.core import (
    EnvUnavailable,
    Failed,
    GateError,
    Progress,
    Proof,
    Proved,
    State,
    StatementError,
    StepResult,
    Theorem,
    Verdict,
)
from prover.env.lean import gate
from prover.env.lean.check import final_check
from prover.env.lean.client import ReplFailure, ReplProcess
from prover.env.lean.header import parse_header
from prover.env.lean.pool import ReplPool
from prover.env.lean.protocol import open_outcome, tactic_outcome
from prover.env.lean.toolchain import missing_line, repl_command
from prover.env.lean.worker import Worker


def wire_tactic(tactic: str) -> str:
    """The text sent as `{"tactic": ...}`. The REPL parses it with runParserCategory `tactic`: exactly one
    tactic, with no column rule (REPL/Snapshots.lean `runString`), so "intro h\nexact h.1" is a parse
    error and "exact h\nfoo" reads as `exact h foo`. The final check compiles the same text inside
    `:= by` (Proof.render indents every line alike), where it is a tactic sequence under Lean's layout
    rules. So a text of several lines, or with a `;`, goes as `(` + the lines + `\n)`, every line after
    the first indented by one space to keep the layout the file has: the `paren` tactic runs a sequence
    exactly as the file's `by` block does (the `)` on its own line, so a trailing `--` comment cannot
    swallow it). One line is sent as it is, the form the REPL's transcripts pin."""
    text = re.sub(r"^(?:[ \t]*\n)+", "", tactic.rstrip())
    if "\n" not in text and ";" not in text:
        return tactic
    first, *rest = text.split("\n")
    return "(" + first + "".join("\n " + line if line.strip() else "\n" for line in rest) + "\n)"


@dataclass(frozen=True)
class Handle:
    """Where a proof state lives, and how to rebuild it: the statement and the tactics from its root."""

    worker: int
    generation: int
    proof_state: int
    header: str
    statement: str
    path: tuple[str, ...] = ()


class LeanEnv:
    def __init__(self, cfg: LeanConfig, *, start: bool = True) -> None:
        self.cfg = cfg
        self.command = repl_command(cfg)
        # `lake env` must run in the project; a configured command runs where the user is.
        self.cwd: Path | None = cfg.project_dir if not cfg.repl_command and cfg.project_dir.is_dir() else None
        self.pool = ReplPool(cfg, self.spawn)
        if start:
            try:
                self.pool.start()
            except (ReplFailure, StatementError) as e:
                self.pool.close()
                raise EnvUnavailable(f"the Lean REPL did not start ({e}); check lean.repl_command, "
                                     f"or run `prover doctor`") from e

    @classmethod
    def from_config(cls, cfg: LeanConfig) -> LeanEnv:
        """A started env; EnvUnavailable (one line naming the fix) when Lean is missing here."""
        if not cfg.repl_command and (line := missing_line(cfg)) is not None:
            raise EnvUnavailable(line)
        return cls(cfg)

    def spawn(self) -> ReplProcess:
        return ReplProcess(self.command, cwd=self.cwd, memory_mb=self.cfg.memory_mb)

    # -- ProofEnv ----------------------------------------------------------------------------------

    def open(self, theorem: Theorem) -> State:
        gate.check_header(theorem.header, self.cfg)
        gate.check_statement(theorem.statement, self.cfg)
        imports = parse_header(theorem.header).import_key or None
        with self.pool.acquire(imports=imports) as worker:
            if worker.used_up():  # between statements, so no search loses its process
                worker.recycle()
            try:
                proof_state, goals, generation = self._open_in(worker, theorem.header, theorem.statement)
            except ReplFailure as e:
                raise StatementError(f"Lean failed on the statement: {e}") from e
            return State(goals, Handle(worker.index, generation, proof_state, theorem.header, theorem.statement))

    def step(self, state: State, tactic: str) -> StepResult:
        handle = state.handle
        if not isinstance(handle, Handle):
            return Failed("this state does not come from this Lean environment")
        try:
            gate.check_tactic(tactic, self.cfg)
        except GateError as e:
            return Failed(str(e))
        with self.pool.acquire(handle.worker) as worker:
            try:
                proof_state = self._live(worker, handle)
                if proof_state is None:
                    return Failed("the Lean process was replaced and this proof state could not be rebuilt")
                generation = worker.generation
                response = worker.request({"tactic": wire_tactic(tactic), "proofState": proof_state},
                                          self.cfg.timeout)
            except ReplFailure as e:
                return Failed(f"{e} (the Lean process was killed; a new one takes over)")
            outcome = tactic_outcome(response)
            if outcome.kind == "failed":
                return Failed(outcome.message)
            assert outcome.proof_state is not None  # progress and proved always carry one (protocol)
            new = Handle(worker.index, generation, outcome.proof_state, handle.header, handle.statement,
                         handle.path + (tactic,))
            if outcome.kind == "proved":
                return Proved(State((), new))
            return Progress(State(outcome.goals, new))

    def verify(self, theorem: Theorem, proof: Proof) -> Verdict:
        if proof.theorem != theorem:
            proof = Proof(theorem, proof.tactics)
        return final_check(proof, self.cfg)

    def close(self) -> None:
        self.pool.close()

    def __enter__(self) -> LeanEnv:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- proof states across process replacements --------------------------------------------------

    def _open_in(self, worker: Worker, header: str, statement: str) -> tuple[int, tuple[str, ...], int]:
        """Open the statement in the worker: (proof state, goals, the generation the id belongs to)."""
        env_id = worker.header_env(header)
        request: dict = {"cmd": f"{statement} := by sorry"}
        if env_id is not None:
            request["env"] = env_id
        generation = worker.generation
        outcome = open_outcome(worker.request(request, self.cfg.timeout))
        worker.uses += 1
        if not outcome.ok:
            raise StatementError(outcome.message)
        assert outcome.proof_state is not None  # an ok outcome always carries one (protocol)
        return outcome.proof_state, outcome.goals, generation

    def _live(self, worker: Worker, handle: Handle) -> int | None:
        """The handle's proof-state id in the worker's current process, replaying the path if needed."""
        if handle.generation == worker.generation:
            return handle.proof_state
        try:
            worker.header_env(handle.header)  # first: it may replace the process (another import set)
        except StatementError:
            return None
        generation = worker.generation
        proof_state = None
        for i in range(len(handle.path) + 1):
            key = (handle.header, handle.statement, handle.path[:i])
            if key in worker.rebuilt:
                proof_state = worker.rebuilt[key]
                continue
            if i == 0:
                try:
                    proof_state, _, _ = self._open_in(worker, handle.header, handle.statement)
                except StatementError:
                    return None
            else:
                response = worker.request({"tactic": wire_tactic(handle.path[i - 1]), "proofState": proof_state},
                                          self.cfg.timeout)
                outcome = tactic_outcome(response)
                if outcome.kind != "progress" or outcome.proof_state is None:  # (progress carries one)
                    return None
                proof_state = outcome.proof_state
            if worker.generation != generation:
                return None
            worker.rebuilt[key] = proof_state
        return proof_state
