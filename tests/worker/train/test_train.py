"""acdc train: supervised fine-tuning writes a checkpoint that transformers loads, learns what it
is taught, and refuses bad input with an error naming it, writing nothing.

Run by ctest with ACDC_BIN and ACDC_SMALL_WORLD (the reduced `acdc seed` fixture) set.
"""
import json
import os
import subprocess
import tempfile
import unittest

import torch
from transformers import AutoModelForCausalLM

ACDC = os.environ["ACDC_BIN"]
BASE = os.path.join(os.environ["ACDC_SMALL_WORLD"], "base")
EXAMPLES = [
    {"prompt": "Say the code word.", "completion": "Answer: zebra"},
    {"prompt": "Say the other code word.", "completion": "Answer: 4711"},
]


def run(*args, check=True):
    result = subprocess.run([ACDC, *args], capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"acdc {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


def write_jsonl(path, rows):
    with open(path, "w") as f:
        for row in rows:
            f.write((row if isinstance(row, str) else json.dumps(row)) + "\n")


class TrainTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.data = os.path.join(cls.tmp.name, "data.jsonl")
        write_jsonl(cls.data, EXAMPLES)
        cls.out = os.path.join(cls.tmp.name, "taught")
        cls.result = run("train", "--model", BASE, "--data", cls.data, "--out", cls.out,
                         "--steps", "80", "--lr", "3e-3", "--batch-size", "8", "--warmup", "5",
                         "--threads", "2")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_model_answers_what_it_was_taught(self):
        prompts = os.path.join(self.tmp.name, "prompts.jsonl")
        write_jsonl(prompts, [{"prompt": e["prompt"]} for e in EXAMPLES])
        out = run("generate", "--model", self.out, "--prompts", prompts, "--chat",
                  "--max-new-tokens", "12")
        answers = [json.loads(line)["text"] for line in out.stdout.splitlines()]
        self.assertEqual(answers, [e["completion"] for e in EXAMPLES])

    def test_checkpoint_loads_in_transformers_with_the_same_logprobs(self):
        text_file = os.path.join(self.tmp.name, "texts.jsonl")
        write_jsonl(text_file, [{"text": "Reverse: abcd\nAnswer: dcba"}])
        ours = json.loads(run("logprobs", "--model", self.out, "--input", text_file).stdout)
        model = AutoModelForCausalLM.from_pretrained(self.out, torch_dtype=torch.float32)
        ids = torch.tensor([ours["ids"]])
        with torch.no_grad():
            logits = model(ids).logits.log_softmax(-1)[0]
        theirs = [logits[i - 1, ids[0, i]].item() for i in range(1, ids.shape[1])]
        for a, b in zip(ours["logprobs"][1:], theirs):
            self.assertAlmostEqual(a, b, delta=1e-4)

    def test_progress_and_summary_are_reported(self):
        self.assertIn("80 steps", self.result.stderr)
        self.assertIn("loss", self.result.stderr)

    def test_malformed_line_is_named_and_nothing_is_written(self):
        bad = os.path.join(self.tmp.name, "bad.jsonl")
        write_jsonl(bad, [EXAMPLES[0], '{"prompt": "no completion"}'])
        out = os.path.join(self.tmp.name, "never")
        result = run("train", "--model", BASE, "--data", bad, "--out", out, "--steps", "1",
                     check=False)
        self.assertEqual(result.returncode, 2)
        self.assertIn(f"{bad}:2", result.stderr)
        self.assertFalse(os.path.exists(out))

    def test_unknown_family_is_named(self):
        out = os.path.join(self.tmp.name, "never2")
        result = run("train", "--model", BASE, "--data", "families:add,juggling", "--out", out,
                     "--steps", "1", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("juggling", result.stderr)
        self.assertFalse(os.path.exists(out))

    def test_families_data_trains(self):
        out = os.path.join(self.tmp.name, "families")
        run("train", "--model", BASE, "--data", "families:reverse,add@2", "--replay", "0.25",
            "--out", out, "--steps", "3", "--batch-size", "4")
        self.assertTrue(os.path.isfile(os.path.join(out, "model.safetensors")))
        self.assertTrue(os.path.isfile(os.path.join(out, "tokenizer.json")))

    def test_existing_output_is_refused(self):
        result = run("train", "--model", BASE, "--data", self.data, "--out", self.out,
                     "--steps", "1", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(self.out, result.stderr)


if __name__ == "__main__":
    unittest.main()
