"""The prompt format: the one place that turns goals text into a model prompt and a completion into a tactic.

Presets follow the formats the published step provers were trained on (looked up on their model cards and
in code that drives them; only the layout is reproduced here):
- "bfs": BFS-Prover (ByteDance-Seed/BFS-Prover-V1-7B model card): the state followed by `:::`, the model
  continues with the tactic. Also the format of our from-scratch byte model and of any causal LM we
  cannot recognise.
- "reprover": ReProver's byt5 tactic generator (kaiyuy/leandojo-lean4-tacgen-byt5-small, LeanDojo): a
  seq2seq model, the raw goals text into the encoder, the tactic out of the decoder.
- "internlm2.5": InternLM2.5-StepProver (internlm/internlm2_5-step-prover model card): `---\\nNAME: ..`,
  `---\\nPROOF_BEFORE: ..`, `---\\nSTATE_BEFORE: {state}`, `---\\nTACTIC: `; we know neither the theorem's
  name nor the proof so far (the Policy protocol passes goals text only), so both are left empty.
- "internlm2": InternLM2-StepProver (internlm/internlm2-step-prover model card, "DECL .. GOAL ..",
  answer "PROOFSTEP .."), in the InternLM2 chat wrapping (<|im_start|>user .. <|im_end|>).
- "deepseek": DeepSeek-Prover-V1.5 (arXiv 2408.08152, its RMaxTS code): Lean code where a
  `/- tactic state: .. -/` comment precedes the next tactic; we ask for the line after the comment.

The value query (P(provable)) is a second prompt whose completion is the single token "1" or "0", so the
same trunk and LM head answer it: the GPT-f recipe (Polu & Sutskever 2020, PROVABLE/UNPROVABLE tokens).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from prover.core import ProverError

YES, NO = "1", "0"  # the value query's two answers


@dataclass(frozen=True)
class PromptFormat:
    name: str
    template: str  # "{state}" is replaced by the goals text
    value_template: str = "{state}::?"
    stops: tuple[str, ...] = ()  # the completion ends at the first of these
    strip_prefix: str = ""  # a marker some models repeat before the tactic
    single_line: bool = False  # keep only the first line of the completion
    score_eos: bool = True  # the tactic ends with the tokenizer's eos (else with a stop string)

    def prompt(self, state: str) -> str:
        return self.template.replace("{state}", state)

    def value_prompt(self, state: str) -> str:
        return self.value_template.replace("{state}", state)

    def tactic(self, completion: str) -> str | None:
        """The tactic in a raw completion, or None when it is empty or malformed."""
        text = completion
        for stop in self.stops:
            cut = text.find(stop)
            if cut >= 0:
                text = text[:cut]
        if self.single_line:
            lines = [ln for ln in text.split("\n") if ln.strip() and not _NOISE.match(ln)]
            text = lines[0] if lines else ""
        text = text.strip()
        if self.strip_prefix and text.startswith(self.strip_prefix):
            text = text[len(self.strip_prefix):].strip()
        return text if well_formed(text) else None


_NOISE = re.compile(r"^\s*(--|/-|-/|```|theorem\b|lemma\b|example\b)")

PRESETS: dict[str, PromptFormat] = {
    "bfs": PromptFormat("bfs", "{state}:::"),
    "reprover": PromptFormat("reprover", "{state}"),
    "internlm2.5": PromptFormat(
        "internlm2.5",
        "---\nNAME: \n\n---\nPROOF_BEFORE: \n\n---\nSTATE_BEFORE: {state}\n\n---\nTACTIC: ",
        stops=("\n---",), score_eos=False),
    "internlm2": PromptFormat(
        "internlm2",
        "<|im_start|>user\nDECL \nGOAL {state}\n<|im_end|>\n<|im_start|>assistant\nPROOFSTEP ",
        stops=("<|im_end|>",), strip_prefix="PROOFSTEP", score_eos=False),
    "deepseek": PromptFormat(
        "deepseek",
        "Complete the following Lean 4 code:\n\n```lean4\n/- tactic state:\n{state}\n-/\n",
        stops=("```",), single_line=True, score_eos=False),
}


def preset(name: str) -> PromptFormat:
    try:
        return PRESETS[name]
    except KeyError:
        raise ProverError(f"unknown prompt format {name!r}; known: {', '.join(PRESETS)} (or auto)") from None


def guess(name_or_path: str, model_type: str, encoder_decoder: bool) -> PromptFormat:
    """The preset for a checkpoint we did not train: by its hub name or model type, else by its shape."""
    key = f"{name_or_path} {model_type}".lower()
    if "internlm2_5" in key or "internlm2.5" in key:
        return PRESETS["internlm2.5"]
    if "internlm" in key:
        return PRESETS["internlm2"]
    if "deepseek" in key:
        return PRESETS["deepseek"]
    return PRESETS["reprover" if encoder_decoder else "bfs"]


_PAIRS = {")": "(", "]": "[", "}": "{", "⟩": "⟨"}
_BANNED = re.compile(r"\b(sorry|admit)\b")


def well_formed(tactic: str) -> bool:
    """Non-empty, printable, brackets balanced, no `sorry`: what is worth sending to a verifier."""
    if not tactic or "\ufffd" in tactic or _BANNED.search(tactic):
        return False
    if any(ord(c) < 32 and c not in "\n\t" for c in tactic):
        return False
    stack: list[str] = []
    for c in tactic:
        if c in "([{⟨":
            stack.append(c)
        elif c in _PAIRS:
            if not stack or stack.pop() != _PAIRS[c]:
                return False
    return not stack
