"""Lean 4's lexical grammar in Python, for the safety gate: the text split into tokens as Lean splits it.

Written to the letter of Lean's `Lean.Parser.Basic` (`whitespace`, `finishCommentBlock`, `identFnAux`,
`strLitFnAux`, `charLitFnAux`, `rawStrLitFnAux`, `numberFnAux`, `tokenFnAux`) and `Init.Meta`
(`isIdFirst`, `isIdRest`, `isLetterLike`, `isSubScriptAlnum`):

- `--` to the end of the line and `/- ... -/` (nested) are whitespace; `/--` and `/-!` are doc-comment tokens
  (their text is an atom, never code);
- identifiers are dot-separated parts, each a run of identifier characters or a `«...»` escape (an escaped
  part is a name, never a keyword); a whole unescaped identifier that equals a keyword *is* that keyword
  (`end` is a keyword, `end_le` and `x.end` are identifiers), as Lean's `mkIdResult` decides;
- string literals with Lean's escapes and gaps, raw strings `r"..."` / `r#"..."#`, char literals (`'a'`, but
  `h'` is an identifier and `''` a symbol), name literals `` `foo ``, numbers (binary, octal, hex,
  decimal, scientific, `_` separators);
- an interpolated string (after `s!`, `m!`, `f!`, `throwError`, ...) is lexed as Lean's `interpolatedStr`
  does: the text between `{` and `}` is code and its tokens are part of the stream.

Where Lean's lexer stops with an error (an unterminated comment, string or `«`, a bad escape, a tab or a
lone carriage return between tokens, a number without digits) this one raises LexError: Lean's error
recovery would re-read the text from another position, so the gate refuses rather than guess.

Lean has no fixed symbol table (every `notation` adds tokens); symbols here are the longest match over the
multi-character ones the gate must see whole, else one character. That only changes how a harmless symbol
is split, never what is a comment, a string or a keyword.
"""

from __future__ import annotations

from dataclasses import dataclass

# Ident-shaped tokens longer than the identifier they start with (Lean's longest-match rule in `mkIdResult`).
IDENT_PREFIX_TOKENS = ("eval%", "type_of%", "decl_name%", "by_elab", "Type*", "Sort*", "ℝ≥0∞", "ℝ≥0", "ℚ≥0",
                       "ℕ+", "ℕ∞")
# Multi-character symbols, longest first. Those with `'` matter: `f '' s` and `f ⁻¹' s` are not char literals.
SYMBOLS = tuple(sorted((
    ":=", "=>", "->", "<-", "<->", "<;>", "<|>", "<|", "|>.", "|>", "::", "..", "...", "++", "&&", "||", "==",
    "!=", ">=", "<=", ">>=", "<$>", "<*>", "%[", "@[", "#[", "''", "⁻¹'", "⁻¹", "×'", "∑'", "∏'", "`(", "``",
), key=len, reverse=True))
_SYMBOLS_BY_FIRST: dict[str, tuple[str, ...]] = {}
for _sym in SYMBOLS:
    _SYMBOLS_BY_FIRST[_sym[0]] = _SYMBOLS_BY_FIRST.get(_sym[0], ()) + (_sym,)
_IDENT_TOKENS_BY_FIRST: dict[str, tuple[str, ...]] = {}
for _sym in IDENT_PREFIX_TOKENS:
    _IDENT_TOKENS_BY_FIRST[_sym[0]] = _IDENT_TOKENS_BY_FIRST.get(_sym[0], ()) + (_sym,)
# Tokens after which a string literal is an interpolated string (`interpolatedStr(term)` in Lean's syntax).
# Elsewhere a string is plain, and the gate refuses a plain string with a `{` (see gate.py).
INTERPOLATING = frozenset({"s!", "m!", "f!", "throwError", "dbg_trace"})

OPENERS = {"(": ")", "[": "]", "{": "}", "⟨": "⟩", "⦃": "⦄", "%[": "]", "@[": "]", "#[": "]", "`(": ")"}
CLOSERS = frozenset(OPENERS.values())


class LexError(Exception):
    """Lean's lexer would stop here. `pos` is the offset in the text."""

    def __init__(self, reason: str, pos: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.pos = pos


@dataclass(slots=True)  # not frozen: a frozen dataclass is several times slower to build, and tokens are many
class Token:
    """One token. kind: ident | symbol | number | string | char | name | doc.

    `parts` are an identifier's (or name literal's) components with `«»` removed; `escaped` says whether any
    part was written in `«»`. `ws_before` says whether whitespace or a comment precedes it (Lean's `noWs`
    checks); `line_start` whether a line break does. `interpolated` marks a string piece of an
    interpolated string; `braces` a plain string whose text has a `{`.
    """

    kind: str
    text: str
    start: int
    end: int
    parts: tuple[str, ...] = ()
    escaped: bool = False
    ws_before: bool = False
    line_start: bool = False
    interpolated: bool = False
    braces: bool = False

    def is_word(self, *words: str) -> bool:
        """An unescaped identifier equal to one of `words`: to Lean, that keyword (if it is a token)."""
        return self.kind == "ident" and not self.escaped and self.text in words

    def is_symbol(self, *symbols: str) -> bool:
        return self.kind == "symbol" and self.text in symbols


# --- character classes (Init/Meta/Defs.lean) ---------------------------------------------------------

def is_letter_like(c: str) -> bool:
    v = ord(c)
    return ((0x3B1 <= v <= 0x3C9 and v != 0x3BB) or (0x391 <= v <= 0x3A9 and v not in (0x3A0, 0x3A3))
            or 0x3CA <= v <= 0x3FB or 0x1F00 <= v <= 0x1FFE or 0x2100 <= v <= 0x214F or 0x1D49C <= v <= 0x1D59F
            # Latin-1 and Latin Extended-A letters: identifier characters in recent Lean releases.
            or (0xC0 <= v <= 0xFF and v not in (0xD7, 0xF7)) or 0x100 <= v <= 0x17F)


def is_subscript_alnum(c: str) -> bool:
    v = ord(c)
    return 0x2080 <= v <= 0x2089 or 0x2090 <= v <= 0x209C or 0x1D62 <= v <= 0x1D6A or v == 0x2C7C


def is_id_first(c: str) -> bool:
    return ("a" <= c <= "z") or ("A" <= c <= "Z") or c == "_" or is_letter_like(c)


def is_id_rest(c: str) -> bool:
    return (("a" <= c <= "z") or ("A" <= c <= "Z") or ("0" <= c <= "9") or c in "_'!?"
            or is_letter_like(c) or is_subscript_alnum(c))


def _is_digit(c: str) -> bool:
    return c != "" and c in "0123456789"


def _is_hex(c: str) -> bool:
    return c != "" and c in "0123456789abcdefABCDEF"


# --- the lexer ---------------------------------------------------------------------------------------

class _Lexer:
    def __init__(self, text: str) -> None:
        self.s = text
        self.n = len(text)
        self.tokens: list[Token] = []

    def at(self, i: int) -> str:
        return self.s[i] if i < self.n else ""

    # whitespace and comments: returns (next position, saw whitespace, saw a line break)
    def whitespace(self, i: int, comments: bool = True) -> tuple[int, bool, bool]:
        start, newline = i, False
        while i < self.n:
            c = self.s[i]
            if c == "\t":
                raise LexError("a tab between tokens (Lean refuses tabs)", i)
            if c == "\r":
                raise LexError("a carriage return (Lean refuses a lone carriage return)", i)
            if c == " ":
                i += 1
            elif c == "\n":
                newline = True
                i += 1
            elif not comments and (c == "-" and self.at(i + 1) == "-" or c == "/" and self.at(i + 1) == "-"):
                raise LexError("a comment inside an interpolated string's code", i)
            elif c == "-" and self.at(i + 1) == "-":
                j = self.s.find("\n", i)
                i = self.n if j < 0 else j
            elif c == "/" and self.at(i + 1) == "-" and self.at(i + 2) not in ("-", "!"):
                end = self.finish_comment(i + 2, i)
                newline |= "\n" in self.s[i:end]
                i = end
            else:
                break
        return i, i > start, newline

    def finish_comment(self, i: int, opened: int) -> int:
        """After `/-` (or `/--`, `/-!`): the position after the matching `-/`, nesting counted."""
        depth = 1
        while i < self.n:
            c = self.s[i]
            if c == "-" and self.at(i + 1) == "/":
                depth -= 1
                i += 2
                if depth == 0:
                    return i
            elif c == "/" and self.at(i + 1) == "-":
                depth += 1
                i += 2
            else:
                i += 1
        raise LexError("an unterminated comment", opened)

    def run(self, i: int = 0, *, until_brace: bool = False) -> int:
        """Lex from i to the end (or, inside an interpolation, to its closing `}`); returns the end."""
        depth = 0
        while True:
            i, ws, nl = self.whitespace(i, comments=not until_brace)
            if i >= self.n:
                if until_brace:
                    raise LexError("an unterminated interpolated string", i)
                return i
            if until_brace:
                c = self.s[i]
                if c == "}" and depth == 0:
                    return i + 1
                depth += (c == "{") - (c == "}")
            i = self.token(i, ws or not self.tokens, nl or not self.tokens, nested=until_brace)

    def emit(self, kind: str, start: int, end: int, ws: bool, nl: bool, **kw) -> int:
        self.tokens.append(Token(kind, self.s[start:end], start, end, ws_before=ws, line_start=nl, **kw))
        return end

    def token(self, i: int, ws: bool, nl: bool, nested: bool) -> int:
        s, c = self.s, self.s[i]
        if nested and (c in "'`\"" or c == "r" and self.raw_start(i + 1)):
            # Kept out so that reading the string as plain or as interpolated ends it at the same quote.
            raise LexError("a literal inside an interpolated string's code", i)
        if c == '"':
            prev = self.tokens[-1] if self.tokens else None
            if prev is not None and prev.kind == "ident" and not prev.escaped and prev.text in INTERPOLATING:
                return self.interpolated(i, ws, nl)
            end, _ = self.string(i + 1, i, interpolating=False)
            return self.emit("string", i, end, ws, nl, braces="{" in s[i:end])
        if c == "'" and self.at(i + 1) != "'":
            return self.emit("char", i, self.char(i + 1, i), ws, nl)
        if _is_digit(c):
            return self.emit("number", i, self.number(i), ws, nl)
        if c == "`" and (is_id_first(self.at(i + 1)) or self.at(i + 1) == "«"):
            end, parts, escaped = self.ident(i + 1)
            return self.emit("name", i, end, ws, nl, parts=parts, escaped=escaped)
        if c == "r" and self.raw_start(i + 1):
            return self.emit("string", i, self.raw_string(i), ws, nl)
        if c == "/" and self.at(i + 1) == "-" and self.at(i + 2) in ("-", "!"):
            return self.emit("doc", i, self.finish_comment(i + 3, i), ws, nl)
        if is_id_first(c) or c == "«":
            end, parts, escaped = self.ident(i)
            for tk in _IDENT_TOKENS_BY_FIRST.get(c, ()):  # Lean: a token at least as long as the identifier wins
                if s.startswith(tk, i) and len(tk) >= end - i:
                    return self.emit("ident", i, i + len(tk), ws, nl, parts=(tk,))
            return self.emit("ident", i, end, ws, nl, parts=parts, escaped=escaped)
        for sym in _SYMBOLS_BY_FIRST.get(c, ()):
            if s.startswith(sym, i):
                return self.emit("symbol", i, i + len(sym), ws, nl)
        return self.emit("symbol", i, i + 1, ws, nl)

    def ident(self, i: int) -> tuple[int, tuple[str, ...], bool]:
        parts: list[str] = []
        escaped = False
        while True:
            if self.at(i) == "«":
                j = self.s.find("»", i + 1)
                if j < 0:
                    raise LexError("an unterminated `«` name", i)
                parts.append(self.s[i + 1:j])
                escaped = True
                i = j + 1
            else:
                j = i + 1
                while j < self.n and is_id_rest(self.s[j]):
                    j += 1
                parts.append(self.s[i:j])
                i = j
            nxt = self.at(i + 1)
            if self.at(i) == "." and nxt and (is_id_first(nxt) or nxt == "«"):
                i += 1
                continue
            return i, tuple(parts), escaped

    def escape(self, i: int, opened: int, *, in_string: bool, brace: bool) -> int:
        """After a backslash: the position after the escape (Lean's `quotedCharCoreFn`)."""
        c = self.at(i)
        if c and c in "\\\"'rnt" or brace and c == "{":
            return i + 1
        if c == "x":
            if all(_is_hex(self.at(i + k)) for k in (1, 2)):
                return i + 3
        elif c == "u":
            if all(_is_hex(self.at(i + k)) for k in (1, 2, 3, 4)):
                return i + 5
        elif in_string and c == "\n":  # a string gap: one line break, then whitespace
            i += 1
            while i < self.n and self.s[i] in " \t\r\n":
                if self.s[i] == "\n":
                    raise LexError("a second line break in a string gap", i)
                i += 1
            return i
        raise LexError("an invalid escape sequence", opened)

    def string(self, i: int, opened: int, *, interpolating: bool) -> tuple[int, bool]:
        """After the opening quote (or a `}`): (the position after the closing quote, True), or, when
        interpolating, (the position after a `{`, False)."""
        while i < self.n:
            c = self.s[i]
            if c == '"':
                return i + 1, True
            if c == "\\":
                i = self.escape(i + 1, opened, in_string=True, brace=interpolating)
            elif c == "{" and interpolating:
                return i + 1, False
            else:
                i += 1
        raise LexError("an unterminated string literal", opened)

    def interpolated(self, i: int, ws: bool, nl: bool) -> int:
        """Lean's `interpolatedStr`: string pieces as tokens, and the code between `{` and `}` as tokens."""
        opened, start = i, i
        i += 1
        while True:
            end, closed = self.string(i, opened, interpolating=True)
            self.emit("string", start, end, ws, nl, interpolated=True)
            if closed:
                return end
            start = self.run(end, until_brace=True) - 1  # the next piece starts at the closing `}`
            i, ws, nl = start + 1, False, False

    def char(self, i: int, opened: int) -> int:
        if i >= self.n:
            raise LexError("an unterminated character literal", opened)
        i = self.escape(i + 1, opened, in_string=False, brace=False) if self.s[i] == "\\" else i + 1
        if self.at(i) != "'":
            raise LexError("a character literal without its closing `'`", opened)
        return i + 1

    def raw_start(self, i: int) -> bool:
        while self.at(i) == "#":
            i += 1
        return self.at(i) == '"'

    def raw_string(self, i: int) -> int:
        opened = i
        i += 1
        hashes = 0
        while self.s[i] == "#":
            hashes += 1
            i += 1
        closing = '"' + "#" * hashes
        j = self.s.find(closing, i + 1)
        if j < 0:
            raise LexError("an unterminated raw string literal", opened)
        return j + len(closing)

    def digits(self, i: int, ok, what: str, need: bool) -> int:
        while i < self.n and (self.s[i] == "_" or ok(self.s[i])):
            need = self.s[i] == "_"
            i += 1
        if need:
            raise LexError(f"a {what} without its digits", i)
        return i

    def number(self, i: int) -> int:
        """Lean's `numberFnAux`: `0b`/`0o`/`0x` with digits, else decimal with an optional `.digits` (a bare
        `2.` is a literal too) and exponent; `_` separates digits."""
        if self.s[i] == "0" and self.at(i + 1) in ("b", "B", "o", "O", "x", "X"):
            kind = self.s[i + 1].lower()
            ok = {"b": lambda c: c in "01", "o": lambda c: c in "01234567", "x": _is_hex}[kind]
            name = {"b": "binary number", "o": "octal number", "x": "hexadecimal number"}[kind]
            return self.digits(i + 2, ok, name, True)
        i = self.digits(i + 1, _is_digit, "decimal number", False)
        if self.at(i) == ".":
            i += 1
            if _is_digit(self.at(i)):
                i = self.digits(i, _is_digit, "decimal number", False)
        if self.at(i) in ("e", "E"):
            i += 1
            if self.at(i) in ("-", "+"):
                i += 1
            if not _is_digit(self.at(i)):
                raise LexError("a scientific literal without exponent digits", i)
            i = self.digits(i, _is_digit, "decimal number", False)
        return i


def tokenize(text: str) -> list[Token]:
    """The tokens of `text` as Lean reads them; LexError where Lean's lexer would stop."""
    lexer = _Lexer(text)
    lexer.run()
    return lexer.tokens
