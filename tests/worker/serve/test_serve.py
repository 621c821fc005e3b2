"""`acdc serve` against the official openai Python client, on a real model: SmolLM2-135M-Instruct
(converted by tests/fixtures/smollm2.py). Greedy answers equal `acdc generate`'s; embeddings
equal transformers' final hidden states; concurrent streams decode together yet each equals its
request served alone; bad requests get OpenAI error objects and leave the server up; a wrong
or missing bearer token gets 401.

Run by ctest with ACDC_BIN set; the model directory is ACDC_SMOLLM2 or
${ACDC_HOME:-~/.cache/acdc}/models/SmolLM2-135M-Instruct.
"""
import base64
import concurrent.futures
import json
import os
import re
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import numpy as np
import openai

ACDC = os.environ.get("ACDC_BIN", os.path.join(os.path.dirname(__file__), "../../../build/bin/acdc"))
MODEL = os.environ.get("ACDC_SMOLLM2") or os.path.join(
    os.environ.get("ACDC_HOME", os.path.expanduser("~/.cache/acdc")), "models",
    "SmolLM2-135M-Instruct")
NAME = "SmolLM2-135M-Instruct"
CHAT_PROMPTS = [
    "What is the capital of France?",
    "Write a haiku about the sea.",
    "List three colors.",
    "Explain what a prime number is in one sentence.",
]


class Server:
    """An `acdc serve` process on a free loopback port."""

    def __init__(self, *flags):
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [ACDC, "serve", "--model", MODEL, "--listen", "127.0.0.1:0", "--threads", "2", *flags],
            stdout=self.log, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + 120
        while time.time() < deadline:
            with open(self.log.name) as f:
                found = re.search(r"at http://127\.0\.0\.1:(\d+)/v1", f.read())
            if found:
                self.url = f"http://127.0.0.1:{found.group(1)}/v1"
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise AssertionError("acdc serve did not start:\n" + open(self.log.name).read())

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.log.close()

    def post(self, path, body, headers=None):
        """A raw request (for bodies the client would refuse to send); (status, JSON)."""
        request = urllib.request.Request(self.url + path, data=body.encode(), method="POST",
                                         headers={"Content-Type": "application/json",
                                                  **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())


def generate(*flags):
    result = subprocess.run([ACDC, "generate", "--model", MODEL, "--threads", "2", *flags],
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise AssertionError(f"acdc generate failed:\n{result.stderr}")
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


class ServeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(os.path.join(MODEL, "config.json")):
            raise unittest.SkipTest(f"no SmolLM2 checkpoint at {MODEL} (deploy/test.sh makes it)")
        cls.server = Server()
        cls.client = openai.OpenAI(base_url=cls.server.url, api_key="unused", max_retries=0)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def chat(self, prompt, **kwargs):
        return self.client.chat.completions.create(
            model=NAME, messages=[{"role": "user", "content": prompt}], **kwargs)

    def stream_text(self, prompt, max_tokens):
        pieces, finish = [], None
        for chunk in self.chat(prompt, temperature=0, max_tokens=max_tokens, stream=True):
            choice = chunk.choices[0]
            pieces.append(choice.delta.content or "")
            finish = choice.finish_reason or finish
        return "".join(pieces), finish

    def test_models_lists_the_served_model(self):
        models = self.client.models.list()
        self.assertEqual([m.id for m in models.data], [NAME])
        self.assertEqual(self.client.models.retrieve(NAME).id, NAME)

    def test_greedy_chat_equals_acdc_generate(self):
        ours = generate("--chat", "--prompt", CHAT_PROMPTS[0], "--max-new-tokens", "32")[0]
        answer = self.chat(CHAT_PROMPTS[0], temperature=0, max_tokens=32)
        self.assertEqual(answer.choices[0].message.content, ours["text"])
        self.assertEqual(answer.choices[0].message.role, "assistant")
        self.assertEqual(answer.choices[0].finish_reason, ours["finish_reason"])
        self.assertEqual(answer.usage.prompt_tokens, ours["prompt_tokens"])
        self.assertEqual(answer.usage.completion_tokens, ours["new_tokens"])

    def test_streamed_chat_equals_the_whole_answer(self):
        whole = self.chat(CHAT_PROMPTS[1], temperature=0, max_tokens=24)
        text, finish = self.stream_text(CHAT_PROMPTS[1], 24)
        self.assertGreater(len(text), 0)
        self.assertEqual(text, whole.choices[0].message.content)
        self.assertEqual(finish, whole.choices[0].finish_reason)
        usage = [c.usage for c in self.chat(CHAT_PROMPTS[1], temperature=0, max_tokens=24,
                                            stream=True, stream_options={"include_usage": True})
                 if c.usage is not None]
        self.assertEqual(len(usage), 1)
        self.assertEqual(usage[0].completion_tokens, whole.usage.completion_tokens)

    def test_text_completion_equals_acdc_generate(self):
        ours = generate("--prompt", "Once upon a time", "--max-new-tokens", "16")[0]
        answer = self.client.completions.create(model=NAME, prompt="Once upon a time",
                                                temperature=0, max_tokens=16)
        self.assertEqual(answer.choices[0].text, ours["text"])
        self.assertEqual(answer.choices[0].finish_reason, "length")
        self.assertEqual(answer.usage.completion_tokens, 16)
        streamed = "".join(c.choices[0].text for c in self.client.completions.create(
            model=NAME, prompt="Once upon a time", temperature=0, max_tokens=16, stream=True)
            if c.choices)
        self.assertEqual(streamed, ours["text"])

    def test_stop_strings_end_the_text_before_them(self):
        whole = self.chat(CHAT_PROMPTS[0], temperature=0, max_tokens=32).choices[0].message.content
        self.assertIn(" is ", whole)
        stopped = self.chat(CHAT_PROMPTS[0], temperature=0, max_tokens=32, stop=[" is "])
        self.assertEqual(stopped.choices[0].message.content, whole[:whole.index(" is ")])
        self.assertEqual(stopped.choices[0].finish_reason, "stop")
        text, _ = self.stream_text_with_stop(CHAT_PROMPTS[0], " is ")
        self.assertEqual(text, whole[:whole.index(" is ")])

    def stream_text_with_stop(self, prompt, stop):
        pieces, finish = [], None
        for chunk in self.chat(prompt, temperature=0, max_tokens=32, stream=True, stop=stop):
            pieces.append(chunk.choices[0].delta.content or "")
            finish = chunk.choices[0].finish_reason or finish
        return "".join(pieces), finish

    def test_seeded_sampling_repeats_and_n_gives_distinct_choices(self):
        first = self.chat(CHAT_PROMPTS[1], temperature=0.9, seed=3, max_tokens=20)
        second = self.chat(CHAT_PROMPTS[1], temperature=0.9, seed=3, max_tokens=20)
        self.assertEqual(first.choices[0].message.content, second.choices[0].message.content)
        several = self.chat(CHAT_PROMPTS[1], temperature=0.9, seed=3, max_tokens=20, n=3)
        self.assertEqual([c.index for c in several.choices], [0, 1, 2])
        self.assertEqual(several.choices[0].message.content, first.choices[0].message.content)
        self.assertGreater(len({c.message.content for c in several.choices}), 1)

    def test_embeddings_are_transformers_last_hidden_states(self):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        texts = ["The quick brown fox", "def add(a, b): return a + b"]
        # The client asks for base64 by default and decodes it; asked for explicitly, it passes
        # the string through.
        answer = self.client.embeddings.create(model=NAME, input=texts)
        self.assertEqual([d.index for d in answer.data], [0, 1])
        ours = np.array([d.embedding for d in answer.data], dtype=np.float64)
        self.assertEqual(ours.shape, (2, 576))
        as_floats = self.client.embeddings.create(model=NAME, input=texts, encoding_format="float")
        as_base64 = self.client.embeddings.create(model=NAME, input=texts, encoding_format="base64")
        for i in range(2):
            self.assertEqual(as_floats.data[i].embedding, list(ours[i]))
            decoded = np.frombuffer(base64.b64decode(as_base64.data[i].embedding), dtype="<f4")
            self.assertEqual(list(decoded.astype(np.float64)), list(ours[i]))
        tokenizer = AutoTokenizer.from_pretrained(MODEL)
        model = AutoModelForCausalLM.from_pretrained(MODEL, dtype=torch.float32).eval()
        for text, vector in zip(texts, ours):
            ids = tokenizer(text, return_tensors="pt").input_ids
            with torch.no_grad():
                hidden = model(ids, output_hidden_states=True).hidden_states[-1][0, -1]
            expected = (hidden / hidden.norm()).double().numpy()
            self.assertAlmostEqual(float(np.linalg.norm(vector)), 1.0, places=5)
            self.assertGreater(float(vector @ expected), 0.9999, text)
        self.assertEqual(answer.usage.prompt_tokens,
                         sum(len(tokenizer(t).input_ids) for t in texts))

    def test_concurrent_streams_each_equal_their_request_alone(self):
        prompts = [(CHAT_PROMPTS[i % 4] + " " * (i // 4), 12 + 3 * i) for i in range(8)]
        alone = [self.chat(p, temperature=0, max_tokens=n).choices[0].message.content
                 for p, n in prompts]
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            together = list(pool.map(lambda pn: self.stream_text(*pn)[0], prompts))
        for i in range(8):
            self.assertEqual(together[i], alone[i], f"stream {i}")

    def test_bad_requests_get_openai_errors_and_the_server_stays_up(self):
        with self.assertRaises(openai.NotFoundError) as unknown:
            self.client.chat.completions.create(model="gpt-7", messages=[
                {"role": "user", "content": "hi"}])
        self.assertEqual(unknown.exception.body["code"], "model_not_found")
        with self.assertRaises(openai.BadRequestError) as no_messages:
            self.client.chat.completions.create(model=NAME, messages=[])
        self.assertEqual(no_messages.exception.body["param"], "messages")
        with self.assertRaises(openai.BadRequestError) as negative:
            self.chat("hi", max_tokens=-5)
        self.assertEqual(negative.exception.body["param"], "max_tokens")
        with self.assertRaises(openai.BadRequestError) as too_long:
            self.chat("hello " * 9000, max_tokens=10)
        self.assertEqual(too_long.exception.body["code"], "context_length_exceeded")
        self.assertIn("8192", too_long.exception.body["message"])
        status, body = self.server.post("/chat/completions", '{"model": "' + NAME + '", "messa')
        self.assertEqual(status, 400)
        self.assertEqual(body["error"]["type"], "invalid_request_error")
        status, body = self.server.post("/embeddings", json.dumps({"model": NAME, "input": [[99999]]}))
        self.assertEqual(status, 400)
        self.assertIn("99999", body["error"]["message"])
        self.assertEqual(self.client.models.list().data[0].id, NAME)
        self.assertIsNone(self.server.process.poll())
        self.assertTrue(self.chat("hi", temperature=0, max_tokens=4).choices[0].message.content)


class TokenTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(os.path.join(MODEL, "config.json")):
            raise unittest.SkipTest(f"no SmolLM2 checkpoint at {MODEL}")
        cls.token_file = tempfile.NamedTemporaryFile("w", suffix=".token", delete=False)
        cls.token_file.write("s3cret-token\n")
        cls.token_file.close()
        cls.server = Server("--token-file", cls.token_file.name)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_a_wrong_or_missing_token_gets_401(self):
        wrong = openai.OpenAI(base_url=self.server.url, api_key="guess", max_retries=0)
        with self.assertRaises(openai.AuthenticationError) as refused:
            wrong.models.list()
        self.assertEqual(refused.exception.status_code, 401)
        self.assertEqual(refused.exception.body["code"], "invalid_api_key")
        status, _ = self.server.post("/chat/completions", json.dumps(
            {"model": NAME, "messages": [{"role": "user", "content": "hi"}]}))
        self.assertEqual(status, 401)
        right = openai.OpenAI(base_url=self.server.url, api_key="s3cret-token", max_retries=0)
        self.assertEqual(right.models.list().data[0].id, NAME)


if __name__ == "__main__":
    unittest.main()
