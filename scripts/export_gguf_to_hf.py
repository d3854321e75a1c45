#!/usr/bin/env python3
"""Save the Hugging Face folder that `transformers` makes from a GGUF file.

lm-evaluation-harness's `hf` backend (and our `hf:DIR` loader) read safetensors folders, not GGUF. The
item-by-item comparison with lm-eval (scripts/compare_with_lmeval.py) must run both harnesses on the
same weights, so the reference folder is what transformers' own GGUF loader dequantizes: Q4_1 blocks
become float32 tensors, tokenizer.ggml.* becomes tokenizer.json. The folder is written under a
temporary name and renamed, so a reader never sees a half-written one; READY_FILE is touched last.

Run (outside the project's venv; the venv needs torch, transformers and gguf):
    /work/venvs/hf/bin/python scripts/export_gguf_to_hf.py \
        [--gguf /work/models/SmolLM2-135M-Instruct.Q4_1.gguf] [--out /work/models/smollm2-135m-instruct-hf]
"""
import argparse
import copy
import os
import shutil
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--gguf", type=Path, default=Path("/work/models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    p.add_argument("--out", type=Path, default=Path("/work/models/smollm2-135m-instruct-hf"))
    p.add_argument("--ready-file", type=Path, default=Path("/work/models/HF_READY"),
                   help="touched after the folder is in place (others wait for it)")
    return p.parse_args()


def main():
    args = parse_args()
    torch.set_num_threads(1)
    if not args.gguf.is_file():
        sys.exit(f"{args.gguf}: GGUF file not found")
    if args.out.exists():
        sys.exit(f"{args.out}: already exists; remove it to export again")
    start = time.time()
    gguf_dir, gguf_name = str(args.gguf.parent), args.gguf.name
    tokenizer = AutoTokenizer.from_pretrained(gguf_dir, gguf_file=gguf_name)
    model = AutoModelForCausalLM.from_pretrained(gguf_dir, gguf_file=gguf_name, dtype=torch.float32)
    model.eval()
    # transformers marks a GGUF-loaded model as quantized and refuses to save it, though its weights
    # are already dequantized float32 tensors: copy them into a plain model of the same config.
    config = copy.deepcopy(model.config)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32).eval()
    missing, unexpected = plain.load_state_dict(model.state_dict(), strict=False)
    if missing or unexpected:
        sys.exit(f"{args.gguf}: state dict mismatch, missing {missing}, unexpected {unexpected}")

    tmp = args.out.with_name(args.out.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    plain.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    # Reload from the folder and compare logits with the in-memory model: the saved folder, not just
    # the GGUF conversion, is what both harnesses will read.
    reloaded = AutoModelForCausalLM.from_pretrained(tmp, dtype=torch.float32).eval()
    ids = tokenizer("The capital of France is", return_tensors="pt").input_ids
    with torch.no_grad():
        diff = (model(ids).logits - reloaded(ids).logits).abs().max().item()
    if diff != 0.0:
        sys.exit(f"{tmp}: reloaded logits differ from the GGUF-loaded model by {diff}")
    tmp.rename(args.out)
    args.ready_file.touch()
    n_params = sum(p.numel() for p in model.parameters())
    print(f"wrote {args.out} (transformers {transformers.__version__}, {n_params} parameters, "
          f"vocab {len(tokenizer)}, {time.time() - start:.1f}s); touched {args.ready_file}")


if __name__ == "__main__":
    main()
