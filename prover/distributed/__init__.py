"""Ray: the same env, policy and search objects in actors, never re-implemented.

- `workers.EnvWorker`: an actor owning one ProofEnv (make_env) and a policy; runs attempts, and the
  expansions of a shared tree (it keeps the Lean proof states it made).
- `policy_server`: one actor batching every search's `propose` / `value` calls (`batching.BatchingPolicy`),
  and `PolicyClient`, the Policy protocol over it.
- `pool.WorkerPool`: hands out work, replaces dead workers, retries their work once.
- `batch.RayWorkers`: `prover bench --workers N`; `driver.prove_tree` + `tree`: `prover prove --workers N`.
- `runtime.init_ray`: local Ray with this machine's cores, or cfg.ray.address.

Nothing here imports Ray at module load, so `--workers 1` runs with no Ray at all.
"""
