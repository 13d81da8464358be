"""A checkpoint is used as it was trained: what it proposes with (rank mode, its width, the goals length it
read) travels in prover_policy.json and `--policy DIR` restores it; a setting the user gives wins. Loading
and sampling print no transformers deprecation warning; torch's threads follow the configuration."""

from __future__ import annotations

import inspect
import json
import warnings

import pytest
import torch

from prover.cli import limit_threads
from prover.config import Config, PolicyConfig, TrainConfig, load
from prover.core import ProverError, Theorem
from prover.policy import make_policy
from prover.policy.data import Example
from prover.policy.hf import HFPolicy
from prover.policy.model import META, with_cache
from prover.policy.ranked import RankedPolicy
from prover.policy.train import train_sft

PropEnv = pytest.importorskip("prover.env.prop").PropEnv
TINY = dict(model_dim=32, model_layers=1, model_heads=2, model_kv_heads=1, warmup_steps=1, save_every=100,
            eval_fraction=0, batch_size=4)


pytestmark = pytest.mark.usefixtures("one_thread")


def examples() -> list[Example]:
    env = PropEnv()
    state = env.open(Theorem.from_text("theorem t (p q : Prop) : p ∧ q → q ∧ p"))
    after = env.step(state, "intro h").state
    return [Example(state.text, "intro h", 1.0), Example(after.text, "exact ⟨h.2, h.1⟩", 1.0)]


@pytest.fixture(scope="module")
def ranking(tmp_path_factory):
    """A checkpoint trained with `--rank uniform` (two steps: what it learned does not matter here)."""
    out = tmp_path_factory.mktemp("rank") / "ckpt"
    train_sft(examples(), out, TrainConfig(steps=2, **TINY), PolicyConfig(device="cpu", candidates="uniform",
                                                                          candidate_width=16), progress=False)
    return out


def policy_for(ckpt, **policy) -> Config:
    return load(overrides={"env": "prop", "policy.kind": str(ckpt), "policy.device": "cpu",
                           **{f"policy.{k}": v for k, v in policy.items()}})


def test_the_checkpoint_records_how_it_was_trained(ranking):
    meta = json.loads((ranking / META).read_text())
    assert meta["policy"] == {"candidates": "uniform", "candidate_width": 16, "max_state_chars": 4096}


def test_policy_dir_restores_the_rank_mode_and_explicit_flags_override(ranking):
    restored = make_policy(policy_for(ranking))
    assert isinstance(restored, RankedPolicy) and restored.width == 16
    assert type(make_policy(policy_for(ranking, candidates="none"))) is HFPolicy  # --rank none
    explicit = make_policy(policy_for(ranking, candidates="automation", candidate_width=4))
    assert isinstance(explicit, RankedPolicy) and explicit.width == 4
    assert "simp" in [t for t, _ in explicit.base.propose(["p : Prop\n⊢ p"], 64)[0]]


def test_resuming_or_continuing_keeps_the_rank_mode_unless_told_otherwise(ranking, tmp_path):
    more = tmp_path / "more"
    train_sft(examples(), more, TrainConfig(steps=1, init=str(ranking), **TINY), PolicyConfig(device="cpu"),
              progress=False)
    assert json.loads((more / META).read_text())["policy"]["candidates"] == "uniform"
    plain = tmp_path / "plain"
    train_sft(examples(), plain, TrainConfig(steps=1, init=str(ranking), **TINY),
              PolicyConfig(device="cpu", candidates="none"), progress=False)
    assert json.loads((plain / META).read_text())["policy"]["candidates"] is None


def test_bad_settings_in_the_checkpoint_are_one_error(ranking, tmp_path):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(ranking, broken)
    meta = json.loads((broken / META).read_text())
    (broken / META).write_text(json.dumps(meta | {"policy": {"candidates": "everything"}}))
    with pytest.raises(ProverError, match="bad settings"):
        make_policy(policy_for(broken))


def test_sampling_and_scoring_use_the_cache_keyword_the_model_takes(ranking):
    policy = HFPolicy.load(ranking, PolicyConfig(device="cpu", candidates="none"))
    (name,) = with_cache(policy.ckpt.model, None)
    assert name in inspect.signature(policy.ckpt.model.forward).parameters
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        policy.propose([ex.state for ex in examples()], 4)
        policy.rank([examples()[0].state], [["intro h", "intro h1"]], 2)
    assert not [w for w in caught if "past_key_values" in str(w.message)], [str(w.message) for w in caught]


def test_threads_follow_the_configuration_unless_the_user_set_omp(monkeypatch):
    before = torch.get_num_threads()
    try:
        monkeypatch.setenv("OMP_NUM_THREADS", "3")
        torch.set_num_threads(2)
        limit_threads(load(), "prove")  # the user's OMP_NUM_THREADS stands
        assert torch.get_num_threads() == 2
        limit_threads(load(overrides={"policy.threads": 1}), "prove")  # a thread count in the config wins
        assert torch.get_num_threads() == 1
        monkeypatch.delenv("OMP_NUM_THREADS")
        torch.set_num_threads(2)
        limit_threads(load(), "train")  # the default: one thread
        assert torch.get_num_threads() == 1
        torch.set_num_threads(2)
        limit_threads(load(overrides={"train.threads": 0}), "train")  # 0: torch's own choice, untouched
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_batches_are_plain_shuffles_unless_length_sorted_runs_are_asked():
    from prover.policy.train import _batch_at

    lengths = [i % 7 for i in range(64)]
    plain = [j for step in range(16) for j in _batch_at(step, lengths, 4, seed=3, runs=0)]
    assert plain == torch.randperm(64, generator=torch.Generator().manual_seed(3 * 100_003)).tolist()
    sorted_runs = [_batch_at(step, lengths, 4, seed=3, runs=16) for step in range(16)]
    assert sorted(j for b in sorted_runs for j in b) == list(range(64))
    assert sum(max(lengths[j] for j in b) - min(lengths[j] for j in b) for b in sorted_runs) < \
        sum(max(lengths[j] for j in plain[i:i + 4]) - min(lengths[j] for j in plain[i:i + 4]) for i in range(0, 64, 4))
    assert TrainConfig().sort_runs == 16 and load(overrides={"train.sort_runs": 0}).train.sort_runs == 0


def test_effective_settings_are_read_without_loading_the_model(ranking):
    from prover.policy.settings import effective

    assert effective(policy_for(ranking)).candidates == "uniform"
    assert effective(policy_for(ranking, candidates="none")).candidates is None
    assert effective(load(overrides={"env": "prop"})).candidates is None  # no checkpoint: the configuration
