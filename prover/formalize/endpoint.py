"""Completions from an OpenAI-compatible HTTP server (vLLM, llama.cpp, TGI, a hosted API), stdlib only."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from prover.core import ProverError


def endpoint_url(base: str, api: str) -> str:
    """`http://host:8000` or `.../v1` -> the completions URL; a full `.../completions` URL is kept."""
    base = base.rstrip("/")
    if base.endswith("/completions"):
        return base
    path = "chat/completions" if api == "chat" else "completions"
    return f"{base}/{path}" if base.endswith("/v1") else f"{base}/v1/{path}"


@dataclass
class EndpointGenerator:
    """n completions of a prompt from POST /v1/completions (or /v1/chat/completions when api="chat")."""

    url: str
    api: str = "completions"
    model: str = "default"
    api_key: str | None = None
    temperature: float = 0.8
    max_tokens: int = 256
    timeout: float = 60.0
    stops: tuple[str, ...] = (":=", "\n\n")

    def generate(self, prompt: str, n: int) -> list[str]:
        out: list[str] = []
        for _ in range(n):  # a server that ignores `n` answers one at a time; never loop forever
            out.extend(self._request(prompt, n - len(out)))
            if len(out) >= n:
                break
        return out[:n]

    def _request(self, prompt: str, n: int) -> list[str]:
        body: dict = {"model": self.model, "n": n, "temperature": self.temperature,
                      "max_tokens": self.max_tokens, "stop": list(self.stops)}
        if self.api == "chat":
            body["messages"] = [{"role": "user", "content": prompt}]
        else:
            body["prompt"] = prompt
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.url, json.dumps(body).encode(), headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            detail = e.read().decode("utf-8", "replace")[:200].strip()
            raise ProverError(f"endpoint {self.url} answered HTTP {e.code}: {detail or e.reason}") from e
        except urllib.error.URLError as e:
            raise ProverError(f"cannot reach the endpoint {self.url}: {e.reason}") from e
        except (TimeoutError, ConnectionError) as e:
            raise ProverError(f"cannot reach the endpoint {self.url}: {e}") from e
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ProverError(f"endpoint {self.url} did not answer JSON: {e}") from e
        try:
            choices = payload["choices"]
            if self.api == "chat":
                return [c["message"]["content"] or "" for c in choices]
            return [c["text"] for c in choices]
        except (KeyError, TypeError) as e:
            raise ProverError(f"endpoint {self.url} answered without completions: {str(payload)[:200]}") from e
