"""Speed of the propositional bench: split generation, and env steps per second on a search-like load.

    .venv/bin/python benchmarks/prop_speed.py [--problems 200] [--walks 20] [--depth 12] [--seed 0]

The load: random walks from the root of problems of the hard split; at each state one tactic drawn from
the plausible tactics of the first goal plus a few that usually fail (a search tries both), restarting
from the root when a walk ends. Only `env.step` is timed (it parses, runs, and prints every new goal).
"""

from __future__ import annotations

import argparse
import random
import time

from prover.core import Failed
from prover.env.prop import SIZES, PropEnv, problems
from prover.env.prop.moves import tactics_for

NOISE = ["exact trivial", "assumption", "contradiction", "constructor", "left", "exfalso", "simp", "exact h1 h2"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--problems", type=int, default=200)
    ap.add_argument("--walks", type=int, default=20, help="walks per problem")
    ap.add_argument("--depth", type=int, default=12, help="steps per walk")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    for split in SIZES:
        t = time.perf_counter()
        ps = problems(split)
        print(f"split {split:5s}: {len(ps)} problems generated in {time.perf_counter() - t:.2f} s")

    env, rng = PropEnv(), random.Random(args.seed)
    steps = failed = proved = 0
    stepping = ok_time = 0.0
    wall = time.perf_counter()
    for theorem in problems("hard", args.problems):
        root = env.open(theorem)
        for _ in range(args.walks):
            state = root
            for _ in range(args.depth):
                options = tactics_for(state.handle[0])
                tactic = rng.choice(options) if options and rng.random() < 0.8 else rng.choice(NOISE)
                t = time.perf_counter()
                result = env.step(state, tactic)
                dt = time.perf_counter() - t
                stepping += dt
                steps += 1
                if isinstance(result, Failed):
                    failed += 1
                    continue
                ok_time += dt
                state = result.state
                if state.solved:
                    proved += 1
                    break
    wall = time.perf_counter() - wall
    print(
        f"steps: {steps} on {args.problems} hard problems ({failed / steps:.0%} failed, {proved} walks closed all goals)"
    )
    print(f"env.step: {steps / stepping:,.0f} steps/s (one core); with tactic proposal: {steps / wall:,.0f} steps/s")
    print(f"successful steps alone (new goals printed): {(steps - failed) / ok_time:,.0f} steps/s")


if __name__ == "__main__":
    main()
