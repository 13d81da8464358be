import Mathlib
import Aesop

set_option maxHeartbeats 400000

open BigOperators Real Nat Topology Rat

/-!
# The olympiad header

The lines above are, byte for byte, the header most olympiad problem files (miniF2F and the like) are
stated under, and the default `lean.header` of the prover (`OLYMPIAD_HEADER` in prover/config.py; a
test keeps the two equal). Building this library (`lake build Prover`, which `prover setup-lean` runs)
proves that the header elaborates on the pinned toolchain and Mathlib, and that its notations resolve.
-/

namespace Prover.HeaderCheck

example (a b : ℕ) : a + b = b + a := by omega

example : (0 : ℝ) < π := Real.pi_pos

example : 3 ! = 6 := by decide

example : ∑ i ∈ Finset.range 4, i = 6 := by simp [Finset.sum_range_succ]

end Prover.HeaderCheck
