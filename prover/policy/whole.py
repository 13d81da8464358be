"""Whole-proof generation: the statement in, complete proofs out (DeepSeek-Prover, Goedel-Prover, Kimina).

Text in, text out, like the tactic policies: a format turns (header, statement, informal) into a prompt
and a completion back into the proof's body, which is split into top-level tactics so that a proof can be
replayed step by step (hybrid mode cuts it at the first failing one). Only the body is ever taken from a
completion: a model that restates the theorem differently cannot change what is proved, because the
statement checked is always ours.

Formats (the layouts published on the models' cards and papers; short functional strings only):
- "ours": `{statement} := by` in our byte model's prompt layout (the "bfs" one: the text, then `:::`), and
  the model answers the tactic lines; `whole_examples` makes its training data.
- "deepseek-v1.5": DeepSeek-Prover-V1.5's completion layout: a `lean4` code block opened with the header
  and statement, the model continues the proof and closes the block.
- "deepseek-v2": DeepSeek-Prover-V2 and Goedel-Prover-V2 (same layout): a chat message asking to complete
  the code block that holds the statement; the answer holds a `lean4` block with the whole theorem.
- "kimina": Kimina-Prover: a chat message with the informal problem and the formal statement in a block.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from prover.core import ProverError


@dataclass(frozen=True)
class ProofPrompt:
    statement: str  # the declaration without its proof
    header: str = ""
    informal: str = ""


@dataclass(frozen=True)
class SampledProof:
    text: str  # the raw completion
    tactics: tuple[str, ...]  # the proof's top-level tactics; () when none could be read
    logprob: float | None = None


@dataclass(frozen=True)
class WholeFormat:
    name: str
    template: str  # {code}: header + statement + " := by"; {informal}: the informal problem
    chat: bool = False  # sent as a chat message (else as a completion prompt)
    system: str | None = None  # chat: a system message
    continues: bool = False  # the completion continues {code} (else it repeats the code in a block)
    stops: tuple[str, ...] = ()

    def prompt(self, p: ProofPrompt) -> str:
        header = p.header if not p.header or p.header.endswith("\n") else p.header + "\n"
        code = f"{header}{p.statement} := by"
        return self.template.replace("{code}", code).replace("{informal}", p.informal or "(none)")

    def read(self, completion: str, p: ProofPrompt) -> tuple[str, ...]:
        """The top-level tactics of the proof in a completion; () when it holds none."""
        text = completion
        for stop in self.stops:
            cut = text.find(stop)
            if cut >= 0:
                text = text[:cut]
        body = text if self.continues else _body_of_block(text)
        return split_tactics(body) if body is not None else ()


PRESETS: dict[str, WholeFormat] = {
    "ours": WholeFormat("ours", "{code}:::", continues=True),
    "deepseek-v1.5": WholeFormat("deepseek-v1.5", "Complete the following Lean 4 code:\n\n```lean4\n{code}\n",
                                 continues=True, stops=("```",)),
    "deepseek-v2": WholeFormat("deepseek-v2", "Complete the following Lean 4 code:\n\n```lean4\n{code}\n  sorry\n```",
                               chat=True),
    "kimina": WholeFormat("kimina", "Think about and solve the following problem step by step in Lean 4.\n"
                          "# Problem: {informal}\n# Formal statement:\n```lean4\n{code}\n  sorry\n```\n",
                          chat=True, system="You are an expert in mathematics and Lean 4."),
}


def whole_format(name: str) -> WholeFormat:
    try:
        return PRESETS[name]
    except KeyError:
        raise ProverError(f"unknown whole-proof format {name!r}; known: {', '.join(PRESETS)}") from None


_BLOCK = re.compile(r"```(?:lean4|lean)?[ \t]*\n(.*?)(?:```|\Z)", re.DOTALL)
_DECL = re.compile(r"^[ \t]*(?:@\[[^\]]*\][ \t]*)?(?:private[ \t]+|protected[ \t]+)?(?:theorem|lemma|example)\b",
                   re.MULTILINE)


def _body_of_block(text: str) -> str | None:
    """The proof body of the last declaration in the last Lean code block: what follows its `:= by`."""
    blocks = _BLOCK.findall(text)
    if not blocks:
        return None
    code = blocks[-1]
    decls = list(_DECL.finditer(code))
    if not decls:
        return None
    rest = code[decls[-1].end():]
    m = re.search(r":=\s*by\b", rest)
    return rest[m.end():] if m else None


def split_tactics(body: str) -> tuple[str, ...]:
    """A tactic block into its top-level tactics: a line at the block's own indentation starts a tactic,
    deeper lines continue it (their relative indentation kept); `;` joins are left to Lean. Blank lines
    and lines after the block ends (a line indented less than the first tactic) are dropped."""
    lines = body.split("\n")
    first = body[: len(body) - len(body.lstrip())]
    if "\n" not in first and body.strip():  # `:= by tac` on the statement's line
        head, _, tail = body.partition("\n")
        lines = [head.strip()] + tail.split("\n")
    content = [ln for ln in lines if ln.strip()]
    if not content:
        return ()
    base = len(content[0]) - len(content[0].lstrip())
    tactics: list[list[str]] = []
    for line in lines:
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if indent < base:
            break
        if indent == base and not (tactics and _continues(tactics[-1], line)):
            tactics.append([line[base:]])
        elif tactics:
            tactics[-1].append(line[base:])
    return tuple("\n".join(t).rstrip() for t in tactics if "".join(t).strip())


def _continues(previous: list[str], line: str) -> bool:
    """`·` bullets and `<;>` / `|` continuation lines at the same indentation belong to one step only when
    the previous line ends mid-expression."""
    return previous[-1].rstrip().endswith(("<;>", "=>", ",", "(", "[", "by"))


class ProofGenerator(Protocol):
    def generate(self, prompts: Sequence[ProofPrompt], n: int) -> list[list[SampledProof]]:
        """For each prompt, n sampled proofs (fewer when the model gives fewer)."""
        ...


class EndpointProofGenerator:
    """Whole proofs from an OpenAI-compatible server (vLLM, SGLang, ...), batched, `n` per request."""

    def __init__(self, client, fmt: WholeFormat) -> None:
        self.client, self.fmt = client, fmt
        if fmt.system and client.api == "chat":
            client.system = fmt.system

    def generate(self, prompts: Sequence[ProofPrompt], n: int) -> list[list[SampledProof]]:
        texts = [self.fmt.prompt(p) for p in prompts]
        done = self.client.complete(texts, n)
        return [[SampledProof(c.text, self.fmt.read(c.text, p), c.logprob) for c in got]
                for p, got in zip(prompts, done, strict=True)]


class ModelProofGenerator:
    """Whole proofs sampled from a local checkpoint (HFPolicy's sampler; log-probs at temperature 1)."""

    def __init__(self, model, fmt: WholeFormat) -> None:
        self.model, self.fmt = model, fmt

    def generate(self, prompts: Sequence[ProofPrompt], n: int) -> list[list[SampledProof]]:
        texts = [self._chat(self.fmt.prompt(p)) if self.fmt.chat else self.fmt.prompt(p) for p in prompts]
        return [[SampledProof(text, self.fmt.read(text, p), lp) for text, lp in row]
                for p, row in zip(prompts, self.model.sample_scored(texts, n), strict=True)]


    def _chat(self, text: str) -> str:
        """A chat layout through the checkpoint's own chat template (as a chat server would apply it)."""
        tok = self.model.ckpt.tokenizer
        if getattr(tok, "chat_template", None) is None:
            return text
        messages = ([{"role": "system", "content": self.fmt.system}] if self.fmt.system else []) + [
            {"role": "user", "content": text}]
        return str(tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False))


class ScriptedProofGenerator:
    """Hands out given proofs in turn: for tests, and to replay proofs a person or another tool wrote."""

    def __init__(self, proofs: Sequence[str], fmt: WholeFormat | None = None) -> None:
        self.proofs, self.fmt, self.i = list(proofs), fmt or PRESETS["ours"], 0

    def generate(self, prompts: Sequence[ProofPrompt], n: int) -> list[list[SampledProof]]:
        out = []
        for p in prompts:
            got = []
            for _ in range(n):
                if self.i >= len(self.proofs):
                    break
                text = self.proofs[self.i]
                self.i += 1
                got.append(SampledProof(text, self.fmt.read(text, p), None))
            out.append(got)
        return out


def whole_examples(statement: str, tactics: Sequence[str]) -> tuple[str, str]:
    """(prompt text, completion) of a verified proof for training an "ours" whole-proof model."""
    return f"{statement} := by", "\n".join(tactics)
