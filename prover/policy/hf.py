"""HFPolicy: a transformers checkpoint as the Policy. Goals text in, tactics with log-probs and values out.

Proposals: k completions per state, for many states at once; each is cut to a tactic by the prompt format,
empty or malformed ones are dropped, duplicates merged. A tactic's prior is the model's
log p(tactic + end | prompt) at temperature 1, whatever temperature or search drew it. A causal model whose
tactics end with eos (our byte model, "bfs" format) samples with sampling.py, which reads each prompt once
and scores while sampling; beam search, seq2seq models and stop-string formats use `generate`, then one
batched scoring pass. Sampling is seeded per call, so the same states get the same proposals.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from prover.config import PolicyConfig
from prover.policy.model import (
    Checkpoint,
    ReadPrompts,
    completion_ids,
    completion_logprobs,
    load_checkpoint,
    logprobs_after,
    next_token_logits,
    pad_id,
    pick_device,
    prompt_ids,
    read_prompts,
)
from prover.policy.prompts import NO, YES
from prover.policy.sampling import sample_causal
from prover.policy.settings import as_trained
from prover.policy.uniform import NEUTRAL_VALUE


class HFPolicy:
    def __init__(self, ckpt: Checkpoint, cfg: PolicyConfig) -> None:
        self.ckpt, self.cfg = ckpt, cfg
        self.ckpt.model.eval()

    @classmethod
    def load(cls, source: str | Path, cfg: PolicyConfig) -> HFPolicy:
        """The checkpoint, used as it was trained (`as_trained`): `self.cfg` holds the settings in force."""
        ckpt = load_checkpoint(source, prompt_format=cfg.prompt_format, device=pick_device(cfg.device),
                               trust_remote_code=cfg.trust_remote_code)
        return cls(ckpt, as_trained(cfg, ckpt.meta, source))

    @property
    def device(self) -> torch.device:
        return self.ckpt.model.device

    @property
    def _own_sampler(self) -> bool:
        """Sampled tactics ending in eos go through sampling.py; beams and seq2seq through `generate`."""
        return not self.ckpt.seq2seq and self.cfg.decoding == "sample" and self.ckpt.fmt.score_eos

    @contextmanager
    def _seeded(self):
        """Same states, same proposals, and the caller's RNG untouched: our sampler draws from its own
        generator; `generate` draws from the global RNG, forked (reseeding it costs ~1 ms a call)."""
        self._generator = torch.Generator(self.device).manual_seed(self.cfg.seed)
        if self._own_sampler:
            yield
            return
        with torch.random.fork_rng(devices=[self.device] if self.device.type == "cuda" else []):
            torch.manual_seed(self.cfg.seed)
            yield

    def _state(self, state: str) -> str:
        return state[: self.cfg.max_state_chars]

    # ---------------------------------------------------------------------------------------------
    def propose(self, states: Sequence[str], k: int) -> list[list[tuple[str, float]]]:
        out: list[list[tuple[str, float]]] = []
        if k <= 0:
            return [[] for _ in states]
        with self._seeded(), torch.inference_mode():
            for i in range(0, len(states), self.cfg.batch_size):
                out += self._propose_batch([self._state(s) for s in states[i:i + self.cfg.batch_size]], k)
        return out

    def _propose_batch(self, states: list[str], k: int) -> list[list[tuple[str, float]]]:
        fmt = self.ckpt.fmt
        prompts = [prompt_ids(self.ckpt, fmt.prompt(s)) for s in states]
        if self._own_sampler:
            return self._sampled(prompts, k)
        texts = self._generate(prompts, k)
        candidates = []
        for i in range(len(states)):
            tactics = (fmt.tactic(t) for t in texts[i * k:(i + 1) * k])
            candidates.append(list(dict.fromkeys(t for t in tactics if t is not None)))
        return self._scored(prompts, candidates, {}, k)

    def _sampled(self, prompts: list[list[int]], k: int) -> list[list[tuple[str, float]]]:
        """Samples whose text is already the tactic keep the log-prob found while sampling; the others (cut,
        stripped, or with bytes the decoder dropped) are scored as the tactic itself, after the prompts the
        sampler read, so a prior is always log p(tactic + eos | prompt)."""
        tok, fmt, model = self.ckpt.tokenizer, self.ckpt.fmt, self.ckpt.model
        read = read_prompts(model, prompts, pad_id(self.ckpt))
        candidates, known = [], {}
        batches = sample_causal(model, read, k, max_new_tokens=self.cfg.max_new_tokens,
                                temperature=self.cfg.temperature, top_p=self.cfg.top_p, eos_id=tok.eos_token_id,
                                generator=self._generator)
        for i, samples in enumerate(batches):
            tactics = []
            for sample in samples:
                if not sample.complete:  # a tactic cut short is not the tactic
                    continue
                text = self.ckpt.decode(sample.tokens)
                tactic = fmt.tactic(text)
                if tactic is not None:
                    tactics.append(tactic)
                    if tactic == text and list(sample.tokens) == completion_ids(self.ckpt, tactic, eos=False):
                        known[(i, tactic)] = sample.logprob
            candidates.append(list(dict.fromkeys(tactics)))
        return self._scored(prompts, candidates, known, k, read)

    def _scored(self, prompts: list[list[int]], candidates: list[list[str]], known: dict[tuple[int, str], float],
                k: int, read: ReadPrompts | None = None) -> list[list[tuple[str, float]]]:
        """Each state's candidates with log p(tactic | prompt), best first. Unknown ones are scored in
        batched passes, or in one pass after `read`, the prompts the sampler already read."""
        todo = [(i, t) for i, cands in enumerate(candidates) for t in cands if (i, t) not in known]
        completions = [completion_ids(self.ckpt, t, self.ckpt.fmt.score_eos) for _, t in todo]
        if read is not None:
            if todo:
                which = torch.tensor([i for i, _ in todo], device=self.device)
                scores = logprobs_after(self.ckpt.model, read, which, completions, pad_id(self.ckpt))[0]
                known.update(zip(todo, scores.tolist(), strict=True))
        else:
            step = self.cfg.batch_size * k
            for j in range(0, len(todo), step):
                pairs = [(prompts[i], c) for (i, _), c in zip(todo[j:j + step], completions[j:j + step], strict=True)]
                known.update(zip(todo[j:j + step], completion_logprobs(self.ckpt, pairs)[0].tolist(), strict=True))
        return [sorted(((t, known[(i, t)]) for t in cands), key=lambda p: -p[1])[:k]
                for i, cands in enumerate(candidates)]

    def rank(self, states: Sequence[str], candidates: Sequence[Sequence[str]], k: int) -> list[list[tuple[str, float]]]:
        """Tactics another proposer offered for each state, with the model's log p of each, best first."""
        with torch.inference_mode():
            prompts = [prompt_ids(self.ckpt, self.ckpt.fmt.prompt(self._state(s))) for s in states]
            out: list[list[tuple[str, float]]] = []
            for i in range(0, len(states), self.cfg.batch_size):
                batch = [list(dict.fromkeys(c)) for c in candidates[i:i + self.cfg.batch_size]]
                out += self._scored(prompts[i:i + self.cfg.batch_size], batch, {}, k)
            return out

    # Free-form text in and out, for callers that are not proposing tactics (the autoformalizer uses both).
    def sample(self, prompt: str, n: int) -> list[str]:
        """n raw completions of a prompt used as is (cut at max_new_tokens, as `generate` does), seeded like
        `propose`."""
        ids = [prompt_ids(self.ckpt, prompt)]
        with self._seeded(), torch.inference_mode():
            if self._own_sampler:
                tok, model = self.ckpt.tokenizer, self.ckpt.model
                samples = sample_causal(model, read_prompts(model, ids, pad_id(self.ckpt)), n,
                                        max_new_tokens=self.cfg.max_new_tokens, temperature=self.cfg.temperature,
                                        top_p=self.cfg.top_p, eos_id=tok.eos_token_id, generator=self._generator)[0]
                return [self.ckpt.decode(s.tokens) for s in samples]
            return self._generate(ids, n)

    def sample_scored(self, prompts: Sequence[str], n: int) -> list[list[tuple[str, float]]]:
        """n raw completions of each prompt with their summed log-probs at temperature 1, the prompts read
        and decoded as one batch (whole proofs; the local endpoint)."""
        if not prompts:
            return []
        ids = [prompt_ids(self.ckpt, p) for p in prompts]
        if self._own_sampler:
            with self._seeded(), torch.inference_mode():
                tok, model = self.ckpt.tokenizer, self.ckpt.model
                drawn = sample_causal(model, read_prompts(model, ids, pad_id(self.ckpt)), n,
                                      max_new_tokens=self.cfg.max_new_tokens, temperature=self.cfg.temperature,
                                      top_p=self.cfg.top_p, eos_id=tok.eos_token_id, generator=self._generator)
            return [[(self.ckpt.decode(s.tokens), s.logprob) for s in row] for row in drawn]
        with self._seeded(), torch.inference_mode():
            texts = self._generate(ids, n)
        out = []
        for i, prompt in enumerate(ids):
            row = texts[i * n:(i + 1) * n]
            items = [(prompt, completion_ids(self.ckpt, t, self.ckpt.fmt.score_eos)) for t in row]
            with torch.inference_mode():
                logp = completion_logprobs(self.ckpt, items)[0].tolist()
            out.append(list(zip(row, logp, strict=True)))
        return out

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
        search: dict[str, Any]
        if self.cfg.decoding == "beam":
            search = dict(do_sample=False, num_beams=k, length_penalty=0.0)
        else:
            search = dict(do_sample=True, temperature=self.cfg.temperature, top_k=None, top_p=self.cfg.top_p)
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
