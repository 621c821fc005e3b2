#!/usr/bin/env python3
"""`acdc serve` benchmark (not a test): what continuous batching buys a server, measured with
the official openai client against SmolLM2-135M-Instruct on this machine.

- one request at a time: tokens/s of a single greedy stream (the server's batch-1 speed, with
  HTTP and streaming included), against `acdc generate` on the same prompt (no server): the
  ratio is the serving overhead;
- N concurrent streams (default 8): aggregate tokens/s, against the single stream: the ratio is
  what joining the running batch gives (N streams on one batch, not N turns).

  python3 tests/bench/serve_bench.py [--bin build/bin/acdc] [--model DIR] [--threads 2] [--streams 8]
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
           "List ten uses for a paperclip and explain each."]
TOKENS = 96


def start_server(binary, model, threads):
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    server = subprocess.Popen([binary, "serve", "--model", model, "--listen", "127.0.0.1:0",
                               "--threads", str(threads)], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(600):
        log.seek(0)
        found = re.search(r"at (http://127\.0\.0\.1:\d+/v1)", log.read())
        if found:
            return server, found.group(1)
        time.sleep(0.1)
    server.kill()
    sys.exit("acdc serve did not start")


def stream(client, name, prompt):
    tokens = 0
    for chunk in client.chat.completions.create(
            model=name, messages=[{"role": "user", "content": prompt}], temperature=0,
            max_tokens=TOKENS, stream=True, stream_options={"include_usage": True}):
        if chunk.usage is not None:
            tokens = chunk.usage.completion_tokens
    return tokens


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=os.path.join(HERE, "../../build/bin/acdc"))
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--streams", type=int, default=8)
    args = parser.parse_args()
    name = os.path.basename(args.model.rstrip("/"))

    result = subprocess.run([args.bin, "generate", "--model", args.model, "--chat", "--threads",
                             str(args.threads), "--prompt", PROMPTS[0], "--max-new-tokens",
                             str(TOKENS), "--ignore-eos"], capture_output=True, text=True)
    found = re.search(r"([\d.]+) tokens/s", result.stderr)
    generate_rate = float(found.group(1)) if found else float("nan")

    server, url = start_server(args.bin, args.model, args.threads)
    try:
        client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
        stream(client, name, "Hi")  # warm up
        start = time.time()
        tokens = stream(client, name, PROMPTS[0])
        single = tokens / (time.time() - start)
        prompts = [PROMPTS[i % len(PROMPTS)] for i in range(args.streams)]
        start = time.time()
        with concurrent.futures.ThreadPoolExecutor(args.streams) as pool:
            total = sum(pool.map(lambda p: stream(client, name, p), prompts))
        together = total / (time.time() - start)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(json.dumps({"model": name, "threads": args.threads, "max_tokens": TOKENS,
                      "acdc_generate_tokens_per_s": round(generate_rate, 1),
                      "serve_one_stream_tokens_per_s": round(single, 1),
                      "serve_vs_generate": round(single / generate_rate, 2),
                      "streams": args.streams,
                      "serve_concurrent_tokens_per_s": round(together, 1),
                      "concurrent_vs_one_stream": round(together / single, 2)}, indent=1))


if __name__ == "__main__":
    main()
