"""The one client for OpenAI-compatible servers (vLLM, SGLang, llama.cpp's server, TGI, a hosted API).

Stdlib only. It serves every model-on-a-server use: tactic proposals (EndpointPolicy), whole proofs
(prover.policy.whole) and the formalizer. `n` samples per prompt in one request; with the completions API a
list of prompts goes in one request too (vLLM answers `choices` with `index = prompt * n + sample`).
Log-probs are asked for and summed when the server gives them (vLLM, llama.cpp do), else None. Transient
failures (connection refused or reset, a timeout, HTTP 429 and 5xx) are retried with exponential back-off;
anything else, and garbage in place of JSON, is one ProverError line naming the server.
"""

from __future__ import annotations

import json
import math
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from prover.core import ProverError

RETRY_STATUS = {408, 429, 500, 502, 503, 504}


def endpoint_url(base: str, api: str) -> str:
    """`http://host:8000` or `.../v1` -> the completions URL; a full `.../completions` URL is kept."""
    base = base.rstrip("/")
    if base.endswith("/completions"):
        return base
    path = "chat/completions" if api == "chat" else "completions"
    return f"{base}/{path}" if base.endswith("/v1") else f"{base}/v1/{path}"


@dataclass(frozen=True)
class Completion:
    text: str
    logprob: float | None  # summed log-prob of the sampled tokens, when the server reports them
    finished: bool = True  # False when the server cut it at max_tokens ("finish_reason": "length")


class _Transient(Exception):
    """A failure worth another try."""


@dataclass
class EndpointGenerator:
    """n completions of each prompt from POST /v1/completions (or /v1/chat/completions when api="chat")."""

    url: str
    api: str = "completions"
    model: str = "default"
    api_key: str | None = None
    temperature: float = 0.8
    max_tokens: int = 256
    timeout: float = 60.0
    stops: tuple[str, ...] = (":=", "\n\n")
    logprobs: bool = True
    retries: int = 3
    backoff: float = 0.5  # seconds before the first retry; doubled each time
    system: str | None = None  # chat only: a system message before the prompt
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)  # a test passes a fake clock

    def generate(self, prompt: str, n: int) -> list[str]:
        return [c.text for c in self.complete([prompt], n)[0]]

    def complete(self, prompts: Sequence[str], n: int) -> list[list[Completion]]:
        """Up to n completions per prompt, in prompt order. A server that ignores `n` is asked again for
        the rest, a bounded number of times (never forever)."""
        out: list[list[Completion]] = [[] for _ in prompts]
        for _ in range(n):
            todo = [i for i, got in enumerate(out) if len(got) < n]
            if not todo:
                break
            want = n - min(len(out[i]) for i in todo)
            if self.api == "chat":
                for i in todo:
                    out[i] += self._request([prompts[i]], want)[0]
            else:
                for i, got in zip(todo, self._request([prompts[i] for i in todo], want), strict=True):
                    out[i] += got
            if all(len(got) == 0 for got in out):
                break  # the server answers nothing: asking again will not change that
        return [got[:n] for got in out]

    def _body(self, prompts: Sequence[str], n: int) -> dict:
        body: dict = {"model": self.model, "n": n, "temperature": self.temperature, "max_tokens": self.max_tokens}
        if self.stops:
            body["stop"] = list(self.stops)
        if self.api == "chat":
            messages = [{"role": "system", "content": self.system}] if self.system else []
            body["messages"] = messages + [{"role": "user", "content": prompts[0]}]
            if self.logprobs:
                body["logprobs"] = True
        else:
            body["prompt"] = prompts[0] if len(prompts) == 1 else list(prompts)
            if self.logprobs:
                body["logprobs"] = 1
        return body

    def _request(self, prompts: Sequence[str], n: int) -> list[list[Completion]]:
        delay = self.backoff
        for attempt in range(self.retries + 1):
            try:
                return self._parse(self._post(self._body(prompts, n)), len(prompts), n)
            except _Transient as e:
                if attempt == self.retries:
                    raise ProverError(f"{e} (after {self.retries + 1} tries)") from None
                self.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    def _post(self, body: dict) -> dict:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.url, json.dumps(body).encode(), headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as e:
            detail = e.read().decode("utf-8", "replace")[:200].strip()
            if e.code in RETRY_STATUS:
                raise _Transient(f"endpoint {self.url} answered HTTP {e.code}: {detail or e.reason}") from None
            raise ProverError(f"endpoint {self.url} answered HTTP {e.code}: {detail or e.reason}") from None
        except urllib.error.URLError as e:
            if isinstance(e.reason, (ConnectionError, TimeoutError)):
                raise _Transient(f"cannot reach the endpoint {self.url}: {e.reason}") from None
            raise ProverError(f"cannot reach the endpoint {self.url}: {e.reason}") from None
        except (TimeoutError, ConnectionError) as e:
            raise _Transient(f"endpoint {self.url} gave no answer in {self.timeout:g} s ({str(e) or type(e).__name__})") from None
        try:
            payload = json.loads(raw.decode("utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ProverError(f"endpoint {self.url} did not answer JSON: {e}") from None
        if not isinstance(payload, dict):
            raise ProverError(f"endpoint {self.url} answered {type(payload).__name__}, not an object")
        return payload

    def _parse(self, payload: dict, prompts: int, n: int) -> list[list[Completion]]:
        out: list[list[Completion]] = [[] for _ in range(prompts)]
        try:
            for j, choice in enumerate(payload["choices"]):
                index = choice.get("index", j)
                index = index if isinstance(index, int) else j
                slot = min(index // max(n, 1), prompts - 1) if prompts > 1 else 0
                text = choice["message"]["content"] or "" if self.api == "chat" else choice["text"]
                if not isinstance(text, str):
                    raise TypeError("text is not a string")
                out[slot].append(Completion(text, _logprob(choice.get("logprobs")),
                                            choice.get("finish_reason") != "length"))
        except (KeyError, TypeError, AttributeError) as e:
            raise ProverError(f"endpoint {self.url} answered without completions: {str(payload)[:200]}") from e
        return out


def _logprob(logprobs: object) -> float | None:
    """Sum of the sampled tokens' log-probs: completions (`token_logprobs`) or chat (`content[].logprob`)."""
    if not isinstance(logprobs, dict):
        return None
    values = logprobs.get("token_logprobs")
    if values is None and isinstance(logprobs.get("content"), list):
        values = [t.get("logprob") for t in logprobs["content"] if isinstance(t, dict)]
    if not isinstance(values, list) or not values:
        return None
    numbers = [v for v in values if isinstance(v, (int, float))]
    return float(sum(numbers)) if len(numbers) == len(values) else None


class EndpointPolicy:
    """A tactic policy served over HTTP: each state's prompt in the configured format, k samples a request.

    Priors are the server's log-probs when it reports them, else uniform over the distinct tactics; the
    value is neutral (a served model answers tactics only).
    """

    def __init__(self, client: EndpointGenerator, fmt) -> None:
        self.client, self.fmt = client, fmt

    def propose(self, states: Sequence[str], k: int) -> list[list[tuple[str, float]]]:
        out = []
        for got in self.client.complete([self.fmt.prompt(s) for s in states], k):
            best: dict[str, float] = {}
            for c in got:
                tactic = self.fmt.tactic(c.text)
                if tactic is not None:
                    prior = c.logprob if c.logprob is not None else -math.log(max(len(got), 1))
                    best[tactic] = max(best.get(tactic, -math.inf), prior)
            out.append(sorted(best.items(), key=lambda kv: -kv[1])[:k])
        return out

    def value(self, states: Sequence[str]) -> list[float]:
        return [0.5] * len(states)
