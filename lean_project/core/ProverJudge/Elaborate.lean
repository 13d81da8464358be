import Lean
import ProverJudge.Pickle

/-!
# `prover_judge elaborate FILE OUT`: elaborate one file, as `lean FILE` would, in this process

The judge runs this in a fresh child process for the challenge and then for the solution, so neither
elaboration shares memory with the other or with the judge. The steps are the frontend's own (the
header's imports, then every command), as the Lean REPL does them at this toolchain. Error messages go
to stdout, one a line, and the exit code is 1; without errors, OUT receives the imports and the new
constants (ProverJudge.Pickle) and the exit code is 0.
-/

open Lean Elab System

namespace ProverJudge

def severityIsError : MessageSeverity → Bool
  | .error => true
  | _ => false

/-- Elaborate `file`; write what it added to `out` when no command failed. -/
unsafe def elaborateFile (file out : FilePath) : IO UInt32 := do
  let input ← IO.FS.readFile file
  -- imported libraries register their extensions and attributes in initializers, as under `lean`
  enableInitializersExecution
  let inputCtx := Parser.mkInputContext input file.toString
  let (header, parserState, messages) ← Parser.parseHeader inputCtx
  let (env, messages) ← processHeader header {} messages inputCtx
  let commandState := Command.mkState env messages {}
  let state ← Lean.Elab.IO.processCommands inputCtx parserState commandState
  let commandState := state.commandState
  let mut errors : Nat := 0
  for msg in commandState.messages.toList do
    if severityIsError msg.severity then
      errors := errors + 1
      IO.println s!"{msg.pos.line}:{msg.pos.column}: {← msg.data.toString}"
  if errors > 0 then
    return 1
  (Elaborated.ofEnvironment commandState.env).save out
  return 0

end ProverJudge
