#!/usr/bin/env python3
"""Checks checkpoints written by acdc's CheckpointWriter with the reference libraries.

Usage: check_roundtrip.py ORIGINAL_DIR WRITTEN_DIR...

For each WRITTEN_DIR (made by acdc_safetensors_roundtrip_tool from ORIGINAL_DIR): the files are
named as transformers names them, nothing temporary is left, the index has transformers' layout,
every shard loads with safetensors.torch.load_file and has the reference writer's header layout
(compact JSON, space padding to 8 bytes), every tensor is bit-identical to the original, and
transformers' from_pretrained loads the model and computes the same logits.
"""

import json
import os
import re
import struct
import sys
import warnings

import torch
from safetensors.torch import load_file

warnings.filterwarnings("ignore")
import transformers  # noqa: E402
from transformers import AutoModelForCausalLM  # noqa: E402

transformers.logging.set_verbosity_error()

INDEX = "model.safetensors.index.json"


def check_header_layout(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = f.read(n)
    assert n % 8 == 0, f"{path}: header length {n} is not a multiple of 8"
    text = header.rstrip(b" ").decode()
    assert len(header) - len(text.encode()) < 8, f"{path}: more padding than the reference"
    parsed = json.loads(text)  # keeps the order of the file
    compact = json.dumps(parsed, separators=(",", ":"), ensure_ascii=False)
    assert compact == text, f"{path}: header is not compact JSON:\n{text}"
    assert next(iter(parsed)) == "__metadata__", f"{path}: __metadata__ is not first"


def shard_files(directory):
    names = sorted(os.listdir(directory))
    leftovers = [n for n in names if n.startswith(".")]
    assert not leftovers, f"{directory}: temporary files left: {leftovers}"
    if INDEX not in names:
        assert "model.safetensors" in names, f"{directory}: no model.safetensors: {names}"
        return ["model.safetensors"], None
    with open(os.path.join(directory, INDEX)) as f:
        index = json.load(f)
    assert set(index) == {"metadata", "weight_map"}, index.keys()
    shards = sorted(set(index["weight_map"].values()))
    count = len(shards)
    assert shards == [f"model-{i:05d}-of-{count:05d}.safetensors" for i in range(1, count + 1)]
    assert "model.safetensors" not in names
    return shards, index


def check(original_dir, written_dir):
    original = AutoModelForCausalLM.from_pretrained(original_dir, dtype="auto")
    expected = original.state_dict()
    shards, index = shard_files(written_dir)
    loaded = {}
    for shard in shards:
        path = os.path.join(written_dir, shard)
        check_header_layout(path)
        tensors = load_file(path)
        if index is not None:
            for name in tensors:
                assert index["weight_map"][name] == shard, (name, shard)
        loaded.update(tensors)
    if index is not None:
        assert set(index["weight_map"]) == set(loaded)
        total = sum(t.numel() * t.element_size() for t in loaded.values())
        assert index["metadata"] == {"total_size": total}, index["metadata"]
    for name, tensor in loaded.items():
        reference = expected[name]
        assert tensor.dtype == reference.dtype and tensor.shape == reference.shape, name
        assert torch.equal(tensor, reference), f"{name} differs"

    model = AutoModelForCausalLM.from_pretrained(written_dir, dtype="auto")
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, expected[name]), f"{name} differs after from_pretrained"
    ids = torch.tensor([[1, 5, 9, 2, 7]])
    with torch.no_grad():
        assert torch.equal(model(ids).logits, original(ids).logits)
    print(f"{written_dir}: {len(shards)} shard(s), {len(loaded)} tensors: OK")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    for written_dir in sys.argv[2:]:
        check(sys.argv[1], written_dir)


if __name__ == "__main__":
    main()
