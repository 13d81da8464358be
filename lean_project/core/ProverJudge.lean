import ProverJudge.Pickle
import ProverJudge.Elaborate
import ProverJudge.Replay
import ProverJudge.Axioms
import ProverJudge.Judge

/-!
# The prover's judge

`prover_judge check CHALLENGE.lean SOLUTION.lean [--allow AXIOM]...` decides whether SOLUTION proves the
theorem that CHALLENGE states with `sorry`, and prints one JSON object on stdout. The design and its
threat model are in docs/lean.md ("The judge"); each module says what it does.
-/
