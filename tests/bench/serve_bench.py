#!/usr/bin/env python3
"""`acdc serve` benchmark (not a test): what continuous batching buys a server, measured with
the official openai client against SmolLM2-135M-Instruct on this machine.

- `acdc serve` at concurrency 1, 8 and 32 (each client streams its greedy chat completions):
  requests/s, tokens/s and p50/p99 request latency;
- the batch bound: the same 32 prompts through `acdc generate --batch-size 32` (one static
  batch, no server);
- the peer a user would otherwise run: transformers `generate`, one request at a time;
- one stream against `acdc generate` on one prompt: the serving overhead.

Goal (issue 17): at concurrency 32, at least 70% of the batch bound's tokens/s.

  python3 tests/bench/serve_bench.py [--bin build/bin/acdc] [--model DIR] [--threads 2]
"""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import openai

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MODEL = os.path.join(os.environ.get("ACDC_HOME", os.path.expanduser("~/.cache/acdc")),
                             "models", "SmolLM2-135M-Instruct")
PROMPTS = ["Write a short story about a robot who learns to paint.",
           "Explain how a bicycle works.",
           "Describe the water cycle to a child.",
           "List ten uses for a paperclip and explain each.",
           "Write a letter to a friend about your summer.",
           "Explain why the sky is blue.",
           "Describe a day in the life of a lighthouse keeper.",
           "Give advice to someone learning to cook."]
TOKENS = 96


def prompts(count):
    return [PROMPTS[i % len(PROMPTS)] for i in range(count)]


def start_server(binary, model, threads):
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    server = subprocess.Popen([binary, "serve", "--model", model, "--listen", "127.0.0.1:0",
                               "--threads", str(threads), "--max-batch", "32"],
                              stdout=log, stderr=subprocess.STDOUT)
    for _ in range(600):
        log.seek(0)
        found = re.search(r"at (http://127\.0\.0\.1:\d+/v1)", log.read())
        if found:
            return server, found.group(1)
        time.sleep(0.1)
    server.kill()
    sys.exit("acdc serve did not start")


def stream(client, name, prompt):
    """(completion tokens, seconds) of one streamed greedy chat completion."""
    start = time.time()
    tokens = 0
    for chunk in client.chat.completions.create(
            model=name, messages=[{"role": "user", "content": prompt}], temperature=0,
            max_tokens=TOKENS, stream=True, stream_options={"include_usage": True}):
        if chunk.usage is not None:
            tokens = chunk.usage.completion_tokens
    return tokens, time.time() - start


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def serve_at(client, name, concurrency, requests):
    start = time.time()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        done = list(pool.map(lambda p: stream(client, name, p), prompts(requests)))
    wall = time.time() - start
    latencies = [seconds for _, seconds in done]
    return {"concurrency": concurrency, "requests": requests,
            "requests_per_s": round(requests / wall, 2),
            "tokens_per_s": round(sum(tokens for tokens, _ in done) / wall, 1),
            "p50_latency_s": round(percentile(latencies, 0.5), 2),
            "p99_latency_s": round(percentile(latencies, 0.99), 2)}


def generate_rate(binary, model, threads, batch):
    """Tokens/s of `acdc generate` on `batch` prompts in one batch."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for prompt in prompts(batch):
            f.write(json.dumps({"prompt": prompt}) + "\n")
    result = subprocess.run([binary, "generate", "--model", model, "--chat", "--threads",
                             str(threads), "--prompts", f.name, "--batch-size", str(batch),
                             "--max-new-tokens", str(TOKENS)], capture_output=True, text=True)
    os.unlink(f.name)
    found = re.search(r"([\d.]+) tokens/s", result.stderr)
    if not found:
        sys.exit("acdc generate: " + result.stderr[-2000:])
    return float(found.group(1))


def transformers_rate(model, threads, count):
    """Tokens/s of transformers `generate`, one greedy request at a time."""
    import torch
    import transformers
    torch.set_num_threads(threads)
    tokenizer = transformers.AutoTokenizer.from_pretrained(model)
    lm = transformers.AutoModelForCausalLM.from_pretrained(model, dtype=torch.float32)
    tokens, seconds = 0, 0.0
    for prompt in prompts(count):
        inputs = tokenizer.apply_chat_template([{"role": "user", "content": prompt}],
                                               add_generation_prompt=True, return_tensors="pt",
                                               return_dict=True)
        start = time.time()
        with torch.no_grad():
            out = lm.generate(**inputs, max_new_tokens=TOKENS, do_sample=False)
        seconds += time.time() - start
        tokens += out.shape[1] - inputs["input_ids"].shape[1]
    return tokens / seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=os.path.join(HERE, "../../build/bin/acdc"))
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    name = os.path.basename(args.model.rstrip("/"))

    batch_bound = generate_rate(args.bin, args.model, args.threads, 32)
    one_prompt = generate_rate(args.bin, args.model, args.threads, 1)
    peer = transformers_rate(args.model, args.threads, 4)
    server, url = start_server(args.bin, args.model, args.threads)
    try:
        client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0, timeout=600)
        stream(client, name, "Hi")  # warm up
        levels = [serve_at(client, name, 1, 4), serve_at(client, name, 8, 16),
                  serve_at(client, name, 32, 32)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    at_32 = levels[-1]["tokens_per_s"]
    print(json.dumps({
        "model": name, "threads": args.threads, "max_tokens": TOKENS,
        "serve": levels,
        "acdc_generate_batch_32_tokens_per_s": round(batch_bound, 1),
        "acdc_generate_one_prompt_tokens_per_s": round(one_prompt, 1),
        "transformers_one_at_a_time_tokens_per_s": round(peer, 1),
        "serve_32_vs_batch_bound": round(at_32 / batch_bound, 2),
        "serve_1_vs_generate_one_prompt": round(levels[0]["tokens_per_s"] / one_prompt, 2),
        "serve_32_vs_transformers": round(at_32 / peer, 2),
        "goal_serve_32_at_least_0.70_of_bound": at_32 / batch_bound >= 0.70}, indent=1))


if __name__ == "__main__":
    main()
