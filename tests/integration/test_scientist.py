"""The LLM scientist over real HTTP both ways: a 2-generation run on the suite's small world
whose scientist is `acdc serve` hosting SmolLM2-135M-Instruct. The run completes; proposals.jsonl
accounts for every proposal with its fate; every task the scientist added is an accepted
proposal, validated in the sandbox; the fate table is printed (SmolLM2 rarely writes a valid
task, so the table is the figure).

Needs ACDC_SMALL_WORLD (the fixture's directory) and the SmolLM2 checkpoint (ACDC_SMOLLM2 or
${ACDC_HOME:-~/.cache/acdc}/models/SmolLM2-135M-Instruct).
"""

import collections
import http.server
import json
import os
import re
import subprocess
import threading
import unittest

import cluster as cl
import test_run

MODEL = os.environ.get("ACDC_SMOLLM2") or os.path.join(
    os.environ.get("ACDC_HOME", os.path.expanduser("~/.cache/acdc")), "models",
    "SmolLM2-135M-Instruct")
FIELDS = {"id", "generation", "operator", "parent", "fate", "reason", "tokens", "task"}
FATES = {"accepted", "no_proposal", "unparseable", "schema", "sandbox_error",
         "reflection_exhausted", "not_novel", "duplicate", "budget", "error"}


class ScientistTest(unittest.TestCase):
    def setUp(self):
        if not test_run.SMALL_WORLD:
            self.skipTest("ACDC_SMALL_WORLD is not set")
        if not os.path.exists(os.path.join(MODEL, "config.json")):
            self.skipTest(f"no SmolLM2 checkpoint at {MODEL}")

    def acdc(self, cluster, *args, timeout=60):
        return test_run.acdc_on(cluster, *args, timeout=timeout)

    def start_serve(self, cluster):
        log = open(os.path.join(cluster.workdir, "serve.log"), "w+")
        server = subprocess.Popen(
            [cluster.binary, "serve", "--model", MODEL, "--listen", "127.0.0.1:0",
             "--token-file", cluster.token_file, "--threads", "1"],
            stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(lambda: (server.terminate(), server.wait(timeout=30), log.close()))

        def url():
            log.seek(0)
            found = re.search(r"at (http://127\.0\.0\.1:\d+/v1)", log.read())
            return found.group(1) if found else None
        cl.wait_until(lambda: url() or server.poll() is not None, 120, what="acdc serve")
        self.assertIsNone(server.poll(), "acdc serve exited")
        return url()

    def test_a_run_whose_scientist_is_acdc_serve(self):
        cluster = self.start_cluster()
        url = self.start_serve(cluster)
        endpoint = {"backend": "openai", "base_url": url, "model": "SmolLM2-135M-Instruct",
                    "api_key_file": cluster.token_file}
        self.run_with_scientist(cluster, dict(endpoint, max_tokens=160, max_reflections=1,
                                              token_budget=6000, retries=1), endpoint, {})

    def test_a_run_whose_scientist_and_judge_the_workers_host(self):
        # backend: worker: GENERATE jobs on the run's own worker, which hosts SmolLM2; the
        # judge's gibberish check asks the same model.
        cluster = self.start_cluster()
        hosted = {"backend": "worker", "model": MODEL}
        export = self.run_with_scientist(
            cluster, dict(hosted, max_tokens=120, max_reflections=1, token_budget=3000), hosted,
            {"gibberish_check": "judge"})
        # The scientist's and the judge's calls were GENERATE jobs the worker ran. The judge
        # asks once per child that was evaluated; the scientist's calls come on top.
        children = [m for m in export["models.jsonl"] if m["parents"]]
        self.assertTrue(children)
        generated = cl.metric_sum(cluster.worker_metrics(cluster.workers[0]),
                                  "acdc_worker_jobs_total", kind="generate", outcome="ok")
        self.assertGreater(generated, len(children))
        # Calls and tokens by role, on the coordinator's /metrics.
        metrics = cluster.coordinator_metrics()
        self.assertGreater(cl.metric_sum(metrics, "acdc_run_llm_tokens_total", role="scientist",
                                         kind="completion"), 0)
        self.assertGreater(cl.metric_sum(metrics, "acdc_run_llm_tokens_total", role="embeddings",
                                         kind="prompt"), 0)
        self.assertEqual(cl.metric_sum(metrics, "acdc_run_llm_calls_total", role="judge",
                                       outcome="ok"), len(children))

    def start_cluster(self):
        cluster = cl.Cluster(self)
        cluster.start_coordinator()
        cluster.start_worker(slots=1, extra=["--model-store", os.path.join(cluster.workdir,
                                                                           "models")])
        cluster.wait_workers(1, timeout=60)
        return cluster

    def run_with_scientist(self, cluster, scientist, embeddings, extra):
        config = test_run.write_config(
            cluster.workdir, generations=2, scientist=scientist, embeddings=embeddings,
            task_overrides={"initial_pool": 16, "adapt_every": 2, "new_per_adaptation": 2},
            **extra)
        _, export = test_run.run_and_export(self, cluster, config, timeout=900)
        proposals, tasks = export["proposals.jsonl"], export["tasks.jsonl"]
        self.assertTrue(proposals, "the scientist was asked")
        for number, proposal in enumerate(proposals, 1):
            self.assertEqual(set(proposal), FIELDS, proposal)
            self.assertEqual(proposal["id"], "p%06d" % number)
            self.assertIn(proposal["fate"], FATES, proposal)
            self.assertEqual(proposal["fate"] == "accepted", bool(proposal["task"]), proposal)
        self.assertGreater(sum(p["tokens"] for p in proposals), 0, "tokens are booked")
        self.assertIn("budget", {p["fate"] for p in proposals}, "the token budget ends asking")
        # No task enters the pool but the seeds and accepted proposals.
        accepted = {p["task"] for p in proposals if p["fate"] == "accepted"}
        made = {t["id"] for t in tasks if t["operator"] != "seed"}
        self.assertEqual(made, accepted)
        table = collections.Counter(p["fate"] for p in proposals)
        print("\nfates of %d proposals (SmolLM2-135M-Instruct, %s): %s"
              % (len(proposals), scientist["backend"], dict(sorted(table.items()))))
        return export

class FakeJudge(http.server.ThreadingHTTPServer):
    """An OpenAI-compatible endpoint that calls everything gibberish and keeps each prompt."""

    def __init__(self):
        self.prompts = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(handler):
                body = json.loads(handler.rfile.read(int(handler.headers["Content-Length"])))
                self.prompts.append(body["messages"][-1]["content"])
                reply = json.dumps({"choices": [{"message": {
                    "role": "assistant", "content": "Loops of tokens.\nAnswer: Yes"},
                    "finish_reason": "stop"}], "usage": {"prompt_tokens": 1,
                                                         "completion_tokens": 1}}).encode()
                handler.send_response(200)
                handler.send_header("Content-Type", "application/json")
                handler.send_header("Content-Length", str(len(reply)))
                handler.end_headers()
                handler.wfile.write(reply)

            def log_message(handler, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


class JudgeTest(unittest.TestCase):
    def setUp(self):
        if not test_run.SMALL_WORLD:
            self.skipTest("ACDC_SMALL_WORLD is not set")

    def test_children_the_judge_calls_gibberish_are_rejected(self):
        judge = FakeJudge()
        self.addCleanup(judge.shutdown)
        cluster = cl.Cluster(self)
        cluster.start_coordinator()
        cluster.start_worker(slots=1, extra=["--model-store", os.path.join(cluster.workdir,
                                                                           "models")])
        cluster.wait_workers(1, timeout=60)
        config = test_run.write_config(
            cluster.workdir, generations=1, gibberish_check="judge",
            judge={"backend": "openai", "base_url": "http://127.0.0.1:%d/v1"
                   % judge.server_address[1], "model": "judge"})
        run_cmd = ScientistTest.acdc
        res = run_cmd(self, cluster, "run", "start", config)
        self.assertEqual(res.returncode, 0, res.describe())
        run = res.json["run"]
        res = run_cmd(self, cluster, "run", "wait", run, timeout=300)
        self.assertEqual(res.returncode, 0, res.describe())
        out = os.path.join(cluster.workdir, "export")
        self.assertEqual(run_cmd(self, cluster, "run", "export", run, "--out", out).returncode, 0)
        with open(os.path.join(out, "generations.jsonl")) as f:
            generations = [json.loads(line) for line in f]
        children = {c["model"] for g in generations for c in g["candidates"]
                    if c["origin"] == "child"}
        rejected = {r["model"]: r["reason"] for g in generations for r in g["rejected"]}
        # Every child reached the judge and was rejected; seeds are exempt.
        self.assertGreater(len(rejected), 0)
        self.assertFalse(children, "no child is a candidate once the judge rejects it")
        for model, reason in rejected.items():
            self.assertIn("-c", model)
            self.assertIn("the judge said so", reason)
        self.assertEqual(len(judge.prompts), len(rejected))
        self.assertIn("Instructions 1:", judge.prompts[0])
        self.assertIn("Response 3:", judge.prompts[0])


if __name__ == "__main__":
    unittest.main()
