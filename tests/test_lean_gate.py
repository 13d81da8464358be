"""The safety gate and its lexer: Lean's lexical grammar, the rules on tokens, and where the gate runs."""

from __future__ import annotations

import json

import pytest

from prover.config import OLYMPIAD_HEADER, LeanConfig
from prover.core import GateError
from prover.env.lean import gate
from prover.env.lean.lexer import LexError, tokenize

CFG = LeanConfig()


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in tokenize(text)]


# ---------------------------------------------------------------------------------------------------
# The lexer reads as Lean reads


def test_comments_are_whitespace_and_nest():
    assert kinds("set_option/- -/debug.skipKernelTC true") == [
        ("ident", "set_option"), ("ident", "debug.skipKernelTC"), ("ident", "true")]
    assert kinds("set_option--x\ndebug.skipKernelTC") == [("ident", "set_option"), ("ident", "debug.skipKernelTC")]
    assert kinds("a /- b /- c -/ d -/ e") == [("ident", "a"), ("ident", "e")]
    assert kinds("a /-/ b -/ c") == [("ident", "a"), ("ident", "c")]  # `/-/` opens a comment
    assert kinds("/-- doc /- x -/ -/ theorem") == [("doc", "/-- doc /- x -/ -/"), ("ident", "theorem")]
    assert kinds("/-! mod -/")[0][0] == "doc"
    tokens = tokenize("simp -- c\n  exact h")
    assert [t.line_start for t in tokens] == [True, True, False] and tokens[1].ws_before


def test_identifiers_keywords_and_quoted_names():
    tokens = tokenize("x.end end_le end h' foo'' «sorry» Nat.«my name».x h₁ α.β exact? aesop!")
    assert [t.text for t in tokens] == ["x.end", "end_le", "end", "h'", "foo''", "«sorry»", "Nat.«my name».x",
                                        "h₁", "α.β", "exact?", "aesop!"]
    assert tokens[2].is_word("end") and not tokens[0].is_word("end") and not tokens[1].is_word("end")
    assert tokens[5].parts == ("sorry",) and tokens[5].escaped and not tokens[5].is_word("sorry")
    assert tokens[6].parts == ("Nat", "my name", "x")
    # Lean's longest match: a token at least as long as the identifier wins
    assert [t.text for t in tokenize("eval% Type* ℝ≥0")] == ["eval%", "Type*", "ℝ≥0"]


def test_literals():
    assert kinds('"a -- b /- c" x') == [("string", '"a -- b /- c"'), ("ident", "x")]
    assert kinds(r'"q\"\\\n\x41\u00e9" y') == [("string", r'"q\"\\\n\x41\u00e9"'), ("ident", "y")]
    assert kinds('"gap\\\n   done"')[0][0] == "string"
    assert kinds('r#"a "quoted" b"# r"x"') == [("string", 'r#"a "quoted" b"#'), ("string", 'r"x"')]
    assert kinds("'a' '\\n' h' f '' s f ⁻¹' s ∑' n") == [
        ("char", "'a'"), ("char", "'\\n'"), ("ident", "h'"), ("ident", "f"), ("symbol", "''"), ("ident", "s"),
        ("ident", "f"), ("symbol", "⁻¹'"), ("ident", "s"), ("symbol", "∑'"), ("ident", "n")]
    assert kinds("`foo ``bar `(x)") == [("name", "`foo"), ("symbol", "``"), ("ident", "bar"), ("symbol", "`("),
                                        ("ident", "x"), ("symbol", ")")]
    assert [t for k, t in kinds("0x1F 0b10 2.5e-3 1_000 2. h.2.1") if k == "number"] == [
        "0x1F", "0b10", "2.5e-3", "1_000", "2.", "2.1"]
    assert tokenize('"{x}"')[0].braces and not tokenize('"x"')[0].braces


def test_interpolated_strings_expose_their_code():
    assert kinds('s!"a{x + 1}b{y}"') == [
        ("ident", "s!"), ("string", '"a{'), ("ident", "x"), ("symbol", "+"), ("number", "1"), ("string", "}b{"),
        ("ident", "y"), ("string", '}"')]
    assert kinds('s!"\\{not code}"') == [("ident", "s!"), ("string", '"\\{not code}"')]
    with pytest.raises(LexError):  # a literal inside the code could make the two readings disagree
        tokenize('s!"{"}" sorry "{"}"')


@pytest.mark.parametrize("text", [
    "/- open", "a /- /- -/", '"open', '"\\q"', "'ab'", "«open", "1e", "0x", "1_", "a\tb", "a\rb", 's!"{x"',
    "/-- doc", "r#\"x\"",
])
def test_where_lean_stops_the_lexer_stops(text):
    with pytest.raises(LexError):
        tokenize(text)


def test_tabs_and_anything_inside_a_comment_are_fine():
    assert kinds("a -- tab\there\nb /- \t -/ c") == [("ident", "a"), ("ident", "b"), ("ident", "c")]


# ---------------------------------------------------------------------------------------------------
# The rules


def refused(text: str, where: str = "tactic", cfg: LeanConfig = CFG) -> str:
    with pytest.raises(GateError) as e:
        gate.check(text, where, cfg)  # type: ignore[arg-type]
    message = str(e.value)
    assert "\n" not in message and message.startswith("refused by the safety gate"), message
    return message


@pytest.mark.parametrize("tactic, reason", [
    ("sorry", "sorry"), ("exact sorryAx _ false", "sorry"), ("«sorry»", "sorry"), ("admit", "admit"),
    ("#eval IO.println 1", "#"), ("  #exit", "#"), ("run_tac Lean.Elab.Tactic.done", "runs code"),
    ("native_decide", "native"), ("decide +native", "native"), ("decide (config := {native := true})", "native"),
    ("decide (config := ⟨false, true, true, false⟩)", "structure instance"),
    ("exact Lean.ofReduceBool _ _ rfl", "native"), ("exact (unsafeCast 0 : False)", "unsafe"),
    ("simp\naxiom foo : False", "axiom"), ("omega\ntheorem x : False := by simp", "theorem"),
    ("simp\nend", "end"), ("simp\n@[implemented_by f] def g := 1", "attributes"),
    ("set_option debug.skipKernelTC true in simp", "set_option debug.skipKernelTC"),
    ("set_option/- -/debug.skipKernelTC true in decide +kernel", "set_option debug.skipKernelTC"),
    ("set_option--\ndebug.skipKernelTC true in decide +kernel", "set_option debug.skipKernelTC"),
    ("set_option maxHeartbeats 0 in nlinarith", "limit"), ("set_option pp.all true", "without `in`"),
    ("open Foo\nsimp", "`open` without `in`"), ("open Lean Elab in simp", "meta"), ("polyrith", "polyrith"),
    ("import Mathlib.Tactic", "import"), ("simp)", "closing bracket"), ("exact (h", "unclosed"),
    ("ｓｏｒｒｙ", "look-alike of `sorry`"), ("simp\u202e", "invisible"), ("simp\rexact h", "invisible"),
    ("/-- doc -/ simp", "doc comment"), ('exact "{".length', "interpolated"), ("exact (add unsafe x)", "unsafe"),
])
def test_dangerous_tactics_are_refused_with_one_line_naming_the_construct(tactic, reason):
    assert reason.lower() in refused(tactic).lower()


@pytest.mark.parametrize("tactic", ["", "   ", "-- only a comment", "/- only a comment -/"])
def test_a_tactic_with_no_tokens_is_refused(tactic):
    assert "empty" in refused(tactic)


def test_comments_and_strings_neither_bypass_nor_refuse():
    for tactic in ["omega -- for example", "-- open interval\nsimp", "-- the structure is clear\nlinarith",
                   "/- sorry, theorem, #eval -/ simp", 'exact "theorem sorry".length', "exact 'x'",
                   "set_option maxRecDepth 1000 in simp", "aesop (add unsafe 50% apply foo)",
                   "rw [StateT.run_bind]", "have : #S = 2 := h", "exact (#AB : ℕ)", "exact fun x => x.end_le"]:
        gate.check_tactic(tactic, CFG)


def test_what_error_recovery_would_re_read_as_code_is_refused():
    """After a parse error Lean tries a command at each next character: inside strings, `«»` names and
    identifiers, never inside a comment (whitespace skips it whole)."""
    for tactic in ['exact (1 +) "#eval IO.println 1"', 'exact (1 +) "run_cmd pure ()"', "exact («x #eval 1» +)",
                   "exact (1 +)\nxrun_cmd pure ()", "exact (1 +) foo.run_elab pure ()"]:
        assert "re-read" in refused(tactic)
    gate.check_tactic("exact (1 +) -- #eval IO.println 1, run_cmd", CFG)
    gate.check_tactic('exact "a plain string".length', CFG)


def test_native_evaluation_only_when_allowed():
    allowed = LeanConfig(allow_native_decide=True)
    for tactic in ["native_decide", "decide +native", "exact Lean.ofReduceBool _ _ rfl", "bv_decide"]:
        gate.check_tactic(tactic, allowed)
        refused(tactic)
    refused("exact sorry", cfg=allowed)  # nothing else is loosened


@pytest.mark.parametrize("statement", [
    "theorem foo' (x : ℕ) : x = x", "theorem «my theorem» : True", "theorem t.{u} (α : Sort u) : α → α",
    "/-- A doc comment. -/\ntheorem t : True", "open Real in\ntheorem t : π > 3", "example : 1 + 1 = 2",
    "set_option maxRecDepth 2000 in\nopen Nat in\n/-- doc -/\nlemma t (n : ℕ) : n ! > 0",
    "theorem t (h : (by norm_num : (0:ℝ) < 2) = h') : True", "theorem t : |(-2 : ℤ)| = 2",
    "theorem t (s : Finset ℕ) (h : #s = 3) : s.Nonempty", "theorem t : True := by",
    "theorem t (f : ℕ → ℕ) (h : ∀ x, f x = (fun y => y) x) : f 1 = 1",
])
def test_statements_that_verify(statement):
    gate.check_statement(statement, CFG)


@pytest.mark.parametrize("statement, reason", [
    ("theorem t : True := trivial\ntheorem u : False", "`:=`"),
    ("theorem t (x : Nat) : x = x\ndef f := 1", "one declaration"),
    ("theorem t : True\naxiom a : False", "one declaration"),
    ("import Mathlib\ntheorem t : True", "`import`"),
    ("@[simp] theorem t : True", "attributes"),
    ("theorem t : True\n#exit", "#"),
    ("unsafe def t : True", "unsafe"),
    ("open Foo\ntheorem t : True", "`... in`"),
    ("set_option maxHeartbeats 0 in theorem t : True", "limit"),
    ("local notation3 \"myFalse\" => True\ntheorem t : myFalse", "local"),
    ("theorem t : True\n/-- doc -/", "doc comment"),
    ("theorem : True", "name"),
    ("", "empty"),
])
def test_smuggling_through_a_statement_is_refused(statement, reason):
    assert reason.lower() in refused(statement, "statement").lower()


def test_headers_are_imports_options_opens_and_universes():
    gate.check_header(OLYMPIAD_HEADER, CFG)
    gate.check_header("\ufeffimport Mathlib\nimport Aesop\n\nset_option maxHeartbeats 0\n\nopen BigOperators Real\n",
                      CFG)  # miniF2F's, behind a byte-order mark
    gate.check_header("import Mathlib\nset_option checkBinderAnnotations false\nopen scoped Real\n"
                      "open Nat hiding add_comm\nuniverse u v\n-- a comment\n/-! module doc -/\n", CFG)  # ProofNet's
    gate.check_header("", CFG)
    for header, reason in [
        ("import Mathlib\nset_option debug.skipKernelTC true", "debug.skipKernelTC"),
        ("import Mathlib\naxiom cheat : False", "nothing else"), ("import Mathlib\n#eval 1", "nothing else"),
        ("import Mathlib\nvariable (h : False)\ninclude h", "nothing else"),
        ("import Mathlib\nnamespace Foo\ndef Nat.Prime (n : ℕ) : Prop := True", "nothing else"),
        ("import Mathlib\nopen Real\nimport Aesop", "only at the start"), ("import Evil", "may be imported"),
        ("import Mathlib\nopen Real in", "statement"), ("import Mathlib\nset_option maxHeartbeats 0 in", "nothing"),
        ("import Mathlib\nopen Lean", "meta"), ("import Mathlib\n@[simp] theorem x : True", "attributes"),
        ("\ufeff\ufeffimport Mathlib", "invisible"),
    ]:
        assert reason in refused(header, "header")


def test_the_gate_runs_before_any_toolchain_check(capsys, tmp_path):
    """A hostile input is refused as such (exit 2, one line) whether or not Lean is installed here."""
    from prover.cli import main

    code = main(["check", "theorem t : 2 + 2 = 5", "--proof", "set_option/- -/debug.skipKernelTC true in decide"])
    err = capsys.readouterr().err
    assert code == 2 and "safety gate" in err and "debug.skipKernelTC" in err and err.count("\n") == 1
    code = main(["prove", "theorem t : True\naxiom cheat : False"])
    err = capsys.readouterr().err
    assert code == 2 and "safety gate" in err and "axiom" in err
    data = tmp_path / "rows.jsonl"
    row = {"name": "bad", "split": "test", "informal_prefix": "", "goal": "⊢ False",
           "header": "import Mathlib\nvariable (h : False)", "formal_statement": "theorem bad : False := by\n"}
    data.write_text(json.dumps(row) + "\n")
    code = main(["bench", str(data), "--no-progress", "--out", str(tmp_path / "out.jsonl")])
    err = capsys.readouterr().err
    assert code == 2 and "safety gate" in err and "bad" in err
    assert not (tmp_path / "out.jsonl").exists()  # nothing partial is written
