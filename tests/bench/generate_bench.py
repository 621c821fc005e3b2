#!/usr/bin/env python3
"""Generation benchmark (not a test): `acdc generate` vs transformers `generate` on the same
chat prompts, SmolLM2-135M-Instruct, 128 new tokens, batch 1 and batch 16; FP32 on CPU by
default, `--device cuda --dtype bf16` on a GPU machine.

Both run as child processes of this script with the same thread count; tokens/s counts
generated tokens over generation time (model loading excluded), peak RSS is the child's.
Goals (issue 3): at least 2x transformers at batch 1 and 1.5x at batch 16.

Batch-1 decoding reads every weight once per token, so it cannot beat memory bandwidth ÷
weight bytes; the script measures this machine's (or the GPU's) read bandwidth in the same
run and prints batch 1 of both tools as a fraction of their bounds (acdc's greedy decoding
reads the output head as int8 in fp32 on a CPU, so its bound is higher).

  python3 tests/bench/generate_bench.py [--bin build/bin/acdc] [--model DIR] [--threads 2]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import memory_bandwidth

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MODEL = os.path.join(os.environ.get("ACDC_HOME", os.path.expanduser("~/.cache/acdc")),
                             "models", "SmolLM2-135M-Instruct")
PROMPTS = [
    "What is the capital of France?", "Write a haiku about the sea.",
    "Explain what a prime number is.", "List three colors.", "How do airplanes fly?",
    "Give me a recipe for pancakes.", "What is 12 times 7?", "Describe a cat in two sentences.",
    "Why is the sky blue?", "Name a famous painter.", "What does a compiler do?",
    "Tell me a short joke.", "How many legs does a spider have?", "What is photosynthesis?",
    "Translate 'good morning' to French.", "Summarize the plot of Romeo and Juliet.",
]

HF_SCRIPT = r"""
import json, sys, time, torch
from transformers import AutoModelForCausalLM, AutoTokenizer
model_dir, batch, new_tokens, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
prompts, device = json.loads(sys.argv[5]), sys.argv[6]
dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[sys.argv[7]]
torch.set_num_threads(threads)
tok = AutoTokenizer.from_pretrained(model_dir)
tok.padding_side = "left"
model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype).eval().to(device)
texts = [tok.apply_chat_template([{"role": "user", "content": p}], add_generation_prompt=True,
                                 tokenize=False) for p in prompts]
generated, seconds = 0, 0.0
for start in range(0, len(texts), batch):
    enc = tok(texts[start:start + batch], add_special_tokens=False, return_tensors="pt", padding=True).to(device)
    if device != "cpu":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    with torch.no_grad():
        out = model.generate(**enc, do_sample=False, max_new_tokens=new_tokens,
                             min_new_tokens=new_tokens, pad_token_id=tok.pad_token_id or 0)
    if device != "cpu":
        torch.cuda.synchronize()
    seconds += time.perf_counter() - t0
    generated += (out.shape[1] - enc.input_ids.shape[1]) * out.shape[0]
print(json.dumps({"tokens": generated, "seconds": seconds}))
"""


def run_measured(cmd):
    """Runs cmd; returns stdout, stderr and the child's peak RSS in MiB."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err}")
    return out, err, usage.ru_maxrss / 1024


def ours(args, prompts, batch):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for p in prompts:
            f.write(json.dumps({"prompt": p}) + "\n")
    _, err, rss = run_measured([args.bin, "generate", "--model", args.model, "--chat", "--prompts", f.name,
                                "--max-new-tokens", str(args.new_tokens), "--batch-size", str(batch),
                                "--threads", str(args.threads), "--ignore-eos", "--device", args.device,
                                "--dtype", args.dtype])
    tokens, seconds = 0, 0.0
    for line in err.splitlines():  # one summary line per batch, cumulative
        m = re.search(r"(\d+) new tokens in ([\d.]+) s", line)
        if m:
            tokens, seconds = int(m.group(1)), float(m.group(2))
    return tokens / seconds, rss


def transformers(args, prompts, batch):
    out, _, rss = run_measured([sys.executable, "-c", HF_SCRIPT, args.model, str(batch), str(args.new_tokens),
                                str(args.threads), json.dumps(prompts), args.device, args.dtype])
    result = json.loads(out.strip().splitlines()[-1])
    return result["tokens"] / result["seconds"], rss


def weight_counts(model_dir):
    """Parameters of the checkpoint, and of its output head (the embedding when tied: stored,
    and read, once)."""
    from safetensors import safe_open
    params, embed, head = 0, 0, 0
    for name in os.listdir(model_dir):
        if name.endswith(".safetensors"):
            with safe_open(os.path.join(model_dir, name), "pt") as f:
                for key in f.keys():
                    count = 1
                    for dim in f.get_slice(key).get_shape():
                        count *= dim
                    params += count
                    embed = count if key == "model.embed_tokens.weight" else embed
                    head = count if key == "lm_head.weight" else head
    return params, head or embed


def bytes_per_token(model_dir, dtype, device):
    """Weight bytes one greedy decode step reads: every weight in `dtype` for transformers;
    for acdc in fp32 on a CPU, the output head as its int8 copy (worker/runtime/greedy_head.h)."""
    size = {"fp32": 4, "bf16": 2, "fp16": 2}[dtype]
    params, head = weight_counts(model_dir)
    screened = dtype == "fp32" and device == "cpu"
    return params * size, params * size - (head * (size - 1) if screened else 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", default=os.path.join(HERE, "..", "..", "build", "bin", "acdc"))
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--new-tokens", type=int, default=128)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--dtype", default="fp32", choices=["fp32", "bf16", "fp16"])
    args = parser.parse_args()
    print(f"model {args.model}, {args.dtype} on {args.device}, {args.threads} threads, "
          f"{args.new_tokens} new tokens")
    print(f"{'batch':>5}  {'acdc tok/s':>10}  {'hf tok/s':>9}  {'ratio':>6}  {'acdc RSS':>9}  {'hf RSS':>8}  goal")
    batch1 = None
    for batch, prompts, goal in [(1, PROMPTS[:2], 2.0), (16, PROMPTS, 1.5)]:
        a, a_rss = ours(args, prompts, batch)
        h, h_rss = transformers(args, prompts, batch)
        batch1 = batch1 or (a, h)
        print(f"{batch:>5}  {a:>10.1f}  {h:>9.1f}  {a / h:>5.2f}x  {a_rss:>7.0f}MB  {h_rss:>6.0f}MB  "
              f">= {goal}x {'met' if a / h >= goal else 'NOT met'}")
    read = memory_bandwidth.measure(args.threads, args.device)["torch_read"]
    theirs, ours_bytes = bytes_per_token(args.model, args.dtype, args.device)
    print(f"\nbatch-1 bound at {read:.1f} GB/s read bandwidth ({args.device}): transformers reads "
          f"{theirs / 1e6:.0f} MB of weights per token, bound {read * 1e9 / theirs:.1f} tok/s, "
          f"reached {batch1[1] * theirs / (read * 1e9):.0%}; acdc reads {ours_bytes / 1e6:.0f} MB, "
          f"bound {read * 1e9 / ours_bytes:.1f} tok/s, reached {batch1[0] * ours_bytes / (read * 1e9):.0%}")

if __name__ == "__main__":
    main()
