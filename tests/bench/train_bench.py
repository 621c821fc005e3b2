#!/usr/bin/env python3
"""Training benchmark (not a test): `acdc train` vs the same fine-tuning written in PyTorch with
transformers (LlamaForCausalLM, torch.optim.AdamW), on the small world's model (~0.8M
parameters) and the same JSONL data: batch 64, loss on the completion only, AdamW
(β 0.9/0.98), warm-up then cosine, gradient clipping at 1.0, batches cut from length-sorted
pools of 8 batches on both sides.

Both run with the same thread count; steps/s counts the training loop only (loading and saving
excluded).

  python3 tests/bench/train_bench.py [--bin build/bin/acdc] [--model DIR] [--steps 200] [--threads 1]
"""
import argparse
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import time

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MODEL = os.path.join(os.environ.get("ACDC_HOME", os.path.expanduser("~/.cache/acdc")),
                             "small-world", "base")
POOL_BATCHES = 8


def examples(count, seed):
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        if rng.random() < 0.5:
            word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 6)))
            rows.append({"prompt": f"Reverse: {word}\nEnd with: Answer: <answer>",
                         "completion": f"Answer: {word[::-1]}"})
        else:
            a, b = rng.randint(0, 99), rng.randint(0, 99)
            rows.append({"prompt": f"Add: {a} + {b}\nEnd with: Answer: <answer>",
                         "completion": f"Answer: {a + b}"})
    return rows


def run_acdc(args, data, out):
    cmd = [args.bin, "train", "--model", args.model, "--data", data, "--out", out,
           "--steps", str(args.steps), "--batch-size", "64", "--lr", "3e-4", "--warmup", "20",
           "--threads", str(args.threads)]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"acdc train failed:\n{result.stderr}")
    match = re.search(r"(\d+) steps in ([\d.]+) s", result.stderr)
    return int(match.group(1)) / float(match.group(2))


def encode(tokenizer, rows, end_of_turn):
    encoded = []
    for row in rows:
        prompt = tokenizer.apply_chat_template([{"role": "user", "content": row["prompt"]}],
                                               add_generation_prompt=True, tokenize=False)
        encoded.append((tokenizer(prompt, add_special_tokens=False)["input_ids"],
                        tokenizer(row["completion"] + end_of_turn,
                                  add_special_tokens=False)["input_ids"]))
    return encoded


def batches(encoded, batch_size, rng):
    while True:
        pool = sorted(rng.sample(encoded, batch_size * POOL_BATCHES),
                      key=lambda e: len(e[0]) + len(e[1]))
        cut = [pool[i:i + batch_size] for i in range(0, len(pool), batch_size)]
        rng.shuffle(cut)
        yield from cut


def collate(batch):
    longest = max(len(p) + len(c) for p, c in batch)
    ids = torch.zeros(len(batch), longest, dtype=torch.long)
    labels = torch.full((len(batch), longest), -100, dtype=torch.long)
    mask = torch.zeros(len(batch), longest, dtype=torch.long)
    for r, (p, c) in enumerate(batch):
        row = p + c
        ids[r, :len(row)] = torch.tensor(row)
        labels[r, len(p):len(row)] = torch.tensor(c)
        mask[r, :len(row)] = 1
    return ids, labels, mask


def run_transformers(args, rows):
    torch.set_num_threads(args.threads)
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32)
    model.train()
    encoded = encode(tokenizer, rows, "<|im_end|>")
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.98), weight_decay=0)
    warmup = 20
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: (
        (s + 1) / warmup if s + 1 <= warmup else
        0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (s + 1 - warmup) / (args.steps - warmup)))))
    stream = batches(encoded, 64, random.Random(1))
    start = time.perf_counter()
    for _ in range(args.steps):
        ids, labels, mask = collate(next(stream))
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
    return args.steps / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=os.path.join(HERE, "../../build/bin/acdc"))
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    rows = examples(4096, seed=7)
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data.jsonl")
        with open(data, "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)
        ours = run_acdc(args, data, os.path.join(tmp, "out"))
    theirs = run_transformers(args, rows)
    print(f"model {args.model}, {args.steps} steps of 64 rows, {args.threads} thread(s)")
    print(f"acdc train     {ours:6.2f} steps/s")
    print(f"transformers   {theirs:6.2f} steps/s")
    print(f"ratio          {ours / theirs:6.2f}x")


if __name__ == "__main__":
    main()
