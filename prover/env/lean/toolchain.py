"""Finding the Lean parts on this machine: lean, lake, the REPL build, Mathlib. Used by `doctor` and LeanEnv."""

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


def _which(tool: str) -> str | None:
    found = shutil.which(tool)
    if found:
        return found
    elan_bin = Path.home() / ".elan" / "bin" / tool
    return str(elan_bin) if elan_bin.is_file() else None


def repl_binary(cfg: LeanConfig) -> Path:
    return cfg.project_dir / ".lake" / "packages" / "REPL" / ".lake" / "build" / "bin" / "repl"


def repl_command(cfg: LeanConfig) -> list[str]:
    """The command that starts one REPL process: configuration, else the REPL built in lean_project/."""
    if cfg.repl_command:
        return list(cfg.repl_command)
    lake = _which("lake") or "lake"
    return [lake, "env", str(repl_binary(cfg))]


def discover(cfg: LeanConfig) -> list[Part]:
    """Every Lean part, found or missing, with the command that fixes each missing one."""
    parts: list[Part] = []
    elan = _which("elan")
    parts.append(Part("elan", bool(elan), elan or "not on PATH or in ~/.elan/bin",
                      "" if elan else "install elan: https://github.com/leanprover/elan#installation"))
    for tool in ("lean", "lake"):
        path = _which(tool)
        parts.append(Part(tool, bool(path), path or "not on PATH or in ~/.elan/bin",
                          "" if path else f"`elan toolchain install $(cat {cfg.project_dir}/lean-toolchain)`"))
    if cfg.repl_command:
        exe = shutil.which(cfg.repl_command[0]) or (cfg.repl_command[0] if Path(cfg.repl_command[0]).is_file() else None)
        parts.append(Part("repl", bool(exe), " ".join(cfg.repl_command) + ("" if exe else " (not found)"),
                          "" if exe else "fix lean.repl_command in your configuration"))
    else:
        binary = repl_binary(cfg)
        parts.append(Part("repl", binary.is_file(), str(binary) if binary.is_file() else f"{binary} not built",
                          "" if binary.is_file() else f"`cd {cfg.project_dir} && lake build repl`"))
    mathlib = cfg.project_dir / ".lake" / "packages" / "mathlib"
    built = (mathlib / ".lake" / "build" / "lib").is_dir()
    parts.append(Part("mathlib", built, str(mathlib) if built else f"{mathlib} has no build",
                      "" if built else f"`cd {cfg.project_dir} && lake exe cache get`"))
    return parts


def missing_line(cfg: LeanConfig) -> str | None:
    """One line saying what is missing and what to do, or None when Lean is ready."""
    missing = [p for p in discover(cfg) if not p.found and p.name != "elan"]
    if not missing:
        return None
    names = ", ".join(p.name for p in missing)
    return (f"Lean is not set up here ({names} missing): {SETUP_STEP}; "
            f"or pass --env prop to use the propositional bench, which is not Lean")
