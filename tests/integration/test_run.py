"""The coevolution run end to end on the suite's reduced small world: a real coordinator and
real workers on 127.0.0.1, RocksDB, merge-and-evaluate jobs. With the same configuration the
export is byte-identical whether the run went uninterrupted, ran on 1 or 3 workers, had its
coordinator killed with kill -9 mid-generation and restarted, or lost a worker mid-job; bad
input gets errors that name the key, the path or the run.

The small world is ACDC_SMALL_WORLD (ctest passes the fixture's directory: base/ and
experts/*).

Run:  cd tests/integration && ACDC_BIN=/path/to/acdc ACDC_SMALL_WORLD=/path/to/small_world \
      python3 -m unittest -v test_run
"""

import json
import os
import re
import shutil
import subprocess
import time
import unittest
import urllib.request

import cluster as cl

SMALL_WORLD = os.environ.get("ACDC_SMALL_WORLD", "")
TASKS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "worker", "sandbox",
                         "tasks")
FAMILIES = ["add", "sub", "mul", "reverse", "sort", "uppercase", "count", "max", "digit_sum",
            "next_term", "first_repeat", "compare"]
EXPORT_FILES = ["generations.jsonl", "models.jsonl", "tasks.jsonl", "adaptations.jsonl",
                "proposals.jsonl"]


def write_config(directory, task_overrides=None, **overrides):
    """A reduced run: 4 experts as seeds, an archive of 6, 3 children a generation, 3
    generations, a pool of 24 adapted every 2 generations; `task_overrides` update its tasks
    section. Returns the config's path."""
    tasks = os.path.join(directory, "seed_tasks.jsonl")
    with open(tasks, "w") as f:
        for family in FAMILIES:
            f.write(json.dumps({"family": family, "difficulty": 1}) + "\n")
    experts = sorted(os.listdir(os.path.join(SMALL_WORLD, "experts")))
    config = {
        "seed": 7,
        "generations": 3,
        "base_model": os.path.join(SMALL_WORLD, "base"),
        "seed_models": [os.path.join(SMALL_WORLD, "experts", e) for e in experts],
        "population": 6,
        "children_per_generation": 3,
        "crossover": {"method": "acdc_linear", "sigma": 0.01},
        "mutation": {"method": "svd_topk_gaussian", "rate": 0.05, "k": 16, "algorithm": "fast"},
        "selection": {"k": 3, "dominated_score": 999, "skill_threshold": 0.5},
        "tasks": {"seed_tasks": ["seed_tasks.jsonl"], "initial_pool": 24, "pool_cap": 24,
                  "adapt_every": 2, "new_per_adaptation": 8},
        "evaluation": {"max_new_tokens": 16, "batch_size": 64},
    }
    config.update(overrides)
    config["tasks"].update(task_overrides or {})
    path = os.path.join(directory, "run.yaml")
    with open(path, "w") as f:
        json.dump(config, f, indent=1)  # JSON is YAML
    return path


def acdc_on(cluster, *args, timeout=60):
    """An acdc client command against `cluster`'s coordinator."""
    return cl.run_command([cluster.binary] + list(args) + [
        "--coordinator", cluster.address, "--token-file", cluster.token_file], timeout)


def run_and_export(test, cluster, config, timeout):
    """Starts the run `config` describes on `cluster`, requires it to end done within `timeout`
    seconds and exports it: (run id, {export file name: its lines as JSON})."""
    def acdc(*args, timeout=60):
        return acdc_on(cluster, *args, timeout=timeout)

    res = acdc("run", "start", config)
    test.assertEqual(res.returncode, 0, res.describe())
    run = res.json["run"]
    res = acdc("run", "wait", run, timeout=timeout)
    test.assertEqual(res.returncode, 0, res.describe())
    test.assertEqual(res.json["state"], "done", res.describe())
    out = os.path.join(cluster.workdir, "export")
    res = acdc("run", "export", run, "--out", out)
    test.assertEqual(res.returncode, 0, res.describe())
    export = {}
    for name in EXPORT_FILES:
        with open(os.path.join(out, name)) as f:
            export[name] = [json.loads(line) for line in f if line.strip()]
    return run, export




class RunTest(unittest.TestCase):
    def setUp(self):
        if not SMALL_WORLD:
            self.skipTest("ACDC_SMALL_WORLD is not set")

    def start_cluster(self, workers, threads=1):
        cluster = cl.Cluster(self)
        cluster.start_coordinator()
        self.store = os.path.join(cluster.workdir, "models")
        for _ in range(workers):
            cluster.start_worker(slots=1, extra=["--model-store", self.store, "--eval-threads",
                                                 str(threads)])
        cluster.wait_workers(workers, timeout=60)
        return cluster

    def acdc(self, cluster, *args, timeout=60):
        return acdc_on(cluster, *args, timeout=timeout)

    def start_run(self, cluster, config):
        res = self.acdc(cluster, "run", "start", config)
        self.assertEqual(res.returncode, 0, res.describe())
        self.assertIn("run", res.json, res.describe())
        return res.json["run"]

    def run_status(self, cluster, run):
        res = self.acdc(cluster, "run", "status", run, timeout=20)
        return res.json if res.returncode == 0 else None

    def wait_done(self, cluster, run, timeout=150):
        res = self.acdc(cluster, "run", "wait", run, timeout=timeout)
        self.assertEqual(res.returncode, 0, res.describe())
        self.assertEqual(res.json["state"], "done", res.describe())
        return res.json

    def export(self, cluster, run):
        out = os.path.join(cluster.workdir, "export")
        res = self.acdc(cluster, "run", "export", run, "--out", out)
        self.assertEqual(res.returncode, 0, res.describe())
        files = {}
        for name in EXPORT_FILES:
            with open(os.path.join(out, name), "rb") as f:
                files[name] = f.read()
        return files

    def run_once(self, workers, disturb=None, threads=1, **overrides):
        """A whole run on `workers` workers with `threads` threads each; `disturb(cluster, run)`
        acts while it runs; `overrides` change the configuration. Returns the export."""
        cluster = self.start_cluster(workers, threads)
        config = write_config(cluster.workdir, **overrides)
        run = self.start_run(cluster, config)
        if disturb:
            disturb(cluster, run)
        self.wait_done(cluster, run)
        self.last_cluster, self.last_run = cluster, run
        return self.export(cluster, run)

    def assert_same_export(self, expected, actual):
        for name in EXPORT_FILES:
            self.assertEqual(expected[name], actual[name], "%s differs" % name)

    def check_semantics(self, export):
        """What selection saw and kept, re-derived from the export."""
        generations = [json.loads(l) for l in export["generations.jsonl"].decode().splitlines()]
        self.assertEqual([g["generation"] for g in generations], [0, 1, 2, 3])
        previous = None
        for line in generations:
            tasks = line["tasks"]
            self.assertEqual(tasks, sorted(tasks), "skill vectors follow ascending task ids")
            for candidate in line["candidates"]:
                self.assertEqual(len(candidate["skills"]), len(tasks))
                self.assertAlmostEqual(candidate["fitness"],
                                       sum(candidate["skills"]) / len(tasks))
            origins = [c["origin"] for c in line["candidates"]]
            if previous is None:
                self.assertEqual(origins[:4], ["seed"] * 4)
            else:
                archive = [c["model"] for c in line["candidates"] if c["origin"] == "archive"]
                self.assertEqual(archive, previous["survivors"],
                                 "the archive comes first, in its kept order")
                self.assertEqual(origins, sorted(origins, key=lambda o: o != "archive"))
            self.assertLessEqual(len(line["survivors"]), 6)
            previous = line
        adaptations = [json.loads(l) for l in export["adaptations.jsonl"].decode().splitlines()]
        self.assertEqual([a["generation"] for a in adaptations], [2])
        new_tasks = set(adaptations[0]["new"])
        self.assertTrue(new_tasks, "the adaptation made tasks")
        self.assertTrue(new_tasks & set(generations[3]["tasks"]),
                        "the next generation is scored on the new tasks, archive included")
        models = [json.loads(l) for l in export["models.jsonl"].decode().splitlines()]
        archive = {m["id"] for m in models if m["state"] == "archive"}
        self.assertEqual(archive, set(generations[-1]["survivors"]))
        children = [m for m in models if m["parents"]]
        self.assertTrue(all(len(m["parents"]) == 2 and len(m["sha256"]) == 64 for m in children))

    def test_one_and_three_workers_export_the_same_bytes(self):
        one = self.run_once(1, threads=2)
        self.check_semantics(one)
        metrics = self.last_cluster.coordinator_metrics()
        run = self.last_run
        self.assertEqual(cl.metric_sum(metrics, "acdc_run_generation", run=run), 3)
        self.assertEqual(cl.metric_sum(metrics, "acdc_run_state", run=run, state="done"), 1)
        self.assertEqual(cl.metric_sum(metrics, "acdc_run_state", run=run, state="running"), 0)
        self.assertEqual(cl.metric_sum(metrics, "acdc_run_phase", run=run, phase="done"), 1)
        self.assertEqual(cl.metric_sum(metrics, "acdc_run_phase", run=run), 1, "one phase at once")
        self.assertEqual(cl.metric_sum(metrics, "acdc_run_archive_size", run=run), 6)
        # The last removal of weights may still run as the run ends; then the gauge falls to 0.
        cl.wait_until(lambda: cl.metric_sum(self.last_cluster.coordinator_metrics(),
                                            "acdc_run_jobs_outstanding", run=run) == 0,
                      10, what="the run's jobs to finish")
        self.assertGreater(cl.metric_sum(metrics, "acdc_run_tasks", run=run, state="active"), 0)
        children = sum(cl.metric_sum(metrics, "acdc_run_children_total", run=run, outcome=o)
                       for o in ("archived", "retired", "rejected", "failed"))
        self.assertEqual(children, 2 + 3 * 3, "every child counted once by its outcome")
        self.assertEqual(cl.metric_sum(metrics, "acdc_run_generation_duration_seconds_count",
                                       run=run), 4)
        self.assertGreater(cl.metric_sum(metrics, "acdc_run_phase_duration_seconds_count",
                                         run=run, phase="evaluate"), 0)
        last = json.loads(one["generations.jsonl"].decode().splitlines()[-1])
        fitness = {c["model"]: c["fitness"] for c in last["candidates"]}
        self.assertAlmostEqual(cl.metric_sum(metrics, "acdc_run_best_fitness", run=run),
                               max(fitness[m] for m in last["survivors"]),
                               msg="the metric is the archive's best fitness in the export")
        three = self.run_once(3, threads=1)
        self.assert_same_export(one, three)

    def test_deleted_weights_are_rederived_by_models_export(self):
        # keep_weights: archived (the default): children that never entered the archive lose
        # their weights; `acdc models export` merges them again from their lineage.
        export = self.run_once(2)
        cluster, run = self.last_cluster, self.last_run
        models = [json.loads(l) for l in export["models.jsonl"].decode().splitlines()]
        deleted = [m for m in models if m["state"] == "deleted"]
        self.assertTrue(deleted, "some children never entered the archive")
        stored = set(os.listdir(self.store))
        for model in models:
            present = "%s-%s" % (run, model["id"]) in stored
            if model["parents"]:
                self.assertEqual(present, model["state"] != "deleted", model["id"])
        # The latest deleted child: its parents may be deleted too, and are re-derived first.
        target = deleted[-1]
        out = os.path.join(cluster.workdir, "exported")
        res = self.acdc(cluster, "models", "export", target["id"], "--run", run, "--out", out,
                        "--model-store", self.store, timeout=120)
        self.assertEqual(res.returncode, 0, res.describe())
        self.assertIn("re-deriving %s" % target["id"], res.stderr)
        self.assertEqual(cl.store_checksum(out), target["sha256"],
                         "the re-derived checkpoint has the bytes the run recorded")
        self.assert_served(cluster, run, target)
        kept = [m for m in models if m["state"] == "archive" and m["parents"]]
        if kept:
            out = os.path.join(cluster.workdir, "kept")
            res = self.acdc(cluster, "models", "export", kept[0]["id"], "--run", run, "--out",
                            out, "--model-store", self.store)
            self.assertEqual(res.returncode, 0, res.describe())
            self.assertEqual(cl.store_checksum(out), kept[0]["sha256"])

    def assert_served(self, cluster, run, model):
        """`acdc serve --run RUN --model-id ID` re-derives a deleted child into $ACDC_HOME/serve
        and answers the OpenAI API with it; the token is the cluster's shared one."""
        home = os.path.join(cluster.workdir, "serve-home")
        log = open(os.path.join(cluster.workdir, "serve.log"), "w+")
        server = subprocess.Popen(
            [cluster.binary, "serve", "--run", run, "--model-id", model["id"], "--coordinator",
             cluster.address, "--token-file", cluster.token_file, "--model-store", self.store,
             "--listen", "127.0.0.1:0"], stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "ACDC_HOME": home})
        try:
            def url():
                log.seek(0)
                found = re.search(r"at (http://127\.0\.0\.1:\d+/v1)", log.read())
                return found.group(1) if found else None
            cl.wait_until(lambda: url() or server.poll() is not None, 120, what="acdc serve")
            log.seek(0)
            self.assertIsNone(server.poll(), log.read())
            derived = os.path.join(home, "serve", run, model["id"])
            self.assertEqual(cl.store_checksum(derived), model["sha256"])
            request = urllib.request.Request(
                url() + "/chat/completions", method="POST",
                data=json.dumps({"model": model["id"], "max_tokens": 8, "temperature": 0,
                                 "messages": [{"role": "user", "content": "Add: 2 + 3"}]}).encode(),
                headers={"Authorization": "Bearer " + cluster.token,
                         "Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=60) as response:
                answer = json.loads(response.read())
            self.assertEqual(answer["model"], model["id"])
            self.assertGreater(answer["usage"]["completion_tokens"], 0)
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()

    def test_coordinator_killed_mid_generation_resumes_exactly(self):
        # Six generations: on a loaded machine three can end before a poll sees a generation.
        reference = self.run_once(2, generations=6)

        def kill_mid_generation(cluster, run):
            def in_generation():
                status = self.run_status(cluster, run)
                return status and status["generation"] >= 1 and status["jobs_outstanding"] > 0
            cl.wait_until(in_generation, 120, interval=0.05, what="a generation with jobs out")
            cluster.kill_coordinator()
            cluster.restart_coordinator()

        self.assert_same_export(reference, self.run_once(2, kill_mid_generation, generations=6))

    def test_worker_killed_mid_job_the_run_completes_the_same(self):
        # Six generations: on a loaded machine three can end before a poll sees a busy worker.
        reference = self.run_once(2, generations=6)

        def kill_busy_worker(cluster, run):
            def busy_process():
                status = cluster.status()
                for worker in status.get("workers", []) if status else []:
                    if worker.get("busy", 0) == 0 or worker.get("state") != "connected":
                        continue
                    for process in cluster.workers:
                        if "registered as worker %s" % worker["worker_id"] in process.log():
                            return process
                return None
            victim = cl.wait_until(busy_process, 120, interval=0.02, what="a busy worker")
            victim.kill9()
            cluster.start_worker(slots=1, extra=["--model-store", self.store,
                                                 "--eval-threads", "1"])

        self.assert_same_export(reference, self.run_once(2, kill_busy_worker, generations=6))

    def test_bad_input_gets_errors_naming_key_path_or_run(self):
        cluster = self.start_cluster(1)
        workdir = cluster.workdir

        bad = write_config(workdir, generatons=3)
        res = self.acdc(cluster, "run", "start", bad)
        self.assertEqual(res.returncode, 2, res.describe())
        self.assertIn("run.yaml: generatons: unknown key", res.stderr)

        missing = write_config(workdir, seed_models=[os.path.join(SMALL_WORLD, "base"),
                                                     "/nonexistent/expert"])
        res = self.acdc(cluster, "run", "start", missing)
        self.assertNotEqual(res.returncode, 0, res.describe())
        self.assertIn("seed_models[1]", res.stderr)
        self.assertIn("/nonexistent/expert", res.stderr)

        other = os.path.join(workdir, "other-architecture")
        shutil.copytree(os.path.join(SMALL_WORLD, "base"), other)
        with open(os.path.join(other, "config.json")) as f:
            config = json.load(f)
        config["hidden_size"] = config["hidden_size"] * 2
        with open(os.path.join(other, "config.json"), "w") as f:
            json.dump(config, f)
        res = self.acdc(cluster, "run", "start", write_config(workdir, base_model=other))
        self.assertNotEqual(res.returncode, 0, res.describe())
        self.assertIn("architecture", res.stderr)
        self.assertIn("hidden_size", res.stderr)

        # Readable for the coordinator (config.json), not usable by the workers (a truncated
        # header): `run start` fails before the run begins, naming the seed and the worker.
        corrupt = os.path.join(workdir, "corrupt-expert")
        shutil.copytree(os.path.join(SMALL_WORLD, "base"), corrupt)
        for name in os.listdir(corrupt):
            if name.endswith(".safetensors"):
                with open(os.path.join(corrupt, name), "r+b") as f:
                    f.truncate(4)
        res = self.acdc(cluster, "run", "start", write_config(
            workdir, seed_models=[os.path.join(SMALL_WORLD, "base"), corrupt]))
        self.assertEqual(res.returncode, 1, res.describe())
        self.assertIn("seed_models[1]: worker", res.stderr)
        self.assertIn("corrupt-expert", res.stderr)

        res = self.acdc(cluster, "run", "stop", "run-000000000000")
        self.assertNotEqual(res.returncode, 0, res.describe())
        self.assertIn("NOT_FOUND", res.stderr)
        self.assertIn("run-000000000000", res.stderr)

        # A base that opens but lacks a tensor the experts have (renamed in its header): the
        # seeds evaluate, every child's merge fails, and the run ends failed with the reason.
        broken = os.path.join(workdir, "broken-base")
        shutil.copytree(os.path.join(SMALL_WORLD, "base"), broken)
        with open(os.path.join(broken, "model.safetensors"), "r+b") as f:
            header = f.read(int.from_bytes(f.read(8), "little"))
            renamed = header.replace(b'"model.norm.weight"', b'"model.norx.weight"')
            self.assertNotEqual(header, renamed)
            f.seek(8)
            f.write(renamed)
        config = write_config(workdir, base_model=broken)
        run = self.start_run(cluster, config)
        again = self.acdc(cluster, "run", "start", config)
        self.assertNotEqual(again.returncode, 0, again.describe())
        self.assertIn("ALREADY_EXISTS", again.stderr)
        waited = self.acdc(cluster, "run", "wait", run, timeout=120)
        self.assertEqual(waited.returncode, 1, waited.describe())
        self.assertEqual(waited.json["state"], "failed")
        self.assertIn("every child failed", waited.json["error"])
        self.assertIn("broken-base", waited.json["error"])

    def test_a_taskfamily_directory_seeds_the_pool(self):
        """A TaskFamily directory among the seed tasks: its instances are made in the sandbox
        when the run starts, it enters the pool as a program task, and the workers score it."""
        cluster = self.start_cluster(1)
        workdir = cluster.workdir
        program = os.path.join(TASKS_DIR, "reverse_word")
        no_program = os.path.join(workdir, "not-a-family")
        os.makedirs(no_program)
        res = self.acdc(cluster, "run", "start", write_config(
            workdir, tasks={"seed_tasks": ["seed_tasks.jsonl", no_program]}))
        self.assertNotEqual(res.returncode, 0, res.describe())
        self.assertIn("tasks.seed_tasks", res.stderr)
        self.assertIn("task.py", res.stderr)

        config = write_config(workdir, generations=1, tasks={
            "seed_tasks": ["seed_tasks.jsonl", program], "initial_pool": 16, "pool_cap": 16,
            "adapt_every": 2, "new_per_adaptation": 4})
        run = self.start_run(cluster, config)
        self.wait_done(cluster, run)
        tasks = [json.loads(l) for l in self.export(cluster, run)["tasks.jsonl"].decode().splitlines()]
        programs = [t for t in tasks if "task_py" in t["spec"]]
        self.assertEqual(len(programs), 1, [t["spec"] for t in tasks])
        self.assertEqual(programs[0]["spec"]["task_json"]["name"], "reverse_word")
        self.assertEqual(programs[0]["state"], "active")


if __name__ == "__main__":
    unittest.main()
