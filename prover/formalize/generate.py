"""Where candidate statements come from: a local checkpoint (the policy's loader) or an HTTP endpoint."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol

from prover.config import Config
from prover.core import ProverError
from prover.formalize.prompting import Pair, fewshot_prompt, load_pairs
from prover.policy.endpoint import EndpointGenerator, endpoint_url

MARKER = "prover_formalize.json"  # written next to a checkpoint trained by prover.formalize.train
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


class Generator(Protocol):
    fewshot: bool  # the prompt ends in `theorem`, the completion continues it

    def prompt(self, informal: str) -> str: ...

    def generate(self, prompt: str, n: int) -> list[str]: ...

    def logprobs(self, prompt: str, completions: list[str]) -> list[float] | None:
        """Mean log p per token of each completion given the prompt; None when the source cannot score."""
        ...

    def back_translation(self, statements: list[str], informal: str) -> list[float] | None:
        """Mean log p per token of the informal text given each statement; None without a reverse model."""
        ...


class ModelGenerator:
    """A transformers checkpoint, loaded and sampled through the policy's HFPolicy."""

    def __init__(self, policy, pairs: list[Pair], shots: int, plain: bool, reverse: bool) -> None:
        self.policy, self.pairs, self.shots = policy, pairs, shots
        self.fewshot, self.reverse = not plain, reverse

    @classmethod
    def load(cls, source: str, cfg: Config) -> ModelGenerator:
        import json

        path = Path(source).expanduser()
        if not path.is_dir() and (path.exists() or not _HUB_ID.match(source) or source.startswith((".", "/", "~"))):
            raise ProverError(f"formalizer model {source} is not a checkpoint directory")
        from prover.policy.hf import HFPolicy  # torch and transformers load only once a model is there
        fcfg = cfg.formalize
        pcfg = cfg.policy.model_copy(update={"max_new_tokens": fcfg.max_new_tokens, "temperature": fcfg.temperature,
                                             "decoding": "sample"})
        policy = HFPolicy.load(source, pcfg)
        marker = json.loads((path / MARKER).read_text()) if (path / MARKER).is_file() else {}
        plain = fcfg.prompt == "plain" or (fcfg.prompt == "auto" and bool(marker))
        pairs = [] if plain else load_pairs(fcfg.examples)
        return cls(policy, pairs, fcfg.shots, plain, bool(marker.get("reverse")) and fcfg.back_translate)

    def prompt(self, informal: str) -> str:
        if self.fewshot:
            return fewshot_prompt(informal, self.pairs, self.shots)
        return self.policy.ckpt.fmt.prompt(" ".join(informal.split()))

    def generate(self, prompt: str, n: int) -> list[str]:
        return self.policy.sample(prompt, n)

    def logprobs(self, prompt: str, completions: list[str]) -> list[float] | None:
        return self.policy.score([(prompt, c) for c in completions])

    def back_translation(self, statements: list[str], informal: str) -> list[float] | None:
        if not self.reverse:
            return None
        text, fmt = " ".join(informal.split()), self.policy.ckpt.fmt
        return self.policy.score([(fmt.prompt(s), text) for s in statements])


class EndpointSource:
    """An OpenAI-compatible server, prompted few-shot; it cannot score, so ranking does without scores."""

    fewshot = True

    def __init__(self, client: EndpointGenerator, pairs: list[Pair], shots: int) -> None:
        self.client, self.pairs, self.shots = client, pairs, shots

    @classmethod
    def from_config(cls, cfg: Config) -> EndpointSource:
        f = cfg.formalize
        assert f.endpoint is not None
        client = EndpointGenerator(endpoint_url(f.endpoint, f.api), f.api, f.endpoint_model, f.api_key,
                                   f.temperature, f.max_new_tokens, f.endpoint_timeout)
        return cls(client, load_pairs(f.examples), f.shots)

    def prompt(self, informal: str) -> str:
        return fewshot_prompt(informal, self.pairs, self.shots)

    def generate(self, prompt: str, n: int) -> list[str]:
        return self.client.generate(prompt, n)

    def logprobs(self, prompt: str, completions: list[str]) -> list[float] | None:
        return None

    def back_translation(self, statements: list[str], informal: str) -> list[float] | None:
        return None


def make_generator(cfg: Config) -> Generator:
    f = cfg.formalize
    if f.model and f.endpoint:
        raise ProverError("give the formalizer a model or an endpoint, not both")
    if f.endpoint:
        return EndpointSource.from_config(cfg)
    if f.model:
        return ModelGenerator.load(f.model, cfg)
    raise ProverError("the formalizer needs a model: --model DIR (a checkpoint) or --endpoint URL "
                      "(an OpenAI-compatible server); benchmarks/formalize_bench.py --out DIR trains the prop demo model")
