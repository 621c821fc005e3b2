"""The LLM scientist against a faulty endpoint and hostile programs: a 2-generation run on the
suite's small world whose scientist, embeddings and judge are a scripted endpoint
(scripted_scientist.py) that injects 429s with Retry-After, replies slower than the timeout,
bodies that are not JSON and replies cut mid-way, and proposes programs that try to reach the
network, write to the host and fork without end. The run completes; every failed call is
counted; only validated tasks enter the pool; nothing hostile leaves the sandbox; a program that
calls eval_with_llm_judge is scored by the workers through the run's judge. A second run whose
endpoint refuses connections completes on its seed tasks.

Needs ACDC_SMALL_WORLD (the fixture's directory).
"""

import collections
import json
import os
import shutil
import socket
import tempfile
import time
import unittest

import cluster as cl
import scripted_scientist
import test_run


class ScientistFaultsTest(unittest.TestCase):
    def setUp(self):
        if not test_run.SMALL_WORLD:
            self.skipTest("ACDC_SMALL_WORLD is not set")

    def acdc(self, cluster, *args, timeout=60):
        return test_run.acdc_on(cluster, *args, timeout=timeout)

    def run_to_the_end(self, endpoint, initial_pool=18):
        """A 2-generation run whose scientist, embeddings and judge are `endpoint`: returns the
        cluster, the run id and its export (file name -> parsed JSON lines)."""
        cluster = cl.Cluster(self)
        cluster.start_coordinator()
        cluster.start_worker(slots=1, extra=["--model-store", os.path.join(cluster.workdir,
                                                                           "models")])
        cluster.wait_workers(1, timeout=60)
        scientist = dict(endpoint, max_reflections=1, timeout_s=2, retries=2,
                         max_concurrency=2, max_tokens=400)
        config = test_run.write_config(
            cluster.workdir, generations=2, scientist=scientist,
            embeddings=dict(endpoint, timeout_s=2, retries=1),
            task_overrides={"initial_pool": initial_pool, "adapt_every": 1,
                            "new_per_adaptation": 3})
        run, export = test_run.run_and_export(self, cluster, config, timeout=600)
        return cluster, run, export

    def test_faults_and_hostile_programs_leave_the_run_and_the_host_intact(self):
        host_dir = tempfile.mkdtemp(prefix="acdc-hostile-")
        self.addCleanup(shutil.rmtree, host_dir, True)
        host_file = os.path.join(host_dir, "escaped.txt")
        endpoint_server = scripted_scientist.ScriptedScientist(timeout_s=2, host_file=host_file)
        self.addCleanup(endpoint_server.shutdown)
        endpoint = {"backend": "openai", "base_url": endpoint_server.url, "model": "scripted"}
        cluster, run, export = self.run_to_the_end(endpoint)

        proposals = export["proposals.jsonl"]
        fates = collections.Counter(p["fate"] for p in proposals)
        print("\nfates of %d proposals: %s; faults served: %s"
              % (len(proposals), dict(sorted(fates.items())), dict(endpoint_server.faults)))
        self.assertEqual(set(endpoint_server.faults), set(scripted_scientist.FAULTS),
                         "every kind of fault was served")
        for fate in ("accepted", "unparseable", "sandbox_error"):
            self.assertIn(fate, fates)
        # Only accepted proposals became tasks, and none of them is hostile.
        tasks = export["tasks.jsonl"]
        made = {t["id"] for t in tasks if t["operator"] != "seed"}
        self.assertEqual(made, {p["task"] for p in proposals if p["fate"] == "accepted"})
        for task in made:
            shown = self.acdc(cluster, "tasks", "show", task)
            self.assertEqual(shown.returncode, 0, shown.describe())
            self.assertNotIn("HOSTILE", json.dumps(shown.json))
        # Each hostile program met the sandbox's wall: no network, a /tmp of its own, a
        # process limit.
        reasons = " ".join(p["reason"] for p in proposals if p["fate"] == "sandbox_error")
        for wall in ("network is disabled", "No such file or directory: '%s'" % host_file,
                     "process limit"):
            self.assertIn(wall, reasons)
        # Nothing left the sandbox.
        self.assertFalse(os.path.exists(host_file))
        self.assertFalse([p for p in endpoint_server.paths if "exfil" in p])
        # Failed calls are counted; the run went on.
        metrics = cluster.coordinator_metrics()
        self.assertGreater(cl.metric_sum(metrics, "acdc_run_llm_calls_total", run=run,
                                         role="scientist", outcome="failed"), 0)
        self.assertGreater(cl.metric_sum(metrics, "acdc_run_llm_calls_total", run=run,
                                         role="scientist", outcome="ok"), 0)
        # The worker scored the judged program through the run's judge: it saw the models'
        # answers (the scientist's validation only ever shows "4" and the dummy answer).
        from_workers = [p for p in endpoint_server.judge_prompts
                        if "Submission:\n\"\"\"\n4\n" not in p
                        and "dummy validation submission" not in p]
        self.assertTrue(from_workers, "no judge prompt came from a worker")
        self.assertGreater(cl.metric_sum(cluster.worker_metrics(cluster.workers[0]),
                                         "acdc_worker_task_judge_calls_total", outcome="ok"), 0)
        judged = [t["id"] for t in tasks if t["id"] in made
                  and "judged" in json.dumps(self.acdc(cluster, "tasks", "show", t["id"]).json)]
        self.assertTrue(judged, "the judged program was accepted")
        scores = []
        for model in export["models.jsonl"]:
            shown = self.acdc(cluster, "models", "show", model["id"])
            self.assertEqual(shown.returncode, 0, shown.describe())
            scores += [shown.json["scores"][t] for t in judged if t in shown.json["scores"]]
        self.assertIn(1.0, scores, "a model passed the judged task by the judge's say")

    def test_a_coordinator_stopped_while_the_scientist_works_exits_promptly(self):
        # An endpoint at an LLM's pace: growing the pool would take minutes.
        endpoint_server = scripted_scientist.ScriptedScientist(
            timeout_s=10, host_file="/nonexistent/x", delay_s=0.5, faults=False)
        self.addCleanup(endpoint_server.shutdown)
        cluster = cl.Cluster(self)
        cluster.start_coordinator()
        endpoint = {"backend": "openai", "base_url": endpoint_server.url, "model": "scripted"}
        config = test_run.write_config(cluster.workdir, generations=2, scientist=endpoint)
        with open(config) as f:
            loaded = json.load(f)
        loaded["tasks"].update({"initial_pool": 200})
        with open(config, "w") as f:
            json.dump(loaded, f)
        # No worker: the run waits in its inspect phase for one; start one so it grows.
        cluster.start_worker(slots=1, extra=["--model-store", os.path.join(cluster.workdir,
                                                                           "models")])
        res = self.acdc(cluster, "run", "start", config)
        self.assertEqual(res.returncode, 0, res.describe())
        run = res.json["run"]
        cl.wait_until(lambda: endpoint_server.proposals >= 2, 60, what="the scientist at work")
        start = time.time()
        self.assertEqual(cluster.term_coordinator(timeout=30), 0)
        self.assertLess(time.time() - start, 10, "stopped between proposals")
        # The run resumes where it was: growing its pool.
        cluster.restart_coordinator()
        status = self.acdc(cluster, "run", "status", run)
        self.assertEqual(status.returncode, 0, status.describe())
        self.assertEqual(status.json["state"], "running")
        self.assertEqual(status.json["phase"], "grow")

    def test_an_endpoint_that_refuses_connections_leaves_the_seed_tasks(self):
        with socket.socket() as probe:  # a port nothing listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        endpoint = {"backend": "openai", "base_url": "http://127.0.0.1:%d/v1" % port,
                    "model": "nobody"}
        cluster, run, export = self.run_to_the_end(endpoint, initial_pool=14)
        proposals = export["proposals.jsonl"]
        self.assertTrue(proposals)
        self.assertEqual({p["fate"] for p in proposals}, {"error"}, proposals[:3])
        self.assertIn("127.0.0.1:%d" % port, proposals[0]["reason"])
        self.assertEqual({t["operator"] for t in export["tasks.jsonl"]}, {"seed"})
        metrics = cluster.coordinator_metrics()
        self.assertGreater(cl.metric_sum(metrics, "acdc_run_llm_calls_total", run=run,
                                         role="embeddings", outcome="failed"), 0)


if __name__ == "__main__":
    unittest.main()
