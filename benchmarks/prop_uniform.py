"""How many prop problems the uniform proposer's moves let a search prove, at a counted budget.

    .venv/bin/python benchmarks/prop_uniform.py [--split hard] [--n 100] [--budgets 200 1000]
                                                [--proposer FILE.py]

One attempt per problem, MCTS and best-first, `budget_steps` env calls, no wall-clock limit, so the
numbers do not depend on the machine's load. `--proposer` loads `UniformPolicy` from another file, e.g.
the proposer before the complete moves:
    git show aabcb81:prover/policy/uniform.py > /tmp/uniform_before.py
    .venv/bin/python benchmarks/prop_uniform.py --proposer /tmp/uniform_before.py
"""

from __future__ import annotations

import argparse
import importlib.util

from prover.config import SearchConfig
from prover.core import Usage
from prover.env.prop import PropEnv, problems
from prover.policy import UniformPolicy
from prover.search import search


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", default="hard")
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--budgets", type=int, nargs="+", default=[200, 1000])
    ap.add_argument("--proposer", help="a file defining UniformPolicy (default: the package's)")
    args = ap.parse_args()
    policy = UniformPolicy()
    if args.proposer:
        spec = importlib.util.spec_from_file_location("proposer", args.proposer)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        policy = module.UniformPolicy()
    env = PropEnv()
    ps = problems(args.split, args.n)
    for budget in args.budgets:
        for algorithm in ("mcts", "bfs"):
            cfg = SearchConfig(algorithm=algorithm, budget_steps=budget, timeout=None)
            solved = sum(search(env, policy, env.open(p), cfg, Usage()).tactics is not None for p in ps)
            print(f"prop:{args.split}:{args.n} budget {budget} {algorithm}: {solved}/{len(ps)}", flush=True)


if __name__ == "__main__":
    main()
