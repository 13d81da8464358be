"""`prover serve --policy DIR`: an OpenAI-compatible completions endpoint for a local checkpoint.

For running several provers against one model, and for trying `--policy-endpoint` without vLLM.
"""

from __future__ import annotations

import sys
from typing import cast

from prover.config import Config
from prover.core import ProverError


def add_parser(sub, parent) -> None:
    p = sub.add_parser("serve", parents=[parent], help="serve a checkpoint over an OpenAI-compatible completions API")
    p.add_argument("--policy", dest="policy.kind", metavar="DIR", required=True, help="the checkpoint directory")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this machine only)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--max-tokens", dest="policy.max_new_tokens", type=int, metavar="N",
                   help="the most tokens a completion may have (requests may ask fewer)")
    p.set_defaults(handler=run)


def run(args, cfg: Config) -> int:
    from prover.policy.hf import HFPolicy
    from prover.policy.serve import make_server

    if cfg.policy.kind in ("auto", "automation", "uniform"):
        raise ProverError("serve needs a checkpoint: --policy DIR")
    model = HFPolicy.load(cfg.policy.kind, cfg.policy)
    try:
        server = make_server(model, args.host, args.port)
    except OSError as e:
        raise ProverError(f"cannot listen on {args.host}:{args.port}: {e.strerror}") from None
    host, port = cast("tuple[str, int]", server.server_address[:2])  # an INET server's (host, port)
    print(f"serving {cfg.policy.kind} at http://{host}:{port}/v1/completions (Ctrl-C stops)", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
