"""The EVALUATE job through the real backbone: a coordinator and a worker process on 127.0.0.1,
a model store holding a chat model, jobs submitted with `acdc submit evaluate` (task records,
a TaskFamily program scored in the worker's sandbox, built-in spec lines); scores and token
counts must equal what `acdc eval` gives on this machine for the same model and tasks.

The model is ACDC_EVAL_MODEL (a model directory; ctest passes the strings expert of the small
world fixture, which solves built-in digit_sum instances), or qwen_a of the tiny random fixtures
in ACDC_EVAL_MODELS (tests/worker/eval/make_eval_models.py).

Run:  cd tests/integration && ACDC_BIN=/path/to/acdc ACDC_EVAL_MODELS=/path/to/eval_models \
      python3 -m unittest -v test_evaluate_job
"""

import json
import os
import shutil
import unittest

import cluster as cl

MAX_NEW_TOKENS = 16


def record(task_id, items, grader="exact"):
    """A task record as acdc::TaskToJson writes it."""
    return {"id": task_id, "kind": "builtin", "spec": {}, "parent_id": "",
            "metadata": {"name": task_id, "description": "", "capability": "", "difficulty": 1},
            "instances": [{"id": str(i + 1), "instruction": q, "reference": a,
                           "grader": {"kind": grader}} for i, (q, a) in enumerate(items)]}


REVERSE_PROGRAM = """
class TaskFamily:
    @staticmethod
    def get_tasks():
        return {"1": {"word": "abc"}, "2": {"word": "xy"}}

    @staticmethod
    def get_instructions(t):
        return "Reverse the word '" + t["word"] + "'."

    @staticmethod
    def score(t, submission):
        return 1.0 if submission.strip() == t["word"][::-1] else 0.0
"""


def program(task_id):
    """A TaskFamily program task (scored by its score() in the worker's sandbox)."""
    task = record(task_id, [("Reverse the word 'abc'.", ""), ("Reverse the word 'xy'.", "")])
    task["kind"] = "program"
    task["spec"] = {"task_py": REVERSE_PROGRAM, "task_json": {"name": task_id}}
    return task


TASKS = [
    record("reverse-1", [("Reverse the string 'abc'.", "cba"), ("Reverse the string 'xy'.", "yx")]),
    program("program-1"),
    record("add-1", [("What is 17 + 25?", "42"), ("What is 1 + 1?", "2"),
                     ("What is 123456 + 654321?", "777777")], grader="numeric"),
    {"family": "digit_sum"},  # a built-in spec line: instances drawn by --instances and --seed
    {"family": "add", "difficulty": 2},
]


def model_dir():
    explicit = os.environ.get("ACDC_EVAL_MODEL")
    if explicit:
        return explicit
    models = os.environ.get("ACDC_EVAL_MODELS")
    return os.path.join(models, "qwen_a") if models else None


class EvaluateJobTest(unittest.TestCase):
    def setUp(self):
        source = model_dir()
        if not source or not os.path.isdir(source):
            self.fail("ACDC_EVAL_MODEL or ACDC_EVAL_MODELS must name the evaluation fixtures")
        self.cluster = cl.Cluster(self)
        self.store = os.path.join(self.cluster.workdir, "store")
        shutil.copytree(source, os.path.join(self.store, "expert-a"))
        self.tasks_path = os.path.join(self.cluster.workdir, "tasks.jsonl")
        with open(self.tasks_path, "w") as f:
            for task in TASKS:
                f.write(json.dumps(task) + "\n")
        self.cluster.start_coordinator()
        # One CPU thread each: libtorch's default of one per core crawls when ctest runs
        # other tests beside this one.
        self.worker = self.cluster.start_worker(
            slots=1, extra=("--model-store", self.store, "--eval-threads", "1"))
        self.cluster.wait_workers(1)

    def submit(self, model, job_id=""):
        argv = [self.cluster.binary, "submit", "evaluate", "--model", model,
                "--tasks", self.tasks_path, "--instances", "3", "--seed", "5",
                "--max-new-tokens", str(MAX_NEW_TOKENS), "--sample-responses", "3",
                "--coordinator", self.cluster.address, "--token-file", self.cluster.token_file,
                "--timeout-s", "120"]
        if job_id:
            argv += ["--job-id", job_id]
        res = cl.run_command(argv, 150)
        res.json = cl.last_json_line(res.stdout)
        return res

    def local_eval(self):
        out = os.path.join(self.cluster.workdir, "local.jsonl")
        res = cl.run_command([self.cluster.binary, "eval", "--model",
                              os.path.join(self.store, "expert-a"), "--tasks", self.tasks_path,
                              "--instances", "3", "--seed", "5",
                              "--max-new-tokens", str(MAX_NEW_TOKENS), "--threads", "1",
                              "--out", out], 120)
        self.assertEqual(res.returncode, 0, res.describe())
        self.assertIn("tasks solved", res.stderr)
        with open(out) as f:
            return [json.loads(line) for line in f if line.strip()]

    def test_evaluate_job_scores_as_acdc_eval_does(self):
        res = self.submit("expert-a", job_id="eval-1")
        self.assertEqual(res.returncode, 0, res.describe())
        self.assertEqual(res.json["state"], "JOB_STATE_DONE", res.describe())
        output = res.json["output"]["evaluate"]
        self.assertEqual(output["model_id"], "expert-a")
        self.assertTrue(output.get("model_loaded", False))

        local = self.local_eval()
        self.assertEqual(len(output["scores"]), len(TASKS))
        self.assertEqual([s["task_id"] for s in output["scores"]],
                         [t["task_id"] for t in local])
        for remote, here in zip(output["scores"], local):
            self.assertEqual(remote.get("score", 0.0), here["score"], here["task_id"])
            self.assertEqual(remote.get("instance_scores", []), here["instance_scores"])
            self.assertEqual(int(remote.get("prompt_tokens", 0)), here["prompt_tokens"])
            self.assertEqual(int(remote.get("new_tokens", 0)), here["new_tokens"])
            errors = remote.get("instance_errors", [])
            self.assertEqual(len(errors), len(here["instance_scores"]), here["task_id"])
            if "score_errors" in here:  # the program task: score()'s reasons travel back
                self.assertEqual(errors, here["score_errors"])
        self.assertEqual(int(output["prompt_tokens"]), sum(t["prompt_tokens"] for t in local))
        self.assertEqual(int(output["new_tokens"]), sum(t["new_tokens"] for t in local))
        # A seed expert answers built-in tasks asked as the families ask them (the reduced
        # fixture's experts sum digits more often than not).
        self.assertGreater(local[3]["score"], 0, local[3])
        responses = [r for t in local for r in t["responses"]]
        self.assertEqual(len(output["sample_responses"]), 3)
        for sample in output["sample_responses"]:
            self.assertIn(sample, responses)

        # The second job finds the model loaded.
        again = self.submit("expert-a", job_id="eval-2")
        self.assertEqual(again.json["state"], "JOB_STATE_DONE", again.describe())
        self.assertFalse(again.json["output"]["evaluate"].get("model_loaded", False))
        self.assertEqual(again.json["output"]["evaluate"]["scores"], output["scores"])
        metrics = self.cluster.worker_metrics(self.worker)
        self.assertEqual(cl.metric_sum(metrics, "acdc_worker_generated_tokens_total"),
                         2 * int(output["new_tokens"]))
        self.assertEqual(cl.metric_sum(metrics, "acdc_worker_model_cache_lookups_total",
                                       result="load"), 1)
        self.assertEqual(cl.metric_sum(metrics, "acdc_worker_model_cache_lookups_total",
                                       result="hit"), 1)

    def test_evaluate_job_naming_a_missing_model_fails_cleanly(self):
        res = self.submit("expert-z")
        self.assertNotEqual(res.returncode, 0, res.describe())
        self.assertEqual(res.json["state"], "JOB_STATE_FAILED", res.describe())
        self.assertIn("expert-z", res.json["error"])


if __name__ == "__main__":
    unittest.main()
