"""What headers cost the Lean pool: process starts and imports for a dataset with many distinct headers.

    .venv/bin/python benchmarks/lean_headers.py [--code DIR] [--problems 200] [--headers 25] [--pool 4]
                                                [--seed 0] [--out benchmarks/results/lean_headers.json]

Runs `problems` statements (one `open` and one tactic each, in a seeded random order of `headers`
distinct headers that all import Mathlib and Aesop and differ in their options and opens, as
ProofNet's do) through LeanEnv with a pool of `pool` processes, against the stand-in REPL
(tests/fake_repl.py of THIS checkout, which exits on an unreadable pickle as the real REPL does). It
counts, from the stand-in's log, not seconds: process starts, imports (commands that run importModules:
a header sent without `env`, or an unpickle: each is a full Mathlib import in real use), header
commands run on an imported environment (cheap: opens and options), pickles, statements opened.

`--code DIR` measures the `prover` package of another checkout (e.g. the code before this change:
`git archive 85ab702 prover | tar -x -C /tmp/before`), with the same stand-in. Scenarios: the code's
default configuration; pickling on; pickling on with every pickle unreadable (--pickle-corrupt); and,
with one process, pickling on, unreadable pickles and one crash (the case a bad pickle hurts most);
and, where the code has lean.header_cache, a cache as large as the number of headers.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FAKE = str(REPO / "tests" / "fake_repl.py")
NAMESPACES = ["Real", "Nat", "Topology", "Filter", "BigOperators", "Pointwise", "Matrix", "Finset",
              "Polynomial", "Complex", "Set", "Function", "Int", "Rat", "ENNReal", "NNReal"]


def make_headers(n: int, rng: random.Random) -> list[str]:
    headers = ["import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\nopen BigOperators Real Nat Topology Rat\n"]
    while len(headers) < n:
        plain = " ".join(sorted(rng.sample(NAMESPACES, 3)))
        scoped = " ".join(sorted(rng.sample(NAMESPACES, 2)))
        header = f"import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\nopen {plain}\nopen scoped {scoped}\n"
        if header not in headers:
            headers.append(header)
    return headers


def run(args: argparse.Namespace, name: str, fake_args: list[str], pool: int, **cfg_fields) -> dict:
    from prover.config import LeanConfig
    from prover.core import EnvUnavailable, Failed, StatementError, Theorem
    from prover.env.lean import LeanEnv

    rng = random.Random(args.seed)
    headers = make_headers(args.headers, rng)
    order = [rng.randrange(len(headers)) for _ in range(args.problems)]
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "log.jsonl"
        fake_args = [a.replace("{tmp}", tmp) for a in fake_args]
        cfg = LeanConfig(repl_command=[sys.executable, FAKE, "--log", str(log), *fake_args], pool_size=pool,
                         timeout=30.0, startup_timeout=60.0, header=headers[0], **cfg_fields)
        outcome = Counter()
        try:
            with LeanEnv(cfg) as env:
                for i, h in enumerate(order):
                    theorem = Theorem.from_text(f"theorem p{i} (p q : Prop) : p ∧ q → q ∧ p", header=headers[h])
                    try:
                        root = env.open(theorem)
                    except StatementError:
                        outcome["rejected"] += 1
                        continue
                    outcome["opened"] += 1
                    outcome["step_failed" if isinstance(env.step(root, "intro h"), Failed) else "stepped"] += 1
        except EnvUnavailable as e:
            outcome["env_unavailable"] = 1
            outcome["why"] = str(e)[:160]  # type: ignore[assignment]
        kinds = Counter(json.loads(line)["kind"] for line in log.read_text().splitlines()) if log.is_file() else Counter()
    return {"scenario": name, "pool": pool, "process_starts": kinds["start"],
            "imports": kinds["import"] + kinds["unpickle"], "import_commands": kinds["import"],
            "unpickles": kinds["unpickle"], "pickles": kinds["pickle"], "header_commands": kinds["header"],
            "statements": kinds["statement"], **outcome}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--code", type=Path, default=REPO, help="checkout whose `prover` package is measured")
    p.add_argument("--problems", type=int, default=200)
    p.add_argument("--headers", type=int, default=25)
    p.add_argument("--pool", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path)
    args = p.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    import prover

    rows = [run(args, "default config", [], args.pool),
            run(args, "pickling on", [], args.pool, pickle_header=True),
            run(args, "pickling on, pickles unreadable", ["--pickle-corrupt"], args.pool, pickle_header=True),
            run(args, "pickling on, pickles unreadable, one crash", ["--pickle-corrupt", "--crash-at", "10", "--once", "{tmp}/crashed"], 1,
                pickle_header=True)]
    from prover.config import LeanConfig
    if "header_cache" in LeanConfig.model_fields:  # a cache that holds every header of the dataset
        rows.append(run(args, f"header_cache {args.headers}", [], args.pool, header_cache=args.headers))
    result = {"code": str(Path(prover.__file__).parent.parent), "problems": args.problems, "headers": args.headers,
              "seed": args.seed, "rows": rows}
    cols = ["process_starts", "imports", "unpickles", "pickles", "header_commands", "opened", "rejected"]
    print(f"code: {result['code']}  problems {args.problems}, distinct headers {args.headers}")
    print(f"{'scenario':45} {'pool':>4} " + " ".join(f"{c:>15}" for c in cols))
    for r in rows:
        print(f"{r['scenario']:45} {r['pool']:>4} " + " ".join(f"{r.get(c, 0):>15}" for c in cols)
              + ("  ENV UNAVAILABLE: " + r["why"] if r.get("env_unavailable") else ""))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
