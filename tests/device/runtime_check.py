#!/usr/bin/env python3
"""acdc's runtime on a GPU against transformers on the same GPU (issue 3's CUDA checks).

The real SmolLM2 weights are too large to carry to a device machine, and parity needs only
the same weights on both sides: random weights are drawn for SmolLM2-135M-Instruct's
architecture (its config and tokenizer from --smollm2), and for a Qwen2 variant of it with
q/k/v bias, saved in bf16. For each model and dtype (fp32, bf16, and fp16 on CUDA):
  * log-probabilities of a few texts by `acdc logprobs` and by transformers, both on the
    device, each measured against transformers in fp32 on the CPU. acdc must be within 1e-3
    in fp32, and in bf16/fp16 its mean error must stay under 2x transformers' own + 1e-3;
  * greedy continuations (32 tokens, batched) by `acdc generate` and transformers `generate`:
    the tokens both produce before they first differ are reported (fp32 must agree on all).
Prints one table; exits 1 when a check fails.

  python3 tests/device/runtime_check.py --acdc BIN --smollm2 DIR --work DIR [--device cuda]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

import torch
from tokenizers import Tokenizer
from transformers import AutoConfig, AutoModelForCausalLM

TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
    "Москва — столица России. 東京は日本の首都です。",
    "1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89",
]
PROMPTS = ["Once upon a time", "The capital of France is", "import numpy as np\n", "Hello"]
NEW_TOKENS = 32
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
CPU_DTYPES = ("fp32", "bf16")  # acdc runs fp16 on CUDA only
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")


def make_models(smollm2, work):
    """{name: directory} of the random models (made once)."""
    models = {}
    for name, arch in (("smollm2_random", None), ("qwen2_bias_random", "qwen2")):
        out = os.path.join(work, name)
        models[name] = out
        if os.path.exists(os.path.join(out, "config.json")):
            continue
        config = AutoConfig.from_pretrained(smollm2)
        if arch == "qwen2":
            base = config.to_dict()
            config = AutoConfig.for_model(
                "qwen2", vocab_size=base["vocab_size"], hidden_size=base["hidden_size"],
                intermediate_size=base["intermediate_size"], num_hidden_layers=8,
                num_attention_heads=base["num_attention_heads"],
                num_key_value_heads=base["num_key_value_heads"], tie_word_embeddings=False,
                rms_norm_eps=base["rms_norm_eps"], rope_theta=base.get("rope_theta", 10000.0),
                bos_token_id=base["bos_token_id"], eos_token_id=base["eos_token_id"])
        # Wider than the usual 0.02, so that greedy picks are not near-ties of a flat softmax.
        config.initializer_range = 0.08
        torch.manual_seed(len(name))
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        model.to(torch.bfloat16).save_pretrained(out)
        for f in TOKENIZER_FILES:
            shutil.copy(os.path.join(smollm2, f), out)
    return models


def run_acdc(args, *command):
    """acdc's output lines, parsed as JSON."""
    result = subprocess.run([args.acdc, *command], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{args.acdc} {' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def write_jsonl(args, name, rows):
    path = os.path.join(args.work, name)
    with open(path, "w") as f:
        f.writelines(json.dumps(row) + "\n" for row in rows)
    return path


def acdc_logprobs(args, model_dir, dtype):
    path = write_jsonl(args, "texts.jsonl", [{"text": text} for text in TEXTS])
    rows = run_acdc(args, "logprobs", "--model", model_dir, "--input", path, "--device",
                    args.device, "--dtype", dtype)
    return [(row["ids"], torch.tensor(row["logprobs"][1:], dtype=torch.float64)) for row in rows]


def hf_logprobs(model, ids_list, device):
    result = []
    for ids in ids_list:
        x = torch.tensor([ids], device=device)
        with torch.no_grad():
            logits = model(x).logits[0, :-1].double().log_softmax(-1)
        result.append(logits.gather(1, x[0, 1:, None]).squeeze(1).cpu())
    return result


def acdc_greedy(args, model_dir, dtype):
    path = write_jsonl(args, "prompts.jsonl", [{"prompt": prompt} for prompt in PROMPTS])
    rows = run_acdc(args, "generate", "--model", model_dir, "--prompts", path, "--max-new-tokens",
                    str(NEW_TOKENS), "--ignore-eos", "--batch-size", str(len(PROMPTS)),
                    "--device", args.device, "--dtype", dtype)
    return [row["ids"] for row in rows]


def hf_greedy(model, tokenizer, device):
    result = []
    for prompt in PROMPTS:  # one at a time: no padding question on the reference side
        ids = torch.tensor([tokenizer.encode(prompt).ids], device=device)
        with torch.no_grad():
            out = model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False,
                                 max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS,
                                 pad_token_id=0)
        result.append(out[0, ids.shape[1]:].tolist())
    return result


def agreeing_prefix(a, b):
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def mean_error(values, reference):
    return torch.cat([(v - r).abs() for v, r in zip(values, reference)]).mean().item()


def max_error(values, reference):
    return max((v - r).abs().max().item() for v, r in zip(values, reference))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--acdc", required=True)
    parser.add_argument("--smollm2", required=True, help="config.json and tokenizer files")
    parser.add_argument("--work", required=True)
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    failures = []
    print(f"{'model':<18} {'dtype':<5} {'acdc mean|Δlp|':>14} {'hf mean|Δlp|':>13} "
          f"{'acdc max':>9} {'greedy agree (acdc vs hf)':>26}")
    for name, model_dir in make_models(args.smollm2, args.work).items():
        reference_model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
        ours_fp32 = acdc_logprobs(args, model_dir, "fp32")
        ids_list = [ids for ids, _ in ours_fp32]
        tokenizer = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
        expected_ids = [tokenizer.encode(t).ids for t in TEXTS]
        if ids_list != expected_ids:
            failures.append(f"{name}: acdc's token ids differ from the HF tokenizer's")
        reference = hf_logprobs(reference_model, ids_list, "cpu")
        del reference_model
        for dtype, torch_dtype in DTYPES.items():
            if args.device == "cpu" and dtype not in CPU_DTYPES:
                continue
            model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch_dtype).to(args.device)
            ours = ours_fp32 if dtype == "fp32" and args.device == "cpu" else \
                acdc_logprobs(args, model_dir, dtype)
            ours = [lp for _, lp in ours]
            theirs = hf_logprobs(model, ids_list, args.device)
            ours_mean, theirs_mean = mean_error(ours, reference), mean_error(theirs, reference)
            ours_max = max_error(ours, reference)
            agree = [agreeing_prefix(a, b) for a, b in
                     zip(acdc_greedy(args, model_dir, dtype), hf_greedy(model, tokenizer, args.device))]
            print(f"{name:<18} {dtype:<5} {ours_mean:>14.2e} {theirs_mean:>13.2e} {ours_max:>9.2e} "
                  f"{' '.join(f'{n:>2}' for n in agree):>26}  (of {NEW_TOKENS})", flush=True)
            if dtype == "fp32":
                if ours_max > 1e-3:
                    failures.append(f"{name} fp32: log-probs differ by {ours_max:.2e} (> 1e-3)")
                if min(agree) < NEW_TOKENS:
                    failures.append(f"{name} fp32: greedy tokens differ from transformers")
            elif ours_mean > 2 * theirs_mean + 1e-3:
                failures.append(f"{name} {dtype}: mean log-prob error {ours_mean:.2e} > 2x "
                                f"transformers' {theirs_mean:.2e} + 1e-3")
            del model
    for failure in failures:
        print("FAILED:", failure)
    print("all runtime checks passed" if not failures else f"{len(failures)} checks failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
