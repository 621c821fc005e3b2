#!/usr/bin/env python3
"""Merge benchmark (not a test): `acdc merge` vs mergekit on a synthetic 0.7B Llama in bf16.

`mergekit-yaml` and `acdc merge` merge a base and three "fine-tunes" (base + small random
deltas) of a synthetic 0.7B-parameter Llama checkpoint in bfloat16.

The checkpoints are made once (idempotent; OUT/.complete is written last) under
--models-dir (default ${ACDC_HOME:-~/.cache/acdc}/bench/merge): hidden 1536, intermediate
4096, 24 layers, 12 heads (4 kv heads), vocab 32000, untied lm_head; safetensors written
directly, sharded like Hugging Face (model-0000i-of-0000N.safetensors + index; --shard-bytes,
1 GB by default, so each 1.4 GB model has two shards). About 5.6 GB of disk.

For every method (linear, task_arithmetic, ties, dare_ties, slerp by default) both tools run
as child processes on the same YAML (dtype bfloat16, same output shard size), one after the
other, each after a sync and with its inputs read into the page cache first; wall time and
the child's own peak RSS (os.wait4's ru_maxrss) are reported, with the speed ratio (mergekit
time / acdc time) and memory ratio (mergekit RSS / acdc RSS). Output
directories are deleted after each run. The machine's memory bandwidth is measured in the
same run (1 GiB copies, numpy single-threaded and torch multi-threaded; read + write bytes per
second), and linear's throughput (bytes read + written per second, acdc) is printed as a
fraction of it.

  ~/.cache/acdc/venv/bin/python tests/bench/merge_bench.py [--bin build/bin/acdc]
      [--models-dir DIR] [--methods ties,linear] [--device cpu|cuda] [--threads N]
      [--skip-mergekit]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

import memory_bandwidth

HERE = os.path.dirname(os.path.abspath(__file__))
ACDC_HOME = os.environ.get("ACDC_HOME", os.path.expanduser("~/.cache/acdc"))
DEFAULT_MODELS = os.path.join(ACDC_HOME, "bench", "merge")
METHODS = ["linear", "task_arithmetic", "ties", "dare_ties", "slerp"]

HIDDEN, INTERMEDIATE, LAYERS, HEADS, KV_HEADS, VOCAB = 1536, 4096, 24, 12, 4, 32000
HEAD_DIM = HIDDEN // HEADS
FINE_TUNES = ("ft1", "ft2", "ft3")
OUT_SHARD_BYTES = 2_000_000_000


def log(message):
    print(message, flush=True)


# ---------------------------------------------------------------------------------------------
# Synthetic checkpoints.

def tensor_shapes():
    """(name, shape) in Hugging Face order."""
    shapes = [("model.embed_tokens.weight", (VOCAB, HIDDEN))]
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        shapes += [
            (p + "input_layernorm.weight", (HIDDEN,)),
            (p + "self_attn.q_proj.weight", (HEADS * HEAD_DIM, HIDDEN)),
            (p + "self_attn.k_proj.weight", (KV_HEADS * HEAD_DIM, HIDDEN)),
            (p + "self_attn.v_proj.weight", (KV_HEADS * HEAD_DIM, HIDDEN)),
            (p + "self_attn.o_proj.weight", (HIDDEN, HEADS * HEAD_DIM)),
            (p + "post_attention_layernorm.weight", (HIDDEN,)),
            (p + "mlp.gate_proj.weight", (INTERMEDIATE, HIDDEN)),
            (p + "mlp.up_proj.weight", (INTERMEDIATE, HIDDEN)),
            (p + "mlp.down_proj.weight", (HIDDEN, INTERMEDIATE)),
        ]
    shapes += [("model.norm.weight", (HIDDEN,)), ("lm_head.weight", (VOCAB, HIDDEN))]
    return shapes


def llama_config():
    return {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "hidden_size": HIDDEN, "intermediate_size": INTERMEDIATE,
        "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
        "num_key_value_heads": KV_HEADS, "head_dim": HEAD_DIM, "vocab_size": VOCAB,
        "max_position_embeddings": 4096, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
        "hidden_act": "silu", "tie_word_embeddings": False, "attention_bias": False,
        "mlp_bias": False, "initializer_range": 0.02, "bos_token_id": 1, "eos_token_id": 2,
        "dtype": "bfloat16", "torch_dtype": "bfloat16", "transformers_version": "4.57.0",
    }


def write_sharded(path, tensors_iter, shard_bytes):
    """Writes (name, tensor) pairs as HF shards: model-0000i-of-0000N.safetensors + index."""
    from safetensors.torch import save_file
    os.makedirs(path, exist_ok=True)
    shards, current, size, total = [], {}, 0, 0

    def flush():
        nonlocal current, size
        if current:
            name = f"shard-{len(shards) + 1}.tmp"
            save_file(current, os.path.join(path, name), metadata={"format": "pt"})
            shards.append((name, list(current)))
            current, size = {}, 0

    for name, tensor in tensors_iter:
        nbytes = tensor.numel() * tensor.element_size()
        if current and size + nbytes > shard_bytes:
            flush()
        current[name] = tensor
        size += nbytes
        total += nbytes
    flush()
    weight_map = {}
    for i, (tmp, names) in enumerate(shards, start=1):
        final = (f"model-{i:05d}-of-{len(shards):05d}.safetensors" if len(shards) > 1
                 else "model.safetensors")
        os.rename(os.path.join(path, tmp), os.path.join(path, final))
        weight_map.update({n: final for n in names})
    if len(shards) > 1:
        with open(os.path.join(path, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=1)
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(llama_config(), f, indent=1)
    return total


def build_models(models_dir, shard_bytes):
    marker = os.path.join(models_dir, ".complete")
    if os.path.exists(marker):
        return
    import torch
    torch.set_num_threads(os.cpu_count() or 1)
    os.makedirs(models_dir, exist_ok=True)
    shapes = tensor_shapes()
    params = sum(int(torch.Size(s).numel()) for _, s in shapes)
    log(f"building synthetic checkpoints in {models_dir}: {params / 1e9:.2f}B parameters, "
        f"bfloat16, base + {len(FINE_TUNES)} fine-tunes")

    def base_tensor(index, name, shape):
        gen = torch.Generator().manual_seed(index)
        if len(shape) == 1:
            return torch.ones(shape, dtype=torch.bfloat16) + \
                (torch.randn(shape, generator=gen) * 0.02).to(torch.bfloat16)
        return (torch.randn(shape, generator=gen) * 0.02).to(torch.bfloat16)

    def model_tensors(which):
        for index, (name, shape) in enumerate(shapes):
            base = base_tensor(index, name, shape)
            if which == "base":
                yield name, base
                continue
            gen = torch.Generator().manual_seed(1_000_000 * (FINE_TUNES.index(which) + 1) + index)
            delta = torch.randn(shape, generator=gen).mul_(0.02 * 0.05 if len(shape) > 1 else 0.01)
            yield name, (base.float() + delta).to(torch.bfloat16)
            del base, delta

    for which in ("base",) + FINE_TUNES:
        path = os.path.join(models_dir, which)
        if os.path.exists(os.path.join(path, ".complete")):
            continue
        shutil.rmtree(path, ignore_errors=True)
        t0 = time.perf_counter()
        total = write_sharded(path, model_tensors(which), shard_bytes)
        open(os.path.join(path, ".complete"), "w").close()
        log(f"  {which}: {total / 1e9:.2f} GB in {time.perf_counter() - t0:.0f} s")
    with open(marker, "w") as f:
        f.write(f"{params}\n")


def model_bytes(path):
    return sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path)
               if f.endswith(".safetensors"))


# ---------------------------------------------------------------------------------------------
# Configurations.

def merge_config(method, models_dir):
    p = lambda name: os.path.join(models_dir, name)  # noqa: E731
    cfg = {"merge_method": method, "dtype": "bfloat16"}
    if method == "linear":
        cfg["models"] = [{"model": p(ft), "parameters": {"weight": 1.0}} for ft in FINE_TUNES]
    elif method == "slerp":
        cfg["base_model"] = p("base")
        cfg["models"] = [{"model": p("base")}, {"model": p("ft1")}]
        cfg["parameters"] = {"t": [0, 0.5, 1]}
    else:
        cfg["base_model"] = p("base")
        parameters = {"weight": 0.5}
        if method in ("ties", "dare_ties"):
            parameters["density"] = 0.5
        cfg["models"] = [{"model": p(ft), "parameters": dict(parameters)} for ft in FINE_TUNES]
        if method == "ties":
            cfg["parameters"] = {"normalize": True}
    return cfg


def settle(model_dirs):
    """Flushes earlier runs' output and reads the inputs once, so that every run starts with the
    inputs in the page cache and no other run's writeback in flight, whichever tool runs first."""
    os.sync()
    for d in model_dirs:
        for name in os.listdir(d):
            if name.endswith(".safetensors"):
                with open(os.path.join(d, name), "rb") as f:
                    while f.read(1 << 24):
                        pass


def inputs_of(cfg):
    names = [m["model"] for m in cfg["models"]]
    if cfg.get("base_model") and cfg["base_model"] not in names:
        names.append(cfg["base_model"])
    return names


# ---------------------------------------------------------------------------------------------
# Runs.

def run_measured(cmd, log_path):
    """Runs cmd with its output in log_path; returns (seconds, peak RSS of the child in MiB)."""
    with open(log_path, "w") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        with open(log_path) as f:
            tail = f.read()[-4000:]
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{tail}")
    return seconds, usage.ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", default=os.path.join(HERE, "..", "..", "build", "bin", "acdc"))
    parser.add_argument("--mergekit", default=os.path.join(os.path.dirname(sys.executable),
                                                           "mergekit-yaml"),
                        help="the mergekit-yaml executable (default: next to this python)")
    parser.add_argument("--models-dir", default=DEFAULT_MODELS)
    parser.add_argument("--methods", default=",".join(METHODS),
                        help=f"comma-separated, of {','.join(METHODS)} (or any method both know)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (mergekit: --cuda)")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--seed", type=int, default=1, help="for dare_ties")
    parser.add_argument("--shard-bytes", type=int, default=1_000_000_000,
                        help="input shard size when building the checkpoints")
    parser.add_argument("--skip-mergekit", action="store_true")
    parser.add_argument("--build-only", action="store_true", help="make the checkpoints and exit")
    parser.add_argument("--work-dir", default=None,
                        help="where outputs go (default: a temporary directory next to the models)")
    args = parser.parse_args()
    methods = [m for m in args.methods.split(",") if m]

    if args.build_only:
        build_models(args.models_dir, args.shard_bytes)
        return
    if not os.path.exists(os.path.join(args.models_dir, ".complete")):
        # In a child process, for the same reason as memory_bandwidth.measure.
        subprocess.run([sys.executable, os.path.abspath(__file__), "--build-only", "--models-dir",
                        args.models_dir, "--shard-bytes", str(args.shard_bytes)], check=True)
    log("measuring memory bandwidth (1 GiB copies)...")
    measured = memory_bandwidth.measure(args.threads, args.device)
    numpy_bw, torch_bw = measured["numpy_copy"], measured["torch_copy"]
    bandwidth = max(numpy_bw, torch_bw)
    log(f"  memory copy bandwidth (read + write): numpy 1 CPU thread {numpy_bw:.1f} GB/s, "
        f"torch on {args.device} ({args.threads} threads) {torch_bw:.1f} GB/s")

    work = tempfile.mkdtemp(prefix="merge_bench_", dir=args.work_dir or args.models_dir)
    results = {}
    try:
        for method in methods:
            cfg = merge_config(method, args.models_dir)
            config_path = os.path.join(work, f"{method}.yaml")
            with open(config_path, "w") as f:
                yaml.safe_dump(cfg, f, sort_keys=False)
            read = sum(model_bytes(p) for p in inputs_of(cfg))
            row = {"read": read}
            runs = [("acdc", [args.bin, "merge", config_path, "--out", None,
                              "--device", args.device, "--threads", str(args.threads),
                              "--seed", str(args.seed),
                              "--max-shard-size", str(OUT_SHARD_BYTES)])]
            if not args.skip_mergekit:
                mk = [args.mergekit, config_path, None, "--out-shard-size", str(OUT_SHARD_BYTES),
                      "--num-threads", str(args.threads), "--random-seed", str(args.seed),
                      "--no-copy-tokenizer", "--quiet"]
                if args.device == "cuda":
                    mk.append("--cuda")
                runs.append(("mergekit", mk))
            for tool, cmd in runs:
                out = os.path.join(work, f"{tool}_{method}")
                cmd = [out if c is None else c for c in cmd]
                log(f"{method}: {tool} ...")
                settle(inputs_of(cfg))
                seconds, rss = run_measured(cmd, os.path.join(work, f"{tool}_{method}.log"))
                written = model_bytes(out)
                row[tool] = (seconds, rss, written)
                log(f"  {tool} {method}: {seconds:.1f} s, peak RSS {rss:.0f} MiB, "
                    f"{(read + written) / seconds / 1e9:.2f} GB/s read + written")
                shutil.rmtree(out, ignore_errors=True)
            results[method] = row
    finally:
        shutil.rmtree(work, ignore_errors=True)

    log("")
    log(f"{'method':<16} {'acdc s':>8} {'acdc RSS':>10} {'mergekit s':>11} {'mk RSS':>9} "
        f"{'speed x':>8} {'mem x':>6} {'acdc GB/s':>10}")
    for method, row in results.items():
        a_s, a_rss, a_w = row["acdc"]
        line = f"{method:<16} {a_s:>8.1f} {a_rss:>8.0f}Mi"
        if "mergekit" in row:
            m_s, m_rss, _ = row["mergekit"]
            line += f" {m_s:>11.1f} {m_rss:>7.0f}Mi {m_s / a_s:>7.2f}x {m_rss / a_rss:>5.2f}x"
        else:
            line += f" {'-':>11} {'-':>9} {'-':>8} {'-':>6}"
        line += f" {(row['read'] + a_w) / a_s / 1e9:>10.2f}"
        log(line)
    log("(speed x: mergekit time / acdc time; mem x: mergekit peak RSS / acdc peak RSS; "
        "GB/s: bytes read + written per second)")
    if "linear" in results:
        a_s, _, a_w = results["linear"]["acdc"]
        throughput = (results["linear"]["read"] + a_w) / a_s / 1e9
        log(f"\nlinear (acdc): {throughput:.2f} GB/s read + written = {throughput / bandwidth:.0%} "
            f"of this machine's copy bandwidth ({bandwidth:.1f} GB/s)")


if __name__ == "__main__":
    main()
