"""Checkpoints and token arithmetic shared by inference (hf.py) and training (train.py).

A checkpoint is an ordinary transformers directory (config, safetensors weights, tokenizer) plus
`prover_policy.json` (prompt format, whether the value query was trained, and under "policy" the settings
that change what it proposes: prover/policy/settings.py). Causal or seq2seq is read from
its config. The from-scratch model is byte-level: ByT5's tokenizer maps bytes to ids with no vocabulary
file, so nothing is downloaded to build, train or load it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from prover.core import ProverError
from prover.policy.prompts import PRESETS, PromptFormat, guess, preset
from prover.policy.settings import META

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


@dataclass
class Checkpoint:
    model: Any  # a transformers PreTrainedModel
    tokenizer: Any
    fmt: PromptFormat
    meta: dict[str, Any] = field(default_factory=dict)
    _ids: dict[str, list[int]] = field(default_factory=dict, repr=False, compare=False)
    _texts: dict[tuple[int, ...], str] = field(default_factory=dict, repr=False, compare=False)

    def encode(self, text: str) -> list[int]:
        """Token ids of text without special tokens, memoised: search sends the same goals and tactics again
        and again, and a Python tokenizer costs ~80 µs a call, more than a decode step's share of a tactic."""
        ids = self._ids.get(text)
        if ids is None:
            if len(self._ids) >= 200_000:
                self._ids.clear()
            ids = self._ids[text] = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        return ids

    def decode(self, ids: tuple[int, ...]) -> str:
        """Text of token ids without special tokens, memoised: a state's samples often repeat a tactic, and
        decoding costs ~30 µs a call."""
        text = self._texts.get(ids)
        if text is None:
            if len(self._texts) >= 200_000:
                self._texts.clear()
            text = self._texts[ids] = self.tokenizer.decode(ids, skip_special_tokens=True)
        return text

    @property
    def seq2seq(self) -> bool:
        return bool(self.model.config.is_encoder_decoder)

    @property
    def value_trained(self) -> bool:
        return bool(self.meta.get("value_trained"))


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ProverError(f"policy.device is {name} but torch sees no CUDA device here")
    return torch.device(name)


def build_byte_model(arch: str, dim: int, layers: int, heads: int, kv_heads: int | None = None) -> Checkpoint:
    """A new, randomly initialised byte-level model: causal (Llama blocks) or seq2seq (T5 blocks)."""
    from transformers import (
        ByT5Tokenizer,
        LlamaConfig,
        LlamaForCausalLM,
        PretrainedConfig,
        PreTrainedModel,
        T5Config,
        T5ForConditionalGeneration,
    )

    kv_heads = kv_heads or heads
    if dim % heads or heads % kv_heads:
        raise ProverError(f"train.model_dim ({dim}) must be a multiple of train.model_heads ({heads}), "
                          f"and that of train.model_kv_heads ({kv_heads})")
    tok = ByT5Tokenizer(extra_ids=0)  # ids: 0 pad, 1 eos, 2 unk, then the 256 bytes
    special = dict(pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
    config: PretrainedConfig
    model: PreTrainedModel
    if arch == "causal":
        config = LlamaConfig(
            vocab_size=len(tok), hidden_size=dim, intermediate_size=2 * dim, num_hidden_layers=layers,
            num_attention_heads=heads, num_key_value_heads=kv_heads, max_position_embeddings=8192,
            tie_word_embeddings=True, bos_token_id=None, **special)
        model = LlamaForCausalLM(config)
    elif arch == "seq2seq":
        # Not in the typed signature of every T5Config: they reach it through PretrainedConfig's **kwargs.
        passed_on: dict[str, Any] = dict(tie_word_embeddings=True, decoder_start_token_id=tok.pad_token_id)
        config = T5Config(
            vocab_size=len(tok), d_model=dim, d_kv=dim // heads, d_ff=2 * dim, num_layers=layers,
            num_decoder_layers=layers, num_heads=heads, dropout_rate=0.0, feed_forward_proj="gated-gelu",
            **passed_on, **special)
        model = T5ForConditionalGeneration(config)
    else:
        raise ProverError(f"unknown model architecture {arch!r}: causal or seq2seq")
    fmt = PRESETS["bfs" if arch == "causal" else "reprover"]
    return Checkpoint(model, tok, fmt, {"prompt_format": fmt.name, "value_trained": False, "steps": 0})


def _quiet() -> None:
    """transformers draws its own progress bars on every save and load; ours is the one the user sees."""
    from transformers.utils import logging

    logging.disable_progress_bar()


def save_checkpoint(ckpt: Checkpoint, out: Path) -> None:
    _quiet()
    out.mkdir(parents=True, exist_ok=True)
    ckpt.model.save_pretrained(out, safe_serialization=True)
    ckpt.tokenizer.save_pretrained(out)
    (out / META).write_text(json.dumps(ckpt.meta | {"prompt_format": ckpt.fmt.name}, indent=2) + "\n")


def load_checkpoint(source: str | Path, *, prompt_format: str = "auto", device: torch.device | None = None,
                    trust_remote_code: bool = False) -> Checkpoint:
    """A local checkpoint directory (never the network), or a hub id `owner/name` (the network, if any).

    Anything that goes wrong is one ProverError naming the checkpoint and the first line of the cause.
    """
    source = str(source)
    path = Path(source).expanduser()
    local = path.is_dir()
    if not local and (path.exists() or not _HUB_ID.match(source) or source.startswith((".", "/", "~"))):
        raise ProverError(f"policy checkpoint {source} is not a directory "
                          "(--policy takes automation, uniform, a checkpoint directory or a hub id)")
    where = str(path) if local else source
    try:
        from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

        _quiet()
        opts = dict(local_files_only=local, trust_remote_code=trust_remote_code)
        config = AutoConfig.from_pretrained(where, **opts)
        cls = AutoModelForSeq2SeqLM if config.is_encoder_decoder else AutoModelForCausalLM
        cuda = device is not None and device.type == "cuda"
        # Any, as in Checkpoint: transformers' typing of its models (e.g. .to) differs from version to version.
        model: Any = cls.from_pretrained(where, dtype="auto" if cuda else torch.float32, **opts)
        tokenizer = AutoTokenizer.from_pretrained(where, **opts)
        meta = json.loads((path / META).read_text()) if local and (path / META).is_file() else {}
    except Exception as e:  # transformers, safetensors and json raise many kinds; the user needs one line
        cause = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise ProverError(f"cannot load policy checkpoint {source}: {cause}") from e
    if prompt_format != "auto":
        fmt = preset(prompt_format)
    elif meta.get("prompt_format") in PRESETS:
        fmt = PRESETS[meta["prompt_format"]]
    else:
        fmt = guess(getattr(config, "_name_or_path", "") or source, config.model_type, config.is_encoder_decoder)
    if device is not None:
        model.to(device)
    model.eval()
    return Checkpoint(model, tokenizer, fmt, meta)


# ---------------------------------------------------------------------------------------------------
# Token arithmetic: one (prompt, completion) pair becomes model inputs; log p(completion | prompt).


def prompt_ids(ckpt: Checkpoint, prompt: str) -> list[int]:
    tok = ckpt.tokenizer
    if ckpt.seq2seq:  # the encoder reads the prompt as the tokenizer frames it (ByT5/T5: with eos)
        return tok(prompt)["input_ids"]
    ids = ckpt.encode(prompt)
    return ([tok.bos_token_id] if tok.bos_token_id is not None else []) + ids


def completion_ids(ckpt: Checkpoint, completion: str, eos: bool) -> list[int]:
    ids = ckpt.encode(completion)
    return ids + [ckpt.tokenizer.eos_token_id] if eos else ids


def _pad(rows: list[list[int]], value: int, left: bool = False) -> torch.Tensor:
    width = max(len(r) for r in rows)
    return torch.tensor([([value] * (width - len(r)) + r) if left else (r + [value] * (width - len(r)))
                         for r in rows])


def pad_id(ckpt: Checkpoint) -> int:
    tok = ckpt.tokenizer
    return tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id


def completion_logprobs(ckpt: Checkpoint, pairs: list[tuple[list[int], list[int]]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed log p(completion | prompt) per pair, and the number of completion tokens per pair."""
    device = ckpt.model.device
    if not pairs:  # a state whose samples were all cut or malformed has nothing to score
        return torch.zeros(0, device=device), torch.zeros(0, dtype=torch.long, device=device)
    if ckpt.seq2seq:
        inputs = _pad([p for p, _ in pairs], pad_id(ckpt)).to(device)
        labels = _pad([c for _, c in pairs], -100).to(device)
        mask = _mask([p for p, _ in pairs]).to(device)
        logits = ckpt.model(input_ids=inputs, attention_mask=mask, labels=labels).logits
    elif len({tuple(p) for p, _ in pairs}) < len(pairs):
        return _shared_prompt_logprobs(ckpt, pairs)
    else:  # training batches: every prompt differs, so one pass over whole sequences
        seqs = [p + c for p, c in pairs]
        inputs = _pad(seqs, pad_id(ckpt)).to(device)
        labels = _pad([[-100] * len(p) + c for p, c in pairs], -100).to(device)
        logits = ckpt.model(input_ids=inputs, attention_mask=_mask(seqs).to(device)).logits[:, :-1]
        labels = labels[:, 1:]
    logp = torch.log_softmax(logits.float(), dim=-1)
    keep = labels != -100
    picked = logp.gather(-1, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1) * keep
    return picked.sum(-1), keep.sum(-1)


def _shared_prompt_logprobs(ckpt: Checkpoint, pairs: list[tuple[list[int], list[int]]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Each distinct prompt is read once and its KV cache copied to its completions: ranking 64 short tactics
    after one long goal costs one prompt, not 64."""
    index = {p: i for i, p in enumerate(dict.fromkeys(tuple(p) for p, _ in pairs))}
    read = read_prompts(ckpt.model, [list(p) for p in index], pad_id(ckpt))
    which = torch.tensor([index[tuple(p)] for p, _ in pairs], device=ckpt.model.device)
    return logprobs_after(ckpt.model, read, which, [c for _, c in pairs], pad_id(ckpt))


@dataclass(frozen=True)
class ReadPrompts:
    """Prompts read once into a left-padded KV cache (causal models): sampling continues from it, and
    scoring completions after the same prompts reuses it."""

    layers: list[tuple[torch.Tensor, torch.Tensor]]  # per layer, keys and values: (prompts, heads, width, dim)
    logits: torch.Tensor  # (prompts, vocab): the next token's, after each prompt
    mask: torch.Tensor  # (prompts, width): 0 on the left padding
    last: torch.Tensor  # (prompts, 1): the position of each prompt's last token

    def cache(self, rows: torch.Tensor):
        """A new cache holding these prompts' rows (repeats allowed); the read itself is never changed."""
        from transformers import DynamicCache

        return DynamicCache(ddp_cache_data=[(k.index_select(0, rows), v.index_select(0, rows)) for k, v in self.layers])


def with_cache(model, cache) -> dict[str, Any]:
    """The keyword that hands a KV cache to `model.forward`: `cache` since transformers renamed it (5.2x; the
    old `past_key_values` warns on every process's first call and goes in 5.40), `past_key_values` before."""
    import inspect

    name = _CACHE_KWARG.get(type(model))
    if name is None:
        params = inspect.signature(model.forward).parameters
        name = _CACHE_KWARG[type(model)] = "cache" if "cache" in params else "past_key_values"
    return {name: cache}


def cache_of(out) -> Any:
    """The KV cache a forward pass returned, under either name (reading `past_key_values` warns where renamed)."""
    return out["cache"] if "cache" in out.keys() else out["past_key_values"]


_CACHE_KWARG: dict[type, str] = {}


def read_prompts(model, prompts: list[list[int]], pad: int) -> ReadPrompts:
    """Goals texts vary in length several-fold, and padding a batch to its longest prompt doubled the
    arithmetic, so prompts of similar length are read together (one forward pass a group) and only their
    caches are padded to one width."""
    device, width = model.device, max(len(p) for p in prompts)
    groups = _length_groups([len(p) for p in prompts])
    parts, logits = [], []  # per group: (keys, values) per layer; the last position's logits
    for group in groups:
        rows = [prompts[i] for i in group]
        mask = _pad([[1] * len(p) for p in rows], 0, left=True).to(device)
        out = model(input_ids=_pad(rows, pad, left=True).to(device), attention_mask=mask,
                    position_ids=(mask.cumsum(1) - 1).clamp(min=0), use_cache=True, logits_to_keep=1)
        left = (0, 0, width - mask.shape[1], 0)  # pad the sequence axis of (batch, heads, seq, dim) on the left
        parts.append([(F.pad(layer.keys, left), F.pad(layer.values, left)) for layer in cache_of(out).layers])
        logits.append(out.logits[:, -1])
    order = torch.tensor([i for g in groups for i in g], device=device).argsort()  # back to prompt order
    def merged(n: int, i: int) -> torch.Tensor:  # layer n's keys (i = 0) or values (1), all groups, prompt order
        return torch.cat([part[n][i] for part in parts]).index_select(0, order)

    layers = [(merged(n, 0), merged(n, 1)) for n in range(len(parts[0]))]
    return ReadPrompts(layers, torch.cat(logits).index_select(0, order), _pad([[1] * len(p) for p in prompts], 0, left=True).to(device),
                       torch.tensor([[len(p) - 1] for p in prompts], device=device))


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


def logprobs_after(model, read: ReadPrompts, which: torch.Tensor, completions: list[list[int]],
                   pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed log p(completion | prompt `which[i]` of `read`), and the completion's length, read in one
    right-padded pass from copies of the prompts' caches."""
    device = model.device
    first = torch.log_softmax(read.logits.float(), dim=-1)[which]  # scores each completion's first token
    keep = _mask(completions).to(device)
    ids = _pad(completions, pad).to(device)
    if ids.shape[1] > 1:
        rest = model(input_ids=ids[:, :-1], attention_mask=torch.cat([read.mask[which], keep[:, :-1]], dim=1),
                     position_ids=read.last[which] + 1 + torch.arange(ids.shape[1] - 1, device=device),
                     **with_cache(model, read.cache(which)), use_cache=True).logits
        logp = torch.cat([first[:, None], torch.log_softmax(rest.float(), dim=-1)], dim=1)
    else:
        logp = first[:, None]
    picked = logp.gather(-1, ids.unsqueeze(-1)).squeeze(-1) * keep
    return picked.sum(-1), keep.sum(-1)


def _mask(rows: list[list[int]]) -> torch.Tensor:
    return _pad([[1] * len(r) for r in rows], 0)


def next_token_logits(ckpt: Checkpoint, prompts: list[list[int]]) -> torch.Tensor:
    """The logits of the first completion token after each prompt."""
    device = ckpt.model.device
    if ckpt.seq2seq:
        inputs = _pad(prompts, pad_id(ckpt)).to(device)
        start = ckpt.model.config.decoder_start_token_id
        decoder = torch.full((len(prompts), 1), start, dtype=torch.long, device=device)
        return ckpt.model(input_ids=inputs, attention_mask=_mask(prompts).to(device),
                          decoder_input_ids=decoder).logits[:, -1].float()
    inputs = _pad(prompts, pad_id(ckpt), left=True).to(device)
    mask = _pad([[1] * len(p) for p in prompts], 0, left=True).to(device)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)  # left padding must not shift the real tokens' positions
    return ckpt.model(input_ids=inputs, attention_mask=mask, position_ids=positions).logits[:, -1].float()
