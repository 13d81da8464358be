"""HFPolicy: a transformers checkpoint as the Policy. Goals text in, tactics with log-probs and values out.

Proposals: k completions per state, sampled (or beam-searched) in one batched `generate` call for many
states; each is cut to a tactic by the prompt format, empty or malformed ones are dropped, duplicates
merged, and every survivor is scored exactly, log p(tactic | prompt) at temperature 1, in one batched
forward pass, so the priors do not depend on how the candidates were found. Sampling is seeded per call.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch

from prover.config import PolicyConfig
from prover.policy.model import (
    Checkpoint,
    completion_ids,
    completion_logprobs,
    load_checkpoint,
    next_token_logits,
    pad_id,
    pick_device,
    prompt_ids,
)
from prover.policy.prompts import NO, YES
from prover.policy.uniform import NEUTRAL_VALUE


class HFPolicy:
    def __init__(self, ckpt: Checkpoint, cfg: PolicyConfig) -> None:
        self.ckpt, self.cfg = ckpt, cfg
        self.ckpt.model.eval()

    @classmethod
    def load(cls, source: str | Path, cfg: PolicyConfig) -> HFPolicy:
        ckpt = load_checkpoint(source, prompt_format=cfg.prompt_format, device=pick_device(cfg.device),
                               trust_remote_code=cfg.trust_remote_code)
        return cls(ckpt, cfg)

    @property
    def device(self) -> torch.device:
        return self.ckpt.model.device

    def _state(self, state: str) -> str:
        return state[: self.cfg.max_state_chars]

    # ---------------------------------------------------------------------------------------------
    def propose(self, states: Sequence[str], k: int) -> list[list[tuple[str, float]]]:
        out: list[list[tuple[str, float]]] = []
        if k <= 0:
            return [[] for _ in states]
        devices = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices), torch.inference_mode():
            torch.manual_seed(self.cfg.seed)  # same states, same proposals; the caller's RNG is untouched
            for i in range(0, len(states), self.cfg.batch_size):
                out += self._propose_batch([self._state(s) for s in states[i:i + self.cfg.batch_size]], k)
        return out

    def _propose_batch(self, states: list[str], k: int) -> list[list[tuple[str, float]]]:
        fmt = self.ckpt.fmt
        prompts = [prompt_ids(self.ckpt, fmt.prompt(s)) for s in states]
        texts = self._generate(prompts, k)
        candidates = []
        for i in range(len(states)):
            tactics = (fmt.tactic(t) for t in texts[i * k:(i + 1) * k])
            candidates.append(list(dict.fromkeys(t for t in tactics if t is not None)))
        pairs = [(prompts[i], completion_ids(self.ckpt, t, fmt.score_eos))
                 for i, cands in enumerate(candidates) for t in cands]
        scores: list[float] = []
        for j in range(0, len(pairs), self.cfg.batch_size * k):
            scores += completion_logprobs(self.ckpt, pairs[j:j + self.cfg.batch_size * k])[0].tolist()
        out, j = [], 0
        for cands in candidates:
            scored = sorted(zip(cands, scores[j:j + len(cands)], strict=True), key=lambda p: -p[1])
            out.append(scored[:k])
            j += len(cands)
        return out

    # Free-form text in and out, for callers that are not proposing tactics (the autoformalizer).
    def sample(self, prompt: str, n: int) -> list[str]:
        """n raw completions of a prompt used as is, seeded like `propose`."""
        devices = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices), torch.inference_mode():
            torch.manual_seed(self.cfg.seed)
            return self._generate([prompt_ids(self.ckpt, prompt)], n)

    def score(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """Mean log p per token of each completion after its prompt (eos counted when the format ends in it)."""
        items = [(prompt_ids(self.ckpt, p), completion_ids(self.ckpt, c, self.ckpt.fmt.score_eos)) for p, c in pairs]
        out: list[float] = []
        with torch.inference_mode():
            for i in range(0, len(items), self.cfg.batch_size):
                logp, count = completion_logprobs(self.ckpt, items[i:i + self.cfg.batch_size])
                out += (logp / count.clamp(min=1)).tolist()
        return out

    def _generate(self, prompts: list[list[int]], k: int) -> list[str]:
        """k raw completions per prompt, in prompt order."""
        model, pad = self.ckpt.model, pad_id(self.ckpt)
        left = not self.ckpt.seq2seq  # a decoder continues from the prompt's end, so pad on the left
        width = max(len(p) for p in prompts)
        rows = [([pad] * (width - len(p)) + p) if left else (p + [pad] * (width - len(p))) for p in prompts]
        masks = [([0] * (width - len(p)) + [1] * len(p)) if left else ([1] * len(p) + [0] * (width - len(p)))
                 for p in prompts]
        inputs = torch.tensor(rows, device=self.device)
        mask = torch.tensor(masks, device=self.device)
        if self.cfg.decoding == "beam":
            search = dict(do_sample=False, num_beams=k, length_penalty=0.0)
        else:
            search = dict(do_sample=True, temperature=self.cfg.temperature, top_k=None, top_p=None)
        sequences = model.generate(
            input_ids=inputs, attention_mask=mask, num_return_sequences=k, max_new_tokens=self.cfg.max_new_tokens,
            pad_token_id=pad, eos_token_id=self.ckpt.tokenizer.eos_token_id, **search)
        if left:
            sequences = sequences[:, width:]
        return self.ckpt.tokenizer.batch_decode(sequences, skip_special_tokens=True)

    # ---------------------------------------------------------------------------------------------
    def value(self, states: Sequence[str]) -> list[float]:
        """P(provable): the model's odds of answering "1" rather than "0" to the value query.

        A checkpoint never trained on value targets has no opinion, so it answers 0.5.
        """
        if not self.ckpt.value_trained:
            return [NEUTRAL_VALUE for _ in states]
        tok = self.ckpt.tokenizer
        yes, no = (tok(a, add_special_tokens=False)["input_ids"][0] for a in (YES, NO))
        out: list[float] = []
        with torch.inference_mode():
            for i in range(0, len(states), self.cfg.batch_size):
                chunk = states[i:i + self.cfg.batch_size]
                prompts = [prompt_ids(self.ckpt, self.ckpt.fmt.value_prompt(self._state(s))) for s in chunk]
                logits = next_token_logits(self.ckpt, prompts)[:, [yes, no]]
                out += torch.softmax(logits, dim=-1)[:, 0].tolist()
        return out
