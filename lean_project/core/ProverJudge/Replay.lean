import Lean

/-!
# Kernel replay of a solution's constants

Every constant the solution file added is sent to the kernel again, on top of the environment its
imports give, in dependency order. Nothing the elaborator did is trusted: a constant added with the
kernel check skipped (`set_option debug.skipKernelTC true`), by an elaborator extension, or written
straight into the environment by a metaprogram is checked here as if it were new. Constructors and
recursors are not sent (the kernel makes them when it adds their inductive type); afterwards each one
the solution carries must equal the kernel's own. The approach is lean4checker's (now `leanchecker` in
the toolchain); this is our own small version over `Lean.Kernel.Environment`, so the result can be
searched directly (ProverJudge.Axioms) and a failure names the constant.
-/

open Lean

namespace ProverJudge.Replay

structure ReplayState where
  env : Kernel.Environment
  /-- Constants of the solution not yet sent to the kernel. -/
  todo : NameSet
  /-- Constructors and recursors the solution carries, compared with the kernel's at the end. -/
  generated : Array Name := #[]

-- The shape lean4checker's replay has at this toolchain: a failure is an `IO.userError`.
abbrev M := ReaderT (Std.HashMap Name ConstantInfo) (StateRefT ReplayState IO)

def refuse (msg : String) : M α :=
  throw <| IO.userError msg

def addToKernel (what : Name) (decl : Declaration) : M Unit := do
  match (← get).env.addDeclCore 0 decl (cancelTk? := none) with
  | .ok env => modify fun s => { s with env := env }
  | .error ex =>
    let text ← (ex.toMessageData {}).toString
    refuse s!"the kernel rejects `{what}`: {text}"

/-- Take `n` off the to-do list; whether it was on it. -/
def takeTodo (n : Name) : M Bool := do
  if (← get).todo.contains n then
    modify fun s => { s with todo := s.todo.erase n }
    return true
  return false

mutual

/-- Send `n` to the kernel after everything it uses, unless it was already sent or is imported. -/
partial def replayConst (n : Name) : M Unit := do
  unless (← takeTodo n) do return
  let some ci := (← read)[n]? | refuse s!"`{n}` is missing from the solution's constants"
  replayAll ci.getUsedConstantsAsSet
  match ci with
  | .defnInfo v => addToKernel n (.defnDecl v)
  | .thmInfo v => addToKernel n (.thmDecl v)
  | .axiomInfo v => addToKernel n (.axiomDecl v)
  | .opaqueInfo v => addToKernel n (.opaqueDecl v)
  | .quotInfo _ => addToKernel n .quotDecl
  | .inductInfo v => replayInductive v
  | .ctorInfo _ => modify fun s => { s with generated := s.generated.push n }
  | .recInfo _ => modify fun s => { s with generated := s.generated.push n }

partial def replayAll (names : NameSet) : M Unit := do
  for n in names do
    replayConst n

/-- An inductive type goes to the kernel with every type of its mutual block and their constructors. -/
partial def replayInductive (v : InductiveVal) : M Unit := do
  let consts ← read
  for n in v.all do
    discard <| takeTodo n
  let mut types : Array InductiveType := #[]
  for n in v.all do
    let some (.inductInfo iv) := consts[n]? | refuse s!"`{n}` (in the block of `{v.name}`) is not an inductive type"
    let mut ctors : Array Constructor := #[]
    for c in iv.ctors do
      let some (.ctorInfo cv) := consts[c]? | refuse s!"constructor `{c}` of `{n}` is missing"
      replayAll (ConstantInfo.ctorInfo cv).getUsedConstantsAsSet
      ctors := ctors.push { name := cv.name, type := cv.type }
    types := types.push { name := iv.name, type := iv.type, ctors := ctors.toList }
  addToKernel v.name (.inductDecl v.levelParams v.numParams types.toList false)

end

/-- Constructors and recursors the kernel made must be the ones the solution carries. -/
def checkGenerated : M Unit := do
  let consts ← read
  let s ← get
  for n in s.generated do
    match s.env.find? n, consts[n]? with
    | some (.ctorInfo a), some (.ctorInfo b) =>
      unless a == b do refuse s!"constructor `{n}` differs from the one the kernel made"
    | some (.recInfo a), some (.recInfo b) =>
      unless a == b do refuse s!"recursor `{n}` differs from the one the kernel made"
    | _, _ => refuse s!"`{n}` is not a constructor or recursor the kernel made"

end Replay

open Replay in
/-- Replay `constants` (one file's new constants) on top of `env`; the extended kernel environment,
or why the kernel refused. -/
def replay (env : Kernel.Environment) (constants : Array ConstantInfo) :
    IO (Except String Kernel.Environment) := do
  let map : Std.HashMap Name ConstantInfo :=
    constants.foldl (init := {}) fun m ci => m.insert ci.name ci
  let todo : NameSet := constants.foldl (init := {}) fun s ci => s.insert ci.name
  let run : M Unit := do
    for ci in constants do
      replayConst ci.name
    checkGenerated
  try
    let (_, s) ← StateRefT'.run (ReaderT.run run map) { env := env, todo := todo }
    return .ok s.env
  catch e =>
    return .error (toString e)

end ProverJudge
