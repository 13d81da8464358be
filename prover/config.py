"""One typed configuration: defaults < TOML file (`--config`) < environment (`PROVER_...`) < command line.

Every knob of the system lives here, in one section per subsystem. Only `load` sees the process
environment, and only because the CLI hands it in: no other module reads environment variables.

Environment names: `PROVER_<SECTION>__<FIELD>` (e.g. `PROVER_SEARCH__ALGORITHM=bfs`) and
`PROVER_<FIELD>` for top-level fields (`PROVER_ENV=prop`). Values that look like JSON (lists, numbers,
booleans) are parsed as JSON.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from prover.core import Budget, ProverError

REPO_ROOT = Path(__file__).resolve().parent.parent

OLYMPIAD_HEADER = (
    "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\n"
    "open BigOperators Real Nat Topology Rat\n"
)


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class LeanConfig(Section):
    project_dir: Path = REPO_ROOT / "lean_project"
    # The command that starts one REPL process; None means the REPL built in project_dir, via `lake env`.
    repl_command: list[str] | None = None
    header: str = OLYMPIAD_HEADER
    timeout: float = 60.0  # seconds per request
    startup_timeout: float = 600.0  # seconds for a process to elaborate the header
    memory_mb: int = 16384  # per REPL process (resident, with its children); killed and replaced above it
    pool_size: int = 1
    pickle_header: bool = False  # pickle each import set's env for the other processes to unpickle; off, as
    #   unpickling runs the same importModules as importing, so it saves nothing (docs/lean.md)
    header_cache: int = Field(8, ge=1)  # header environments (imports + opens/options) each process keeps, LRU
    max_uses: int | None = Field(200, ge=1)  # statements a process opens before it is replaced (None: no limit)
    elan_home: Path | None = None  # where elan keeps lean/lake; None: ~/.elan
    # The final check (docs/lean.md, "The judge"): the command that starts `prover_judge`; None means the
    # judge built in project_dir (or its core/), via `lake env`. Its timeout covers the whole judgement.
    judge_command: list[str] | None = None
    judge_timeout: float = 900.0
    allow_native_decide: bool = False  # also admits Lean.ofReduceBool / Lean.trustCompiler in the audit
    allowed_axioms: list[str] = ["propext", "Classical.choice", "Quot.sound"]


class PropConfig(Section):
    seed: int = 0


class PolicyConfig(Section):
    # "auto" (automation for Lean, uniform for prop), "automation" (fixed tactic list),
    # "uniform" (prop tactic space), or a checkpoint directory.
    kind: str = "auto"
    temperature: float = 1.0
    top_p: float = Field(1.0, gt=0, le=1)  # nucleus sampling: the likeliest tokens holding this much mass
    max_new_tokens: int = 96
    prompt_format: str = "auto"  # auto | bfs | reprover | internlm2.5 | internlm2 | deepseek (prover/policy/prompts.py)
    decoding: Literal["sample", "beam"] = "sample"
    batch_size: int = 16  # states per generate call
    max_state_chars: int = 4096  # longer goals texts are cut (the first goal, the one tactics act on, comes first)
    trust_remote_code: bool = False  # needed by some hub checkpoints (InternLM); runs the checkpoint's code
    prior_corpus: Path | None = None  # automation priors from a {"state", "tactic"} JSONL
    # With a checkpoint: None, the model writes tactics; "uniform" | "automation", it ranks that proposer's.
    # A checkpoint remembers how it was trained (candidates, candidate_width, max_state_chars) and those are
    # its defaults when loaded; a value set here (file, environment, flag) wins. "none" sets None explicitly.
    candidates: Literal["uniform", "automation"] | None = None
    candidate_width: int = Field(64, gt=0)  # candidates asked of that proposer per state
    device: str = "auto"  # "auto" | "cpu" | "cuda"
    seed: int = 0
    # A model on an OpenAI-compatible server (vLLM, SGLang, llama.cpp, a hosted API) in place of `kind`.
    endpoint: str | None = None  # base URL (`http://host:8000`, `.../v1`) or the full .../completions URL
    endpoint_api: Literal["completions", "chat"] = "completions"
    endpoint_model: str = "default"  # the "model" field sent to the endpoint
    endpoint_key: str | None = None  # sent as a Bearer token when set
    endpoint_timeout: float = Field(120.0, gt=0)  # seconds per request; transient failures are retried
    # Whole-proof generation (`--mode whole|hybrid`): the statement in, complete proofs out.
    mode: Literal["tactic", "whole", "hybrid"] = "tactic"  # hybrid: search on from where a sampled proof breaks
    whole_format: str = "ours"  # ours | deepseek-v1.5 | deepseek-v2 | kimina (prover/policy/whole.py)
    samples: int = Field(32, gt=0)  # whole/hybrid: proofs sampled per attempt at most
    sample_batch: int = Field(8, gt=0)  # whole/hybrid: proofs asked of the model per call
    stop_at_first: bool = True  # whole: stop at the first verified sample; false: check all (pass@k over samples)
    whole_max_tokens: int = Field(1024, gt=0)  # whole/hybrid: the longest proof a sample may be
    # torch CPU threads of a process serving a model (0: torch's default, one per core). Tiny models gain
    # nothing from more threads, and threads spinning on a shared machine slowed training 4x (docs/cli.md).
    threads: int = Field(1, ge=0)
    automation_tactics: list[str] = [
        "simp", "omega", "norm_num", "linarith", "nlinarith", "positivity", "decide", "aesop",
        "ring_nf", "field_simp", "simp_all", "tauto", "intro", "constructor", "assumption", "rfl",
    ]

    @field_validator("candidates", mode="before")
    @classmethod
    def _none(cls, value: Any) -> Any:  # TOML has no null: "none" says "the model writes its own tactics"
        return None if isinstance(value, str) and value.lower() == "none" else value


class SearchConfig(Section):
    algorithm: Literal["mcts", "bfs", "rollout"] = "mcts"
    budget_steps: int = Field(400, gt=0)  # env calls per attempt
    policy_calls: int | None = Field(None, gt=0)
    nodes: int | None = Field(None, gt=0)
    timeout: float | None = Field(600.0, gt=0)  # wall seconds per attempt
    c_puct: float = 1.5
    length_normalize: bool = False  # best-first: rank by mean instead of summed log-prob
    bfs_expand: Literal["node", "tactic"] = "node"  # best-first: run all of a node's tactics, or the best one
    num_tactics: int = 8  # tactics asked of the policy at a node's first expansion (best-first: every node)
    max_tactics: int = 64  # a node never holds more; reaching it ends widening there
    max_depth: int = 64  # tactics from the root; deeper states are dead ends (MCTS) or not expanded (best-first)
    widen_c: float = 1.0  # progressive widening: PUCT ranges over the best ceil(widen_c * (N+1)^widen_alpha)
    widen_alpha: float = 0.5  #   live tactics of a node visited N times; more are asked when fewer are known
    virtual_loss: float = 1.0  # in-flight simulations count as this many visits of value 0 each
    rollout_depth: int = 50  # random rollouts: steps before restarting from the root
    seed: int = 0  # random rollouts: sampling seed

    def budget(self) -> Budget:
        return Budget(env_calls=self.budget_steps, policy_calls=self.policy_calls, nodes=self.nodes,
                      seconds=self.timeout)


class RayConfig(Section):
    address: str | None = None  # None: local Ray with this machine's cores
    workers: int = 1  # 1 runs with no Ray at all
    max_batch: int = 32  # policy server: largest batch
    max_wait_ms: float = 5.0  # policy server: longest wait to fill a batch
    # "auto": one shared, batched policy server for models, a policy in each worker for automation/uniform.
    policy_server: Literal["auto", "always", "never"] = "auto"
    num_cpus: int | None = None  # local Ray only: CPUs Ray may use (None: all of this machine's cores)
    policy_cpus: int = 0  # CPUs reserved for the policy server, and its torch threads (0: none reserved, 1 thread)

    @property
    def used(self) -> bool:
        """Whether work goes to Ray: more than one worker, or a cluster to join."""
        return self.workers != 1 or bool(self.address)


class BenchConfig(Section):
    attempts: int = 1  # per problem; pass@k is reported for k up to this
    # Named datasets (`prover bench NAME`): JSONL files in the miniF2F schema.
    datasets: dict[str, Path] = {
        "minif2f": REPO_ROOT.parent / "shared" / "data" / "minif2f.jsonl",
        "olympiad": REPO_ROOT / "problems" / "olympiad.jsonl",
    }
    out_dir: Path = Path("results")  # where `prover bench` writes DATASET.jsonl when --out is not given


class TrainConfig(Section):
    lr: float = Field(3e-4, gt=0)
    batch_size: int = Field(32, gt=0)
    steps: int = Field(1000, ge=0)
    warmup_steps: int = 50
    eval_fraction: float = 0.05  # share of distinct states held out for the eval loss
    save_every: int = Field(200, gt=0)  # steps between checkpoints (and eval losses)
    grad_clip: float = 1.0
    seed: int = 0
    init: str | None = None  # start from this checkpoint (dir or hub id); None: a new byte-level model
    # The from-scratch byte-level model (bytes are the vocabulary: nothing to download).
    model_arch: Literal["causal", "seq2seq"] = "causal"
    model_dim: int = 128
    model_layers: int = 2
    model_heads: int = 4
    model_kv_heads: int = 1  # causal: heads of keys/values (1: multi-query, a 4x smaller cache, faster sampling)
    # With policy.candidates set (the model ranks a proposer's tactics): weight of the ranking loss, the
    # cross-entropy of the step's tactic among the offered ones; 0: the token loss alone.
    rank_loss: float = 1.0
    rank_batch: int = 8  # proof steps (each with its offered tactics) a step
    threads: int = Field(1, ge=0)  # torch CPU threads while training (0: torch's default, one per core)
    # Batches are cut from length-sorted runs of this many batches (then shuffled), so a batch pads to little
    # (prop proofs: a step 30% cheaper); 0 or 1: plain shuffled batches. Sorting also makes a batch's items
    # alike: in the formalize demo a batch became one sentence template, and held-out accuracy fell 38% -> 12%.
    sort_runs: int = Field(16, ge=0)


class LearnConfig(Section):
    """Expert iteration (`prover train CORPUS --rounds N`) and test-time RL."""

    rounds: int = 5
    replace: bool = False  # ablation: newest round's synthetic data only (the original data stays at its share)
    heldout: str | None = None  # dataset evaluated after each round; None: heldout_fraction of the corpus
    heldout_fraction: float = 0.1
    solved_sample: float = 0.25  # share of already-solved problems searched again each round
    max_negatives: int = 4  # per proof: expanded states off the proof path kept as value-0 examples
    min_original_share: float = 0.25  # the original data is repeated up to this share of the buffer
    steps_per_round: int = 300  # supervised steps per round
    sft_steps: int = 0  # with original data (--data): supervised steps on it alone before round 0 (0: none)
    # Which checkpoint a round continues from, and DIR/policy links to: the best held-out solve rate so far
    # (the held-out set then serves as validation), or the newest.
    continue_from: Literal["best", "newest"] = "best"
    patience: int = 2  # stop after this many rounds in a row without a better held-out rate (0: never)
    # Test-time RL (prover/learn/ttrl.py). The whole run's budget: env calls (target, variants and lemmas
    # together) and wall seconds (training included; None: no limit).
    ttrl_variants: int = 24  # variants of the target's statement tried per round
    ttrl_lemmas: int = 8  # sub-goal lemmas of the failed search tried per round (curriculum, not variants)
    ttrl_rounds: int = 3
    ttrl_budget_steps: int = 4000
    ttrl_timeout: float | None = 1800.0
    ttrl_variant_steps: int = 64  # env calls per variant's search
    ttrl_min_tactics: int = 2  # a variant proved in fewer tactics teaches nothing and is not kept
    ttrl_replay_share: float = Field(0.5, ge=0, lt=1)  # replay/original examples' share of each round's data
    ttrl_train_steps: int = 100  # supervised steps per round
    ttrl_model_samples: int = 8  # Lean: variants asked of the formaliser's model (formalize.model/endpoint)
    seed: int = 0


class FormalizeConfig(Section):
    model: str | None = None  # a checkpoint directory (loaded like the policy's)
    endpoint: str | None = None  # an OpenAI-compatible server: base URL or full .../completions URL
    api: Literal["completions", "chat"] = "completions"
    endpoint_model: str = "default"  # the "model" field sent to the endpoint
    api_key: str | None = None  # sent as a Bearer token when set
    endpoint_timeout: float = 60.0
    num_candidates: int = 8  # samples drawn (N)
    temperature: float = 0.8
    max_new_tokens: int = 256
    prompt: Literal["auto", "fewshot", "plain"] = "auto"  # auto: plain for our own trained models
    examples: Path = REPO_ROOT.parent / "shared" / "data" / "minif2f.jsonl"  # few-shot pairs (miniF2F schema)
    shots: int = 4
    guard_steps: int = 24  # env calls of the tiny search that must not prove a candidate outright
    back_translate: bool = True  # score log p(informal | statement) when the model was trained both ways


class Config(Section):
    env: Literal["lean", "prop"] = "lean"
    debug: bool = False
    lean: LeanConfig = LeanConfig()
    prop: PropConfig = PropConfig()
    policy: PolicyConfig = PolicyConfig()
    search: SearchConfig = SearchConfig()
    ray: RayConfig = RayConfig()
    bench: BenchConfig = BenchConfig()
    train: TrainConfig = TrainConfig()
    learn: LearnConfig = LearnConfig()
    formalize: FormalizeConfig = FormalizeConfig()


ENV_PREFIX = "PROVER_"


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _set_dotted(tree: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        tree = tree.setdefault(part, {})
    tree[leaf] = value


def _parse_env_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def from_environ(environ: Mapping[str, str]) -> dict[str, Any]:
    """`PROVER_SEARCH__ALGORITHM=bfs` -> {"search": {"algorithm": "bfs"}}."""
    tree: dict[str, Any] = {}
    for name, raw in environ.items():
        if name.startswith(ENV_PREFIX) and len(name) > len(ENV_PREFIX):
            dotted = name[len(ENV_PREFIX):].lower().replace("__", ".")
            _set_dotted(tree, dotted, _parse_env_value(raw))
    return tree


def load(
    path: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Build the configuration. `overrides` maps dotted names (`search.budget_steps`) to values."""
    tree: dict[str, Any] = {}
    if path is not None:
        try:
            with open(path, "rb") as f:
                tree = tomllib.load(f)
        except OSError as e:
            raise ProverError(f"cannot read config file {path}: {e.strerror}") from e
        except tomllib.TOMLDecodeError as e:
            raise ProverError(f"config file {path} is not valid TOML: {e}") from e
    if environ:
        tree = _merge(tree, from_environ(environ))
    cli: dict[str, Any] = {}
    for dotted, value in (overrides or {}).items():
        if value is not None:
            _set_dotted(cli, dotted, value)
    tree = _merge(tree, cli)
    try:
        return Config.model_validate(tree)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        if first["type"] == "extra_forbidden":
            raise ProverError(f"unknown setting {where}") from e
        raise ProverError(f"bad configuration value for {where}: {first['msg']}") from e
