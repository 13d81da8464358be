import Lean

/-!
# What an elaboration leaves for the judge

A child process elaborates one file and writes the file's imports and every constant the file added
(the kernel environment's new constants, whatever elaborator or option put them there) with
`saveModuleData`, the writer of `.olean` files; the judge reads them back with `readModuleData`. The
value written is not a `ModuleData`, so reading it back is `unsafe`: only this module does it, only on
files the judge's own child wrote, and the judge re-checks every constant with the kernel anyway.
-/

open Lean System

namespace ProverJudge

/-- One elaborated file: its imports and the constants it added, in no particular order. -/
structure Elaborated where
  imports : Array Import
  constants : Array ConstantInfo

def Elaborated.ofEnvironment (env : Environment) : Elaborated :=
  { imports := env.header.imports
    constants := env.constants.map₂.toList.toArray.map (·.2) }

def Elaborated.save (e : Elaborated) (path : FilePath) : IO Unit :=
  saveModuleData path `ProverJudge.Elaborated (unsafe unsafeCast e)

/-- Read what `save` wrote. The compacted region is never freed: the judge is a short-lived process. -/
unsafe def Elaborated.load (path : FilePath) : IO Elaborated := do
  let (data, _region) ← readModuleData path
  pure (unsafeCast data)

end ProverJudge
