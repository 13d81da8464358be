"""The batched sampler: k samples a prompt share a row while their tokens agree; that must still be k
independent draws, each with its exact log-prob, whatever the mix of prompt lengths in the batch."""

from __future__ import annotations

import math
from collections import Counter

import torch

from prover.policy.model import build_byte_model, read_prompts
from prover.policy.sampling import sample_causal

SHARPEN = 12.0


def peaked_model(seed: int = 0):
    """A random byte model whose next-token distributions are sharp, as a trained policy's are, so samples
    agree often (the rows are shared) and a few thousand draws pin the distribution."""
    torch.manual_seed(seed)
    ckpt = build_byte_model("causal", 32, 1, 2)
    with torch.no_grad():
        ckpt.model.lm_head.weight.mul_(SHARPEN)  # tied to the embeddings: also scales the inputs, harmlessly
    return ckpt.model.eval(), ckpt.tokenizer


def exact_logprob(model, prompt: list[int], tokens: list[int]) -> float:
    with torch.inference_mode():
        logits = model(input_ids=torch.tensor([prompt + tokens])).logits[0, len(prompt) - 1:-1]
    return torch.log_softmax(logits.float(), -1).gather(1, torch.tensor(tokens)[:, None]).sum().item()


def test_samples_follow_the_model_distribution_with_their_exact_log_probs():
    model, tok = peaked_model()
    prompt = list(tok("p ∧ q ⊢ q", add_special_tokens=False)["input_ids"])
    n = 4000
    with torch.inference_mode():
        samples = sample_causal(model, read_prompts(model, [prompt], tok.pad_token_id), n, max_new_tokens=2,
                                temperature=1.0, eos_id=tok.eos_token_id, generator=torch.Generator().manual_seed(1))[0]
    assert len(samples) == n
    # An outcome is the tokens drawn and whether an eos ended them; its probability is exp(its log-prob).
    outcomes = Counter((s.tokens, s.complete) for s in samples)
    logprob = {(s.tokens, s.complete): s.logprob for s in samples}
    for (tokens, complete), lp in logprob.items():
        assert abs(exact_logprob(model, prompt, list(tokens) + [tok.eos_token_id] * complete) - lp) < 1e-3
    likely = [(o, math.exp(lp)) for o, lp in logprob.items() if math.exp(lp) > 0.02]
    assert len(likely) >= 3  # several likely outcomes, so rows split and share
    for outcome, p in likely:  # each drawn as often as its probability says, within 4.5 standard deviations
        assert abs(outcomes[outcome] / n - p) < 4.5 * math.sqrt(p * (1 - p) / n)


def test_prompts_of_very_different_lengths_in_one_batch_sample_as_they_would_alone():
    """Long and short prompts are read in separate groups, then padded into one cache; every sample's
    log-prob must still be the model's."""
    model, tok = peaked_model(seed=3)
    with torch.no_grad():  # eos as likely as the likeliest byte, so samples end at different steps
        top = model(input_ids=torch.tensor([[100]])).logits[0, -1].argmax()
        model.lm_head.weight[tok.eos_token_id] = model.lm_head.weight[top]
    texts = ["a", "p q r s : Prop ⊢ (p → q) → (q → r) → (r → s) → p → s ∧ (q ∨ r)", "h : p ∧ q ⊢ p", "x" * 90]
    prompts = [list(tok(t, add_special_tokens=False)["input_ids"]) for t in texts]
    with torch.inference_mode():
        batched = sample_causal(model, read_prompts(model, prompts, tok.pad_token_id), 6, max_new_tokens=12,
                                temperature=1.5, eos_id=tok.eos_token_id, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in batched] == [6] * len(prompts)
    for prompt, samples in zip(prompts, batched, strict=True):
        for s in samples:
            eos = [tok.eos_token_id] if s.complete else []
            assert len(s.tokens) <= 12 and (s.complete or len(s.tokens) == 12)
            assert abs(exact_logprob(model, prompt, list(s.tokens) + eos) - s.logprob) < 1e-3


def test_top_p_draws_only_from_the_nucleus_in_its_renormalised_proportions():
    """Nucleus sampling keeps the likeliest tokens until top_p of the mass is covered and draws among them
    as their probabilities say; the log-prob reported is still the model's own, untruncated."""
    model, tok = peaked_model(seed=5)
    prompt = list(tok("h : p ⊢ p", add_special_tokens=False)["input_ids"])
    with torch.inference_mode():
        probs = torch.softmax(model(input_ids=torch.tensor([prompt])).logits[0, -1].float(), -1)
    sorted_p, order = probs.sort(descending=True)
    top_p = float(sorted_p[:2].sum()) + 1e-3  # the nucleus: the three likeliest tokens
    nucleus = {int(t): float(p) for t, p in zip(order[:3], sorted_p[:3], strict=True)}
    assert sum(nucleus.values()) < 0.999  # so the cut drops something
    n = 3000
    with torch.inference_mode():
        samples = sample_causal(model, read_prompts(model, [prompt], tok.pad_token_id), n, max_new_tokens=1,
                                temperature=1.0, top_p=top_p, eos_id=tok.eos_token_id,
                                generator=torch.Generator().manual_seed(2))[0]
    first = Counter(s.tokens[0] if s.tokens else tok.eos_token_id for s in samples)
    assert set(first) <= set(nucleus)
    mass = sum(nucleus.values())
    for token, p in nucleus.items():
        q = p / mass
        assert abs(first[token] / n - q) < 4.5 * math.sqrt(q * (1 - q) / n)
    for s in samples:
        token = s.tokens[0] if s.tokens else tok.eos_token_id
        assert abs(s.logprob - math.log(nucleus[token])) < 1e-4
