"""Measure the distributed layer on this machine.

1. A prop batch through the bench runner (`prover bench`'s own code path) with --workers 1 (no Ray) and
   --workers 2 (Ray actors): wall time, speedup, and that the verdicts agree. Ray's start-up is timed
   apart, since a long run pays it once. As a control, the speedup two plain processes get on a
   pure-Python loop just before and after: the most this machine can give at that moment.
2. The policy server's throughput with the from-scratch byte model (built from a config, random weights
   marked value-trained so that `value` runs the model, saved to a temporary directory): many requests of one state each kept in flight, with batching
   (ray.max_batch) and without (max_batch 1), for `propose` and `value`.

    .venv/bin/python benchmarks/distributed_bench.py [--problems 100] [--budget-steps 1500] [--requests 256]

Prints one JSON object a measurement, then a summary. Nothing is asserted: these are numbers to read.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path


def load_of_machine() -> dict:
    """What else is running: load averages and the busiest other processes (the machine may be shared)."""
    import psutil

    procs = []
    for p in psutil.process_iter(["pid", "name", "cmdline", "cpu_percent"]):
        procs.append(p)
    time.sleep(1.0)
    busy = []
    for p in procs:
        try:
            cpu = p.cpu_percent(None)
            if cpu > 10 and p.pid != os.getpid():
                busy.append((cpu, " ".join(p.info["cmdline"] or [p.info["name"]])[:100]))
        except psutil.Error:
            continue
    return {"cores": os.cpu_count(), "loadavg": [round(x, 2) for x in os.getloadavg()],
            "busy_processes": [f"{cpu:.0f}% {cmd}" for cpu, cmd in sorted(busy, reverse=True)[:8]]}


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def machine_parallelism(n: int = 5_000_000) -> float:
    """The control: how much faster two processes do two equal pure-Python loops than one process does
    both, right now. On an idle 2-core machine about 2; when others hold the cores, less, and no
    distributed run can beat it."""
    import multiprocessing as mp

    t = time.perf_counter()
    _spin(n), _spin(n)
    serial = time.perf_counter() - t
    with mp.get_context("spawn").Pool(2) as pool:
        pool.map(_spin, [1000, 1000])  # start-up, not timed
        t = time.perf_counter()
        pool.map(_spin, [n, n])
        parallel = time.perf_counter() - t
    return round(serial / parallel, 2)


def prop_batch(n: int, budget: int) -> dict:
    import ray

    from prover.attempts import Problem
    from prover.attempts.ray_executor import RayExecutor
    from prover.bench.runner import run_bench
    from prover.config import RayConfig, load
    from prover.distributed.runtime import init_ray
    from prover.env.prop.generate import problems

    batch = [Problem(t, "hard", "prop") for t in problems("hard", n)]
    cfg1 = load(overrides={"env": "prop", "policy.kind": "uniform", "search.budget_steps": budget,
                           "search.timeout": None, "ray.workers": 1})
    cfg2 = cfg1.model_copy(update={"ray": cfg1.ray.model_copy(update={"workers": 2})})
    control_before = machine_parallelism()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        one = run_bench(batch, cfg1, Path(tmp) / "one.jsonl", progress=False)
        t_one = time.perf_counter() - t

        t = time.perf_counter()
        init_ray(RayConfig())  # started here so that its cost is reported apart
        t_ray = time.perf_counter() - t
        t = time.perf_counter()
        workers = RayExecutor(cfg2)  # what starting the 2 actors costs, on its own (run_bench pays it again)
        workers.start()
        workers.close()
        t_start = time.perf_counter() - t
        t = time.perf_counter()
        two = run_bench(batch, cfg2, Path(tmp) / "two.jsonl", progress=False)
        t_two = time.perf_counter() - t
        ray.shutdown()
    control_after = machine_parallelism()
    verdict = lambda rows: {r.problem: r.proved for r in rows}  # noqa: E731
    return {
        "measure": "prop batch, bench runner", "problems": n, "budget_steps": budget,
        "env_calls": sum(r.stats.env_calls or 0 for r in one),
        "solved": sum(r.proved for r in one), "same_verdicts": verdict(one) == verdict(two),
        "seconds_1_worker_no_ray": round(t_one, 2), "seconds_ray_init": round(t_ray, 2),
        "seconds_2_workers": round(t_two, 2), "seconds_2_workers_start": round(t_start, 2),
        "speedup": round(t_one / t_two, 2), "speedup_after_start": round(t_one / max(t_two - t_start, 1e-9), 2),
        "speedup_with_ray_init": round(t_one / (t_two + t_ray), 2),
        "control_2_processes_speedup": [control_before, control_after],
    }


def server_throughput(requests: int, in_flight: int, max_batch: int, op: str, ckpt: str, policy_cpus: int) -> dict:
    import ray

    from prover.config import load
    from prover.distributed.policy_server import start_policy_server
    from prover.env.prop.generate import problems

    cfg = load(overrides={"policy.kind": ckpt, "policy.max_new_tokens": 24,
                          "policy.batch_size": max(max_batch, 1), "policy.device": "cpu",
                          "ray.max_batch": max_batch, "ray.max_wait_ms": 5.0, "ray.policy_cpus": policy_cpus})
    from prover.env.prop import PropEnv

    env = PropEnv()
    states = [env.open(t).text for t in problems("hard", 64)]
    server = start_policy_server(cfg, gpu=False)
    call = (lambda s: server.propose.remote([s], 4)) if op == "propose" else (
        lambda s: server.value.remote([s]))
    ray.get(call(states[0]))  # warm up
    before = ray.get(server.stats.remote())
    t = time.perf_counter()
    pending, sent = [], 0
    while sent < requests or pending:
        while sent < requests and len(pending) < in_flight:
            pending.append(call(states[sent % len(states)]))
            sent += 1
        done, pending = ray.wait(pending, num_returns=1)
        ray.get(done)
    seconds = time.perf_counter() - t
    after = ray.get(server.stats.remote())
    ray.kill(server)
    calls = after["calls"] - before["calls"]
    return {"measure": f"policy server {op}", "max_batch": max_batch, "policy_cpus": policy_cpus,
            "requests": requests, "in_flight": in_flight,
            "seconds": round(seconds, 2), "states_per_second": round(requests / seconds, 1),
            "model_calls": calls, "mean_batch": round(requests / calls, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--problems", type=int, default=100)
    ap.add_argument("--budget-steps", type=int, default=1500)
    ap.add_argument("--requests", type=int, default=256)
    ap.add_argument("--in-flight", type=int, default=32)
    ap.add_argument("--skip-batch", action="store_true", help="only the policy server measurement")
    ap.add_argument("--skip-server", action="store_true", help="only the prop batch measurement")
    ap.add_argument("--policy-cpus", type=int, default=0,
                    help="ray.policy_cpus for the server (0: Ray's default of one torch thread)")
    args = ap.parse_args()
    print(json.dumps({"measure": "machine before", **load_of_machine()}), flush=True)
    results = []
    if not args.skip_batch:
        results.append(prop_batch(args.problems, args.budget_steps))
        print(json.dumps(results[-1]), flush=True)

    if not args.skip_server:
        results += server_measurements(args.requests, args.in_flight, args.policy_cpus)
    print(json.dumps({"measure": "machine after", **load_of_machine()}), flush=True)
    for op in ("value", "propose") if not args.skip_server else ():
        rows = {r["max_batch"]: r for r in results if r["measure"] == f"policy server {op}"}
        print(f"policy server {op}: {rows[32]['states_per_second']} states/s batched (mean batch "
              f"{rows[32]['mean_batch']}) vs {rows[1]['states_per_second']} unbatched: "
              f"{rows[32]['states_per_second'] / rows[1]['states_per_second']:.1f}x")
    if not args.skip_batch:
        b = results[0]
        print(f"prop batch ({b['problems']} problems, {b['env_calls']} env calls): 1 worker {b['seconds_1_worker_no_ray']}s, "
              f"2 workers {b['seconds_2_workers']}s (of which ~{b['seconds_2_workers_start']}s starting them; "
              f"+{b['seconds_ray_init']}s Ray start): {b['speedup']}x, {b['speedup_after_start']}x once started; "
              f"same verdicts: {b['same_verdicts']}; the machine gave 2 plain processes "
              f"{b['control_2_processes_speedup']}x (before, after)")


def server_measurements(requests: int, in_flight: int, policy_cpus: int) -> list[dict]:
    import ray

    from prover.config import RayConfig
    from prover.distributed.runtime import init_ray
    from prover.policy.model import build_byte_model, save_checkpoint

    results = []
    init_ray(RayConfig())
    with tempfile.TemporaryDirectory() as tmp:
        tiny = build_byte_model("causal", dim=128, layers=2, heads=4)
        tiny.meta["value_trained"] = True  # so `value` runs the model (an untrained one answers 0.5 unasked)
        save_checkpoint(tiny, Path(tmp) / "tiny")
        for op in ("value", "propose"):
            for max_batch in (32, 1):
                results.append(server_throughput(requests, in_flight, max_batch, op, str(Path(tmp) / "tiny"),
                                                 policy_cpus))
                print(json.dumps(results[-1]), flush=True)
    ray.shutdown()
    return results


if __name__ == "__main__":
    main()
