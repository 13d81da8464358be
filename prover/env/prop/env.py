"""PropEnv: the ProofEnv of the propositional bench (not Lean; a small, fast, sound stand-in)."""

from __future__ import annotations

from prover.core import Failed, Progress, Proof, Proved, State, StatementError, StepResult, Theorem, Verdict
from prover.env.prop.goal import Goal
from prover.env.prop.syntax import Statement, SyntaxError_, parse_statement
from prover.env.prop.tactics import Tactic, TacticError, parse_tactic, run

_MAX_CACHE = 100_000


class PropEnv:
    """Statements are Lean 4 theorems over `Prop` variables; tactics are a Lean 4 core subset.

    `State.handle` is the tuple of Goal objects; `State.goals` their Lean-style text.
    """

    def __init__(self) -> None:
        self._tactics: dict[str, Tactic | str] = {}  # parsed tactic, or its parse error message

    def open(self, theorem: Theorem) -> State:
        return _root(parse(theorem.statement))

    def step(self, state: State, tactic: str) -> StepResult:
        goals: tuple[Goal, ...] | None = state.handle
        if goals is None:
            return Failed("the prop bench needs a state it produced (State.handle is empty)")
        if not goals:
            return Failed("no goals to be proved")
        tac = self._tactics.get(tactic)
        if tac is None:
            if len(self._tactics) > _MAX_CACHE:
                self._tactics.clear()
            try:
                tac = parse_tactic(tactic)
            except (TacticError, SyntaxError_) as e:  # any text may arrive: every parse error is a Failed
                tac = str(e)
            self._tactics[tactic] = tac
        if isinstance(tac, str):
            return Failed(tac)
        try:
            new = run(tac, goals[0])
        except (TacticError, SyntaxError_) as e:
            return Failed(str(e))
        rest = tuple(new) + goals[1:]
        out = State(tuple(g.text for g in rest), rest)
        return Proved(out) if not rest else Progress(out)

    def verify(self, theorem: Theorem, proof: Proof) -> Verdict:
        source = proof.render()
        checks = ("prop.replay",)  # every tactic replayed from the statement in a fresh bench env
        try:
            state = _root(parse(theorem.statement))
        except StatementError as e:
            return Verdict(False, (f"statement rejected: {e}",), source=source, checks=checks)
        fresh = PropEnv()
        for i, tactic in enumerate(proof.tactics, 1):
            if state.solved:
                return Verdict(False, (f"tactic {i} ({tactic!r}): no goals to be proved",), source=source, checks=checks)
            result = fresh.step(state, tactic)
            if isinstance(result, Failed):
                return Verdict(False, (f"tactic {i} ({tactic!r}): {result.message}",), source=source, checks=checks)
            state = result.state
        if not state.solved:
            return Verdict(False, (f"unsolved goals:\n{state.text}",), source=source, checks=checks)
        return Verdict(True, (), axioms=(), source=source, checks=checks)

    def close(self) -> None:
        self._tactics.clear()


def parse(statement: str) -> Statement:
    """Parse a statement; StatementError with one clear line when it is malformed."""
    try:
        return parse_statement(statement)
    except SyntaxError_ as e:
        raise StatementError(f"prop bench: {e}") from None


def _root(st: Statement) -> State:
    goal = Goal(st.binders, st.target)
    return State((goal.text,), (goal,))
