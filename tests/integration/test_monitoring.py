"""The shipped Prometheus and Grafana files against the real thing: promtool checks the scrape
config and the rules and runs the rules' unit tests; the dashboards are what their generator
writes; a real Prometheus, loading the shipped rules, scrapes a live coordinator and worker
through a reduced coevolution run, and every recording and alert expression and every dashboard
panel query evaluates through its HTTP API without error, panels with data (but for those a
healthy run leaves empty); every acdc metric they name is one the daemons export.

Run:  cd tests/integration && ACDC_SMALL_WORLD=/path/to/small_world \
      python3 -m unittest -v test_monitoring
"""

import json
import os
import re
import shutil
import subprocess
import sys
import unittest
import urllib.parse

import cluster as cl
import test_run

PROMETHEUS_DIR = os.path.join(cl.REPO_ROOT, "deploy", "prometheus")
RULES = os.path.join(PROMETHEUS_DIR, "rules", "acdc.rules.yml")
SMALL_WORLD = os.environ.get("ACDC_SMALL_WORLD", "")


def rule_expressions():
    """(name, expr) of every rule in the shipped rules file (one-line expressions)."""
    rules, name = [], None
    with open(RULES) as f:
        for line in f:
            match = re.match(r"\s*- (?:record|alert): (\S+)", line)
            if match:
                name = match.group(1)
            match = re.match(r"\s*expr: (.+)$", line)
            if match:
                rules.append((name, match.group(1).strip()))
    return rules


DASHBOARDS = os.path.join(cl.REPO_ROOT, "deploy", "grafana", "dashboards")
# Panel queries that are empty in a healthy run, and why.
EMPTY_WHEN_HEALTHY = {
    "Requeues by reason (per minute)": "no job is requeued",
    "RPC errors (per minute)": "no call fails",
}


def panel_queries():
    """(dashboard, panel title, expr) of every panel target, Grafana's variables filled in."""
    queries = []
    for name in sorted(os.listdir(DASHBOARDS)):
        with open(os.path.join(DASHBOARDS, name)) as f:
            model = json.load(f)
        for panel in model["panels"]:
            for target in panel["targets"]:
                expr = target["expr"].replace("$__rate_interval", "1m").replace('"$run"', '".*"')
                queries.append((name, panel["title"], expr))
    return queries


def registered_names():
    """Metric names the daemons' code registers (those that appear only after an event, like a
    requeue or an RPC error, are in no healthy run's exposition)."""
    names = set()
    for side in ("coordinator", "worker"):
        for root, _, files in os.walk(os.path.join(cl.REPO_ROOT, side)):
            for name in files:
                if name.endswith(".cc"):
                    with open(os.path.join(root, name)) as f:
                        names.update(re.findall(r'\.Name\("(acdc_[a-z_]+)"\)', f.read()))
    return names


def exported_names(text):
    """Metric family names in Prometheus text: histograms by their base name too."""
    names = set()
    for sample, _, _ in cl.parse_metrics(text):
        names.add(sample)
        names.add(re.sub(r"_(bucket|sum|count)$", "", sample))
    return names


class MonitoringTest(unittest.TestCase):
    def promtool(self, *args):
        promtool = shutil.which("promtool")
        if promtool is None:
            self.skipTest("no promtool (Debian package prometheus, in deploy/debian-packages.txt)")
        res = subprocess.run([promtool] + list(args), cwd=PROMETHEUS_DIR, capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        return res.stdout

    def test_promtool_checks_the_config_and_the_rules_and_runs_their_tests(self):
        self.assertIn("SUCCESS", self.promtool("check", "config", "prometheus.yml"))
        self.assertIn("10 rules found", self.promtool("check", "rules", "rules/acdc.rules.yml"))
        self.assertIn("SUCCESS", self.promtool("test", "rules", "tests/acdc.rules.test.yml"))

    def test_dashboards_are_what_their_generator_writes(self):
        res = subprocess.run([sys.executable, os.path.join(cl.REPO_ROOT, "deploy", "grafana",
                                                           "make_dashboards.py"), "--check"],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(res.returncode, 0, res.stderr)
        for name in os.listdir(DASHBOARDS):
            with open(os.path.join(DASHBOARDS, name)) as f:
                model = json.load(f)
            variables = [v["name"] for v in model["templating"]["list"]]
            self.assertIn("datasource", variables, name)
            for panel in model["panels"]:
                self.assertIn(panel["type"], ("timeseries", "stat"), panel["title"])
                self.assertEqual(panel["datasource"]["uid"], "${datasource}", panel["title"])

    def test_dashboards_load_as_grafana_dashboard_models(self):
        try:
            from grafana_foundation_sdk.cog import encoder
            from grafana_foundation_sdk.models import dashboard
        except ImportError:
            self.skipTest("no grafana-foundation-sdk (deploy/requirements.txt)")
        import importlib

        def lost(original, loaded, path=""):
            """Keys of `original` the model dropped: fields Grafana's schema does not know."""
            if isinstance(original, dict):
                if not isinstance(loaded, dict):
                    return [path]
                return [p for k, v in original.items()
                        for p in ([path + "/" + k] if k not in loaded
                                  else lost(v, loaded[k], path + "/" + k))]
            if isinstance(original, list):
                if not isinstance(loaded, list) or len(loaded) != len(original):
                    return [path]
                return [p for i, (a, b) in enumerate(zip(original, loaded))
                        for p in lost(a, b, "%s[%d]" % (path, i))]
            return []

        for name in sorted(os.listdir(DASHBOARDS)):
            with open(os.path.join(DASHBOARDS, name)) as f:
                model = json.load(f)
            loaded = json.loads(encoder.JSONEncoder().encode(dashboard.Dashboard.from_json(model)))
            self.assertEqual(lost(model, loaded), [], name)
            for panel in model["panels"]:
                # A panel type is a panel plugin the SDK models.
                importlib.import_module("grafana_foundation_sdk.models." + panel["type"])

    def test_live_prometheus_evaluates_every_rule_on_a_run(self):
        if shutil.which("prometheus") is None:
            self.skipTest("no prometheus (Debian package prometheus)")
        if not SMALL_WORLD:
            self.skipTest("ACDC_SMALL_WORLD is not set")
        c = cl.Cluster(self)
        c.start_coordinator()
        store = os.path.join(c.workdir, "models")
        worker = c.start_worker(slots=1, extra=["--model-store", store])
        c.wait_workers(1, timeout=60)

        base = c.start_prometheus({"acdc-coordinator": c.metrics_port,
                                   "acdc-workers": worker.metrics_port},
                                  rule_files=[RULES], scrape_interval="500ms")

        def query(expr):
            body = json.loads(cl.http_get(
                base + "/api/v1/query?" + urllib.parse.urlencode({"query": expr}), timeout=5))
            self.assertEqual(body.get("status"), "success", "%s: %s" % (expr, body))
            return body["data"]["result"]

        cl.wait_until(lambda: len(query("up == 1")) == 2, 30, interval=0.2,
                      what="prometheus to scrape both daemons")
        client = ["--coordinator", c.address, "--token-file", c.token_file]
        config_path = test_run.write_config(c.workdir)
        res = cl.run_command([c.binary, "run", "start", config_path] + client, 60)
        self.assertEqual(res.returncode, 0, res.describe())
        run = res.json["run"]
        res = cl.run_command([c.binary, "run", "wait", run] + client, 150)
        self.assertEqual(res.returncode, 0, res.describe())
        # An analysis through the coordinator puts Coverage on the Run dashboard.
        benchmark = os.path.join(c.workdir, "bench.jsonl")
        with open(benchmark, "w") as f:
            for a, b in [(2, 3), (10, 4), (7, 7), (31, 12)]:
                f.write(json.dumps({"question": "Add: %d + %d" % (a, b), "answer": str(a + b),
                                    "grader": "numeric"}) + "\n")
        res = cl.run_command([c.binary, "analyze", run] + client +
                             ["--benchmark", benchmark, "--n", "2",
                              "--out", os.path.join(c.workdir, "analysis")], 170)
        self.assertEqual(res.returncode, 0, res.describe())

        exported = exported_names(c.coordinator_metrics()) | exported_names(
            c.worker_metrics(worker))
        registered = registered_names()
        for name, expr in rule_expressions() + [(t, e) for _, t, e in panel_queries()]:
            for metric in re.findall(r"\bacdc_[a-z_]+", expr):
                base_name = re.sub(r"_(bucket|sum|count)$", "", metric)
                known = exported if name not in EMPTY_WHEN_HEALTHY else exported | registered
                self.assertIn(base_name, known,
                              "%s names %s, which no daemon exports" % (name, metric))

        for name, expr in rule_expressions():
            query(expr)  # evaluates without error

        def busy():
            result = query("acdc:cluster_busy_fraction:avg5m")
            return result and float(result[0]["value"][1]) > 0

        try:
            cl.wait_until(busy, 30, interval=0.5, what="the recorded busy fraction to be > 0")
        except TimeoutError:
            self.fail("busy fraction %s; busy slots seen %s" % (
                query("acdc:cluster_busy_fraction:avg5m"),
                query("max_over_time(acdc_worker_busy_slots[5m])")))
        cl.wait_until(lambda: query("acdc_run_coverage"), 30, interval=0.5,
                      what="prometheus to scrape the analysis' Coverage")
        # Every dashboard panel evaluates, with data unless a healthy run has none.
        empty = []
        for dashboard, title, expr in panel_queries():
            if not query(expr) and title not in EMPTY_WHEN_HEALTHY:
                empty.append("%s: %s: %s" % (dashboard, title, expr))
        self.assertEqual(empty, [], "panels without data")
        # A healthy run fires none of the alerts.
        body = json.loads(cl.http_get(base + "/api/v1/alerts", timeout=5))
        firing = [a["labels"]["alertname"] for a in body["data"]["alerts"]
                  if a["state"] == "firing"]
        self.assertEqual(firing, [])


if __name__ == "__main__":
    unittest.main()
