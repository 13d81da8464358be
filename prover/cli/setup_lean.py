"""`prover setup-lean`: install the pinned toolchain, resolve and fetch Mathlib, build the REPL and the judge.

The steps run in lean.project_dir with the user's elan; they need the network. Where elan is missing
or a step fails, one line says which and what to do, and the exit code is 2. The Dockerfile runs the
same steps (docker/Dockerfile).
"""

from __future__ import annotations

import shlex
import subprocess

from prover.config import Config
from prover.core import EnvUnavailable


def add_parser(sub, parent) -> None:
    p = sub.add_parser("setup-lean", parents=[parent],
                       help="install the pinned Lean toolchain, Mathlib's cache, the REPL and the judge (needs the network)")
    p.add_argument("--dry-run", action="store_true", help="print the steps without running them")
    p.set_defaults(handler=run)


# elan's documented installer (github.com/leanprover/elan#installation); -y: no prompt, no toolchain yet.
ELAN_INSTALL = ["sh", "-c", "curl https://raw.githubusercontent.com/leanprover/elan/master/elan-init.sh -sSf "
                "| sh -s -- -y --default-toolchain none"]


def steps(cfg: Config, dry_run: bool = False) -> list[tuple[str, list[str]]]:
    """The plan, in order. Without elan a real run stops at once; a dry run lists installing elan first
    and every later step with the tools where elan will put them."""
    from prover.env.lean.toolchain import JUDGE, elan_home, needs_mathlib, pinned_toolchain, which

    lean = cfg.lean
    if not (lean.project_dir / "lakefile.toml").is_file():
        raise EnvUnavailable(f"{lean.project_dir} has no lakefile.toml: set lean.project_dir to the repository's lean_project/")
    pinned = pinned_toolchain(lean)
    if pinned is None:
        raise EnvUnavailable(f"{lean.project_dir}/lean-toolchain is missing or empty")
    elan = which("elan", lean)
    first: list[tuple[str, list[str]]] = []
    if elan is None and dry_run:
        first = [("install elan (not done by setup-lean: run it yourself, or use the docker image)", ELAN_INSTALL)]
        elan = str(elan_home(lean) / "bin" / "elan")
    if elan is None:
        raise EnvUnavailable(
            "elan is not installed: install it (https://github.com/leanprover/elan#installation), then run "
            "`prover setup-lean` again; or use the docker image (docker/README.md)")
    # elan's `lake` proxy reads lean-toolchain in the working directory, so it runs the pinned lake.
    lake = which("lake", lean) or str(elan_home(lean) / "bin" / "lake")
    plan = first + [(f"install the pinned toolchain {pinned}", [elan, "toolchain", "install", pinned])]
    if not (lean.project_dir / "lake-manifest.json").is_file():  # a manifest, once written, pins exact commits
        plan.append(("resolve Mathlib and the REPL at their pinned tags", [lake, "update"]))
    if not needs_mathlib(lean):  # lean_project/core: the REPL and the judge, no Mathlib
        return plan + [("build the REPL and the judge", [lake, "build", "repl", JUDGE])]
    return plan + [
        ("fetch Mathlib's prebuilt cache (several GB)", [lake, "exe", "cache", "get"]),
        ("build the Prover library (checks the header), the REPL and the judge",
         [lake, "build", "Prover", "repl", JUDGE]),
    ]


def run(args, cfg: Config) -> int:
    from prover.env.lean.toolchain import missing_line

    plan = steps(cfg, dry_run=args.dry_run)
    for i, (what, command) in enumerate(plan, 1):
        print(f"[{i}/{len(plan)}] {what}: {shlex.join(command)}", flush=True)
        if args.dry_run:
            continue
        try:
            code = subprocess.run(command, cwd=cfg.lean.project_dir).returncode
        except OSError as e:
            raise EnvUnavailable(f"step {i} ({what}) could not start: {e.strerror or e}") from e
        if code != 0:
            raise EnvUnavailable(f"step {i} ({what}) failed with exit code {code}; it needs the network: "
                                 f"check it, then run `prover setup-lean` again")
    if args.dry_run:
        return 0
    if (line := missing_line(cfg.lean)) is not None:
        raise EnvUnavailable(f"the steps ran, but {line[0].lower()}{line[1:]}")
    print(f"Lean is ready in {cfg.lean.project_dir}: `prover doctor` shows the parts, `prover prove` uses them")
    return 0
