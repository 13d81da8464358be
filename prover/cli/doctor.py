"""`prover doctor`: what is installed, what is missing, and the next step for each missing part."""

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


def run(args, cfg: Config) -> int:
    rows = checks(cfg)
    lean_ready = all(r["found"] for r in rows if r["group"] == "lean" and r["name"] != "elan")
    if args.lean_ready:
        return 0 if lean_ready else 1
    core_ok = all(r["found"] for r in rows if r["group"] != "lean")
    if args.json:
        print(json.dumps({"ok": core_ok, "lean_ready": lean_ready, "checks": rows}, ensure_ascii=False))
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title="prover doctor")
        for col in ("", "part", "status", "next step"):
            table.add_column(col)
        for r in rows:
            table.add_row("✓" if r["found"] else "✗", r["name"], r["detail"], r["fix"])
        Console().print(table)
        print("Lean: ready" if lean_ready else "Lean: not ready; `--env prop` runs the propositional bench meanwhile")
    return 0 if core_ok else 1
