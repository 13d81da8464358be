"""The Lean 4 verifier: REPL client and pool, safety gate, final check, toolchain discovery.

`LeanEnv.from_config(cfg.lean)` is the entry point; it raises EnvUnavailable, with the setup step,
where no toolchain is found and no lean.repl_command is configured.
"""

from prover.env.lean.env import Handle, LeanEnv

__all__ = ["Handle", "LeanEnv"]
