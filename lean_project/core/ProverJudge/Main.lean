import ProverJudge

/-!
# `prover_judge`

    prover_judge check CHALLENGE.lean SOLUTION.lean [--allow AXIOM]...
    prover_judge elaborate FILE.lean OUT          (what `check` runs in its child processes)

`check` prints exactly one JSON object on stdout, `{"ok", "name", "checks", "axioms", "errors"}`, and
exits 0 when the solution is accepted, 1 when it is refused; a usage error exits 2 with no JSON.
-/

open Lean System ProverJudge

def usage : String :=
  "usage: prover_judge check CHALLENGE.lean SOLUTION.lean [--allow AXIOM]...\n" ++
  "       prover_judge elaborate FILE.lean OUT"

/-- The allowed axioms from `--allow A --allow B ...`; none when anything else is there. -/
def parseAllowed : List String → Option (Array Name)
  | [] => some #[]
  | "--allow" :: a :: rest => (parseAllowed rest).map fun xs => #[a.toName] ++ xs
  | _ => none

unsafe def main (args : List String) : IO UInt32 := do
  initSearchPath (← findSysroot)
  match args with
  | ["elaborate", file, out] => elaborateFile ⟨file⟩ ⟨out⟩
  | "check" :: challenge :: solution :: rest =>
    match parseAllowed rest with
    | none =>
      IO.eprintln usage
      return 2
    | some allowed =>
      let mut outcome : Outcome := {}
      try
        outcome ← judge ⟨challenge⟩ ⟨solution⟩ allowed
      catch e =>
        outcome := { errors := #[s!"the judge failed: {e}"] }
      IO.println outcome.toJson.compress
      return if outcome.ok then 0 else 1
  | _ =>
    IO.eprintln usage
    return 2
