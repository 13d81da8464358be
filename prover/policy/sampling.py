"""Batched sampling of k completions a prompt from a causal LM, with their exact log-probs.

`generate(num_return_sequences=k)` copies every prompt k times before the first forward pass; goals texts are
long and tactics short, so that prefill dominated (batch 16 ran no faster per state than batch 1). Here the
prompts are read once (in length groups, see `_prefill`), and the k samples of a prompt share a row of the
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
from transformers import DynamicCache


@dataclass(frozen=True)
class Sample:
    tokens: tuple[int, ...]  # the completion, without its eos
    logprob: float  # log p(tokens + eos | prompt) at temperature 1 (without the eos when incomplete)
    complete: bool = True  # False: cut at max_new_tokens before its eos


def sample_causal(model, prompts: list[list[int]], k: int, *, max_new_tokens: int, temperature: float,
                  pad_id: int, eos_id: int, generator: torch.Generator | None = None) -> list[list[Sample]]:
    """k samples a prompt, in order; those that reach max_new_tokens without an eos are marked incomplete."""
    device = model.device
    cache, logits, mask, position = _prefill(model, prompts, pad_id)
    n = len(prompts) * k
    live = torch.arange(n, device=device)  # the samples still drawing
    row = live // k  # each live sample's row: its prompt and the tokens it drew so far
    drawn_all = torch.full((n, max_new_tokens), eos_id, device=device)
    length = torch.full((n,), -1, device=device)  # tokens before eos; -1 while unfinished
    logprob = torch.zeros(n, device=device)
    for step in range(max_new_tokens):
        logp = torch.log_softmax(logits.float(), dim=-1)
        # Inverse-CDF draws, one uniform number a sample (multinomial costs ~0.5 ms a step at 128 rows).
        cdf = torch.softmax(logp / max(temperature, 1e-5), dim=-1).cumsum_(-1)
        u = torch.rand((len(live), 1), generator=generator, device=device) * cdf[row, -1:]
        drawn = torch.searchsorted(cdf[row], u).squeeze(1).clamp_(max=cdf.shape[1] - 1)
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
            cache.batch_select_indices(parent)
            mask, position = mask[parent], position[parent]
        mask = torch.cat([mask, torch.ones_like(mask[:, :1])], dim=1)
        position = position + 1
        out = model(input_ids=token[:, None], attention_mask=mask, position_ids=position,
                    past_key_values=cache, use_cache=True)
        cache, logits = out.past_key_values, out.logits[:, -1]
    tokens, lengths, values = drawn_all.tolist(), length.tolist(), logprob.tolist()
    return [[Sample(tuple(tokens[r][:lengths[r]] if lengths[r] >= 0 else tokens[r]), values[r], lengths[r] >= 0)
             for r in range(i * k, (i + 1) * k)] for i in range(len(prompts))]


def _prefill(model, prompts: list[list[int]], pad_id: int):
    """All prompts read once, into one left-padded cache. Goals texts vary in length several-fold, and
    padding a batch to its longest prompt doubled the prefill's arithmetic, so prompts of similar length
    are read together (one forward pass a group) and only their caches are padded to one width."""
    device, width = model.device, max(len(p) for p in prompts)
    groups = _length_groups([len(p) for p in prompts])
    keys, values, logits = [], [], []  # per group: a tensor per layer; the last position's logits
    for group in groups:
        ids, mask = _left_padded([prompts[i] for i in group], pad_id, device)
        out = model(input_ids=ids, attention_mask=mask, position_ids=(mask.cumsum(1) - 1).clamp(min=0),
                    use_cache=True, logits_to_keep=1)
        pad = (0, 0, width - ids.shape[1], 0)  # on the left of the sequence axis (batch, heads, seq, dim)
        keys.append([torch.nn.functional.pad(layer.keys, pad) for layer in out.past_key_values.layers])
        values.append([torch.nn.functional.pad(layer.values, pad) for layer in out.past_key_values.layers])
        logits.append(out.logits[:, -1])
    order = torch.tensor([i for g in groups for i in g], device=device).argsort()  # back to prompt order
    cache = DynamicCache(ddp_cache_data=[(torch.cat(k)[order], torch.cat(v)[order])
                                         for k, v in zip(zip(*keys), zip(*values))])
    _, mask = _left_padded(prompts, pad_id, device)
    position = torch.tensor([[len(p) - 1] for p in prompts], device=device)
    return cache, torch.cat(logits)[order], mask, position


def _left_padded(prompts: list[list[int]], pad_id: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(p) for p in prompts)
    ids = torch.tensor([[pad_id] * (width - len(p)) + p for p in prompts], device=device)
    mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts], device=device)
    return ids, mask


def _length_groups(lengths: list[int], ratio: float = 0.6) -> list[list[int]]:
    """Indices grouped by length, longest first; a group's shortest is at least `ratio` of its longest."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    groups: list[list[int]] = []
    for i in order:
        if groups and lengths[i] >= ratio * lengths[groups[-1][0]]:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups
