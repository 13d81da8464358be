"""Throughput of the Lean REPL client and pool, and the client's own overhead per request.

    .venv/bin/python benchmarks/lean_client.py [--requests 2000] [--pool 1,2,4] [--out results/lean_client.json]

Runs against the stand-in REPL (tests/fake_repl.py), which answers a `noop` tactic at once and logs the
time it spent on each request. So the numbers are the ceiling the Python side allows, not Lean's speed
(a real tactic takes milliseconds to seconds). Three measurements:

  client  one ReplProcess, requests in a row: requests/s, and per request the wall time beside the
          stand-in's own handling time; the difference is the client's overhead (JSON, pipes, threads)
  env     the same through LeanEnv.step (safety gate, pool, handles, verdicts)
  pool    LeanEnv with N processes and N threads stepping at once: aggregate steps/s
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from prover.config import OLYMPIAD_HEADER, LeanConfig  # noqa: E402
from prover.core import Progress, Theorem  # noqa: E402
from prover.env.lean import LeanEnv  # noqa: E402
from prover.env.lean.client import ReplProcess  # noqa: E402

FAKE = str(REPO / "tests" / "fake_repl.py")
STATEMENT = "theorem t (p q : Prop) : p ∧ q → q ∧ p"


def stand_in_seconds(log: Path, kind: str = "tactic") -> list[float]:
    return [r["seconds"] for r in map(json.loads, log.read_text().splitlines()) if r["kind"] == kind]


def bench_client(n: int, tmp: Path) -> dict:
    log = tmp / "client.jsonl"
    with ReplProcess([sys.executable, FAKE, "--log", str(log)]) as proc:
        proc.request({"cmd": f"{STATEMENT} := by sorry"}, timeout=10)
        walls = []
        for _ in range(n):
            started = time.perf_counter()
            proc.request({"tactic": "noop", "proofState": 0}, timeout=10)
            walls.append(time.perf_counter() - started)
    served = stand_in_seconds(log)
    wall_us, served_us = statistics.median(walls) * 1e6, statistics.median(served) * 1e6
    return {"requests": n, "requests_per_s": round(n / sum(walls), 1), "median_wall_us": round(wall_us, 1),
            "median_stand_in_us": round(served_us, 1), "median_client_overhead_us": round(wall_us - served_us, 1)}


def bench_env(n: int, pool: int, tmp: Path) -> dict:
    log = tmp / f"env{pool}.jsonl"
    cfg = LeanConfig(repl_command=[sys.executable, FAKE, "--log", str(log)], pool_size=pool, timeout=10)
    with LeanEnv.from_config(cfg) as env:
        per_thread = n // pool
        walls: list[float] = []
        lock = threading.Lock()

        def run(i: int) -> None:
            root = env.open(Theorem.from_text(f"theorem t{i} (p q : Prop) : p ∧ q → q ∧ p", header=OLYMPIAD_HEADER))
            mine = []
            for _ in range(per_thread):
                started = time.perf_counter()
                assert isinstance(env.step(root, "noop"), Progress)
                mine.append(time.perf_counter() - started)
            with lock:
                walls.extend(mine)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(pool)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    served = stand_in_seconds(log)
    wall_us, served_us = statistics.median(walls) * 1e6, statistics.median(served) * 1e6
    return {"pool": pool, "threads": pool, "steps": len(walls), "steps_per_s": round(len(walls) / elapsed, 1),
            "median_step_us": round(wall_us, 1), "median_stand_in_us": round(served_us, 1),
            "median_overhead_us": round(wall_us - served_us, 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--pool", default="1,2,4", help="pool sizes to measure (comma-separated)")
    p.add_argument("--out", type=Path, help="also write the results as JSON here")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        client = bench_client(args.requests, tmp)
        print(f"client: {client['requests_per_s']:.0f} requests/s; per request {client['median_wall_us']:.0f} us "
              f"wall = {client['median_stand_in_us']:.0f} us stand-in + {client['median_client_overhead_us']:.0f} us client")
        envs = []
        for size in (int(s) for s in args.pool.split(",")):
            r = bench_env(args.requests, size, tmp)
            envs.append(r)
            print(f"env pool={size} threads={size}: {r['steps_per_s']:.0f} steps/s; per step {r['median_step_us']:.0f} us "
                  f"wall = {r['median_stand_in_us']:.0f} us stand-in + {r['median_overhead_us']:.0f} us ours")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"client": client, "env": envs}, indent=2) + "\n")


if __name__ == "__main__":
    main()
