"""Where Ray's fixed costs go, for `prover bench`/`prover train --workers N` on this machine.

Times, one after the other, with the prop env and the uniform policy (no model):
  import ray; ray.init (a local cluster, or joining --ray-address); the executor's start (N Runner actors,
  each importing prover and building its env); the first task on each worker (its policy built); then
  per-task round trips of a one-step task on Ray against the same task run locally; close; ray.shutdown.

    .venv/bin/python benchmarks/ray_costs.py [--workers 2] [--tasks 40] [--ray-address auto]

With --ray-address auto (after `ray start --head`) the cluster is not started or stopped by the run.
Prints one JSON object. Nothing is asserted: these are numbers to read; on a shared machine, noisy.
"""

from __future__ import annotations

import argparse
import json
import time


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--tasks", type=int, default=40)
    p.add_argument("--ray-address", default=None)
    args = p.parse_args()
    out: dict = {"workers": args.workers, "tasks": args.tasks, "ray_address": args.ray_address}

    t = time.perf_counter()
    import ray

    out["import_ray_s"] = round(time.perf_counter() - t, 3)
    from prover.attempts import LocalExecutor, Problem, Task
    from prover.attempts.ray_executor import RayExecutor
    from prover.config import load
    from prover.distributed.runtime import init_ray
    from prover.env.prop.generate import problems

    cfg = load(overrides={"env": "prop", "policy.kind": "uniform", "search.budget_steps": 1, "search.timeout": None,
                          "ray.workers": args.workers, "ray.address": args.ray_address})
    tasks = [Task(Problem(th, "easy", "prop"), 0, cfg) for th in problems("easy", args.tasks)]

    t = time.perf_counter()
    init_ray(cfg.ray)
    out["ray_init_s"] = round(time.perf_counter() - t, 3)

    ex = RayExecutor(cfg)
    t = time.perf_counter()
    ex.start()
    out["actors_start_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    list(ex.run(tasks[: args.workers]))  # each worker's first task builds its policy
    out["first_task_per_worker_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    list(ex.run(tasks))
    ray_s = time.perf_counter() - t
    t = time.perf_counter()
    ex.close()
    out["close_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    started_here = args.ray_address is None
    if started_here:
        ray.shutdown()
    out["ray_shutdown_s"] = round(time.perf_counter() - t, 3)

    with LocalExecutor(cfg) as local:
        list(local.run(tasks[:2]))
        t = time.perf_counter()
        list(local.run(tasks))
        local_s = time.perf_counter() - t
    out["ms_per_task_ray"] = round(1000 * ray_s / len(tasks), 2)
    out["ms_per_task_local"] = round(1000 * local_s / len(tasks), 2)
    out["fixed_s"] = round(sum(out[k] for k in ("ray_init_s", "actors_start_s", "first_task_per_worker_s", "close_s",
                                               "ray_shutdown_s")), 3)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
