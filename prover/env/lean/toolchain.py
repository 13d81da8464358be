"""Finding the Lean parts on this machine: elan, the pinned toolchain, lean, lake, the REPL, the judge, Mathlib.

Used by `prover doctor`, `prover setup-lean` and LeanEnv. Tools are looked up on PATH, then in elan's
bin directory (lean.elan_home, default ~/.elan). The REPL and judge commands are configuration
(lean.repl_command, lean.judge_command); by default they are the builds in lean.project_dir, run under
`lake env`. The judge's sources live in lean_project/core/ (a package of its own, which lean_project/
requires by path), so its binary is under core/.lake whichever of the two built it.
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


JUDGE = "prover_judge"


def judge_binary(cfg: LeanConfig) -> Path:
    """`prover_judge` as `lake build` leaves it: in project_dir when it is lean_project/core itself, else
    in project_dir/core."""
    root = cfg.project_dir if (cfg.project_dir / "ProverJudge").is_dir() else cfg.project_dir / "core"
    return root / ".lake" / "build" / "bin" / JUDGE


def judge_command(cfg: LeanConfig) -> list[str]:
    """The command that starts the judge: configuration, else the judge built here, under `lake env`
    (run in project_dir, so that the challenge's imports, Mathlib's included, are on the search path)."""
    if cfg.judge_command:
        return list(cfg.judge_command)
    return [which("lake", cfg) or "lake", "env", str(judge_binary(cfg))]


def needs_mathlib(cfg: LeanConfig) -> bool:
    """Whether the project requires Mathlib (lean_project/ does; lean_project/core does not)."""
    try:
        return '"mathlib"' in (cfg.project_dir / "lakefile.toml").read_text()
    except OSError:
        return True


def _configured(command: list[str], key: str) -> Part:
    head = command[0]
    exe = shutil.which(head) or (head if Path(head).is_file() else None)
    return Part("repl" if key == "repl_command" else "judge", bool(exe),
                " ".join(command) + ("" if exe else " (not found)"), "" if exe else f"fix lean.{key} in your configuration")


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
    for name, command, binary, target in (("repl", cfg.repl_command, repl_binary(cfg), "repl"),
                                           ("judge", cfg.judge_command, judge_binary(cfg), JUDGE)):
        if command:
            parts.append(_configured(command, f"{name}_command"))
        else:
            parts.append(Part(name, binary.is_file(), str(binary) if binary.is_file() else f"{binary} not built",
                              "" if binary.is_file() else f"`cd {cfg.project_dir} && lake build {target}`"))
    if needs_mathlib(cfg):
        mathlib = cfg.project_dir / ".lake" / "packages" / "mathlib"
        built = (mathlib / ".lake" / "build" / "lib").is_dir()
        parts.append(Part("mathlib", built, str(mathlib) if built else f"{mathlib} has no build",
                          "" if built else f"`cd {cfg.project_dir} && lake exe cache get`"))
    return parts


# What proving needs: the REPL for search steps, the judge for the final check, Mathlib where the project
# requires it. elan is how they usually get there.
REQUIRED = ("lean", "lake", "repl", "judge", "mathlib")


def missing_line(cfg: LeanConfig) -> str | None:
    """One line saying what is missing and what to do, or None when Lean is ready."""
    missing = [p for p in discover(cfg) if not p.found and p.name in REQUIRED]
    if not missing:
        return None
    names = ", ".join(p.name for p in missing)
    return (f"Lean is not set up here ({names} missing): {SETUP_STEP}; "
            f"or pass --env prop to use the propositional bench, which is not Lean")
