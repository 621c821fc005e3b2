"""`acdc analyze` on a reduced run: an embedded run (`acdc up`) on the suite's reduced small world,
then its analysis read from the run's directory. The figures in analysis.json are recomputed
here from the contract keys and items.jsonl: the greedy task forces from the global skill
vectors, every Coverage from the members' answers, Coverage over generations; recorded scores
are reused for the global skill vectors.

Run:  cd tests/integration && ACDC_BIN=/path/to/acdc ACDC_SMALL_WORLD=/path/to/small_world \
      python3 -m unittest -v test_analyze
"""

import json
import os
import shutil
import tempfile
import unittest
import zlib

import cluster as cl
import test_run

SMALL_WORLD = os.environ.get("ACDC_SMALL_WORLD", "")


def greedy(models, skills, n):
    """DESIGN.md "After a run": most newly covered tasks, strict >, ties to the earliest; the
    first remaining when none adds."""
    chosen, covered = [], set()
    while len(chosen) < min(n, len(models)):
        best, best_gain = None, -1
        for m in models:
            if m in chosen:
                continue
            gain = len({t for t, s in enumerate(skills[m]) if s} - covered)
            if gain > best_gain:
                best, best_gain = m, gain
        chosen.append(best)
        covered |= {t for t, s in enumerate(skills[best]) if s}
    return chosen


def inked_share(png_path):
    """Share of a PNG's pixel bytes that are neither white nor black-background filler: a blank
    page is ~0. Reads the image data without an imaging library (zlib, filter bytes ignored)."""
    with open(png_path, "rb") as f:
        blob = f.read()
    pos, idat = 8, b""
    while pos < len(blob):
        length = int.from_bytes(blob[pos:pos + 4], "big")
        kind = blob[pos + 4:pos + 8]
        if kind == b"IDAT":
            idat += blob[pos + 8:pos + 8 + length]
        pos += 12 + length
    pixels = zlib.decompress(idat)
    return sum(1 for b in pixels[::7] if b not in (0, 255)) / len(pixels[::7])


class AnalyzeTest(unittest.TestCase):
    def setUp(self):
        if not SMALL_WORLD:
            self.skipTest("ACDC_SMALL_WORLD is not set")
        self.workdir = tempfile.mkdtemp(prefix="acdc-analyze-")
        self.addCleanup(shutil.rmtree, self.workdir, True)
        self.binary = cl.acdc_bin()

    def acdc(self, *args, timeout=120):
        return cl.run_command([self.binary] + list(args), timeout)

    def run_and_analyze(self):
        """An embedded reduced run, then its analysis on benchmark items the models can meet
        (the instances of the run's own tasks). Returns (data dir, run id, analysis dir)."""
        config = test_run.write_config(self.workdir)
        data = os.path.join(self.workdir, "data")
        res = self.acdc("up", "--workers", "2", "--config", config, "--data", data, timeout=150)
        self.assertEqual(res.returncode, 0, res.describe())
        run = json.loads(self.acdc("run", "list", "--data", data).stdout.splitlines()[0])["id"]
        benchmark = os.path.join(self.workdir, "bench.jsonl")
        tasks = self.acdc("tasks", "list", "--data", data)
        self.assertEqual(tasks.returncode, 0, tasks.describe())
        with open(benchmark, "w") as f:
            for line in tasks.stdout.splitlines()[:20]:
                shown = self.acdc("tasks", "show", json.loads(line)["id"], "--data", data)
                self.assertEqual(shown.returncode, 0, shown.describe())
                for instance in json.loads(shown.stdout)["task"]["instances"]:
                    f.write(json.dumps({"question": instance["instruction"],
                                        "answer": instance["reference"],
                                        "grader": instance["grader"]}) + "\n")
        out = os.path.join(self.workdir, "analysis")
        res = self.acdc("analyze", run, "--data", data, "--benchmark", benchmark, "--n", "2,4",
                        "--out", out, timeout=170)
        self.assertEqual(res.returncode, 0, res.describe())
        self.assertIn("task_force_4", res.stdout)
        return data, run, out

    def test_analysis_figures_are_recomputable_from_its_files(self):
        data, run, out = self.run_and_analyze()
        with open(os.path.join(out, "analysis.json")) as f:
            analysis = json.load(f)
        with open(os.path.join(out, "items.jsonl")) as f:
            items = [json.loads(l) for l in f]

        models, skills = analysis["models"], analysis["global_skills"]
        self.assertEqual(models[:4], ["g000-s%02d" % i for i in range(4)],
                         "creation order: generation 0's seeds first")
        for m in models:
            self.assertEqual(len(skills[m]), len(analysis["global_tasks"]))
        for n in ("2", "4"):
            self.assertEqual(analysis["task_force"][n], greedy(models, skills, int(n)))

        # Recorded scores are reused: the last generation's skill vectors agree.
        export = os.path.join(self.workdir, "export")
        res = self.acdc("run", "export", run, "--data", data, "--out", export)
        self.assertEqual(res.returncode, 0, res.describe())
        with open(os.path.join(export, "generations.jsonl")) as f:
            last = [json.loads(l) for l in f][-1]
        index = {t: i for i, t in enumerate(analysis["global_tasks"])}
        for candidate in last["candidates"]:
            if candidate["model"] in skills:
                self.assertEqual(
                    candidate["skills"],
                    [skills[candidate["model"]][index[t]] for t in last["tasks"]])

        correct = {}
        for line in items:
            correct.setdefault(line["model"], {})[line["item"]] = line["correct"]
        bench_items = analysis["benchmark_items"]
        for model, answers in correct.items():
            self.assertEqual(sorted(answers), sorted(bench_items), model)

        def coverage(members):
            return sum(any(correct[m][i] for m in members) for i in bench_items) / len(bench_items)

        members = analysis["members"]
        self.assertEqual(members["control_4"], ["control-1", "control-2", "control-3",
                                                "control-4"])
        self.assertEqual(len(members["no_selection_4"]), 4)
        self.assertEqual(members["seeds"], models[:4])
        self.assertEqual(members["base"], ["base"])
        self.assertIsNone(analysis["coverage"]["generalist"])
        for group, value in analysis["coverage"].items():
            if value is not None:
                self.assertAlmostEqual(value, coverage(members[group]), msg=group)
        for n in ("2", "4"):
            self.assertAlmostEqual(analysis["coverage"]["task_force_" + n],
                                   coverage(analysis["task_force"][n]))
        self.assertGreater(analysis["coverage"]["task_force_4"], 0,
                           "the models answer some of their own tasks")
        # The archive's ceiling: the same greedy choice, on the benchmark's own answers.
        answered = {m: [correct[m][i] for i in bench_items] for m in models}
        self.assertEqual(members["ceiling_4"], greedy(models, answered, 4))
        self.assertGreaterEqual(analysis["coverage"]["ceiling_4"],
                                analysis["coverage"]["random_4"])
        # Best-of-N: per item, the task force member most confident in its answer (ties to the
        # earliest; a null confidence, an empty reply, is never chosen).
        force = analysis["task_force"]["4"]
        lines = {(l["model"], l["item"]): l for l in items}
        for by in ("logprob", "self_certainty"):
            right = 0
            for item in bench_items:
                scored = [(lines[(m, item)][by], -k, m) for k, m in enumerate(force)
                          if lines[(m, item)][by] is not None]
                chosen = max(scored)[2] if scored else force[0]
                right += lines[(chosen, item)]["correct"]
            self.assertAlmostEqual(analysis["best_of_n"][by], right / len(bench_items), msg=by)
        self.assertAlmostEqual(analysis["best_of_n"]["best_single"],
                               sum(correct[members["best_single"][0]].values()) / len(bench_items))

        by_generation = analysis["coverage_by_generation"]
        self.assertEqual([g["generation"] for g in by_generation], [0, 1, 2, 3])
        self.assertAlmostEqual(by_generation[-1]["task_force_4"],
                               analysis["coverage"]["task_force_4"])
        for g in by_generation:
            self.assertAlmostEqual(g["task_force_4"], coverage(g["members"]))

    def test_report_renders_in_headless_chromium(self):
        chromium = shutil.which("chromium")
        if not chromium:
            self.skipTest("no chromium (deploy/debian-packages.txt installs it)")
        data, run, analysis = self.run_and_analyze()
        report = os.path.join(self.workdir, "report")
        res = self.acdc("report", run, "--data", data, "--analysis", analysis, "--out", report)
        self.assertEqual(res.returncode, 0, res.describe())
        page = os.path.join(report, "index.html")
        with open(page) as f:
            html = f.read()
        self.assertNotIn("/*ACDC_", html, "every placeholder is filled")
        self.assertNotIn("src=\"http", html, "nothing is fetched: the page works offline")
        browser = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                   "--window-size=1200,3000", "--enable-logging=stderr", "--log-level=0"]
        dom = cl.run_command(browser + ["--dump-dom", "file://" + page], 60)
        self.assertEqual(dom.returncode, 0, dom.describe())
        self.assertIn('data-rendered="yes"', dom.stdout, "the page's script ran to its end")
        console = [l for l in dom.stderr.splitlines() if ":CONSOLE" in l]
        self.assertEqual(console, [], "the console shows nothing (no error, no warning)")
        shot = os.path.join(self.workdir, "shot.png")
        res = cl.run_command(browser + ["--screenshot=" + shot, "file://" + page], 60)
        self.assertEqual(res.returncode, 0, res.describe())
        # A blank page measures ~0.0003, this report ~0.02.
        self.assertGreater(inked_share(shot), 0.005, "the screenshot is not blank")

    def test_analysis_through_the_coordinator_equals_the_local_one(self):
        """--coordinator: every evaluation, merge and confidence is a job on the workers; then,
        the coordinator stopped, --data does the same work in-process: the same figures."""
        cluster = cl.Cluster(self)
        cluster.start_coordinator()
        store = os.path.join(cluster.workdir, "models")
        for _ in range(2):
            cluster.start_worker(slots=1, extra=["--model-store", store, "--eval-threads", "1"])
        cluster.wait_workers(2, timeout=60)
        config = test_run.write_config(cluster.workdir, generations=2)
        client = ["--coordinator", cluster.address, "--token-file", cluster.token_file]
        res = self.acdc("run", "start", config, *client)
        self.assertEqual(res.returncode, 0, res.describe())
        run = res.json["run"]
        res = self.acdc("run", "wait", run, *client, timeout=150)
        self.assertEqual(res.returncode, 0, res.describe())
        benchmark = os.path.join(self.workdir, "bench.jsonl")
        with open(benchmark, "w") as f:
            for a, b in [(2, 3), (10, 4), (7, 7), (31, 12), (5, 40), (8, 8)]:
                f.write(json.dumps({"question": "Add: %d + %d" % (a, b), "answer": str(a + b),
                                    "grader": "numeric"}) + "\n")
                f.write(json.dumps({"question": "Reverse: %s" % ("abcdefgh"[a % 5:a % 5 + 3]),
                                    "answer": "abcdefgh"[a % 5:a % 5 + 3][::-1]}) + "\n")
        remote = os.path.join(self.workdir, "remote")
        res = self.acdc("analyze", run, *client, "--benchmark", benchmark, "--n", "2,3",
                        "--out", remote, timeout=170)
        self.assertEqual(res.returncode, 0, res.describe())
        # The coordinator keeps the analysis' Coverage with the run and exports it.
        with open(os.path.join(remote, "analysis.json")) as f:
            coverage = {group: value for group, value in json.load(f)["coverage"].items()
                        if value is not None}
        status = self.acdc("run", "status", run, *client)
        self.assertEqual(status.returncode, 0, status.describe())
        self.assertEqual(status.json["analysis"],
                         {"benchmark": "bench", "coverage": coverage})
        exported = {labels["group"]: value for name, labels, value
                    in cl.parse_metrics(cluster.coordinator_metrics())
                    if name == "acdc_run_coverage" and labels["run"] == run}
        self.assertEqual(sorted(exported), sorted(coverage))
        for group, value in coverage.items():
            self.assertAlmostEqual(exported[group], value, places=9, msg=group)
        self.assertEqual(cluster.term_coordinator(), 0)
        local = os.path.join(self.workdir, "local")
        res = self.acdc("analyze", run, "--data", cluster.data_dir, "--model-store", store,
                        "--benchmark", benchmark, "--n", "2,3", "--threads", "1", "--out", local,
                        timeout=170)
        self.assertEqual(res.returncode, 0, res.describe())
        status = self.acdc("run", "status", run, "--data", cluster.data_dir)
        self.assertEqual(status.returncode, 0, status.describe())
        self.assertIn("task_force_3", status.json["analysis"]["coverage"])
        figures = []
        for directory in (remote, local):
            with open(os.path.join(directory, "analysis.json")) as f:
                figures.append(json.load(f))
        for key in ("models", "global_tasks", "global_skills", "task_force", "coverage",
                    "members", "coverage_by_generation", "best_of_n"):
            self.assertEqual(figures[0][key], figures[1][key], key)
        leftovers = [m for m in os.listdir(store) if m.startswith("analysis-")]
        self.assertEqual(leftovers, [], "the no-selection children are removed once answered")

    def test_bad_input_names_the_flag(self):
        res = self.acdc("analyze", "run-x", "--data", self.workdir, "--benchmark",
                        "/nonexistent.jsonl", "--out", os.path.join(self.workdir, "o"))
        self.assertEqual(res.returncode, 2, res.describe())
        self.assertIn("--benchmark", res.stderr)
        res = self.acdc("analyze", "run-x", "--data", self.workdir, "--benchmark", "small-world",
                        "--n", "3,x", "--out", os.path.join(self.workdir, "o"))
        self.assertEqual(res.returncode, 2, res.describe())
        self.assertIn("--n", res.stderr)


if __name__ == "__main__":
    unittest.main()
