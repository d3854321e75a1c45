#!/usr/bin/env python3
"""Generate tiny Hugging Face parity fixtures under tests/data/models/.

Each fixture is a folder holding a randomly initialised, tiny `transformers` checkpoint plus reference
outputs that the C++ port (LibTorch) must reproduce:

    tests/data/models/<name>/config.json          written by save_pretrained, plus the hub-style
                                                   top-level `rope_theta` / `rope_scaling` keys (see below)
    tests/data/models/<name>/model.safetensors    written by save_pretrained(safe_serialization=True)
    tests/data/models/<name>/generation_config.json  (whatever save_pretrained writes; not needed for parity)
    tests/data/models/<name>/fixture.safetensors  reference tensors (names listed in FIXTURE_TENSORS_DOC)

Fixtures: tiny_llama, tiny_llama_rope3 (llama3 RoPE scaling), tiny_deepseek_v3 (MLA + MoE, plain RoPE),
tiny_deepseek_v3_qlora_yarn (q_lora_rank + YaRN). Everything runs on CPU in float32 with the *eager*
attention and *eager* experts implementations (the plain-math code paths documented in
docs/hf-model-notes.md). The default fast paths (sdpa / grouped_mm) are also run and their max deviation
from the stored logits is reported, but not stored.

Weights are drawn from one torch.Generator per fixture (parameters visited in sorted-name order):
  * RMSNorm weights: 1 + 0.1 * N(0,1)           (so an implementation that drops the weight fails)
  * embeddings:      N(0,1)
  * linear/expert weights, router weight: N(0,1) / sqrt(fan_in)   (unit-gain; logits are O(1..10))
  * router e_score_correction_bias: 0.1 * N(0,1)  (non-zero, so selection-only bias is exercised)
For the MoE fixtures the script requires every routing decision (group choice and expert choice) to have a
margin of at least MIN_ROUTING_MARGIN, so float-rounding differences in a port cannot flip it: starting at
the fixture's base seed it takes the first seed that satisfies this (deterministic; the seed used is
recorded in the README and in fixture.safetensors' metadata).

config.json: transformers 5.x saves RoPE settings as `rope_parameters` (with `rope_theta` inside). Hub
checkpoints (and harness/io/hf_config.cc) use the older top-level `rope_theta` + `rope_scaling`. The
generator adds those two keys (same values) so the file parses both ways; the reload check below proves
transformers reads the augmented file to the same model.

Verification done on every run: each folder is reloaded with AutoModelForCausalLM.from_pretrained and
re-run; its logits must be bit-identical to the stored ones. Incremental decoding (prefill 16 tokens, then
8 single-token steps through HF's DynamicCache) is stored as `logits_step` and compared to the full
forward.

Rerun (from the repository root; needs `transformers` and `safetensors` in the venv):
    .venv/bin/python -m pip install transformers safetensors
    .venv/bin/python scripts/gen_hf_fixtures.py
The output is deterministic for a given torch/transformers version; tests/data/models/README.md is
regenerated too.
"""
import json
import math
import os
import sys
from pathlib import Path

import torch

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import safetensors  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from transformers import AutoModelForCausalLM, DeepseekV3Config, DeepseekV3ForCausalLM, LlamaConfig, LlamaForCausalLM  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "tests" / "data" / "models"
BATCH, SEQ, PREFILL = 2, 24, 16
MIN_ROUTING_MARGIN = 1e-3

FIXTURE_TENSORS_DOC = {
    "input_ids": "int64 [2, 24]; row 1 differs from row 0; no padding, no attention mask",
    "logits": "float32 [2, 24, vocab]; one full causal forward (eager attention, eager experts)",
    "logits_step": "float32 [2, 24, vocab]; prefill tokens 0..15 with use_cache=True, then tokens 16..23 "
                   "one at a time through HF's DynamicCache; rows 0..15 come from the prefill call",
    "hidden.embed": "float32 [2, 24, hidden]; token embeddings (input of layer 0)",
    "hidden.layer{i}": "float32 [2, 24, hidden]; residual stream after decoder layer i (before final norm)",
    "rope.inv_freq": "float32 [rope_dim/2]; model.model.rotary_emb.inv_freq after any rope scaling",
    "rope.attention_scaling": "float64 [1]; factor HF multiplies cos and sin by",
    "attn.softmax_scale": "float64 [1]; the `scaling` every attention layer multiplies q.k^T by",
    "router.layer{i}.logits": "float32 [2, 24, n_routed_experts]; x @ gate.weight^T in float32 (pre-sigmoid)",
    "router.layer{i}.topk_idx": "int64 [2, 24, top_k]; chosen experts, sorted ascending per token "
                                "(HF's own order is unspecified: topk(sorted=False))",
    "router.layer{i}.topk_weight": "float32 [2, 24, top_k]; routing weights aligned with topk_idx, already "
                                   "normalised (norm_topk_prob) and multiplied by routed_scaling_factor",
}


# ----------------------------------------------------------------------------------------------- configs
def llama_config(rope_scaling=None, max_position_embeddings=2048):
    kwargs = dict(
        vocab_size=256, hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        intermediate_size=128, rms_norm_eps=1e-5, rope_theta=10000.0, attention_bias=False,
        tie_word_embeddings=False, max_position_embeddings=max_position_embeddings,
        bos_token_id=1, eos_token_id=2, pad_token_id=None,
    )
    if rope_scaling is not None:
        kwargs["rope_scaling"] = dict(rope_scaling)
    return LlamaConfig(**kwargs)


def deepseek_config(q_lora_rank=None, rope_scaling=None, max_position_embeddings=4096):
    kwargs = dict(
        vocab_size=256, hidden_size=64, num_hidden_layers=3, first_k_dense_replace=1,
        intermediate_size=128, moe_intermediate_size=32, n_routed_experts=8, n_shared_experts=1,
        num_experts_per_tok=2, n_group=4, topk_group=2, routed_scaling_factor=2.5, norm_topk_prob=True,
        num_attention_heads=4,
        # DeepseekV3Config defaults num_key_value_heads to 128 (the real model's head count); MLA has no
        # KV-head grouping, so it must equal num_attention_heads here.
        num_key_value_heads=4,
        q_lora_rank=q_lora_rank, kv_lora_rank=16, qk_nope_head_dim=16, qk_rope_head_dim=8, v_head_dim=16,
        rope_theta=10000.0, rope_interleave=True, rms_norm_eps=1e-6, attention_bias=False,
        tie_word_embeddings=False, max_position_embeddings=max_position_embeddings,
        # Hub-style fields of the real DeepSeek-V3 config. transformers stores but never reads them; the only
        # router transformers implements is sigmoid scoring + noaux_tc group-limited top-k.
        scoring_func="sigmoid", topk_method="noaux_tc", moe_layer_freq=1,
    )
    if rope_scaling is not None:
        kwargs["rope_scaling"] = dict(rope_scaling)
    return DeepseekV3Config(**kwargs)


LLAMA3_SCALING = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                  "original_max_position_embeddings": 32}
YARN_SCALING = {"type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32, "beta_fast": 32,
                "beta_slow": 1, "mscale": 1.0, "mscale_all_dim": 1.0}

FIXTURES = [
    # name, model class, config factory, rope_scaling as written to config.json, seed
    ("tiny_llama", LlamaForCausalLM, lambda: llama_config(), None, 1001),
    ("tiny_llama_rope3", LlamaForCausalLM,
     lambda: llama_config(LLAMA3_SCALING, max_position_embeddings=256), LLAMA3_SCALING, 1002),
    ("tiny_deepseek_v3", DeepseekV3ForCausalLM, lambda: deepseek_config(), None, 2001),
    ("tiny_deepseek_v3_qlora_yarn", DeepseekV3ForCausalLM,
     lambda: deepseek_config(q_lora_rank=24, rope_scaling=YARN_SCALING, max_position_embeddings=128),
     YARN_SCALING, 2002),
]


# ----------------------------------------------------------------------------------------------- weights
def init_weights(model, gen):
    """Overwrite every parameter (and the router bias buffers) deterministically."""
    with torch.no_grad():
        for name, p in sorted(model.named_parameters(), key=lambda kv: kv[0]):
            noise = torch.randn(p.shape, generator=gen, dtype=torch.float32)
            if p.dim() == 1:  # only RMSNorm weights are 1-D (no biases in these configs)
                assert "norm" in name, name
                p.copy_(1.0 + 0.1 * noise)
            elif name.endswith("embed_tokens.weight"):
                p.copy_(noise)
            else:  # nn.Linear [out, in] or expert stacks [E, out, in]: fan_in is the last dim
                p.copy_(noise / math.sqrt(p.shape[-1]))
        for name, b in sorted(model.named_buffers(), key=lambda kv: kv[0]):
            if name.endswith("e_score_correction_bias"):
                b.copy_(0.1 * torch.randn(b.shape, generator=gen, dtype=torch.float32))


def make_input_ids(gen, vocab):
    ids = torch.randint(0, vocab, (BATCH, SEQ), generator=gen, dtype=torch.int64)
    assert not torch.equal(ids[0], ids[1])
    return ids


# ----------------------------------------------------------------------------------------------- capture
def attach_hooks(model, store):
    """Forward hooks recording the residual stream and (DeepSeek) router decisions into `store`."""
    handles = []
    inner = model.model

    def save(key):
        def hook(_module, _inputs, output):
            out = output[0] if isinstance(output, tuple) else output
            store[key] = out.detach().clone()
        return hook

    handles.append(inner.embed_tokens.register_forward_hook(save("hidden.embed")))
    for i, layer in enumerate(inner.layers):
        handles.append(layer.register_forward_hook(save(f"hidden.layer{i}")))
        gate = getattr(layer.mlp, "gate", None)
        if gate is not None and hasattr(gate, "e_score_correction_bias"):
            def router_hook(module, inputs, output, i=i):
                router_logits, topk_weight, topk_idx = output
                store[f"router.layer{i}.logits"] = router_logits.detach().clone()
                store[f"router.layer{i}.topk_idx"] = topk_idx.detach().clone()
                store[f"router.layer{i}.topk_weight"] = topk_weight.detach().clone()
                store[f"_router_margin.layer{i}"] = routing_margin(module, router_logits.detach(), topk_idx)
            handles.append(gate.register_forward_hook(router_hook))
    return handles


def routing_margin(gate, router_logits, topk_idx):
    """Smallest gap between a chosen and a rejected candidate (groups, then experts within kept groups)."""
    scores = router_logits.sigmoid() + gate.e_score_correction_bias
    n_tok, n_exp = scores.shape
    per_group = n_exp // gate.num_group
    grouped = scores.view(n_tok, gate.num_group, per_group)
    group_scores = grouped.topk(2, dim=-1).values.sum(-1)
    gs = group_scores.sort(dim=-1, descending=True).values
    group_gap = (gs[:, gate.topk_group - 1] - gs[:, gate.topk_group]).min().item() \
        if gate.topk_group < gate.num_group else math.inf
    keep = group_scores.topk(gate.topk_group, dim=-1).indices
    mask = torch.zeros_like(group_scores, dtype=torch.bool).scatter_(1, keep, True)
    masked = scores.masked_fill(~mask.repeat_interleave(per_group, dim=1), -math.inf)
    ms = masked.sort(dim=-1, descending=True).values
    expert_gap = (ms[:, gate.top_k - 1] - ms[:, gate.top_k]).min().item()
    # The hook's own choice must agree with this recomputation.
    mine = masked.topk(gate.top_k, dim=-1).indices.sort(-1).values
    assert torch.equal(mine, topk_idx.sort(-1).values)
    return min(group_gap, expert_gap)


# ----------------------------------------------------------------------------------------------- running
@torch.no_grad()
def full_logits(model, ids):
    return model(input_ids=ids, use_cache=False).logits


@torch.no_grad()
def incremental_logits(model, ids):
    out = model(input_ids=ids[:, :PREFILL], use_cache=True)
    cache = out.cache
    parts = [out.logits]
    for t in range(PREFILL, SEQ):
        step = model(input_ids=ids[:, t:t + 1], cache=cache, use_cache=True)
        cache = step.cache
        parts.append(step.logits)
    return torch.cat(parts, dim=1)


def set_impl(model, attn, experts):
    model.set_attn_implementation(attn)
    if hasattr(model, "set_experts_implementation") and isinstance(model, DeepseekV3ForCausalLM):
        model.set_experts_implementation(experts)


def augment_config_json(folder, rope_scaling):
    """Add hub-style top-level rope keys next to transformers 5's `rope_parameters`."""
    path = folder / "config.json"
    cfg = json.loads(path.read_text())
    cfg["rope_theta"] = cfg["rope_parameters"]["rope_theta"]
    if rope_scaling is not None:
        cfg["rope_scaling"] = dict(rope_scaling)
    path.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")


def forward_with_capture(model_cls, make_config, seed):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    config = make_config()
    model = model_cls(config).eval()
    init_weights(model, gen)
    set_impl(model, "eager", "eager")
    ids = make_input_ids(gen, config.vocab_size)

    store = {}
    handles = attach_hooks(model, store)
    logits = full_logits(model, ids)
    for h in handles:
        h.remove()
    margins = [store.pop(k) for k in list(store) if k.startswith("_router_margin")]
    return model, config, ids, logits, store, (min(margins) if margins else None)


def canonicalize_safetensors_header(path):
    """Rewrite the JSON header with sorted keys so reruns are byte-identical.

    safetensors stores `__metadata__` from a hash map, so its key order changes from run to run. Tensor
    offsets are relative to the data section, so only the header (padded with spaces to a multiple of 8
    bytes, as the format requires) is rewritten; the data bytes are untouched.
    """
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(len(text).to_bytes(8, "little") + text + raw[8 + n:])


def build_fixture(name, model_cls, make_config, rope_scaling, base_seed):
    folder = OUT_DIR / name
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.iterdir():
        stale.unlink()

    # Deterministic seed scan: take the first seed >= base_seed whose routing decisions all have a margin of
    # at least MIN_ROUTING_MARGIN (always the base seed for the dense llama fixtures).
    for seed in range(base_seed, base_seed + 100):
        model, config, ids, logits, store, min_margin = forward_with_capture(model_cls, make_config, seed)
        if min_margin is None or min_margin >= MIN_ROUTING_MARGIN:
            break
    else:
        sys.exit(f"{name}: no seed in [{base_seed}, {base_seed + 100}) gives routing margin >= {MIN_ROUTING_MARGIN}")

    logits_step = incremental_logits(model, ids)
    step_diff = (logits_step - logits).abs().max().item()

    set_impl(model, "sdpa", "grouped_mm")
    fast_diff = (full_logits(model, ids) - logits).abs().max().item()
    set_impl(model, "eager", "eager")

    tensors = {"input_ids": ids, "logits": logits, "logits_step": logits_step}
    for key, value in store.items():
        if key.startswith("router."):
            value = value.reshape(BATCH, SEQ, -1)
        tensors[key] = value
    for i in range(config.num_hidden_layers):
        idx, w = tensors.get(f"router.layer{i}.topk_idx"), tensors.get(f"router.layer{i}.topk_weight")
        if idx is not None:
            order = idx.argsort(dim=-1)
            tensors[f"router.layer{i}.topk_idx"] = idx.gather(-1, order)
            tensors[f"router.layer{i}.topk_weight"] = w.gather(-1, order)
    rotary = model.model.rotary_emb
    tensors["rope.inv_freq"] = rotary.inv_freq.detach().clone().float()
    tensors["rope.attention_scaling"] = torch.tensor([float(rotary.attention_scaling)], dtype=torch.float64)
    tensors["attn.softmax_scale"] = torch.tensor([float(model.model.layers[0].self_attn.scaling)],
                                                 dtype=torch.float64)
    tensors = {k: v.contiguous() for k, v in tensors.items()}

    model.save_pretrained(folder, safe_serialization=True)
    augment_config_json(folder, rope_scaling)
    metadata = {
        "generator": "scripts/gen_hf_fixtures.py",
        "fixture": name,
        "seed": str(seed),
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "safetensors_version": safetensors.__version__,
        "attn_implementation": "eager",
        "experts_implementation": "eager",
        "max_abs_diff_logits_step_vs_logits": repr(step_diff),
        "max_abs_diff_sdpa_grouped_mm_vs_eager": repr(fast_diff),
        "tensors": json.dumps({k: v for k, v in FIXTURE_TENSORS_DOC.items()}),
    }
    if min_margin is not None:
        metadata["min_routing_margin"] = repr(min_margin)
    save_file(tensors, str(folder / "fixture.safetensors"), metadata=metadata)
    canonicalize_safetensors_header(folder / "fixture.safetensors")

    # Reload from disk exactly as a user would and re-run.
    reloaded = AutoModelForCausalLM.from_pretrained(folder, attn_implementation="eager",
                                                    experts_implementation="eager"
                                                    if model_cls is DeepseekV3ForCausalLM else None).eval()
    reload_logits = full_logits(reloaded, ids)
    reload_identical = torch.equal(reload_logits, logits)
    if not reload_identical:
        sys.exit(f"{name}: reloaded logits differ by {(reload_logits - logits).abs().max().item():.3g}")
    reload_default = AutoModelForCausalLM.from_pretrained(folder).eval()
    default_path = f"{reload_default.config._attn_implementation}"
    if model_cls is DeepseekV3ForCausalLM:
        default_path += f"+{reload_default.config._experts_implementation}"
    default_diff = (full_logits(reload_default, ids) - logits).abs().max().item()

    files = {p.name: p.stat().st_size for p in sorted(folder.iterdir())}
    return {
        "name": name, "config": config, "rope_scaling": rope_scaling, "seed": seed, "files": files,
        "max_abs_logits": logits.abs().max().item(), "step_diff": step_diff, "fast_diff": fast_diff,
        "default_path": default_path, "default_diff": default_diff, "reload_identical": reload_identical,
        "min_margin": min_margin,
        "inv_freq": tensors["rope.inv_freq"].tolist(),
        "attention_scaling": float(rotary.attention_scaling),
        "softmax_scale": float(model.model.layers[0].self_attn.scaling),
    }


# ----------------------------------------------------------------------------------------------- README
def highlights(r):
    c = r["config"]
    if c.model_type == "llama":
        text = (f"llama; L={c.num_hidden_layers}, hidden {c.hidden_size}, heads {c.num_attention_heads}/"
                f"kv {c.num_key_value_heads} (GQA), head_dim {c.head_dim}, ffn {c.intermediate_size}, "
                f"eps {c.rms_norm_eps:g}, theta {c.rope_parameters['rope_theta']:g}")
    else:
        text = (f"deepseek_v3; L={c.num_hidden_layers} (layer 0 dense, 1-2 MoE), hidden {c.hidden_size}, "
                f"heads {c.num_attention_heads}, q_lora_rank {c.q_lora_rank}, kv_lora_rank {c.kv_lora_rank}, "
                f"qk_nope/rope/v {c.qk_nope_head_dim}/{c.qk_rope_head_dim}/{c.v_head_dim}, "
                f"{c.n_routed_experts} experts top-{c.num_experts_per_tok}, {c.n_group} groups keep "
                f"{c.topk_group}, shared {c.n_shared_experts}, scale {c.routed_scaling_factor}, "
                f"rope_interleave, theta {c.rope_parameters['rope_theta']:g}")
    if r["rope_scaling"]:
        rs = {k: v for k, v in r["rope_scaling"].items() if k not in ("type", "rope_type")}
        kind = r["rope_scaling"].get("rope_type") or r["rope_scaling"].get("type")
        text += f"; rope {kind} {json.dumps(rs, separators=(',', ':'))}, max_pos {c.max_position_embeddings}"
    return text


def write_readme(results):
    total = sum(sum(r["files"].values()) for r in results)
    lines = [
        "# Hugging Face parity fixtures",
        "",
        "Generated by `scripts/gen_hf_fixtures.py` (rerun: `.venv/bin/python scripts/gen_hf_fixtures.py`) with",
        f"transformers {transformers.__version__}, torch {torch.__version__}, safetensors "
        f"{safetensors.__version__}; float32, CPU, eager attention + eager experts. The conventions these",
        "numbers follow are written up in `docs/hf-model-notes.md`.",
        "",
        "Each folder: `config.json` + `model.safetensors` from `save_pretrained(safe_serialization=True)`",
        "(config.json additionally carries hub-style top-level `rope_theta`/`rope_scaling`, identical to its",
        "`rope_parameters`), `generation_config.json` (not needed), and `fixture.safetensors` with the reference",
        "tensors below. Input: `input_ids` [2, 24], no padding, no attention mask, positions 0..23.",
        "",
        "| fixture | config highlights | seed | files (bytes) | max abs logits | max abs diff: incremental vs full | "
        "min routing margin |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        files = "<br>".join(f"`{n}` {s:,}" for n, s in r["files"].items())
        margin = "-" if r["min_margin"] is None else f"{r['min_margin']:.3g}"
        lines.append(f"| `{r['name']}` | {highlights(r)} | {r['seed']} | {files} | {r['max_abs_logits']:.4f} | "
                     f"{r['step_diff']:.3g} | {margin} |")
    lines += [
        "",
        f"Total size: {total:,} bytes. `seed` is the seed actually used: for the MoE fixtures the generator takes",
        "the first seed from the base seed up whose routing decisions all have a margin (gap between the last",
        f"chosen and the first rejected group / expert score) of at least {MIN_ROUTING_MARGIN:g}.",
        "",
        "Other checks the generator runs (all fixtures): reloading each folder with",
        "`AutoModelForCausalLM.from_pretrained` (eager paths) reproduces `logits` bit-for-bit. Max abs",
        "difference of transformers' default fast paths from the stored (eager) logits:",
        "",
        "| fixture | default path | max abs diff vs stored logits |",
        "|---|---|---|",
    ]
    for r in results:
        lines.append(f"| `{r['name']}` | {r['default_path']} | {r['default_diff']:.3g} |")
    lines += [
        "",
        "RoPE / attention constants recorded in each fixture (`rope.inv_freq`, `rope.attention_scaling`,",
        "`attn.softmax_scale`):",
        "",
        "| fixture | inv_freq | cos/sin factor | softmax scale |",
        "|---|---|---|---|",
    ]
    for r in results:
        inv = ", ".join(f"{x:.6g}" for x in r["inv_freq"])
        lines.append(f"| `{r['name']}` | {inv} | {r['attention_scaling']:.9g} | {r['softmax_scale']:.9g} |")
    lines += ["", "## `fixture.safetensors` tensors", ""]
    for k, v in FIXTURE_TENSORS_DOC.items():
        lines.append(f"* `{k}`: {v}")
    lines += [
        "",
        "Router tensors exist only for the DeepSeek-V3 fixtures, for every MoE layer (layers 1 and 2); the",
        "token axis is `[batch, position]`, flattened by HF as `batch * 24 + position`. The safetensors",
        "header metadata of `fixture.safetensors` repeats versions, seed and the measured differences.",
        "",
    ]
    (OUT_DIR / "README.md").write_text("\n".join(lines))


def main():
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)  # reduction order independent of the machine's core count
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    results = [build_fixture(*spec) for spec in FIXTURES]
    write_readme(results)
    print(f"transformers {transformers.__version__}, torch {torch.__version__}")
    for r in results:
        size = sum(r["files"].values())
        margin = "" if r["min_margin"] is None else f" min_routing_margin={r['min_margin']:.3g}"
        print(f"{r['name']:<30} {size:>9,} B  max|logits|={r['max_abs_logits']:.4f}  "
              f"incremental-vs-full={r['step_diff']:.3g}  {r['default_path']}-vs-eager={r['default_diff']:.3g}"
              f"  reload_identical={r['reload_identical']}{margin}")
    total = sum(sum(r["files"].values()) for r in results)
    print(f"total {total:,} bytes under {OUT_DIR.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
