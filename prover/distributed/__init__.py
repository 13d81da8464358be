"""Ray: the same env, policy and search objects in actors, never re-implemented.

- `workers.EnvWorker`: an actor owning one ProofEnv (make_env) and a policy; runs the expansions of a
  shared tree (it keeps the Lean proof states it made).
- `policy_server`: one actor batching every search's `propose` / `value` calls (`batching.BatchingPolicy`),
  and `PolicyClient`, the Policy protocol over it.
- `pool.WorkerPool`: hands out work, replaces dead workers, retries their work once.
- `driver.prove_tree` + `tree`: `prover prove --workers N`. Many attempts (bench, training) run on
  prover.attempts' Ray executor, which uses the pool and the policy server from here.
- `runtime.init_ray`: local Ray with this machine's cores, or cfg.ray.address.

Nothing here imports Ray at module load, so `--workers 1` runs with no Ray at all.
"""
