"""acdc seed in its reduced configuration (the small_world fixture): the layout it promises,
a tokenizer that HF tokenizers reads with the same ids, models that transformers runs to the
same greedy answers, the tables, determinism in the seed, and reuse of a finished build.

Run by ctest with ACDC_BIN and ACDC_SMALL_WORLD set.
"""
import glob
import hashlib
import json
import os
import subprocess
import tempfile
import unittest

import torch
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM, AutoTokenizer

ACDC = os.environ["ACDC_BIN"]
WORLD = os.environ["ACDC_SMALL_WORLD"]
GROUPS = ["arithmetic", "strings", "counting", "patterns"]
TEXTS = [
    "Reverse: abcd\nEnd with: Answer: <answer>",
    "Add: 12 + 7",
    "Привет, мир! 你好 ٱلسلام 🙂",
    "  two  spaces\n\n\nnewlines\tand tabs",
    "<|im_start|>user\nCount a in: banana<|im_end|>\n",
    "x = [3, 14, 15]; print(max(x))",
]


def run(*args, check=True):
    result = subprocess.run([ACDC, *args], capture_output=True, text=True, timeout=900)
    if check and result.returncode != 0:
        raise AssertionError(f"acdc {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


def digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


class SeedLayoutTest(unittest.TestCase):
    def test_every_stage_is_a_checkpoint(self):
        dirs = [os.path.join(WORLD, "base")] + [os.path.join(WORLD, "experts", g) for g in GROUPS]
        dirs += glob.glob(os.path.join(WORLD, "merges", "*"))
        self.assertEqual(len(dirs), 5 + 3)
        for d in dirs:
            for name in ["config.json", "model.safetensors", "tokenizer.json",
                         "tokenizer_config.json", "generation_config.json"]:
                self.assertTrue(os.path.isfile(os.path.join(d, name)), f"{d}/{name}")

    def test_report_holds_the_tables(self):
        report = json.load(open(os.path.join(WORLD, "seed.json")))
        names = [m["name"] for m in report["models"]]
        self.assertEqual(names[:5], ["base"] + [f"expert {g}" for g in GROUPS])
        self.assertEqual(len([n for n in names if n.startswith("merge ")]), 3)
        for model in report["models"]:
            self.assertEqual(sorted(model["scores"]), sorted(GROUPS + ["mean"]))
            for score in model["scores"].values():
                self.assertGreaterEqual(score, 0)
                self.assertLessEqual(score, 1)

    def test_finished_build_is_reused(self):
        result = run("seed", "--out", WORLD, *os.environ["ACDC_SMALL_WORLD_ARGS"].split())
        self.assertIn("reused", result.stdout)
        self.assertIn("expert strings", result.stdout)

    def test_other_options_are_refused_not_mixed(self):
        result = run("seed", "--out", WORLD, "--base-steps", "1", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("base_steps", result.stderr)


class TrainedTokenizerTest(unittest.TestCase):
    def test_ids_match_hf_tokenizers_and_round_trip(self):
        path = os.path.join(WORLD, "base", "tokenizer.json")
        hf = Tokenizer.from_file(path)
        result = subprocess.run([ACDC, "tokenize", "--tokenizer", path],
                                input="".join(json.dumps(t) + "\n" for t in TEXTS),
                                capture_output=True, text=True, check=True)
        ours = [json.loads(line) for line in result.stdout.splitlines()]
        for text, ids in zip(TEXTS, ours):
            self.assertEqual(ids, hf.encode(text).ids, text)
            self.assertEqual(hf.decode(ids, skip_special_tokens=False), text)

    def test_template_words_are_single_tokens_and_operands_characters(self):
        hf = Tokenizer.from_file(os.path.join(WORLD, "base", "tokenizer.json"))
        self.assertEqual(len(hf.encode("Answer").ids), 1)
        self.assertEqual(len(hf.encode("<|im_start|>").ids), 1)
        self.assertEqual(len(hf.encode(" qzxv").ids), 5)
        self.assertEqual(len(hf.encode("4711").ids), 4)


class SeedModelsRunInTransformersTest(unittest.TestCase):
    def test_greedy_chat_answers_match_transformers(self):
        expert = os.path.join(WORLD, "experts", "strings")
        questions = ["Reverse: abcd", "Add: 12 + 7", "Count a in: banana"]
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as f:
            f.write("".join(json.dumps({"prompt": q}) + "\n" for q in questions))
            f.flush()
            out = run("generate", "--model", expert, "--prompts", f.name, "--chat",
                      "--max-new-tokens", "16")
        ours = [json.loads(line)["ids"] for line in out.stdout.splitlines()]
        tokenizer = AutoTokenizer.from_pretrained(expert)
        model = AutoModelForCausalLM.from_pretrained(expert, torch_dtype=torch.float32)
        for question, ids in zip(questions, ours):
            prompt = tokenizer.apply_chat_template([{"role": "user", "content": question}],
                                                   add_generation_prompt=True, return_tensors="pt",
                                                   return_dict=True)
            generated = model.generate(**prompt, max_new_tokens=16, do_sample=False,
                                       eos_token_id=tokenizer.convert_tokens_to_ids("<|im_end|>"))
            self.assertEqual(ids, generated[0, prompt["input_ids"].shape[1]:].tolist(), question)


class SeedDeterminismTest(unittest.TestCase):
    def test_same_seed_same_weights(self):
        with tempfile.TemporaryDirectory() as tmp:
            args = ["--experts", "1", "--base-steps", "3", "--expert-steps", "2",
                    "--eval-instances", "2", "--batch-size", "8", "--threads", "2"]
            for name in ["a", "b"]:
                run("seed", "--out", os.path.join(tmp, name), *args)
            for part in ["init", "base", "experts/arithmetic"]:
                a = os.path.join(tmp, "a", part)
                b = os.path.join(tmp, "b", part)
                self.assertEqual(digest(os.path.join(a, "model.safetensors")),
                                 digest(os.path.join(b, "model.safetensors")), part)
                self.assertEqual(digest(os.path.join(a, "tokenizer.json")),
                                 digest(os.path.join(b, "tokenizer.json")), part)


if __name__ == "__main__":
    unittest.main()
