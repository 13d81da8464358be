"""Finding the Lean parts on this machine: elan, the pinned toolchain, lean, lake, the REPL build, Mathlib.

Used by `prover doctor`, `prover setup-lean` and LeanEnv. Tools are looked up on PATH, then in elan's
bin directory (lean.elan_home, default ~/.elan). The REPL command itself is configuration
(lean.repl_command); by default it is the REPL built in lean.project_dir, run under `lake env`.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from prover.config import LeanConfig

SETUP_STEP = "run `prover setup-lean` (or use the docker image, see docker/README.md)"


@dataclass(frozen=True)
class Part:
    name: str
    found: bool
    detail: str  # where it was found, or what is missing
    fix: str  # the exact next step when missing; "" when found


def elan_home(cfg: LeanConfig) -> Path:
    return cfg.elan_home if cfg.elan_home is not None else Path.home() / ".elan"


def which(tool: str, cfg: LeanConfig | None = None) -> str | None:
    """`tool` on PATH, else in elan's bin directory (lean.elan_home; ~/.elan without a configuration)."""
    found = shutil.which(tool)
    if found:
        return found
    elan_bin = (elan_home(cfg) if cfg is not None else Path.home() / ".elan") / "bin" / tool
    return str(elan_bin) if elan_bin.is_file() else None



def pinned_toolchain(cfg: LeanConfig) -> str | None:
    """The toolchain lean_project/lean-toolchain pins (e.g. `leanprover/lean4:v4.32.0`), if readable."""
    try:
        return (cfg.project_dir / "lean-toolchain").read_text().strip() or None
    except OSError:
        return None


def toolchain_dir(cfg: LeanConfig, toolchain: str) -> Path:
    """Where elan installs a toolchain: `leanprover/lean4:v4.32.0` -> toolchains/leanprover--lean4---v4.32.0."""
    return elan_home(cfg) / "toolchains" / toolchain.replace("/", "--").replace(":", "---")


def repl_binary(cfg: LeanConfig) -> Path:
    return cfg.project_dir / ".lake" / "packages" / "REPL" / ".lake" / "build" / "bin" / "repl"


def repl_command(cfg: LeanConfig) -> list[str]:
    """The command that starts one REPL process: configuration, else the REPL built in lean_project/."""
    if cfg.repl_command:
        return list(cfg.repl_command)
    return [which("lake", cfg) or "lake", "env", str(repl_binary(cfg))]


def discover(cfg: LeanConfig) -> list[Part]:
    """Every Lean part, found or missing, with the command that fixes each missing one."""
    parts: list[Part] = []
    elan = which("elan", cfg)
    parts.append(Part("elan", bool(elan), elan or f"not on PATH or in {elan_home(cfg)}/bin",
                      "" if elan else "install elan: https://github.com/leanprover/elan#installation"))
    pinned = pinned_toolchain(cfg)
    for tool in ("lean", "lake"):
        path = which(tool, cfg)
        detail = path or f"not on PATH or in {elan_home(cfg)}/bin"
        if tool == "lean" and pinned:
            installed = toolchain_dir(cfg, pinned).is_dir()
            detail += f" (pinned {pinned}: {'installed' if installed else 'not installed by elan'})"
        parts.append(Part(tool, bool(path), detail, "" if path else f"`elan toolchain install {pinned or 'stable'}`"))
    if cfg.repl_command:
        head = cfg.repl_command[0]
        exe = shutil.which(head) or (head if Path(head).is_file() else None)
        parts.append(Part("repl", bool(exe), " ".join(cfg.repl_command) + ("" if exe else " (not found)"),
                          "" if exe else "fix lean.repl_command in your configuration"))
    else:
        binary = repl_binary(cfg)
        parts.append(Part("repl", binary.is_file(), str(binary) if binary.is_file() else f"{binary} not built",
                          "" if binary.is_file() else f"`cd {cfg.project_dir} && lake build Prover repl`"))
    mathlib = cfg.project_dir / ".lake" / "packages" / "mathlib"
    built = (mathlib / ".lake" / "build" / "lib").is_dir()
    parts.append(Part("mathlib", built, str(mathlib) if built else f"{mathlib} has no build",
                      "" if built else f"`cd {cfg.project_dir} && lake exe cache get`"))
    return parts


REQUIRED = ("lean", "lake", "repl", "mathlib")  # what a REPL needs; elan is how they usually get there


def missing_line(cfg: LeanConfig) -> str | None:
    """One line saying what is missing and what to do, or None when Lean is ready."""
    missing = [p for p in discover(cfg) if not p.found and p.name in REQUIRED]
    if not missing:
        return None
    names = ", ".join(p.name for p in missing)
    return (f"Lean is not set up here ({names} missing): {SETUP_STEP}; "
            f"or pass --env prop to use the propositional bench, which is not Lean")
