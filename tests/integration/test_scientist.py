"""The LLM scientist over real HTTP both ways: a 2-generation run on the suite's small world
whose scientist is `acdc serve` hosting SmolLM2-135M-Instruct. The run completes; proposals.jsonl
accounts for every proposal with its fate; every task the scientist added is an accepted
proposal, validated in the sandbox; the fate table is printed (SmolLM2 rarely writes a valid
task, so the table is the figure).

Needs ACDC_SMALL_WORLD (the fixture's directory) and the SmolLM2 checkpoint (ACDC_SMOLLM2 or
${ACDC_HOME:-~/.cache/acdc}/models/SmolLM2-135M-Instruct).
"""

import collections
import json
import os
import re
import subprocess
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
        return cl.run_command([cluster.binary] + list(args) + [
            "--coordinator", cluster.address, "--token-file", cluster.token_file], timeout)

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
        cluster = cl.Cluster(self)
        cluster.start_coordinator()
        cluster.start_worker(slots=1, extra=["--model-store", os.path.join(cluster.workdir,
                                                                           "models")])
        cluster.wait_workers(1, timeout=60)
        url = self.start_serve(cluster)
        config = test_run.write_config(
            cluster.workdir, generations=2,
            scientist={"backend": "openai", "base_url": url, "model": "SmolLM2-135M-Instruct",
                       "api_key_file": cluster.token_file, "max_tokens": 160,
                       "max_reflections": 1, "token_budget": 6000, "retries": 1},
            embeddings={"backend": "openai", "base_url": url, "model": "SmolLM2-135M-Instruct",
                        "api_key_file": cluster.token_file})
        with open(config) as f:
            loaded = json.load(f)
        loaded["tasks"].update({"initial_pool": 16, "adapt_every": 2, "new_per_adaptation": 2})
        with open(config, "w") as f:
            json.dump(loaded, f)
        res = self.acdc(cluster, "run", "start", config)
        self.assertEqual(res.returncode, 0, res.describe())
        run = res.json["run"]
        res = self.acdc(cluster, "run", "wait", run, timeout=900)
        self.assertEqual(res.returncode, 0, res.describe())
        self.assertEqual(res.json["state"], "done", res.describe())
        out = os.path.join(cluster.workdir, "export")
        res = self.acdc(cluster, "run", "export", run, "--out", out)
        self.assertEqual(res.returncode, 0, res.describe())
        export = {}
        for name in test_run.EXPORT_FILES:
            with open(os.path.join(out, name), "rb") as f:
                export[name] = f.read()

        proposals = [json.loads(l) for l in export["proposals.jsonl"].decode().splitlines()]
        tasks = [json.loads(l) for l in export["tasks.jsonl"].decode().splitlines()]
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
        print("\nfates of %d proposals (SmolLM2-135M-Instruct as the scientist): %s"
              % (len(proposals), dict(sorted(table.items()))))


if __name__ == "__main__":
    unittest.main()
