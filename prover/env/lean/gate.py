"""The safety gate: refuses input that could run code or change the rules, before anything reaches Lean.

It reads the text as Lean's lexer does (lexer.py: comments are whitespace, strings, doc comments and
`«»` names are atoms) and rules on the tokens:

- a header is `import`s (first, of allow-listed libraries), then allow-listed `set_option NAME VALUE`s,
  `open`s and `universe`s (and module docs `/-! -/`), nothing else;
- a statement is optional `open … in` / `set_option … in` prefixes, an optional doc comment and one
  `theorem`, `lemma` or `example` with no body;
- a tactic declares nothing (no command keyword, so nothing can end the `by` block and start a
  command), sets no option outside the allow-list (and only as `set_option … in`), opens only with `in`,
  and runs no code (`run_tac`, `by_elab`, `eval%`, `#` commands, native evaluation, `unsafe`, `IO` ...);
- nowhere `sorry`/`admit` in any spelling, attributes, syntax quotations, invisible or direction-changing
  characters, or an NFKC look-alike of a refused word.

Statements get the tactic rules too: a `by` inside a type runs tactics when the statement elaborates.
Refusing a harmless text costs a search one tactic; letting a harmful one through costs the verdict. The
gate is a fast first line: the final check (check.py) is what decides "proved".
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from prover.config import LeanConfig
from prover.core import GateError, Theorem
from prover.env.lean.lexer import CLOSERS, OPENERS, LexError, Token, is_id_first, is_id_rest, tokenize

Where = Literal["header", "statement", "tactic"]

DECLARATIONS = frozenset({"theorem", "lemma", "example"})
# Words that start or modify a command. In a tactic any of them could end the `by` block and begin a
# command (Lean starts a command wherever a keyword follows a finished tactic, at any column); in a
# statement they would add something around the one declaration. Lean and Mathlib keep adding commands,
# so families are matched by prefix too (COMMAND_PREFIXES).
COMMANDS = frozenset({
    "theorem", "lemma", "example", "def", "abbrev", "instance", "structure", "class", "inductive", "coinductive",
    "axiom", "opaque", "mutual", "namespace", "section", "end", "universe", "variable", "export",
    "attribute", "local", "scoped", "macro", "macro_rules", "syntax", "elab", "elab_rules", "notation",
    "notation3", "infix", "infixl", "infixr", "prefix", "postfix", "binder_predicate", "simproc", "dsimproc",
    "simproc_decl", "dsimproc_decl", "initialize", "import", "prelude", "noncomputable", "private",
    "protected", "nonrec", "partial", "unsafe", "deriving", "omit", "include", "termination_by",
    "decreasing_by", "where", "alias", "irreducible_def", "add_decl_doc", "library_note", "assert_not_exists",
    "assert_not_imported", "run_cmd", "run_elab", "run_meta", "compile_inductive", "suppress_compilation",
    "unseal", "seal", "initialize_simps_projections", "mk_iff_of_inductive_prop", "unif_hint", "grind_pattern",
    "proof_wanted", "recommended_spelling", "set_option", "open", "extends", "variable?", "count_heartbeats",
    "with_weak_namespace", "add_aesop_rules", "erase_aesop_rules", "gen_injective_theorems", "init_quot", "module",
    "public", "unsuppress_compilation",
})
COMMAND_PREFIXES = ("declare_", "register_", "builtin_", "initialize", "add_decl", "elab_", "macro_", "syntax_")
# Code that runs at elaboration time, or reaches the compiler, IO or Lean's meta level.
CODE_WORDS = frozenset({
    "run_tac", "run_cmd", "run_elab", "run_meta", "by_elab", "eval%", "evalExpr", "evalTerm", "evalTactic", "implemented_by", "extern", "csimp",
    "IO", "EIO", "BaseIO", "println!", "dbg_trace", "dbgTrace", "dbgTraceIfShared", "loadDynlib", "polyrith",
    "type_of%",
})
LEAN_META = frozenset({"Elab", "Meta", "Compiler", "IR", "Environment", "Kernel", "Parser", "Syntax", "Server",
                       "Core", "Macro", "PrettyPrinter", "Language", "Json", "FFI"})
NATIVE_WORDS = frozenset({"native_decide", "ofReduceBool", "ofReduceNat", "reduceBool", "reduceNat", "trustCompiler",
                          "bv_decide", "bv_decide?", "bv_check"})
IMPORT_ROOTS = frozenset({"Mathlib", "Aesop", "Batteries", "Std", "Init", "Lean", "Qq", "Plausible", "ProofWidgets",
                          "ImportGraph", "LeanSearchClient"})
# Options that change how Lean prints, warns or how long it may try, never what it accepts. Never `debug.*`
# (debug.skipKernelTC skips the kernel), `compiler.*`, `interpreter.*`, `bootstrap.*`, `backward.*` or any
# option this list does not name.
OPTIONS = frozenset({
    "maxHeartbeats", "maxRecDepth", "maxSynthPendingDepth", "synthInstance.maxHeartbeats", "synthInstance.maxSize",
    "exponentiation.threshold", "autoImplicit", "relaxedAutoImplicit", "checkBinderAnnotations",
    "push_neg.use_distrib", "simprocs", "tactic.hygienic", "diagnostics", "diagnostics.threshold",
})
OPTION_FAMILIES = ("pp.", "trace.", "linter.")
UNLIMITED_IS_ZERO = frozenset({"maxHeartbeats", "synthInstance.maxHeartbeats", "maxRecDepth"})
# Words an NFKC look-alike of which is refused (`ｓｏｒｒｙ`, `𝓈𝑜𝓇𝓇𝓎`): what a reader sees must be what Lean reads.
LOOKALIKE_WORDS = (COMMANDS | CODE_WORDS | NATIVE_WORDS | {"sorry", "sorryAx", "admit", "native", "debug"}) - {"in"}
_LOOKALIKE = re.compile(r"(?<![\w'!?])(" + "|".join(sorted((re.escape(w) for w in LOOKALIKE_WORDS), key=len,
                                                             reverse=True)) + r")(?![\w'!?])")
BOM = "\ufeff"
# After a parse error Lean's command loop tries to parse a command at the error, then one character further,
# and so on: it never enters a comment (whitespace skips it whole from its start) but it does enter a string
# literal, a `«»` name and an identifier. So text there that Lean would then run as code is refused, even
# though the gate reads it as an atom: a string or `«»` name holding `#eval`, `run_cmd`, `IO` ..., or an
# identifier ending in a code-running command (`xrun_cmd` re-read from its second character is `run_cmd`).
_HIDDEN_CODE = re.compile(r"#[a-z][\w!?]*|(?:run_cmd|run_elab|run_meta|run_tac|by_elab|eval%|elab|elab_rules|macro|"
                          r"macro_rules|simproc|dsimproc|initialize|IO|native_decide|ofReduceBool|implemented_by|"
                          r"extern|unsafe\w*|dbg_trace|println!)(?![\w'!?])")
_CODE_COMMAND_SUFFIX = re.compile(r"(?:run_cmd|run_elab|run_meta|elab|elab_rules|macro|macro_rules|simproc|"
                                  r"dsimproc)$")


def _snippet(text: str, start: int, end: int) -> str:
    """The refused construct with a few words around it, cut at word boundaries, on one line."""
    lo, hi = max(0, start - 12), min(len(text), max(end, start + 1) + 12)
    while 0 < lo < start and not text[lo - 1].isspace():
        lo += 1
    while end < hi < len(text) and not text[hi].isspace():
        hi -= 1
    return " ".join(text[lo:hi].split())[:60]


class _Refusal(Exception):
    def __init__(self, why: str, start: int, end: int) -> None:
        self.why, self.start, self.end = why, start, end


def _refuse_at(why: str, tok: Token) -> _Refusal:
    return _Refusal(why, tok.start, tok.end)


# --- characters --------------------------------------------------------------------------------------

def _check_characters(text: str) -> None:
    for i, ch in enumerate(text):
        if ch in " \n\t":  # a tab between tokens is the lexer's to refuse; in a comment Lean allows it
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp", "Zs"):
            name = unicodedata.name(ch, f"U+{ord(ch):04X}")
            raise _Refusal(f"invisible or control characters ({name}) can make the text read differently "
                           "than Lean parses it", i, i + 1)


def _check_lookalikes(text: str, tokens: list[Token]) -> None:
    """A refused word that appears only once the code is NFKC-folded is a look-alike. Comments, strings and
    docs are not code; a look-alike word is contiguous, so each run of tokens with no space between them is
    folded as one."""
    if text.isascii():
        return
    runs: list[tuple[int, int]] = []
    for tok in tokens:
        if tok.kind not in ("ident", "symbol", "number", "name"):
            continue
        if runs and not tok.ws_before and runs[-1][1] == tok.start:
            runs[-1] = (runs[-1][0], tok.end)
        else:
            runs.append((tok.start, tok.end))
    for start, end in runs:
        raw = text[start:end]
        if raw.isascii() or (folded := unicodedata.normalize("NFKC", raw)) == raw:
            continue
        for m in _LOOKALIKE.finditer(folded):
            if m.group(1) not in raw:
                raise _Refusal(f"a look-alike of `{m.group(1)}` (NFKC folds it to the word the gate refuses)",
                               start, end)


# --- words -------------------------------------------------------------------------------------------

def _is_command(tok: Token) -> bool:
    return tok.is_word(*COMMANDS) or (tok.kind == "ident" and not tok.escaped and "." not in tok.text
                                      and tok.text.startswith(COMMAND_PREFIXES))


def _check_hidden(tok: Token) -> None:
    """What Lean's error recovery could re-read as code inside a string, a `«»` name or an identifier."""
    if tok.kind == "string":
        hidden = [tok.text]
    elif tok.kind in ("ident", "name"):
        hidden = [p for p in tok.parts if tok.escaped and not _is_plain_part(p)]
        last = tok.parts[-1] if tok.parts else ""
        if m := _CODE_COMMAND_SUFFIX.search(last):
            raise _refuse_at(f"`{last}` ends in `{m.group(0)}`: after a parse error Lean re-reads it from there, "
                             "as a command that runs code", tok)
    else:
        return
    for text in hidden:
        if m := _HIDDEN_CODE.search(text):
            raise _refuse_at(f"`{m.group(0)}` inside a string or `«»` name: after a parse error Lean re-reads "
                             "that text as code", tok)


def _is_plain_part(part: str) -> bool:
    """A `«»` part that could be written without the quotes: its text is a name, never code."""
    return bool(part) and is_id_first(part[0]) and all(is_id_rest(c) for c in part[1:])


def _check_word(tok: Token, cfg: LeanConfig) -> None:
    """Rules on one identifier or name literal, whatever its position: by its parts, escaped or not."""
    _check_hidden(tok)
    parts = tok.parts
    for part in parts:
        low = part.lower()
        if "sorry" in low:
            raise _refuse_at("`sorry` proves anything", tok)
        if part.startswith("admit"):
            raise _refuse_at("`admit` proves anything", tok)
        if not cfg.allow_native_decide and (part in NATIVE_WORDS or part.startswith("native")):
            raise _refuse_at("native code evaluation trusts the compiler (lean.allow_native_decide is off)", tok)
        if part in CODE_WORDS:
            raise _refuse_at(f"`{part}` runs code, reaches the compiler or IO, or leaves the machine", tok)
    if any("unsafe" in part.lower() for part in parts) and not tok.is_word("unsafe"):
        raise _refuse_at("unsafe code is not checked by the kernel", tok)
    meta = [p for p in parts if p != "_root_"]
    if len(meta) > 1 and meta[0] == "Lean" and meta[1] in LEAN_META:
        raise _refuse_at("reaches into Lean's meta level", tok)


def _check_open_names(names: list[Token]) -> None:
    for tok in names:
        parts = [p for p in tok.parts if p != "_root_"]
        if parts and parts[0] == "Lean" or tok.is_word("private"):
            raise _refuse_at("opens Lean's meta level or private names", tok)


# --- the token walk shared by statements and tactics ------------------------------------------------

def _option(tokens: list[Token], i: int, where: Where) -> int:
    """`set_option NAME VALUE` at i; returns the index after VALUE."""
    if i + 2 >= len(tokens) or tokens[i + 1].kind != "ident":
        raise _refuse_at("`set_option` must name an option and a value", tokens[i])
    name_tok, value = tokens[i + 1], tokens[i + 2]
    name = ".".join(name_tok.parts)
    if not (name in OPTIONS or name.startswith(OPTION_FAMILIES)):
        raise _Refusal(f"set_option {name} is not on the list of options that leave checking intact",
                       tokens[i].start, name_tok.end)
    if not (value.kind in ("number", "string") or value.is_word("true", "false")):
        raise _Refusal("a `set_option` value is a number, `true`, `false` or a string", tokens[i].start, value.end)
    if name in UNLIMITED_IS_ZERO and value.text == "0" and where != "header":
        # Datasets (miniF2F) state problems under `maxHeartbeats 0` in the header, and our own timeout still
        # holds there; inside a statement or tactic, Lean's limit is the cheap way out of a runaway tactic.
        raise _Refusal(f"set_option {name} 0 removes Lean's limit", tokens[i].start, value.end)
    return i + 3


def _open(tokens: list[Token], i: int) -> int:
    """`open [scoped] NAMES [(NAMES) | hiding NAMES]` at i; returns the index after it."""
    j = i + 1
    if j < len(tokens) and tokens[j].is_word("scoped"):
        j += 1
    names: list[Token] = []
    depth = 0
    while j < len(tokens):
        tok = tokens[j]
        if tok.kind == "ident" and not tok.is_word("in", "hiding") and not _is_command(tok):
            names.append(tok)
        elif tok.is_word("hiding") or tok.is_symbol("(") or (tok.is_symbol(")") and depth):
            depth += 1 if tok.is_symbol("(") else -1 if tok.is_symbol(")") else 0
        else:
            break
        j += 1
    if not names:
        raise _refuse_at("`open` must name what it opens", tokens[i])
    _check_open_names(names)
    return j


def _walk(text: str, tokens: list[Token], where: Where, cfg: LeanConfig, start: int = 0) -> None:
    """Rules for a tactic, and for a statement's signature: nothing declared, no option outside the list,
    `open`/`set_option` only with `in`, no code, brackets balanced."""
    stack: list[str] = []
    aesop_at: int | None = None  # bracket depth of an aesop `(add ...)` clause, where `unsafe` is a rule kind
    i = start
    while i < len(tokens):
        tok = tokens[i]
        kind = tok.kind
        if kind in ("ident", "name"):
            _check_word(tok, cfg)
        if kind == "ident":
            if tok.is_word("set_option"):
                i = _option(tokens, i, where)
                if i >= len(tokens) or not tokens[i].is_word("in"):
                    raise _refuse_at("`set_option` without `in` changes every later command", tok)
                continue
            if tok.is_word("open"):
                i = _open(tokens, i)
                if i >= len(tokens) or not tokens[i].is_word("in"):
                    raise _refuse_at("`open` without `in` changes every later name", tok)
                continue
            if tok.is_word("unsafe") and aesop_at is not None and len(stack) >= aesop_at:
                pass
            elif _is_command(tok):
                raise _refuse_at(f"`{tok.text}` starts or modifies a command: declarations and scoping commands "
                                 f"do not belong in a {where}" if where == "tactic" else
                                 f"`{tok.text}`: a statement is one declaration, nothing around it", tok)
            if tok.is_word("add") and i > 0 and tokens[i - 1].is_symbol("(") and _after_aesop(tokens, i - 1):
                aesop_at = len(stack)
            if tok.text == "config" and i + 2 < len(tokens) and tokens[i + 1].is_symbol(":="):
                _check_config(tokens, i + 2, len(stack))
        elif kind == "symbol":
            if tok.text == ":=" and where == "statement" and not stack:
                raise _refuse_at("a statement has no `:=` body: the proof is the tactics", tok)
            if tok.text == "@[":
                raise _refuse_at("attributes (@[implemented_by], @[extern], @[csimp] ...) change how code runs "
                                 "or is checked", tok)
            if tok.text == "`(":
                raise _refuse_at("syntax quotations belong to macros and meta-level code", tok)
            if tok.text == "#" and i + 1 < len(tokens):
                _check_hash(tokens[i + 1])
            if tok.text in OPENERS:
                stack.append(OPENERS[tok.text])
            elif tok.text in CLOSERS:
                # A tactic is one whole tactic: an unmatched bracket would join it to, or split it from, its
                # neighbours in the rendered `by` block. A statement's brackets are Lean's to complain about.
                if (not stack or stack.pop() != tok.text) and where == "tactic":
                    raise _refuse_at("a closing bracket with no opening one could end the `by` block", tok)
                if aesop_at is not None and len(stack) < aesop_at:
                    aesop_at = None
        elif kind == "string":
            _check_hidden(tok)
            if tok.braces and not tok.interpolated:
                raise _refuse_at("a string with `{` that Lean may read as interpolated (code) and the gate as "
                                 "text", tok)
        elif kind == "doc":
            raise _refuse_at(f"a doc comment belongs before the declaration, not in a {where}", tok)
        i += 1
    if stack and where == "tactic":
        raise _Refusal(f"an unclosed bracket (`{stack[-1]}` expected)", len(text), len(text))


def _after_aesop(tokens: list[Token], paren: int) -> bool:
    """Is the `(` at `paren` one of aesop's clauses: `aesop (add ...)`, after aesop and its other clauses?"""
    depth = 0
    for j in range(paren - 1, -1, -1):
        tok = tokens[j]
        if tok.is_symbol(")", "]", "}"):
            depth += 1
        elif tok.is_symbol("(", "[", "{"):
            depth -= 1
            if depth < 0:
                return False
        elif depth == 0:
            return tok.kind == "ident" and tok.text.startswith("aesop")
    return False


def _check_config(tokens: list[Token], i: int, depth: int) -> None:
    """`(config := VALUE)`: VALUE must be a structure instance naming its fields. An anonymous constructor
    `⟨false, true, ...⟩`, `Foo.mk ...` or `{ x with }` sets fields by position, and one of them is native."""
    if not tokens[i].is_symbol("{"):
        raise _refuse_at("a tactic configuration must be a `{ field := value }` structure instance", tokens[i])
    level = 0
    for tok in tokens[i:]:
        if tok.is_symbol("⟨") or tok.is_word("with") or (tok.kind == "ident" and tok.parts[-1] == "mk"):
            raise _refuse_at("a configuration that sets fields by position may turn native evaluation on", tok)
        if tok.kind == "symbol" and tok.text in OPENERS:
            level += 1
        elif tok.kind == "symbol" and tok.text in CLOSERS:
            level -= 1
            if level <= 0:
                return


HASH_COMMANDS = ("eval", "exit", "print", "check", "reduce", "synth", "help", "find", "simp", "norm_num", "conv",
                 "whnf", "lint", "guard", "time", "version", "where", "explode", "instances", "moogle", "loogle",
                 "leansearch", "parse", "push_neg", "unfold", "trans_imports", "min_imports", "import_path",
                 "count_heartbeats", "adaptation_note", "list_linters", "show", "kerodon", "stacks", "defeq",
                 "discr_tree", "test", "sample", "long_names", "redundant_imports", "help", "info_trees", "html",
                 "widget", "allow", "bench", "analyze", "reset", "grind", "dump", "test_extern", "exit")


def _check_hash(after: Token) -> None:
    """`#S`, `#AB`, `#(s ∩ t)`, `#{x ∈ s | p x}` count a finset's elements; `#eval`, `#exit`, `#print` are
    commands (Lean reads the longest `#...` token, so `#evalx` is `#eval x`). A `#` glued to a lowercase word
    that begins like a command, or to any lowercase word of four letters or more, is refused."""
    if after.ws_before or after.kind != "ident" or after.escaped:
        return
    word = after.parts[0]
    if word.startswith(HASH_COMMANDS) or (len(word) >= 4 and word[0].islower()):
        raise _Refusal("`#` commands (#eval, #exit, #print ...) run code or talk to the REPL", after.start - 1,
                       after.end)


# --- the three kinds of input ------------------------------------------------------------------------

def _header(tokens: list[Token]) -> None:
    i = 0
    imports_done = False
    while i < len(tokens):
        tok = tokens[i]
        if tok.is_word("import"):
            if imports_done:
                raise _refuse_at("`import` comes only at the start of the header", tok)
            if i + 1 >= len(tokens) or tokens[i + 1].kind != "ident" or _is_command(tokens[i + 1]):
                raise _refuse_at("`import` must name a module", tok)
            module = tokens[i + 1]
            if module.parts[0] not in IMPORT_ROOTS:
                raise _refuse_at(f"`import {module.text}`: only {', '.join(sorted(IMPORT_ROOTS))} may be imported",
                                 module)
            i += 2
            continue
        imports_done = True
        if tok.is_word("set_option"):
            i = _option(tokens, i, "header")
            if i < len(tokens) and tokens[i].is_word("in"):
                raise _refuse_at("`set_option ... in` in a header applies to nothing", tokens[i])
        elif tok.is_word("open"):
            i = _open(tokens, i)
            if i < len(tokens) and tokens[i].is_word("in"):
                raise _refuse_at("`open ... in` belongs to a statement, not a header", tokens[i])
        elif tok.is_word("universe"):
            i += 1
            if i >= len(tokens) or tokens[i].kind != "ident":
                raise _refuse_at("`universe` must name its universes", tok)
            while i < len(tokens) and tokens[i].kind == "ident" and not tokens[i].escaped \
                    and not _is_command(tokens[i]):
                i += 1
        elif tok.kind == "doc" and tok.text.startswith("/-!"):
            i += 1
        else:
            raise _refuse_at(f"`{tok.text[:20]}`: a header is imports, allow-listed options, opens and universes, "
                             "nothing else", tok)


def _statement(text: str, tokens: list[Token], cfg: LeanConfig) -> None:
    i = 0
    while i < len(tokens) and tokens[i].is_word("open", "set_option"):
        i = _open(tokens, i) if tokens[i].is_word("open") else _option(tokens, i, "statement")
        if i >= len(tokens) or not tokens[i].is_word("in"):
            raise _refuse_at(f"`{tokens[min(i, len(tokens) - 1)].text}`: in a statement, `open` and `set_option` "
                             "come only as `... in` before the declaration", tokens[min(i, len(tokens) - 1)])
        i += 1
    if i < len(tokens) and tokens[i].kind == "doc" and tokens[i].text.startswith("/--"):
        i += 1
    if i >= len(tokens) or not tokens[i].is_word(*DECLARATIONS):
        tok = tokens[min(i, len(tokens) - 1)] if tokens else None
        if tok is None:
            raise _Refusal("an empty statement", 0, 0)
        if tok.is_symbol("@["):
            raise _refuse_at("attributes (@[simp], @[implemented_by] ...): a statement is one declaration, "
                             "nothing around it", tok)
        raise _refuse_at(f"`{tok.text[:20]}`: a statement is one `theorem`, `lemma` or `example`, nothing "
                         "around it", tok)
    decl = tokens[i]
    i += 1
    if not decl.is_word("example"):
        if i >= len(tokens) or tokens[i].kind != "ident" or _is_command(tokens[i]):
            raise _refuse_at(f"`{decl.text}` must be followed by its name", decl)
        _check_word(tokens[i], cfg)
        i += 1
    body = tokens[i:]
    # `Theorem.from_text` drops a trailing `:= by`; anything else after a `:=` at depth 0 is a proof or a body.
    if len(body) >= 2 and body[-2].is_symbol(":=") and body[-1].is_word("by"):
        body = body[:-2]
    elif body and body[-1].is_symbol(":="):
        body = body[:-1]
    _walk(text, body, "statement", cfg)


def check(text: str, where: Where, cfg: LeanConfig) -> None:
    """Raise GateError (one line naming the construct and the reason) if `text` may not reach Lean."""
    offset = 1 if text.startswith(BOM) else 0  # a UTF-8 byte-order mark at the very start is no character
    body = text[offset:]
    try:
        _check_characters(body)
        try:
            tokens = tokenize(body)
        except LexError as e:
            raise _Refusal(f"{e.reason} (Lean's lexer stops here, and its recovery would re-read the text)",
                           e.pos, e.pos + 1) from e
        _check_lookalikes(body, tokens)
        if where == "header":
            for tok in tokens:
                if tok.kind in ("ident", "name"):
                    _check_word(tok, cfg)
                elif tok.kind == "string":
                    _check_hidden(tok)
                elif tok.kind == "symbol" and tok.text == "@[":
                    raise _refuse_at("attributes change how code runs or is checked", tok)
            _header(tokens)
        elif where == "statement":
            _statement(body, tokens, cfg)
        else:
            if not tokens:
                raise _Refusal("an empty tactic", 0, 0)
            _walk(body, tokens, "tactic", cfg)
    except _Refusal as r:
        raise GateError(f"refused by the safety gate: {r.why} (`{_snippet(body, r.start, r.end)}` in the {where})"
                        ) from None


def check_header(header: str, cfg: LeanConfig) -> None:
    check(header, "header", cfg)


def check_statement(statement: str, cfg: LeanConfig) -> None:
    check(statement, "statement", cfg)


def check_tactic(tactic: str, cfg: LeanConfig) -> None:
    if not tactic.strip():
        raise GateError("refused by the safety gate: an empty tactic")
    check(tactic, "tactic", cfg)


def check_theorem(theorem: Theorem, cfg: LeanConfig) -> None:
    """The header and the statement, as the CLI checks them before anything asks for Lean."""
    check_header(theorem.header, cfg)
    check_statement(theorem.statement, cfg)
