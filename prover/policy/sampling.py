"""Batched sampling of k completions a prompt from a causal LM, with their exact log-probs.

`generate(num_return_sequences=k)` copies every prompt k times before the first forward pass; goals texts are
long and tactics short, so that prefill dominated (batch 16 ran no faster per state than batch 1). Here the
prompts are read once (in length groups: `model.read_prompts`), and the k samples of a prompt share a row of the
batch for as long as they have drawn the same tokens: each step every sample draws its next token from its
row's distribution, then the rows split by the tokens drawn. That is exactly k independent samples, but a
policy sure of its tactic decodes it once, not k times: 16 states' 128 samples decode in about 40 rows.
Finished samples leave the batch. The log-prob of each sample is summed from the untempered distribution
while sampling, so no second scoring pass is needed. Everything per sample stays in tensors: on CPU a
Python loop over 128 samples costs as much as a decode step.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from prover.policy.model import ReadPrompts, cache_of, with_cache


@dataclass(frozen=True)
class Sample:
    tokens: tuple[int, ...]  # the completion, without its eos
    logprob: float  # log p(tokens + eos | prompt) at temperature 1 (without the eos when incomplete)
    complete: bool = True  # False: cut at max_new_tokens before its eos


def sample_causal(model, prompts: ReadPrompts, k: int, *, max_new_tokens: int, temperature: float, eos_id: int,
                  top_p: float = 1.0, generator: torch.Generator | None = None) -> list[list[Sample]]:
    """k samples a prompt, in order; those that reach max_new_tokens without an eos are marked incomplete.
    The prompts come read (`read_prompts`), so that the caller can score other completions after them."""
    device, n_prompts = model.device, len(prompts.logits)
    cache = prompts.cache(torch.arange(n_prompts, device=device))
    logits, mask, position = prompts.logits, prompts.mask, prompts.last
    padded = bool((mask == 0).any()) and model.config._attn_implementation == "sdpa"  # sdpa takes a bool 4D mask
    if padded:
        mask = mask.bool()
    n = n_prompts * k
    live = torch.arange(n, device=device)  # the samples still drawing
    row = live // k  # each live sample's row: its prompt and the tokens it drew so far
    drawn_all = torch.full((n, max_new_tokens), eos_id, device=device)
    length = torch.full((n,), -1, device=device)  # tokens before eos; -1 while unfinished
    logprob = torch.zeros(n, device=device)
    for step in range(max_new_tokens):
        logp = torch.log_softmax(logits.float(), dim=-1)
        # Inverse-CDF draws, one uniform number a sample (multinomial costs ~0.5 ms a step at 128 rows).
        probs = torch.softmax(logp / max(temperature, 1e-5), dim=-1)
        if top_p < 1.0:  # the nucleus: tokens, likeliest first, until top_p of the mass is covered
            probs, order = probs.sort(dim=-1, descending=True)
            probs = probs * (probs.cumsum(-1) - probs < top_p)
        cdf = probs.cumsum_(-1).index_select(0, row)  # each live sample's row
        u = torch.rand((len(live), 1), generator=generator, device=device) * cdf[:, -1:]
        drawn = torch.searchsorted(cdf, u).squeeze(1).clamp_(max=cdf.shape[1] - 1)
        if top_p < 1.0:
            drawn = order[row, drawn]
        logprob[live] += logp[row, drawn]
        drawn_all[live, step] = drawn
        ended = drawn == eos_id
        if ended.any():  # finished samples leave the batch
            length[live[ended]] = step
            going = ~ended
            live, row, drawn = live[going], row[going], drawn[going]
            if len(live) == 0:
                break
        # The next rows: one per distinct (row, token) drawn; the cache follows its parent row.
        pairs, row = torch.unique(row * logits.shape[1] + drawn, return_inverse=True)
        parent, token = pairs // logits.shape[1], pairs % logits.shape[1]
        if not torch.equal(parent, torch.arange(len(logits), device=device)):  # copying the cache costs
            _select_rows(cache, parent)
            mask, position = mask.index_select(0, parent), position.index_select(0, parent)
        mask = torch.cat([mask, torch.ones_like(mask[:, :1])], dim=1)
        position = position + 1
        # With left padding transformers would rebuild the 4D mask from the 2D one at every step.
        out = model(input_ids=token[:, None], attention_mask=mask[:, None, None, :] if padded else mask,
                    position_ids=position, **with_cache(model, cache), use_cache=True)
        cache, logits = cache_of(out), out.logits[:, -1]
    tokens, lengths, values = drawn_all.tolist(), length.tolist(), logprob.tolist()
    return [[Sample(tuple(tokens[r][:lengths[r]] if lengths[r] >= 0 else tokens[r]), values[r], lengths[r] >= 0)
             for r in range(i * k, (i + 1) * k)] for i in range(n_prompts)]


def _select_rows(cache, rows: torch.Tensor) -> None:
    """Keep (and repeat) these rows of the cache. transformers' `batch_select_indices` indexes as keys[rows],
    about 5 times slower on CPU than index_select; other kinds of layer (sliding, linear attention) keep it."""
    from transformers.cache_utils import DynamicLayer

    for layer in cache.layers:
        if type(layer) is DynamicLayer and layer.keys is not None and layer.values is not None:
            layer.keys, layer.values = layer.keys.index_select(0, rows), layer.values.index_select(0, rows)
        else:
            layer.batch_select_indices(rows)
