"""Batched sampling of k completions a prompt from a causal LM, with their exact log-probs.

`generate(num_return_sequences=k)` copies every prompt k times before the first forward pass, padded to the
longest; goals texts are long and tactics short, so that prefill dominated (batch 16 ran no faster per
state than batch 1). Here each prompt is read once, unpadded, its KV cache repeated k times, and finished
rows leave the batch. The
log-prob of each sample is summed from the untempered distribution while sampling, so no second scoring
pass is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Sample:
    tokens: tuple[int, ...]  # the completion, without its eos
    logprob: float  # log p(tokens + eos | prompt) at temperature 1


def sample_causal(model, prompts: list[list[int]], k: int, *, max_new_tokens: int, temperature: float,
                  pad_id: int, eos_id: int) -> list[list[Sample]]:
    """Up to k samples a prompt; samples that reach max_new_tokens without eos are dropped (cut short)."""
    device = model.device
    cache, logits, mask, position = _prefill(model, prompts)
    cache.batch_repeat_interleave(k)
    logits, mask, position = (t.repeat_interleave(k, 0) for t in (logits, mask, position))

    rows = torch.arange(len(prompts) * k, device=device)  # which sample each live row is
    tokens: list[list[int]] = [[] for _ in range(len(prompts) * k)]
    logprob = torch.zeros(len(prompts) * k, device=device)
    finished: set[int] = set()
    for _ in range(max_new_tokens):
        logits = logits.float()
        drawn = torch.multinomial(torch.softmax(logits / max(temperature, 1e-5), dim=-1), 1).squeeze(1)
        logprob[rows] += torch.log_softmax(logits, dim=-1).gather(1, drawn[:, None]).squeeze(1)
        ended = drawn == eos_id
        for row, tok, end in zip(rows.tolist(), drawn.tolist(), ended.tolist(), strict=True):
            if end:
                finished.add(row)
            else:
                tokens[row].append(tok)
        if ended.all():
            break
        if ended.any():  # finished rows leave the batch
            keep = (~ended).nonzero().squeeze(1)
            cache.batch_select_indices(keep)
            rows, drawn, mask, position = rows[keep], drawn[keep], mask[keep], position[keep]
        mask = torch.cat([mask, torch.ones_like(mask[:, :1])], dim=1)
        position = position + 1
        out = model(input_ids=drawn[:, None], attention_mask=mask, position_ids=position,
                    past_key_values=cache, use_cache=True)
        cache, logits = out.past_key_values, out.logits[:, -1]
    values = logprob.tolist()
    return [[Sample(tuple(tokens[r]), values[r]) for r in range(i * k, (i + 1) * k) if r in finished]
            for i in range(len(prompts))]


def _prefill(model, prompts: list[list[int]]):
    """Each prompt is read on its own, so no compute goes to padding (goals texts vary 2-4x in length within
    a batch); the caches are then stacked, left-padded with masked zeros, into one cache for the batch."""
    from transformers import DynamicCache

    device = model.device
    outs = [model(input_ids=torch.tensor([p], device=device), use_cache=True) for p in prompts]
    width = max(len(p) for p in prompts)
    cache = DynamicCache(config=model.config)
    for layer in range(len(outs[0].past_key_values.layers)):
        keys, values = ([torch.nn.functional.pad(getattr(o.past_key_values.layers[layer], name),
                                                 (0, 0, width - len(p), 0))
                         for o, p in zip(outs, prompts, strict=True)] for name in ("keys", "values"))
        cache.update(torch.cat(keys), torch.cat(values), layer)
    logits = torch.cat([o.logits[:, -1] for o in outs])
    mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts], device=device)
    position = torch.tensor([[len(p) - 1] for p in prompts], device=device)
    return cache, logits, mask, position
