import Lean
import ProverJudge.Pickle
import ProverJudge.Replay
import ProverJudge.Axioms

/-!
# The judgement: does the solution prove the theorem the challenge states?

1. `challenge`: the challenge file (header, statement, `:= by sorry`) is elaborated in a fresh child
   process, and loaded, before the solution is looked at; the theorem it states is its one theorem
   whose value uses `sorryAx`. Its name is the challenge's, never one resolved in the solution's scope.
2. `solution`: the solution file (header, statement, proof) is elaborated in another fresh child; any
   error refuses it.
3. `imports`: both import the same modules, so every imported name means the same constant in both.
4. `statement`: the solution has a theorem of that name with the same universe parameters and the same
   type, compared as `Expr`s; every constant of the challenge's own that the type reaches (a `match`
   in the statement makes one) is identical in the solution.
5. `safety`: the solution declares nothing `unsafe` or `partial`.
6. `replay`: every constant the solution added passes the kernel again (ProverJudge.Replay).
7. `axioms`: the axioms of the theorem, collected in the replayed environment (ProverJudge.Axioms),
   are within the allowed set.
The outcome records the checks in the order they ran; a refusal stops there, so the last check named
is the one that refused.
-/

open Lean System

namespace ProverJudge

deriving instance BEq for Lean.QuotKind
deriving instance BEq for Lean.QuotVal
deriving instance BEq for Lean.InductiveVal
deriving instance BEq for Lean.ConstantInfo

structure Outcome where
  ok : Bool := false
  name : Option Name := none
  checks : Array String := #[]
  axioms : Array Name := #[]
  errors : Array String := #[]

/-- The one line the judge prints: `{"ok", "name", "checks", "axioms", "errors"}`. -/
def Outcome.toJson (o : Outcome) : Json :=
  Json.mkObj [
    ("ok", Json.bool o.ok),
    ("name", match o.name with
      | some n => Json.str n.toString
      | none => Json.null),
    ("checks", Json.arr (o.checks.map Json.str)),
    ("axioms", Json.arr (o.axioms.map fun n => Json.str n.toString)),
    ("errors", Json.arr (o.errors.map Json.str))]

abbrev JudgeM := ExceptT String (StateT Outcome IO)

def refuse (msg : String) : JudgeM α :=
  throwThe String msg

/-- Record that the check `name` runs now. -/
def startCheck (name : String) : JudgeM Unit :=
  modify fun o => { o with checks := o.checks.push name }

def tryIO (act : IO α) : IO (Except String α) := do
  try
    return .ok (← act)
  catch e =>
    return .error (toString e)

/-- Run an IO action; its failure refuses the proof, with its message. -/
def io (act : IO α) : JudgeM α := do
  match (← (tryIO act : IO (Except String α))) with
  | .ok a => pure a
  | .error e => refuse e

/-- Elaborate `file` in a fresh child process of this executable and load what it added. -/
def elaborateInChild (what : String) (file : FilePath) : JudgeM Elaborated := do
  let out := file.withExtension "judge"
  let exe ← io IO.appPath
  let child ← io <| IO.Process.output
    { cmd := exe.toString, args := #["elaborate", file.toString, out.toString] }
  if child.exitCode != 0 then
    let lines := ((child.stdout.splitOn "\n").filter (· != "")).take 20
    let detail :=
      if lines.isEmpty then s!"exit code {child.exitCode}: {child.stderr}" else "\n".intercalate lines
    refuse s!"the {what} does not elaborate: {detail}"
  io (unsafe Elaborated.load out)

def isTheorem : ConstantInfo → Bool
  | .thmInfo _ => true
  | _ => false

def usesSorry (ci : ConstantInfo) : Bool :=
  match ci.value? (allowOpaque := true) with
  | some v => v.getUsedConstants.contains ``sorryAx
  | none => false

def toMap (constants : Array ConstantInfo) : Std.HashMap Name ConstantInfo :=
  constants.foldl (init := {}) fun m ci => m.insert ci.name ci

/-- The challenge's own constants (not imported ones) that the statement of `target` reaches. -/
def statementConstants (challenge : Std.HashMap Name ConstantInfo) (target : ConstantInfo) :
    Array Name := Id.run do
  let mut seen : NameSet := {}
  let mut todo := target.type.getUsedConstants
  let mut out : Array Name := #[]
  while !todo.isEmpty do
    let n := todo.back!
    todo := todo.pop
    if seen.contains n || n == target.name then
      continue
    seen := seen.insert n
    if let some ci := challenge[n]? then
      out := out.push n
      todo := todo ++ mentions ci
  return out

def judgement (challengeFile solutionFile : FilePath) (allowed : Array Name) : JudgeM Unit := do
  startCheck "challenge"
  let challenge ← elaborateInChild "challenge" challengeFile
  let stated := challenge.constants.filter fun ci => isTheorem ci && usesSorry ci
  let target ← match stated.toList with
    | [t] => pure t
    | ts => refuse s!"the challenge must state exactly one theorem with `sorry`; it states {ts.length}"
  modify fun o => { o with name := some target.name }
  startCheck "solution"
  let solution ← elaborateInChild "solution" solutionFile
  startCheck "imports"
  unless solution.imports.map (·.module) == challenge.imports.map (·.module) do
    refuse "the solution imports other modules than the challenge"
  startCheck "statement"
  let chMap := toMap challenge.constants
  let solMap := toMap solution.constants
  let some sol := solMap[target.name]? | refuse s!"the solution declares no `{target.name}`"
  unless isTheorem sol do
    refuse s!"the solution's `{target.name}` is not a theorem"
  unless sol.levelParams == target.levelParams do
    refuse s!"the solution's `{target.name}` has universe parameters {sol.levelParams}, the challenge's {target.levelParams}"
  unless sol.type == target.type do
    refuse s!"the solution's `{target.name}` does not have the challenge's type"
  for n in statementConstants chMap target do
    unless solMap[n]? == chMap[n]? do
      refuse s!"`{n}`, which the statement uses, differs between the challenge and the solution"
  startCheck "safety"
  for ci in solution.constants do
    if ci.isUnsafe || ci.isPartial then
      refuse s!"the solution declares `{ci.name}`, which is unsafe or partial"
  startCheck "replay"
  let base ← io (importModules challenge.imports {} 0)
  let env ← match (← io (replay base.toKernelEnv solution.constants)) with
    | .ok env => pure env
    | .error e => refuse e
  startCheck "axioms"
  match axiomsOf env target.name with
  | .error e => refuse e
  | .ok axioms =>
    modify fun o => { o with axioms := axioms }
    let extra := axioms.filter fun a => !allowed.contains a
    unless extra.isEmpty do
      refuse s!"`{target.name}` depends on axioms outside the allowed set: {extra.toList}"

/-- Judge; `ok` only when every check ran and none refused. -/
def judge (challengeFile solutionFile : FilePath) (allowed : Array Name) : IO Outcome := do
  let (result, outcome) ← (judgement challengeFile solutionFile allowed).run.run {}
  match result with
  | .ok () => return { outcome with ok := true }
  | .error e => return { outcome with ok := false, errors := outcome.errors.push e }

end ProverJudge
