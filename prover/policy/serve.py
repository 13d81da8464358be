"""A local OpenAI-compatible completions server for a checkpoint: `prover serve --policy DIR`.

It speaks the subset of the schema our client and vLLM share (POST /v1/completions with `prompt` as a
string or a list, `n`, `max_tokens`, `temperature`, `stop`, `logprobs`; `choices[i].index = prompt * n +
sample`, `logprobs.token_logprobs`), so the endpoint path (`--policy-endpoint`) can be run and measured
end to end on a machine without vLLM, and a small model can serve several processes at once. Log-probs are
reported as one number per completion (the sum, in a one-element `token_logprobs`): our client sums
them anyway. A request's prompts are sampled as one batch; requests take turns on the model.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def make_server(model, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """A server (not yet serving) answering with `model.sample_scored(prompts, n)`; port 0 picks a free one."""
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet: one line per request would drown a bench's output
            pass

        def _answer(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            if self.path.rstrip("/") in ("/v1/models", "/health"):
                self._answer(200, {"object": "list", "data": [{"id": "default", "object": "model"}]})
            else:
                self._answer(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self) -> None:  # noqa: N802
            if self.path.rstrip("/") != "/v1/completions":
                self._answer(404, {"error": {"message": f"no route {self.path} (completions only)"}})
                return
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                prompts = body["prompt"] if isinstance(body["prompt"], list) else [body["prompt"]]
                n = int(body.get("n", 1))
                stops = body.get("stop") or []
                stops = [stops] if isinstance(stops, str) else list(stops)
                if not (1 <= n <= 1024) or not all(isinstance(p, str) for p in prompts):
                    raise ValueError("n must be 1..1024 and prompts strings")
            except (ValueError, KeyError, TypeError) as e:
                self._answer(400, {"error": {"message": f"bad request: {e}"}})
                return
            choices = []
            with lock:  # one batch for all the request's prompts
                rows = model.sample_scored(prompts, n)
            for i, row in enumerate(rows):
                for j, (text, logprob) in enumerate(row):
                    cut = min([text.find(s) for s in stops if s and s in text] or [len(text)])
                    choices.append({"index": i * n + j, "text": text[:cut], "finish_reason": "stop",
                                    "logprobs": {"token_logprobs": [logprob]} if body.get("logprobs") else None})
            self._answer(200, {"object": "text_completion", "model": body.get("model", "default"), "choices": choices})

    return ThreadingHTTPServer((host, port), Handler)
