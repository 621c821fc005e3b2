"""`acdc merge` against mergekit on tiny random Llama checkpoints, FP32 on CPU.

Run by ctest (merge.mergekit_parity) with
  ACDC_BIN           the acdc binary (default: build/bin/acdc of this checkout)
  ACDC_MERGE_MODELS  the fixture directory made by tests/fixtures/make_merge_models.py
                     (default: build/fixtures/merge_models; made there when missing)
  ACDC_MERGE_DEVICE  the device of acdc's parity merges (default cpu; mergekit stays on the
                     CPU); on cuda the tolerance is 1e-5, as the GPU sums in another order
By hand:
  ACDC_BIN=build/bin/acdc ACDC_MERGE_MODELS=/tmp/merge_models \
    ~/.cache/acdc/venv/bin/python -m unittest -v tests/worker/merge/test_mergekit_parity.py

What it checks:
  * Parity: for every deterministic method (linear, task_arithmetic, ties, breadcrumbs,
    breadcrumbs_ties, slerp, nuslerp with and without a base, model_stock, and dare_linear /
    dare_ties / della / della_linear at density 1) one mergekit YAML with scalar, gradient,
    filtered, per-model and top-level parameters is merged by mergekit in-process (run_merge)
    and by `acdc merge CONFIG --out DIR`; both outputs must hold the same tensor names, shapes
    and dtypes, every tensor within 1e-6 (the max abs diff per method is printed). Also: a
    larger-vocabulary input (mergekit with unsafe_truncate_embeddings), a bfloat16 input with
    `dtype: float32`.
  * Output: loads with transformers, has the base's config and tokenizer files; with
    --max-shard-size, HF-style shards + model.safetensors.index.json that transformers loads.
  * Stochastic methods through the CLI (dare_*, della*, acdc_linear) and the `mutation:`
    section: statistics of the definition, reproducibility by seed.
  * Bad inputs: nonzero exit, an "error: ..." line ("acdc merge: error: ..." too) naming the
    culprit, nothing left behind.
"""
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import torch
import yaml
from safetensors.torch import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "../../.."))
ACDC = os.environ.get("ACDC_BIN", os.path.join(ROOT, "build/bin/acdc"))
MODELS = os.environ.get("ACDC_MERGE_MODELS", os.path.join(ROOT, "build/fixtures/merge_models"))
DEVICE = os.environ.get("ACDC_MERGE_DEVICE", "cpu")
# A GPU adds up in another order than the CPU: float32 rounding, not the method, separates them.
ATOL = 1e-6 if DEVICE == "cpu" else 1e-5
VOCAB = 256
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja")

TMP = None  # one temporary directory for the whole module


def setUpModule():
    global TMP
    if not os.path.exists(os.path.join(MODELS, ".complete")):
        subprocess.run([sys.executable, os.path.join(ROOT, "tests/fixtures/make_merge_models.py"),
                        MODELS], check=True)
    torch.set_num_threads(1)  # tiny tensors; more threads only contend (SVD: 100x slower)
    TMP = tempfile.mkdtemp(prefix="acdc_merge_parity_")


def tearDownModule():
    if TMP:
        shutil.rmtree(TMP, ignore_errors=True)


def model(name):
    return os.path.join(MODELS, name)


def log(message):
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Configurations. `m` entries become {"model": path, "parameters": ...}.

def m(name, **parameters):
    entry = {"model": model(name)}
    if parameters:
        entry["parameters"] = parameters
    return entry


ATTN_MLP_DEFAULT = [{"filter": "self_attn", "value": 0.5},
                    {"filter": "mlp", "value": [1.0, 0.2]},
                    {"value": 0.3}]
T_GRADIENT = [0, 0.5, 0.3, 0.7, 1]


def parity_configs():
    """name -> (YAML dict, extra mergekit options)."""
    base = model("base")
    c = {}
    c["linear"] = {
        "merge_method": "linear",
        "models": [m("base", weight=0.1), m("ft1", weight=[0.2, 0.8]),
                   m("ft2", weight=ATTN_MLP_DEFAULT), m("ft3", weight=0.4)],
        "parameters": {"normalize": True}}
    c["linear_unnormalized"] = {
        "merge_method": "linear",
        "models": [m("ft1", weight=0.5), m("ft2", weight=[0.3, 0.6])],
        "parameters": {"normalize": False}}
    c["task_arithmetic"] = {
        "merge_method": "task_arithmetic", "base_model": base,
        "models": [m("ft1", weight=[0.2, 0.8]), m("ft2", weight=ATTN_MLP_DEFAULT),
                   m("ft3", weight=0.6)],
        "parameters": {"lambda": [1.0, 0.5], "normalize": [False, True]}}
    c["ties"] = {
        "merge_method": "ties", "base_model": base,
        "models": [m("ft1", weight=[0.2, 0.8], density=0.5),
                   m("ft2", weight=0.5, density=[{"filter": "self_attn", "value": 0.3},
                                                 {"filter": "mlp", "value": [0.9, 0.4]},
                                                 {"value": 0.7}]),
                   m("ft3", weight=0.3, density=0.9)],
        "parameters": {"normalize": True, "lambda": 0.9, "int8_mask": True}}
    c["breadcrumbs"] = {
        "merge_method": "breadcrumbs", "base_model": base,
        "models": [m("ft1", weight=0.6, density=0.8, gamma=0.05),
                   m("ft2", weight=[0.3, 0.7], density=[{"filter": "mlp", "value": 0.7},
                                                        {"value": 0.9}], gamma=0.02),
                   m("ft3", weight=0.4, density=0.85)],
        "parameters": {"lambda": 1.2}}
    c["breadcrumbs_ties"] = {
        "merge_method": "breadcrumbs_ties", "base_model": base,
        "models": [m("ft1", weight=[0.8, 0.3], density=0.75, gamma=0.03),
                   m("ft2", weight=0.5, density=[0.95, 0.6]),
                   m("ft3", weight=ATTN_MLP_DEFAULT, density=0.8, gamma=[{"filter": "self_attn",
                                                                          "value": 0.05},
                                                                         {"value": 0.01}])],
        "parameters": {"normalize": True, "lambda": [0.9, 1.1]}}
    c["slerp"] = {
        "merge_method": "slerp", "base_model": base,
        "models": [m("base"), m("ft1")],
        "parameters": {"t": [{"filter": "self_attn", "value": T_GRADIENT},
                             {"filter": "mlp", "value": [1, 0.5, 0.7, 0.3, 0]},
                             {"value": 0.5}]}}
    c["slerp_base_second"] = {
        "merge_method": "slerp", "base_model": model("ft2"),
        "models": [m("ft3"), m("ft2")],
        "parameters": {"t": 0.3}}
    c["nuslerp_base"] = {
        "merge_method": "nuslerp", "base_model": base,
        "models": [m("ft1", weight=[0.3, 0.7]), m("ft2", weight=0.5)]}
    c["nuslerp_nobase"] = {
        "merge_method": "nuslerp",
        "models": [m("ft1", weight=0.4), m("ft3", weight=[1.0, 0.2])],
        "parameters": {"nuslerp_flatten": False}}
    c["nuslerp_rowwise"] = {
        "merge_method": "nuslerp", "base_model": base,
        "models": [m("ft2", weight=ATTN_MLP_DEFAULT), m("ft3", weight=0.6)],
        "parameters": {"nuslerp_flatten": False, "nuslerp_row_wise": True}}
    c["model_stock"] = {
        "merge_method": "model_stock", "base_model": base,
        "models": [m("ft1"), m("ft2"), m("ft3")]}
    c["model_stock_filter_wise"] = {
        "merge_method": "model_stock", "base_model": base,
        "models": [m("ft1"), m("ft2"), m("ft3")],
        "parameters": {"filter_wise": True}}
    for method, extra in (("dare_linear", {}), ("dare_ties", {"normalize": True}),
                          ("della", {"epsilon": 0.1}), ("della_linear", {"epsilon": 0.2})):
        shared = {k: v for k, v in extra.items() if k != "epsilon"}
        per_model = {k: v for k, v in extra.items() if k == "epsilon"}
        c[f"{method}_density1"] = {
            "merge_method": method, "base_model": base,
            "models": [m("ft1", weight=[0.2, 0.8], density=1.0, **per_model),
                       m("ft2", weight=[{"filter": "self_attn", "value": 0.5}, {"value": 0.3}],
                         **per_model),
                       m("ft3", weight=0.4, density=1.0)],
            "parameters": {"lambda": 0.9, "rescale": True, **shared}}
    # The larger vocabulary is truncated to the base's (mergekit: unsafe_truncate_embeddings).
    c["bigvocab"] = {
        "merge_method": "task_arithmetic", "base_model": base,
        "models": [m("ft_bigvocab", weight=0.7), m("ft2", weight=0.5)]}
    c["bf16_input"] = {
        "merge_method": "task_arithmetic", "base_model": base,
        "models": [m("ft1", weight=0.5), m("bf16_ft", weight=[0.5, 0.9])]}
    for cfg in c.values():
        cfg["dtype"] = "float32"
    options = {name: {} for name in c}
    options["bigvocab"] = {"unsafe_truncate_embeddings": True}
    return {name: (c[name], options[name]) for name in c}


# ---------------------------------------------------------------------------------------------
# Helpers.

def write_config(name, cfg):
    path = os.path.join(TMP, f"{name}.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f, sort_keys=False)
    return path


def load_output(path):
    """{name: tensor} of a model directory, sharded or not."""
    index = os.path.join(path, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = sorted(f for f in os.listdir(path) if f.endswith(".safetensors"))
    if not files:
        raise AssertionError(f"no .safetensors in {path}: {sorted(os.listdir(path))}")
    tensors = {}
    for f in files:
        for k, v in load_file(os.path.join(path, f)).items():
            if k in tensors:
                raise AssertionError(f"{k} is in more than one file of {path}")
            tensors[k] = v
    return tensors


def run_acdc_merge(config_path, out, *extra, expect_ok=True):
    cmd = [ACDC, "merge", config_path, "--out", out, *extra]
    t0 = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    seconds = time.perf_counter() - t0
    if expect_ok and result.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed (exit {result.returncode}):\n"
                             f"{result.stderr[-4000:]}")
    return result, seconds


_MERGEKIT = {}
_ACDC = {}


def mergekit_output(name, cfg, options):
    if name not in _MERGEKIT:
        from mergekit.config import MergeConfiguration
        from mergekit.merge import run_merge
        from mergekit.options import MergeOptions
        out = os.path.join(TMP, f"mergekit_{name}")
        run_merge(MergeConfiguration.model_validate(cfg), out,
                  MergeOptions(device="cpu", quiet=True, write_model_card=False,
                               copy_tokenizer=True, **options))
        _MERGEKIT[name] = out
    return _MERGEKIT[name]


def acdc_output(name, cfg):
    if name not in _ACDC:
        out = os.path.join(TMP, f"acdc_{name}")
        run_acdc_merge(write_config(name, cfg), out, "--device", DEVICE)
        _ACDC[name] = out
    return _ACDC[name]


def max_abs_diff(a, b):
    return (a.double() - b.double()).abs().max().item() if a.numel() else 0.0


def assert_same_tensors(test, ours, theirs, what, atol=ATOL):
    """Same names, shapes, dtypes, values within atol; returns the max abs diff."""
    missing, extra = sorted(set(theirs) - set(ours)), sorted(set(ours) - set(theirs))
    test.assertFalse(missing or extra, f"{what}: tensor names differ: missing {missing}, "
                                       f"unexpected {extra}")
    worst, worst_name = 0.0, None
    for name in sorted(theirs):
        a, b = ours[name], theirs[name]
        test.assertEqual(tuple(a.shape), tuple(b.shape), f"{what}: {name} shape")
        test.assertEqual(a.dtype, b.dtype, f"{what}: {name} dtype")
        diff = max_abs_diff(a, b)
        test.assertFalse(math.isnan(diff), f"{what}: {name} has NaNs")
        if diff > worst:
            worst, worst_name = diff, name
        test.assertLessEqual(diff, atol, f"{what}: {name} differs by {diff:.3g} (> {atol:g})")
    return worst, worst_name


def same_bytes(a, b):
    return set(a) == set(b) and all(
        a[k].dtype == b[k].dtype and a[k].shape == b[k].shape and
        a[k].contiguous().view(torch.uint8).equal(b[k].contiguous().view(torch.uint8))
        for k in a)


def stochastic_config(method, density=0.3, **top):
    parameters = {"normalize": False, "rescale": True}
    parameters.update(top)
    return {"merge_method": method, "base_model": model("base"),
            "models": [m("ft1", weight=1.0, density=density)],
            "parameters": parameters, "dtype": "float32"}


# ---------------------------------------------------------------------------------------------

class MergekitParityTest(unittest.TestCase):
    """One test per configuration of parity_configs()."""

    def check_parity(self, name):
        cfg, options = parity_configs()[name]
        theirs = load_output(mergekit_output(name, cfg, options))
        ours = load_output(acdc_output(name, cfg))
        worst, where = assert_same_tensors(self, ours, theirs, name)
        log(f"  {name}: {len(theirs)} tensors, max |acdc - mergekit| = {worst:.3g}"
            + (f" ({where})" if where else ""))

    def test_bigvocab_truncated_to_base(self):
        self.check_parity("bigvocab")
        ours = load_output(acdc_output("bigvocab", parity_configs()["bigvocab"][0]))
        self.assertEqual(ours["model.embed_tokens.weight"].shape[0], VOCAB)
        self.assertEqual(ours["lm_head.weight"].shape[0], VOCAB)


for _name in parity_configs():
    if _name != "bigvocab":
        setattr(MergekitParityTest, f"test_{_name}",
                lambda self, n=_name: self.check_parity(n))


class OutputTest(unittest.TestCase):
    """The output directory: config, tokenizer, loading with transformers, sharding."""

    def linear(self):
        return parity_configs()["linear"][0]

    def test_config_and_tokenizer_copied_from_base(self):
        out = acdc_output("linear", self.linear())
        for name in TOKENIZER_FILES:
            self.assertTrue(os.path.exists(os.path.join(out, name)), f"{name} missing in {out}")
            with open(os.path.join(out, name), "rb") as a, open(model("base/" + name), "rb") as b:
                self.assertEqual(a.read(), b.read(), f"{name} differs from the base's")
        with open(os.path.join(out, "config.json")) as a, open(model("base/config.json")) as b:
            ours, base = json.load(a), json.load(b)
        for key in ("dtype", "torch_dtype", "transformers_version"):
            ours.pop(key, None)
            base.pop(key, None)
        self.assertEqual(ours, base, "config.json is not the base's")

    def test_loads_with_transformers(self):
        from transformers import AutoModelForCausalLM, AutoTokenizer
        out = acdc_output("linear", self.linear())
        hf = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32).eval()
        tok = AutoTokenizer.from_pretrained(out)
        tensors = load_output(out)
        state = hf.state_dict()
        for name, t in tensors.items():
            self.assertTrue(torch.equal(state[name], t),
                            f"{name}: transformers loaded other values")
        ids = tok("The quick brown fox", return_tensors="pt").input_ids
        with torch.no_grad():
            logits = hf(ids).logits
        self.assertTrue(torch.isfinite(logits).all())
        self.assertEqual(logits.shape[-1], VOCAB)

    def test_sharded_output(self):
        from transformers import AutoModelForCausalLM
        cfg = self.linear()
        out = os.path.join(TMP, "acdc_linear_sharded")
        run_acdc_merge(write_config("linear_sharded", cfg), out, "--max-shard-size", "20000")
        files = sorted(os.listdir(out))
        shards = [f for f in files if f.endswith(".safetensors")]
        pattern = re.compile(r"model-(\d{5})-of-(\d{5})\.safetensors$")
        self.assertTrue(shards and all(pattern.match(s) for s in shards),
                        f"shard names are not model-0000i-of-0000N.safetensors: {shards}")
        total = int(pattern.match(shards[0]).group(2))
        self.assertGreater(total, 1, "20000-byte shards of a 0.7 MB model: expected several")
        self.assertEqual(shards, [f"model-{i:05d}-of-{total:05d}.safetensors"
                                  for i in range(1, total + 1)])
        self.assertNotIn("model.safetensors", files)
        with open(os.path.join(out, "model.safetensors.index.json")) as f:
            index = json.load(f)
        tensors = load_output(out)
        self.assertEqual(set(index["weight_map"]), set(tensors), "index weight_map vs tensors")
        self.assertEqual(set(index["weight_map"].values()), set(shards),
                         "every shard is named in the index")
        self.assertEqual(index.get("metadata", {}).get("total_size"),
                         sum(t.numel() * t.element_size() for t in tensors.values()),
                         "metadata.total_size is the tensor bytes")
        for shard in shards:
            part = load_file(os.path.join(out, shard))
            size = sum(t.numel() * t.element_size() for t in part.values())
            self.assertTrue(size <= 20000 or len(part) == 1,
                            f"{shard}: {size} bytes in {len(part)} tensors (> 20000)")
            for k in part:
                self.assertEqual(index["weight_map"][k], shard)
        unsharded = load_output(acdc_output("linear", cfg))
        self.assertTrue(same_bytes(tensors, unsharded), "sharded tensors != unsharded tensors")
        hf = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32)
        state = hf.state_dict()
        for name, t in tensors.items():
            self.assertTrue(torch.equal(state[name], t),
                            f"{name}: transformers loaded other values")

    def test_empty_existing_output_directory_is_accepted(self):
        out = os.path.join(TMP, "empty_out")
        os.makedirs(out)
        run_acdc_merge(write_config("empty_out", self.linear()), out, "--device", "cpu")
        self.assertTrue(same_bytes(load_output(out), load_output(acdc_output("linear",
                                                                             self.linear()))))


class StochasticTest(unittest.TestCase):
    """dare_*/della* at density 0.3, acdc_linear: statistics and seeding."""

    @classmethod
    def setUpClass(cls):
        cls.base = load_file(model("base/model.safetensors"))
        cls.fts = [load_file(model(f"ft{i}/model.safetensors")) for i in (1, 2, 3)]

    def merge(self, tag, cfg, *extra):
        out = os.path.join(TMP, f"stochastic_{tag}")
        run_acdc_merge(write_config(f"stochastic_{tag}", cfg), out, *extra)
        return load_output(out)

    def check_sparsified(self, method, child, density):
        """One model, weight 1, rescale on: child - base = mask * tau * L1(tau) / L1(mask tau)."""
        kept_all, n_all = 0, 0
        for name, b in self.base.items():
            tau = self.fts[0][name].double() - b.double()
            delta = child[name].double() - b.double()
            mask = delta != 0
            n, kept = tau.numel(), int(mask.sum())
            kept_all, n_all = kept_all + kept, n_all + n
            bound = 5 * math.sqrt(n * density * (1 - density)) + 1
            self.assertLessEqual(abs(kept - density * n), bound,
                                 f"{method} {name}: kept {kept}/{n} elements, density {density}")
            l1_tau, l1_delta = tau.abs().sum().item(), delta.abs().sum().item()
            self.assertAlmostEqual(l1_delta / l1_tau, 1.0, delta=1e-5,
                                   msg=f"{method} {name}: L1(child-base) {l1_delta:.8g} != "
                                       f"L1(tau) {l1_tau:.8g}")
            scale = l1_tau / (tau * mask).abs().sum().item()
            expected = b.double() + tau * mask * scale
            diff = max_abs_diff(child[name], expected)
            self.assertLessEqual(diff, ATOL, f"{method} {name}: kept elements are not tau * "
                                             f"{scale:.4g} (max diff {diff:.3g})")
        bound = 5 * math.sqrt(n_all * density * (1 - density))
        self.assertLessEqual(abs(kept_all - density * n_all), bound,
                             f"{method}: kept {kept_all}/{n_all} overall")
        log(f"  {method}: kept {kept_all / n_all:.4f} of the delta (density {density})")

    def check_method(self, method):
        cfg = stochastic_config(method)
        a = self.merge(f"{method}_s1", cfg, "--seed", "1")
        self.check_sparsified(method, a, 0.3)
        b = self.merge(f"{method}_s1b", cfg, "--seed", "1", "--threads", "1")
        self.assertTrue(same_bytes(a, b), f"{method}: same seed, different tensors")
        c = self.merge(f"{method}_s2", cfg, "--seed", "2")
        self.assertFalse(same_bytes(a, c), f"{method}: seeds 1 and 2 gave the same tensors")
        differing = [k for k in a if not torch.equal(a[k], c[k])]
        self.assertGreater(len(differing), len(a) // 2, f"{method}: seeds 1 and 2 differ only "
                                                        f"in {differing}")

    def test_dare_linear(self):
        self.check_method("dare_linear")

    def test_dare_ties(self):
        self.check_method("dare_ties")

    def test_della(self):
        self.check_method("della")

    def test_della_linear(self):
        self.check_method("della_linear")

    def test_yaml_seed(self):
        cfg = stochastic_config("dare_linear")
        cfg["seed"] = 7
        a = self.merge("yaml_seed7", cfg)
        b = self.merge("yaml_seed7b", cfg)
        self.assertTrue(same_bytes(a, b), "seed: 7 in the YAML, different tensors")
        cfg["seed"] = 8
        c = self.merge("yaml_seed8", cfg)
        self.assertFalse(same_bytes(a, c), "seed: 7 and seed: 8 in the YAML, same tensors")

    def acdc_linear(self, tag, seed="1", **parameters):
        cfg = {"merge_method": "acdc_linear", "base_model": model("base"),
               "models": [m("ft1"), m("ft2"), m("ft3")], "dtype": "float32"}
        if parameters:
            cfg["parameters"] = parameters
        return self.merge(f"acdc_linear_{tag}", cfg, "--seed", seed)

    def deltas(self, name):
        b = self.base[name].double()
        return b, [ft[name].double() - b for ft in self.fts]

    def test_acdc_linear_sigma0_is_mean_of_deltas(self):
        child = self.acdc_linear("sigma0", sigma=0.0)
        self.assertEqual(set(child), set(self.base))
        for name in self.base:
            b, taus = self.deltas(name)
            diff = max_abs_diff(child[name], b + sum(taus) / len(taus))
            self.assertLessEqual(diff, ATOL, f"acdc_linear sigma 0: {name} is not base + mean "
                                             f"delta (max diff {diff:.3g})")
        child = self.acdc_linear("sigma0_sum", sigma=0.0, normalize=False)
        for name in self.base:
            b, taus = self.deltas(name)
            diff = max_abs_diff(child[name], b + sum(taus))
            self.assertLessEqual(diff, ATOL, f"acdc_linear sigma 0, normalize false: {name} is "
                                             f"not base + sum of deltas (max diff {diff:.3g})")

    def test_acdc_linear_sigma_default(self):
        a = self.acdc_linear("default_s1")  # sigma 0.01 by default
        worst = 0.0
        for name in self.base:
            b, taus = self.deltas(name)
            mean = b + sum(taus) / len(taus)
            diff = max_abs_diff(a[name], mean)
            bound = 0.1 * max(t.abs().max().item() for t in taus)
            self.assertLessEqual(diff, bound, f"acdc_linear sigma 0.01: {name} far from the mean "
                                              f"({diff:.3g} > {bound:.3g})")
            worst = max(worst, diff)
        self.assertGreater(worst, 1e-6, "acdc_linear sigma 0.01 equals the plain mean")
        b = self.acdc_linear("default_s1b")
        self.assertTrue(same_bytes(a, b), "acdc_linear: same seed, different tensors")
        c = self.acdc_linear("default_s2", seed="2")
        self.assertFalse(same_bytes(a, c), "acdc_linear: seeds 1 and 2 gave the same tensors")
        log(f"  acdc_linear sigma 0.01: max |child - mean| = {worst:.3g}")


class MutationTest(unittest.TestCase):
    """The `mutation:` section on a task_arithmetic merge of ft1 and ft2."""

    @classmethod
    def setUpClass(cls):
        cls.base = load_file(model("base/model.safetensors"))
        cls.plain = cls.merge("plain", None)

    @classmethod
    def merge(cls, tag, mutation):
        cfg = {"merge_method": "task_arithmetic", "base_model": model("base"),
               "models": [m("ft1", weight=0.5), m("ft2", weight=0.5)], "dtype": "float32"}
        if mutation:
            cfg["mutation"] = mutation
        out = os.path.join(TMP, f"mutation_{tag}")
        run_acdc_merge(write_config(f"mutation_{tag}", cfg), out)
        return load_output(out)

    def seeded(self, mutation):
        method = mutation["method"]
        a = self.merge(f"{method}_a", mutation)
        b = self.merge(f"{method}_b", mutation)
        self.assertTrue(same_bytes(a, b), f"{method}: same seed, different tensors")
        c = self.merge(f"{method}_c", dict(mutation, seed=mutation["seed"] + 1))
        self.assertFalse(same_bytes(a, c), f"{method}: different seeds, same tensors")
        self.assertEqual(set(a), set(self.plain))
        return a

    def check_svd_untouched_1d(self, method, mutated):
        for name, t in self.plain.items():
            if t.dim() == 1:
                self.assertTrue(torch.equal(mutated[name], t), f"{method}: 1-D {name} changed")
            else:
                self.assertFalse(torch.equal(mutated[name], t), f"{method}: {name} unchanged")

    def test_svd_topk_gaussian(self):
        k = 8
        mutated = self.seeded({"method": "svd_topk_gaussian", "rate": 0.25, "k": k, "seed": 3})
        self.check_svd_untouched_1d("svd_topk_gaussian", mutated)
        for name, t in self.plain.items():
            if t.dim() == 2:
                s = torch.linalg.svdvals(mutated[name].double() - t.double())
                self.assertLessEqual(s[k].item(), 1e-4 * s[0].item(),
                                     f"svd_topk_gaussian k={k}: {name} changed with rank > {k} "
                                     f"(singular values {s[:k + 2].tolist()})")

    def test_cycleqd_svd(self):
        rate = 0.25
        mutated = self.seeded({"method": "cycleqd_svd", "rate": rate, "seed": 3,
                               "algorithm": "exact"})
        self.check_svd_untouched_1d("cycleqd_svd", mutated)
        for name, t in self.plain.items():
            if t.dim() != 2:
                continue
            # tau = W - base = U diag(s) V^T; the change is U diag(u s) V^T, u ~ U(0, rate).
            tau = t.double() - self.base[name].double()
            u, s, vh = torch.linalg.svd(tau, full_matrices=False)
            change = mutated[name].double() - t.double()
            projected = u.T @ change @ vh.T
            diag = projected.diagonal()
            off = projected - torch.diag(diag)
            scale = change.norm().item()
            self.assertLessEqual(off.norm().item(), 1e-2 * scale,
                                 f"cycleqd_svd: {name} change is not diagonal in tau's singular "
                                 f"vectors")
            self.assertTrue(bool((diag >= -1e-2 * s[0]).all() and
                                 (diag <= rate * s + 1e-2 * s[0]).all()),
                            f"cycleqd_svd: {name} singular value changes outside [0, rate s]")

    def test_gaussian(self):
        rate = 0.05
        mutated = self.seeded({"method": "gaussian", "rate": rate, "seed": 3})
        for name, t in self.plain.items():
            change = mutated[name].double() - t.double()
            self.assertFalse(torch.equal(mutated[name], t), f"gaussian: {name} unchanged")
            if t.numel() >= 2048:
                ratio = change.std().item() / (rate * t.double().std().item())
                self.assertTrue(0.85 < ratio < 1.15, f"gaussian: {name} noise std is {ratio:.3f} "
                                                     f"x rate * std(W)")


class BadInputTest(unittest.TestCase):
    """Errors: nonzero exit, an `error:` line naming the culprit, nothing left behind."""

    def fail_merge(self, tag, cfg, names, out=None, setup=None):
        parent = os.path.join(TMP, f"bad_{tag}")
        os.makedirs(parent)
        out = out or os.path.join(parent, "out")
        if setup:
            setup(out)
        before = snapshot(parent)
        config = os.path.join(TMP, f"bad_{tag}.yaml")
        with open(config, "w") as f:
            f.write(cfg if isinstance(cfg, str) else yaml.safe_dump(cfg, sort_keys=False))
        result, _ = run_acdc_merge(config, out, expect_ok=False)
        self.assertNotEqual(result.returncode, 0, f"{tag}: acdc merge succeeded")
        errors = [line for line in result.stderr.splitlines() if re.match(r"(.*: )?error: ", line)]
        self.assertTrue(errors, f"{tag}: no 'error:' line in stderr:\n{result.stderr[-2000:]}")
        for name in names:
            self.assertIn(name, result.stderr, f"{tag}: stderr does not name {name!r}:\n"
                                               f"{result.stderr[-2000:]}")
        self.assertEqual(snapshot(parent), before, f"{tag}: the output's parent changed")
        return result.stderr

    def task_arithmetic(self, *names):
        return {"merge_method": "task_arithmetic", "base_model": model("base"),
                "models": [m(n, weight=0.5) for n in names], "dtype": "float32"}

    def test_shape_mismatch(self):
        stderr = self.fail_merge("shape", self.task_arithmetic("ft1", "bad_shape"),
                                 ["128", "160"])
        self.assertRegex(stderr, r"model\.layers\.\d+\.mlp\.(gate|up|down)_proj\.weight")

    def test_missing_tensor(self):
        self.fail_merge("missing", self.task_arithmetic("ft1", "bad_missing"),
                        ["model.layers.1.mlp.up_proj.weight", "bad_missing"])

    def test_different_architecture(self):
        self.fail_merge("arch", self.task_arithmetic("ft1", "bad_arch"), ["bad_arch"])

    def test_unknown_method(self):
        cfg = self.task_arithmetic("ft1")
        cfg["merge_method"] = "frobnicate"
        self.fail_merge("method", cfg, ["frobnicate"])

    def test_unknown_parameter(self):
        cfg = self.task_arithmetic("ft1")
        cfg["models"][0]["parameters"]["densty"] = 0.5
        self.fail_merge("parameter", cfg, ["densty"])

    def test_output_is_a_file(self):
        def setup(out):
            with open(out, "w") as f:
                f.write("precious\n")
        out = os.path.join(TMP, "bad_file", "out")
        self.fail_merge("file", self.task_arithmetic("ft1"), [out], out=out, setup=setup)
        with open(out) as f:
            self.assertEqual(f.read(), "precious\n")

    def test_output_directory_not_empty(self):
        def setup(out):
            os.makedirs(out)
            with open(os.path.join(out, "keep.txt"), "w") as f:
                f.write("precious\n")
        out = os.path.join(TMP, "bad_nonempty", "out")
        self.fail_merge("nonempty", self.task_arithmetic("ft1"), [out], out=out, setup=setup)
        self.assertEqual(os.listdir(out), ["keep.txt"])


def snapshot(directory):
    """Every path under directory with its size and mtime."""
    result = {}
    for root, dirs, files in os.walk(directory):
        for name in dirs + files:
            path = os.path.join(root, name)
            st = os.lstat(path)
            result[os.path.relpath(path, directory)] = (st.st_size if name in files else None,
                                                        st.st_mtime_ns)
    return result


if __name__ == "__main__":
    unittest.main()
