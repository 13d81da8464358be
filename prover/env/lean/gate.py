"""The safety gate: refuses input that could run code or change the rules, before anything reaches Lean.

Pure text checks, so they run with no toolchain. They are deliberately blunt: the raw text is scanned,
comments and strings included (a keyword "hidden" in a comment is refused, never parsed around), and so
is its NFKC normal form (full-width and mathematical look-alikes fold to ASCII). Invisible and
direction-changing characters are refused outright, so what a person reads is what Lean parses.
Refusing a harmless text costs a search one tactic; letting a harmful one through costs the verdict.
The final check's axiom audit is the second line behind this one.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from prover.config import LeanConfig
from prover.core import GateError

Where = Literal["header", "statement", "tactic"]
ALL: tuple[Where, ...] = ("header", "statement", "tactic")
INLINE: tuple[Where, ...] = ("statement", "tactic")


def _words(*words: str, after_dot: bool = True) -> str:
    """Whole Lean words (identifier characters include `'`, `!`, `?`); `after_dot=False` skips `x.word`
    (a field, never a command), for command keywords that are also ordinary field names."""
    before = r"(?<![\w'])" if after_dot else r"(?<![\w'.])"
    return before + "(?:" + "|".join(words) + r")(?![\w'!?])"


# (pattern, why, where it is refused). Order matters only for which reason is given first.
RULES: list[tuple[re.Pattern[str], str, tuple[Where, ...]]] = [(re.compile(p), why, where) for p, why, where in [
    (r"sorry", "`sorry` proves anything", ALL),
    (_words("admit"), "`admit` proves anything", ALL),
    (r"#[A-Za-z_]\w", "`#` commands (#eval, #exit, #print ...) run code or talk to the REPL", ALL),
    (r"run_\w+|" + _words("by_elab"), "runs meta-level code", ALL),
    (_words("axiom", "axioms"), "declares an axiom", ALL),
    (r"unsafe", "unsafe code is not checked by the kernel", ALL),
    (r"@\[", "attributes (@[implemented_by], @[extern], @[csimp] ...) change how code runs or is checked", ALL),
    (_words("attribute", "implemented_by", "extern", "csimp", "opaque"),
     "attributes and opaque constants change how code runs or is checked", ALL),
    (_words("macro", "macro_rules", "syntax", "elab", "elab_rules", "notation", "infix", "infixl", "infixr",
            "prefix", "postfix", "binder_predicate", "simproc", "dsimproc", r"declare_\w+", "initialize",
            r"builtin_\w+"), "defines syntax or meta-level code", ALL),
    (r"(?<![\w'])Lean\.(?:Elab|Meta|Compiler|Environment|Parser|Syntax|IR|Core|Kernel|Server)\b|"
     + _words("evalExpr", "IO", "EIO", "BaseIO"), "reaches into Lean's meta level or IO", ALL),
    (_words("polyrith"), "calls a service outside this machine", ALL),
    (r"(?<![\w'])open\s+(?:private\b|[^\n]*?(?<![\w'.])Lean(?![\w']))", "opens Lean's meta level", ALL),
    (_words("import", after_dot=False), "`import` belongs in the header", INLINE),
    (_words("theorem", "lemma", "def", "example", "abbrev", "instance", "structure", "class", "inductive",
            "coinductive", "mutual", "namespace", "section", "end", "universe", "variable", "export",
            "deriving", "noncomputable", "private", "protected", "partial", "omit", "include",
            "termination_by", "decreasing_by", after_dot=False),
     "declarations and scoping commands do not belong in a tactic", ("tactic",)),
    (_words("abbrev", "instance", "structure", "class", "inductive", "coinductive", "mutual", "namespace",
            "section", "end", "universe", "variable", "export", "deriving", "noncomputable", "private",
            "protected", "partial", "omit", "include", "termination_by", "decreasing_by", "def", after_dot=False),
     "a statement is one declaration, nothing around it", ("statement",)),
]]
NATIVE = re.compile(_words("native_decide", "ofReduceBool", "reduceBool", "trustCompiler", "reduceNat")
                    + r"|\+\s*native\b|\bnative\s*:=")
DECLARATION = re.compile(_words("theorem", "lemma", "example"))
OPEN = re.compile(r"(?<![\w'])open(?![\w'])([^\n]*)")
SET_OPTION = re.compile(r"(?<![\w'])set_option\s+(\S+)\s+(\S+)")
# Options that change how things print or how long Lean may try, never what it accepts.
ALLOWED_OPTIONS = re.compile(
    r"(?:maxHeartbeats|synthInstance\.maxHeartbeats|synthInstance\.maxSize|maxRecDepth|exponentiation\.threshold"
    r"|autoImplicit|relaxedAutoImplicit|push_neg\.use_distrib|simprocs|tactic\.hygienic"
    r"|pp\.[\w.]+|trace\.[\w.]+|linter\.[\w.]+)")
UNLIMITED_IS_ZERO = {"maxHeartbeats", "synthInstance.maxHeartbeats", "maxRecDepth"}


def _refuse(why: str, snippet: str, where: Where) -> GateError:
    snippet = " ".join(snippet.split())[:60]
    return GateError(f"refused by the safety gate: {why} (`{snippet}` in the {where})")


def _check_characters(text: str, where: Where) -> None:
    for ch in text:
        if ch in "\n\t":
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp"):
            name = unicodedata.name(ch, f"U+{ord(ch):04X}")
            raise _refuse("invisible or control characters can make the text read differently than Lean parses it",
                          name, where)


def _check_options(text: str, where: Where) -> None:
    for m in SET_OPTION.finditer(text):
        name, value = m.group(1), m.group(2)
        if not ALLOWED_OPTIONS.fullmatch(name):
            raise _refuse(f"set_option {name} is not on the list of options that leave checking intact",
                          m.group(0), where)
        # Datasets (miniF2F) state problems under `maxHeartbeats 0`, and our own timeout still holds there;
        # inside a statement or tactic, Lean's limit is the cheap way out of a runaway tactic.
        if name in UNLIMITED_IS_ZERO and value == "0" and where != "header":
            raise _refuse(f"set_option {name} 0 removes Lean's limit", m.group(0), where)


def check(text: str, where: Where, cfg: LeanConfig) -> None:
    """Raise GateError (one line naming the construct and the reason) if `text` may not reach Lean."""
    _check_characters(text, where)
    folded = unicodedata.normalize("NFKC", text)
    for variant in (text, folded) if folded != text else (text,):
        for pattern, why, scopes in RULES:
            if where in scopes and (m := pattern.search(variant)):
                raise _refuse(why, variant[max(0, m.start() - 10): m.end() + 10], where)
        if not cfg.allow_native_decide and (m := NATIVE.search(variant)):
            raise _refuse("native code evaluation trusts the compiler (lean.allow_native_decide is off)",
                          m.group(0), where)
        _check_options(variant, where)
        if where != "header":
            for m in OPEN.finditer(variant):
                if not re.search(r"(?<![\w'])in(?![\w'])", m.group(1)):
                    raise _refuse("`open` without `in` changes every later name", m.group(0), where)
        if where == "statement" and len(DECLARATION.findall(variant)) > 1:
            raise _refuse("a statement is one declaration, nothing around it", variant[:60], where)


def check_header(header: str, cfg: LeanConfig) -> None:
    check(header, "header", cfg)


def check_statement(statement: str, cfg: LeanConfig) -> None:
    check(statement, "statement", cfg)


def check_tactic(tactic: str, cfg: LeanConfig) -> None:
    if not tactic.strip():
        raise GateError("refused by the safety gate: an empty tactic")
    check(tactic, "tactic", cfg)
