"""The model policy: a byte-level model of a few hundred thousand parameters, trained for seconds on
states from replaying prop proofs, then loaded as a checkpoint the way `--policy DIR` loads it."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from prover.cli import main
from prover.config import Config, PolicyConfig, TrainConfig
from prover.core import Failed, ProverError, Theorem
from prover.policy import make_policy
from prover.policy.data import Example
from prover.policy.hf import HFPolicy
from prover.policy.model import completion_ids, completion_logprobs, prompt_ids, save_checkpoint
from prover.policy.prompts import well_formed
from prover.policy.train import rank_loss, to_rank_lists, train_sft

PropEnv = pytest.importorskip("prover.env.prop").PropEnv

PROOFS = [
    ("theorem t1 (p q : Prop) : p ∧ q → q ∧ p", ["intro h", "exact ⟨h.2, h.1⟩"]),
    ("theorem t2 (p q : Prop) : p ∨ q → q ∨ p", ["intro h", "rcases h with h1 | h2", "exact Or.inr h1",
                                                 "exact Or.inl h2"]),
    ("theorem t3 (p q : Prop) : (p → q) → ¬q → ¬p", ["intro h", "intro h1", "intro h2", "exact h1 (h h2)"]),
    ("theorem t4 (p : Prop) : False → p", ["intro h", "exact False.elim h"]),
    ("theorem t5 (p q : Prop) : (p ↔ q) → q → p", ["intro h", "exact h.2"]),
    ("theorem t6 (p q r : Prop) : (p → q) → (q → r) → p → r", ["intro h", "intro h1", "intro h2", "apply h1",
                                                              "apply h", "exact h2"]),
]
UNPROVABLE = ["theorem u1 (p q : Prop) : p → q", "theorem u2 (p : Prop) : p ∨ ¬p", "theorem u3 (p q : Prop) : q"]
TINY = dict(model_dim=96, model_layers=2, model_heads=4)


def replay() -> list[Example]:
    """(state, tactic, value 1) along each proof as PropEnv prints it; value 0 at unprovable roots."""
    env, out = PropEnv(), []
    for statement, tactics in PROOFS:
        state = env.open(Theorem.from_text(statement))
        for tactic in tactics:
            out.append(Example(state.text, tactic, 1.0))
            result = env.step(state, tactic)
            assert not isinstance(result, Failed), (statement, tactic, result)
            state = result.state
        assert state.solved
    out += [Example(env.open(Theorem.from_text(s)).text, None, 0.0) for s in UNPROVABLE]
    return out


CPU = PolicyConfig(device="cpu")


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    examples = replay()
    out = tmp_path_factory.mktemp("policy") / "ckpt"
    cfg = TrainConfig(steps=200, batch_size=16, lr=3e-3, warmup_steps=20, save_every=100, eval_fraction=0, **TINY)
    result = train_sft(examples, out, cfg, CPU, progress=False)
    return result, out, examples


def test_training_lowers_the_loss_and_ranks_the_proof_step_first(trained):
    result, out, examples = trained
    assert 100_000 < result.parameters < 1_000_000
    first, last = result.losses[0][1], sum(loss for _, loss in result.losses[-10:]) / 10
    assert last < first / 10, result.losses
    policy = HFPolicy.load(out, CPU)
    steps = [ex for ex in examples if ex.tactic]
    proposals = policy.propose([ex.state for ex in steps], 4)
    top = [props[0][0] if props else None for props in proposals]
    hits = sum(t == ex.tactic for t, ex in zip(top, steps, strict=True))
    assert hits >= 0.9 * len(steps), list(zip(top, [ex.tactic for ex in steps], strict=True))


def test_the_value_query_separates_provable_from_unprovable(trained):
    _, out, examples = trained
    policy = make_policy(Config(policy={"kind": str(out), "device": "cpu"}))
    values = policy.value([ex.state for ex in examples])
    assert all(0.0 <= v <= 1.0 for v in values)
    good = [v for v, ex in zip(values, examples, strict=True) if ex.value == 1.0]
    bad = [v for v, ex in zip(values, examples, strict=True) if ex.value == 0.0]
    assert min(good) > 0.5 > max(bad)


def test_proposals_are_deterministic_distinct_sorted_and_well_formed(trained):
    _, out, examples = trained
    policy = HFPolicy.load(out, CPU.model_copy(update={"temperature": 2.0}))  # hot: many distinct samples
    states = [ex.state for ex in examples[:6]]
    rng_before = torch.random.get_rng_state()
    a, b = policy.propose(states, 8), policy.propose(states, 8)
    assert a == b and torch.equal(rng_before, torch.random.get_rng_state())
    assert any(len(props) > 1 for props in a)
    for props in a:
        tactics, logps = [t for t, _ in props], [lp for _, lp in props]
        assert len(props) <= 8 and len(set(tactics)) == len(tactics)
        assert logps == sorted(logps, reverse=True) and all(lp <= 0 for lp in logps)
        assert all(well_formed(t) for t in tactics)


def test_log_probs_from_batched_sampling_match_a_separate_scoring_pass(trained):
    _, out, examples = trained
    policy = HFPolicy.load(out, CPU.model_copy(update={"temperature": 2.0}))
    states = list(dict.fromkeys(ex.state for ex in examples))[:8]  # goals of different lengths in one batch
    ckpt, checked = policy.ckpt, 0
    for state, props in zip(states, policy.propose(states, 8), strict=True):
        prompt = prompt_ids(ckpt, ckpt.fmt.prompt(state))
        pairs = [(prompt, completion_ids(ckpt, t, eos=True)) for t, _ in props]
        with torch.inference_mode():
            scored = completion_logprobs(ckpt, pairs)[0].tolist()
        for (_, lp), exact in zip(props, scored, strict=True):
            assert exact == pytest.approx(lp, abs=1e-3)
            checked += 1
    assert checked > len(states)


def test_a_state_with_no_proposals_scores_to_nothing(trained):
    """All of a state's samples can be cut or malformed; scoring its empty list must not crash the batch."""
    ckpt = HFPolicy.load(trained[1], CPU).ckpt
    logp, count = completion_logprobs(ckpt, [])
    assert logp.shape == (0,) and count.shape == (0,)


def test_scoring_with_a_shared_prompt_cache_matches_reading_each_sequence_whole(trained):
    """Ranking reads each prompt once and copies its cache to every candidate; that must change nothing."""
    _, out, examples = trained
    ckpt = HFPolicy.load(out, CPU).ckpt
    states = list(dict.fromkeys(ex.state for ex in examples))[:3]
    pairs = [(prompt_ids(ckpt, ckpt.fmt.prompt(s)), completion_ids(ckpt, t, eos=True))
             for s in states for t in ["intro h", "exact ⟨h.2, h.1⟩", ""]]  # "" is the eos alone
    with torch.inference_mode():
        shared, counts = completion_logprobs(ckpt, pairs)
        for (prompt, completion), lp, n in zip(pairs, shared.tolist(), counts.tolist(), strict=True):
            logits = ckpt.model(input_ids=torch.tensor([prompt + completion])).logits[0, len(prompt) - 1:-1]
            whole = torch.log_softmax(logits.float(), -1).gather(1, torch.tensor(completion)[:, None]).sum()
            assert lp == pytest.approx(whole.item(), abs=1e-3) and n == len(completion)


def test_samples_cut_at_the_token_limit_are_never_tactics_but_are_returned_as_text(trained):
    _, out, examples = trained
    policy = HFPolicy.load(out, CPU.model_copy(update={"max_new_tokens": 2}))  # no tactic fits in 2 bytes
    assert policy.propose([examples[0].state], 8) == [[]]
    texts = policy.sample(policy.ckpt.fmt.prompt(examples[0].state), 5)
    assert len(texts) == 5 and all(len(t.encode()) <= 2 for t in texts)  # the formalizer counts every sample


def test_beam_search_returns_the_k_best_distinct_tactics(trained):
    _, out, examples = trained
    policy = HFPolicy.load(out, CPU.model_copy(update={"decoding": "beam"}))
    props = policy.propose([examples[0].state], 4)[0]
    assert props and props[0][0] == examples[0].tactic
    assert len({t for t, _ in props}) == len(props) <= 4


def test_save_and_load_give_identical_outputs(trained, tmp_path):
    _, out, examples = trained
    first = HFPolicy.load(out, CPU)
    save_checkpoint(first.ckpt, tmp_path / "copy")
    second = HFPolicy.load(tmp_path / "copy", CPU)
    states = [ex.state for ex in examples[:5]]
    assert first.propose(states, 4) == second.propose(states, 4)
    assert first.value(states) == second.value(states)
    for p, q in zip(first.ckpt.model.state_dict().values(), second.ckpt.model.state_dict().values(), strict=True):
        assert torch.equal(p, q)


def test_a_broken_checkpoint_is_one_clear_error(trained, tmp_path):
    _, out, _ = trained
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(ProverError, match=f"cannot load policy checkpoint {broken}") as info:
        make_policy(Config(policy={"kind": str(broken), "device": "cpu"}))
    assert "\n" not in str(info.value)


def test_a_killed_run_resumes_to_the_same_model_and_reports_eval_loss(tmp_path):
    examples = replay()
    cfg = TrainConfig(steps=10, batch_size=8, lr=1e-3, warmup_steps=2, save_every=3, eval_fraction=0.2, **TINY)
    straight = train_sft(examples, tmp_path / "a", cfg, CPU, progress=False)

    def crash(step: int, loss: float) -> None:
        if step == 8:
            raise KeyboardInterrupt  # after the checkpoint at step 6, before the one at 9

    with pytest.raises(KeyboardInterrupt):
        train_sft(examples, tmp_path / "b", cfg, CPU, progress=False, on_step=crash)
    with pytest.raises(ProverError, match="--resume"):
        train_sft(examples, tmp_path / "b", cfg, CPU, progress=False)
    resumed = train_sft(examples, tmp_path / "b", cfg, CPU, resume=True, progress=False)
    assert resumed.steps == 10 and [s for s, _ in resumed.losses] == [7, 8, 9, 10]
    assert [loss for _, loss in resumed.losses] == pytest.approx([loss for _, loss in straight.losses[6:]])
    assert [s for s, _ in straight.eval_losses] == [3, 6, 9, 10] and straight.held_out_states >= 1
    a = HFPolicy.load(tmp_path / "a", CPU).ckpt.model.state_dict()
    b = HFPolicy.load(tmp_path / "b", CPU).ckpt.model.state_dict()
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)


def test_a_seq2seq_model_trains_and_serves(tmp_path):
    examples = replay()
    cfg = TrainConfig(steps=40, batch_size=16, lr=3e-3, warmup_steps=5, save_every=40, eval_fraction=0,
                      model_arch="seq2seq", model_dim=64, model_layers=1, model_heads=4)
    result = train_sft(examples, tmp_path / "s2s", cfg, CPU, progress=False)
    assert result.losses[-1][1] < result.losses[0][1] / 2
    policy = make_policy(Config(policy={"kind": str(tmp_path / "s2s"), "device": "cpu"}))
    assert policy.ckpt.seq2seq and policy.ckpt.fmt.name == "reprover"
    props = policy.propose([ex.state for ex in examples[:3]], 4)
    assert len(props) == 3 and all(len(p) <= 4 for p in props)
    assert all(0.0 <= v <= 1.0 for v in policy.value([examples[0].state]))


@pytest.mark.slow
def test_cli_train_then_prove_with_the_checkpoint(tmp_path, capsys):
    data = tmp_path / "sft.jsonl"
    data.write_text("".join(json.dumps(ex.__dict__, ensure_ascii=False) + "\n" for ex in replay()))
    out = tmp_path / "ckpt"
    assert main(["train", "--sft", str(data), "--out", str(out), "--steps", "200", "--lr", "3e-3",
                 "--batch-size", "16", "--device", "cpu"]) == 0
    assert "trained to step 200" in capsys.readouterr().out
    assert (out / "model.safetensors").is_file() and (out / "prover_policy.json").is_file()
    code = main(["prove", "--env", "prop", "--policy", str(out), "--budget-steps", "50", "--json",
                 PROOFS[0][0]])
    record = json.loads(capsys.readouterr().out)
    assert code == 0 and record["proved"] and record["tactics"] == PROOFS[0][1]


def test_cli_train_errors(tmp_path, capsys):
    assert main(["train"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("prover train: ") and err.count("\n") == 1
    assert main(["train", "--sft", str(tmp_path / "none.jsonl"), "--out", str(tmp_path / "o")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["train", "--sft", str(tmp_path / "none.jsonl")]) == 2
    assert "--out" in capsys.readouterr().err


def test_a_model_ranking_uniform_candidates_puts_the_proof_step_first(trained):
    _, out, examples = trained
    cfg = Config(env="prop", policy=PolicyConfig(kind=str(out), device="cpu", candidates="uniform"))
    ranked = make_policy(cfg)
    base = make_policy(Config(env="prop", policy=PolicyConfig(kind="uniform")))
    steps = [ex for ex in examples if ex.tactic]
    proposals = ranked.propose([ex.state for ex in steps], 4)
    hits = 0
    for ex, props in zip(steps, proposals, strict=True):
        offered = {t for t, _ in base.propose([ex.state], 64)[0]}
        assert props and {t for t, _ in props} <= offered  # only well-formed tactics the base offered
        assert all(lp <= 0 for _, lp in props) and [lp for _, lp in props] == sorted((lp for _, lp in props),
                                                                                     reverse=True)
        hits += props[0][0] == ex.tactic
    assert hits >= 0.8 * len(steps), (hits, len(steps))
    full = ranked.propose([steps[0].state], 64)[0]
    assert abs(sum(torch.tensor([lp for _, lp in full]).exp().tolist()) - 1.0) < 1e-4  # a distribution over them


def test_a_ranking_model_is_trained_on_its_decision_among_the_offered_tactics(tmp_path):
    """With policy.candidates set, each proof step also trains the choice among the tactics the proposer
    offers there: a softmax over their log-probs, whose cross-entropy is the rank loss."""
    examples = replay()
    pcfg = CPU.model_copy(update={"candidates": "uniform"})
    cfg = TrainConfig(steps=120, batch_size=16, lr=3e-3, warmup_steps=10, save_every=120, eval_fraction=0, **TINY)
    train_sft(examples, tmp_path / "ckpt", cfg, pcfg, progress=False)
    ckpt = HFPolicy.load(tmp_path / "ckpt", pcfg).ckpt
    lists = to_rank_lists(ckpt, examples, pcfg)
    steps = [ex for ex in examples if ex.tactic]
    assert 0 < len(lists) <= len(steps)  # steps where the proposer offers one tactic teach no choice
    with torch.inference_mode():
        loss = rank_loss(ckpt, lists).item()
        right = 0
        for prompt, offered, gold in lists:
            logp = completion_logprobs(ckpt, [(prompt, c) for c in offered])[0]
            right += int(logp.argmax()) == gold
        by_hand = sum(-torch.log_softmax(completion_logprobs(ckpt, [(p, c) for c in o])[0], 0)[g].item()
                      for p, o, g in lists) / len(lists)
    assert loss == pytest.approx(by_hand, abs=1e-4)
    assert right >= 0.8 * len(lists)
