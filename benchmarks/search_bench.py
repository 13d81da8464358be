"""Search on the propositional bench: problems solved at a fixed step budget, and search overhead.

    .venv/bin/python benchmarks/search_bench.py                      # 100 prop:hard problems, 400 steps
    .venv/bin/python benchmarks/search_bench.py --n 50 --budget 200 --policies uniform
    .venv/bin/python benchmarks/search_bench.py --start 60 --n 60 --budget 32 --policies DIR --skip-overhead
    .venv/bin/python benchmarks/search_bench.py --skip-solved --profile-nodes 10000

1. Solved: prop:hard[start:start + n], each algorithm (MCTS, best-first expanding whole nodes or running
   one tactic at a time, random rollouts) with the same policy and the same env-call budget per problem;
   a problem counts only if the final check passed.
2. Overhead: one MCTS (and one best-first) search grown to `--profile-nodes` states on an unprovable
   problem with a large state space. The env and the policy are timed around every call; what is left of
   the wall time is the search's own bookkeeping. "policy free" reports it as a share of the wall time
   the search would take if the policy cost nothing (wall - policy time); cProfile then says where the
   bookkeeping goes.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from prover.config import SearchConfig  # noqa: E402
from prover.core import Theorem, Usage  # noqa: E402
from prover.env.prop import PropEnv, problems  # noqa: E402
from prover.policy import AutomationPolicy, UniformPolicy  # noqa: E402
from prover.search import search  # noqa: E402
from prover.search.attempt import attempt  # noqa: E402

# Unprovable (it needs excluded middle); its state space under the uniform policy exceeds 10,000 states.
WIDE = "theorem wide (p q r : Prop) : (¬(p ∧ q) → ¬(q → p)) → r ∨ (p → q)"
AUTOMATION = ["simp", "omega", "norm_num", "linarith", "nlinarith", "positivity", "decide", "aesop",
              "ring_nf", "field_simp", "simp_all", "tauto", "intro", "constructor", "assumption", "rfl"]


class Timed:
    """Wraps an env or a policy: the same calls, with the seconds spent inside them added up."""

    def __init__(self, inner, names: tuple[str, ...]) -> None:
        self.inner, self.seconds, self.calls = inner, 0.0, 0
        for name in names:
            setattr(self, name, self._timed(getattr(inner, name)))

    def _timed(self, fn):
        def call(*args):
            t = time.perf_counter()
            try:
                return fn(*args)
            finally:
                self.seconds += time.perf_counter() - t
                self.calls += 1
        return call


def make_policy(kind: str):
    """uniform, automation, or a checkpoint directory (ranking the uniform policy's tactics)."""
    if kind in ("uniform", "automation"):
        return UniformPolicy() if kind == "uniform" else AutomationPolicy(AUTOMATION)
    from prover.config import Config, PolicyConfig
    from prover.policy import make_policy as configured

    return configured(Config(env="prop", policy=PolicyConfig(kind=kind, candidates="uniform", device="cpu")))


def solved(args) -> None:
    theorems = problems("hard")[args.start:args.start + args.n]
    env = PropEnv()
    print(f"## prop:hard[{args.start}:{args.start + len(theorems)}], {args.budget} env calls each\n")
    print("| policy | algorithm | solved | mean env calls | mean proof length | seconds |")
    print("|---|---|---:|---:|---:|---:|")
    for kind in args.policies.split(","):
        for algorithm in args.algorithms.split(","):
            name, _, expand = algorithm.partition("-")  # bfs-tactic: best-first one tactic at a time
            cfg = SearchConfig(algorithm=name, budget_steps=args.budget, timeout=None, seed=args.seed,
                               **({"bfs_expand": expand} if expand else {}))
            policy = make_policy(kind)
            t = time.perf_counter()
            done, calls, lengths = 0, 0, []
            for theorem in theorems:
                a = attempt(env, policy, theorem, cfg)
                done += a.proved
                calls += a.usage.env_calls
                if a.proved:
                    lengths.append(len(a.proof.tactics))
            mean_len = f"{sum(lengths) / len(lengths):.1f}" if lengths else "-"
            print(f"| {kind} | {algorithm} | {done}/{len(theorems)} | {calls / len(theorems):.0f} | {mean_len} "
                  f"| {time.perf_counter() - t:.1f} |", flush=True)
    print()


def overhead(args) -> None:
    theorem = Theorem.from_text(WIDE)
    print(f"## overhead at {args.profile_nodes} states, uniform policy, `{WIDE}`\n")
    print("| algorithm | states | env calls | policy calls | wall s | env s | policy s | bookkeeping s "
          "| share of wall | share, policy free | µs per env call |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for algorithm in ("mcts", "bfs"):
        env = Timed(PropEnv(), ("open", "step", "verify", "close"))
        policy = Timed(UniformPolicy(), ("propose", "value"))
        cfg = SearchConfig(algorithm=algorithm, budget_steps=10**9, nodes=args.profile_nodes, timeout=None)
        root = env.open(theorem)
        env.seconds = 0.0
        usage = Usage()
        t = time.perf_counter()
        result = search(env, policy, root, cfg, usage)
        wall = time.perf_counter() - t
        book = wall - env.seconds - policy.seconds
        print(f"| {algorithm} | {usage.nodes} | {usage.env_calls} | {usage.policy_calls} | {wall:.2f} "
              f"| {env.seconds:.2f} | {policy.seconds:.2f} | {book:.2f} | {100 * book / wall:.1f}% "
              f"| {100 * book / (wall - policy.seconds):.1f}% | {1e6 * book / max(1, usage.env_calls):.0f} |",
              flush=True)
        assert result.stop_reason == "nodes", result.stop_reason
    print()
    for algorithm in ("mcts", "bfs"):
        env, policy = PropEnv(), UniformPolicy()
        cfg = SearchConfig(algorithm=algorithm, budget_steps=10**9, nodes=args.profile_nodes, timeout=None)
        root = env.open(theorem)
        profile = cProfile.Profile()
        profile.enable()
        search(env, policy, root, cfg, Usage())
        profile.disable()
        stats = pstats.Stats(profile)
        total = sum(v[2] for v in stats.stats.values())  # tottime of every function
        ours = sorted(((v[2], k) for k, v in stats.stats.items() if "prover/search" in k[0]), reverse=True)
        print(f"### cProfile, {algorithm}: functions of prover/search by own time "
              f"(of {total:.2f}s profiled)\n")
        print("| function | own s | share |")
        print("|---|---:|---:|")
        for own, (file, line, name) in ours[:8]:
            print(f"| {Path(file).name}:{line} {name} | {own:.3f} | {100 * own / total:.1f}% |")
        nx_own = sum(v[2] for k, v in stats.stats.items() if "networkx" in k[0])
        print(f"| (networkx, all) | {nx_own:.3f} | {100 * nx_own / total:.1f}% |\n")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=100, help="prop:hard problems")
    p.add_argument("--start", type=int, default=0,
                   help="the first problem's index; a trained policy is best measured on problems that took "
                        "no part in choosing it (expert_iteration.py chose by prop:hard[0:60])")
    p.add_argument("--budget", type=int, default=400, help="env calls per problem")
    p.add_argument("--policies", default="uniform,automation", help="uniform, automation or checkpoint dirs")
    p.add_argument("--algorithms", default="mcts,bfs,bfs-tactic,rollout",
                   help="bfs-tactic: best-first running one tactic at a time (search.bfs_expand)")
    p.add_argument("--seed", type=int, default=0, help="random rollouts' seed")
    p.add_argument("--profile-nodes", type=int, default=10_000)
    p.add_argument("--skip-solved", action="store_true")
    p.add_argument("--skip-overhead", action="store_true")
    args = p.parse_args()
    if not args.skip_solved:
        solved(args)
    if not args.skip_overhead:
        overhead(args)


if __name__ == "__main__":
    main()
