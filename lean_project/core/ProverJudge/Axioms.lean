import Lean

/-!
# The axioms a constant depends on, in the replayed kernel environment

Everything reachable from the constant (its type, its value, an inductive's constructors, a
recursor's rules) is visited in the environment the kernel just rebuilt; every axiom met is reported.
A name the environment does not know is an error, never skipped: an audit that could not see part of
the proof has not audited it.
-/

open Lean

namespace ProverJudge

/-- The constants `ci` mentions, in the sense that matters for what it depends on. -/
def mentions (ci : ConstantInfo) : Array Name := Id.run do
  let mut out := ci.type.getUsedConstants
  if let some v := ci.value? (allowOpaque := true) then
    out := out ++ v.getUsedConstants
  match ci with
  | .inductInfo v => out := out ++ v.ctors.toArray ++ v.all.toArray
  | .ctorInfo v => out := out.push v.induct
  | .recInfo v =>
    out := out ++ v.all.toArray
    for rule in v.rules do
      out := (out.push rule.ctor) ++ rule.rhs.getUsedConstants
  | _ => pure ()
  return out

/-- The axioms `root` depends on in `env`, sorted by name; an error names a constant `env` lacks. -/
def axiomsOf (env : Kernel.Environment) (root : Name) : Except String (Array Name) := Id.run do
  let mut seen : NameSet := {}
  let mut todo : Array Name := #[root]
  let mut axioms : Array Name := #[]
  while !todo.isEmpty do
    let n := todo.back!
    todo := todo.pop
    if seen.contains n then
      continue
    seen := seen.insert n
    match env.find? n with
    | none => return .error s!"`{n}`, which `{root}` depends on, is not in the replayed environment"
    | some ci =>
      if let .axiomInfo _ := ci then
        axioms := axioms.push n
      todo := todo ++ mentions ci
  return .ok (axioms.qsort fun a b => decide (a.toString < b.toString))

end ProverJudge
