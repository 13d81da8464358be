"""`prover doctor`: what is installed, what is missing, and the next step for each missing part.

Exit 0 when everything the configured setup needs is there (Lean's parts too with the default
`env = "lean"`), 1 when something is missing; `--lean-ready` answers for Lean alone.
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
import sys

from prover.config import Config


def add_parser(sub, parent) -> None:
    p = sub.add_parser("doctor", parents=[parent], help="check the installation and the Lean toolchain")
    p.add_argument("--lean-ready", action="store_true", help="only answer by exit code whether Lean is ready")
    p.set_defaults(handler=run)


def _package(name: str) -> tuple[bool, str]:
    try:
        return True, importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return False, "not installed"


def _torch_device() -> tuple[bool, str]:
    try:
        import torch
    except ImportError:
        return False, "torch not importable"
    if torch.cuda.is_available():
        return True, f"cuda ({torch.cuda.get_device_name(0)})"
    return True, "cpu (no CUDA device)"


def checks(cfg: Config) -> list[dict]:
    from prover.env.lean.toolchain import discover

    rows = [{"name": "python", "found": sys.version_info >= (3, 11), "detail": platform.python_version(),
             "fix": "" if sys.version_info >= (3, 11) else "use Python 3.11 or newer", "group": "python"}]
    for pkg in ("torch", "transformers", "ray", "networkx", "lean-dojo", "pydantic", "rich"):
        ok, version = _package(pkg)
        rows.append({"name": pkg, "found": ok, "detail": version, "fix": "" if ok else "`make setup`",
                     "group": "packages"})
    ok, device = _torch_device()
    rows.append({"name": "torch device", "found": ok, "detail": device, "fix": "", "group": "packages"})
    for part in discover(cfg.lean):
        rows.append({"name": part.name, "found": part.found, "detail": part.detail, "fix": part.fix,
                     "group": "lean"})
    return rows


def missing(rows: list[dict], cfg: Config) -> list[str]:
    """The parts the configured setup needs and lacks: every package, and with the default `env = "lean"`
    every Lean part but elan (a toolchain can be there without it)."""
    return [r["name"] for r in rows if not r["found"]
            and (r["group"] != "lean" or (cfg.env == "lean" and r["name"] != "elan"))]


def table(rows: list[dict]):
    """The report as a rich table whose cells wrap (long words fold) instead of being cut at the width."""
    from rich.table import Table

    t = Table(title="prover doctor")
    t.add_column("", no_wrap=True)
    for col in ("part", "status", "next step"):
        t.add_column(col, overflow="fold", no_wrap=False)
    for r in rows:
        t.add_row("✓" if r["found"] else "✗", r["name"], r["detail"], r["fix"])
    return t


def run(args, cfg: Config) -> int:
    rows = checks(cfg)
    lean_ready = all(r["found"] for r in rows if r["group"] == "lean" and r["name"] != "elan")
    if args.lean_ready:
        return 0 if lean_ready else 1
    absent = missing(rows, cfg)
    if args.json:
        print(json.dumps({"ok": not absent, "lean_ready": lean_ready, "missing": absent, "checks": rows},
                         ensure_ascii=False))
    else:
        from rich.console import Console

        Console().print(table(rows))
        if lean_ready:
            print("Lean: ready")
        else:
            print("Lean: not ready; `prover setup-lean` sets it up, `--env prop` runs the propositional bench meanwhile")
        if absent:
            print(f"missing for the configured setup (env = {cfg.env}): {', '.join(absent)}")
    # Non-zero when something the configured setup needs is missing, as other doctors do, so a script or a
    # CI step can gate on it; `--env prop` users set env = "prop" in their configuration to not need Lean.
    return 1 if absent else 0
