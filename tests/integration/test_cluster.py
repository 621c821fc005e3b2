"""Multi-process tests of the acdc coordinator and workers on 127.0.0.1.

Run:  cd tests/integration && ACDC_BIN=/path/to/acdc python3 -m unittest -v test_cluster
Each test builds its own cluster on free ports in a temp directory, so tests may run in
parallel. On failure the tails of every daemon log are printed and the directory is kept.
Set ACDC_KEEP_LOGS=1 to keep it always.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import tempfile
import time
import unittest
import urllib.error
import urllib.parse

import cluster as cl


class ClusterTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.binary = cl.acdc_bin()
        self.assertTrue(os.access(self.binary, os.X_OK),
                        "acdc binary not found at %s (set ACDC_BIN)" % self.binary)

    # -- helpers ---------------------------------------------------------------------------
    def new_cluster(self, **kwargs):
        return cl.Cluster(self, binary=self.binary, **kwargs)

    def assertDiagOk(self, res, jobs):
        self.assertEqual(res.returncode, 0, "diag failed\n" + res.describe())
        self.assertIsNotNone(res.json, "diag printed no JSON last line\n" + res.describe())
        got = {k: res.json.get(k) for k in ("submitted", "completed", "duplicates", "failed")}
        self.assertEqual(got, {"submitted": jobs, "completed": jobs, "duplicates": 0,
                               "failed": 0}, res.describe())
        for key in ("jobs_per_s", "p50_ms", "p99_ms"):
            self.assertIn(key, res.json, res.describe())

    def status(self, c, token_file=None):
        """`acdc status --json` of cluster `c`, parsed; fails the test if the command fails."""
        res = c.status_result(token_file=token_file)
        self.assertEqual(res.returncode, 0, "acdc status failed\n" + res.describe())
        self.assertIsNotNone(res.json, "acdc status printed no JSON\n" + res.describe())
        return res.json

    def assertJobCounts(self, status, done, failed=0):
        jobs = status.get("jobs") or {}
        self.assertEqual({k: jobs.get(k) for k in ("queued", "leased", "done", "failed")},
                         {"queued": 0, "leased": 0, "done": done, "failed": failed},
                         json.dumps(status))

    def wait_busy(self, c, worker, timeout):
        """Waits until `worker` reports a busy slot on /metrics; False on timeout."""
        try:
            cl.wait_until(
                lambda: cl.metric_sum(c.worker_metrics(worker), "acdc_worker_busy_slots") >= 1,
                timeout, interval=0.05, what="a busy slot on %s" % worker.name)
            return True
        except TimeoutError:
            return False

    # -- tests -----------------------------------------------------------------------------
    def test_500_jobs_three_workers_exactly_once(self):
        c = self.new_cluster()
        c.start_coordinator()
        c.start_workers(3, slots=2)
        c.wait_workers(3)

        res = c.diag(jobs=500, sleep_ms=1, timeout_s=120)
        self.assertDiagOk(res, 500)

        status = self.status(c)
        self.assertJobCounts(status, done=500)
        self.assertEqual(c.connected_count(status), 3, json.dumps(status))
        for w in status["workers"]:
            self.assertEqual(w.get("slots"), 2, json.dumps(status))
            self.assertEqual(w.get("busy"), 0, json.dumps(status))

    def test_worker_killed_mid_job(self):
        c = self.new_cluster()
        c.start_coordinator()
        victim, _, _ = c.start_workers(3, slots=2)
        c.wait_workers(3)

        diag = c.start_diag(jobs=60, sleep_ms=300, timeout_s=90)
        busy = self.wait_busy(c, victim, timeout=3.0)
        if busy:
            time.sleep(0.1)  # well inside the 300 ms job
        victim.kill9()
        self.assertTrue(diag.running(), "diag ended before the worker was killed")

        res = diag.finish(timeout=120)
        self.assertDiagOk(res, 60)
        self.assertJobCounts(self.status(c), done=60)

        metrics = c.coordinator_metrics()
        requeued = cl.metric_sum(metrics, "acdc_jobs_requeued_total")
        expired = cl.metric_sum(metrics, "acdc_leases_expired_total")
        self.assertGreater(
            requeued + expired, 0,
            "killed worker (busy seen: %s) but acdc_jobs_requeued_total=%s and "
            "acdc_leases_expired_total=%s" % (busy, requeued, expired))

    def test_coordinator_killed_and_restarted(self):
        c = self.new_cluster()
        c.start_coordinator()
        c.start_workers(3, slots=2)
        c.wait_workers(3)

        # --rate 100 spreads the 300 jobs over ~3 s, so the kill at 1.5 s lands both
        # mid-submission and with jobs leased and running.
        diag = c.start_diag(jobs=300, sleep_ms=20, rate=100, timeout_s=120)
        time.sleep(1.5)
        self.assertTrue(diag.running(), "diag ended before the coordinator was killed")
        c.kill_coordinator()
        time.sleep(1.0)
        c.restart_coordinator()

        c.wait_workers(3, timeout=30)
        res = diag.finish(timeout=150)
        self.assertDiagOk(res, 300)

        status = self.status(c)
        self.assertJobCounts(status, done=300)
        self.assertEqual(c.connected_count(status), 3, json.dumps(status))

    def test_wrong_token_is_refused(self):
        c = self.new_cluster()
        c.start_coordinator()
        c.start_workers(2, slots=2)
        c.wait_workers(2)
        self.assertDiagOk(c.diag(jobs=20, sleep_ms=1), 20)
        before = self.status(c)
        self.assertJobCounts(before, done=20)

        wrong = os.path.join(c.workdir, "wrong-token")
        cl.write_token_file(wrong)

        res = c.status_result(token_file=wrong)
        self.assertNotEqual(res.returncode, 0, res.describe())
        self.assertIn("UNAUTHENTICATED", res.stderr, res.describe())

        intruder = c.start_worker(slots=2, token_file=wrong, metrics=False)
        rc = intruder.wait(20)
        self.assertIsNotNone(rc, "worker with a wrong token still runs after 20 s\n" +
                             cl.tail(intruder.log_path))
        self.assertNotEqual(rc, 0, cl.tail(intruder.log_path))
        self.assertIn("UNAUTHENTICATED", intruder.log(), cl.tail(intruder.log_path))

        res = c.diag(jobs=5, sleep_ms=1, timeout_s=10, token_file=wrong)
        self.assertNotEqual(res.returncode, 0, res.describe())
        self.assertIn("UNAUTHENTICATED", res.stderr, res.describe())

        after = self.status(c)

        def workers(status):
            return sorted((w.get("worker_id"), w.get("hostname"), w.get("state"),
                           w.get("slots"), w.get("busy")) for w in status["workers"])

        self.assertEqual(after["jobs"], before["jobs"])
        self.assertEqual(workers(after), workers(before))

        # status, the worker's registration and diag's submission were each counted as refused.
        refused = sum(value for name, labels, value in cl.parse_metrics(c.coordinator_metrics())
                      if name == "acdc_rpc_errors_total"
                      and labels.get("code") in ("UNAUTHENTICATED", "Unauthenticated", "16"))
        self.assertGreaterEqual(refused, 3, "acdc_rpc_errors_total{code=UNAUTHENTICATED}")

    def test_prometheus_scrapes_both_daemons(self):
        if shutil.which("prometheus") is None:
            self.skipTest("`prometheus` binary not on PATH (Debian package prometheus is a "
                          "declared test dependency)")
        c = self.new_cluster()
        c.start_coordinator()
        scraped, _ = c.start_workers(2, slots=2)
        c.wait_workers(2)

        base = c.start_prometheus({"acdc-coordinator": c.metrics_port,
                                   "acdc-worker": scraped.metrics_port})

        def query(expr):
            body = json.loads(cl.http_get(
                base + "/api/v1/query?" + urllib.parse.urlencode({"query": expr}), timeout=5))
            self.assertEqual(body.get("status"), "success", body)
            result = body["data"]["result"]
            return float(result[0]["value"][1]) if result else None

        self.assertDiagOk(c.diag(jobs=50, sleep_ms=20), 50)

        expr = 'sum(acdc_jobs_finished_total{outcome="done"})'
        try:
            cl.wait_until(lambda: query(expr) == 50, 30, interval=0.5, what=expr + " == 50")
        except TimeoutError as exc:
            self.fail("%s; last value %s" % (exc, query(expr)))

        direct = cl.metric_sum(c.worker_metrics(scraped), "acdc_worker_jobs_total")
        self.assertGreater(direct, 0, "the scraped worker ran no job")
        wexpr = 'sum(acdc_worker_jobs_total{job="acdc-worker"})'
        try:
            cl.wait_until(lambda: query(wexpr) == direct, 15, interval=0.5,
                          what="%s == %s" % (wexpr, direct))
        except TimeoutError as exc:
            self.fail("%s; last value %s" % (exc, query(wexpr)))

        def targets_up():
            body = json.loads(cl.http_get(base + "/api/v1/targets", timeout=5))
            health = {t["labels"].get("job"): t.get("health")
                      for t in body["data"]["activeTargets"]}
            return health if health == {"acdc-coordinator": "up", "acdc-worker": "up"} else None

        try:
            cl.wait_until(targets_up, 15, interval=0.5, what="both targets up")
        except TimeoutError as exc:
            self.fail("%s: %s" % (exc, cl.http_get(base + "/api/v1/targets")))

    def test_bad_input_errors(self):
        workdir = tempfile.mkdtemp(prefix="acdc-it-bad-")
        self.addCleanup(shutil.rmtree, workdir, True)
        token = os.path.join(workdir, "token")
        cl.write_token_file(token)
        regular_file = os.path.join(workdir, "not-a-dir")
        with open(regular_file, "w") as f:
            f.write("x\n")
        unwritable = "/proc/acdc-it-%s/data" % secrets.token_hex(4)  # not creatable, even by root

        busy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(busy.close)
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        busy_port = busy.getsockname()[1]

        def argv(data=None, listen=None, extra=()):
            return [self.binary, "coordinator",
                    "--listen", listen or "127.0.0.1:%d" % cl.free_port(),
                    "--data", data or os.path.join(workdir, "data-" + secrets.token_hex(4)),
                    "--token-file", token] + list(extra)

        cases = [
            ("malformed --heartbeat-ms", argv(extra=["--heartbeat-ms", "abc"]),
             ["heartbeat-ms"]),
            ("unknown flag", argv(extra=["--no-such-flag", "1"]), ["no-such-flag"]),
            ("--data is a regular file", argv(data=regular_file), [regular_file]),
            ("--data not creatable", argv(data=unwritable), [unwritable]),
            ("--listen port in use", argv(listen="127.0.0.1:%d" % busy_port),
             [str(busy_port)]),
        ]
        if os.geteuid() != 0:
            locked = os.path.join(workdir, "locked")
            os.mkdir(locked, 0o500)
            cases.append(("--data under a read-only directory",
                          argv(data=os.path.join(locked, "data")), [locked]))

        for name, args, needles in cases:
            with self.subTest(case=name):
                start = time.monotonic()
                res = cl.run_command(args, timeout=15)
                elapsed = time.monotonic() - start
                self.assertIsInstance(res.returncode, int, res.describe())
                self.assertNotEqual(res.returncode, 0, res.describe())
                self.assertLess(elapsed, 10, res.describe())
                lines = [l for l in res.stderr.splitlines() if l.strip()]
                self.assertEqual(len(lines), 1,
                                 "expected exactly one stderr line\n" + res.describe())
                for needle in needles:
                    self.assertIn(needle, lines[0], res.describe())

    def test_up_runs_diag(self):
        workdir = tempfile.mkdtemp(prefix="acdc-it-up-")
        self.addCleanup(shutil.rmtree, workdir, True)
        data = os.path.join(workdir, "data")
        marker = "acdc-it-%s" % secrets.token_hex(8)
        env = dict(os.environ, ACDC_IT_MARKER=marker)

        def kill_leftovers():
            for pid in cl.scan_processes([marker, data]):
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass

        self.addCleanup(kill_leftovers)

        args = [self.binary, "up", "--workers", "2", "--data", data, "--run", "diag",
                "--jobs", "100"]
        res = cl.run_command(args, timeout=120, env=env)
        self.assertDiagOk(res, 100)

        def no_leftovers():
            return not cl.scan_processes([marker, data])

        try:
            cl.wait_until(no_leftovers, 5, interval=0.2, what="children of `acdc up` to exit")
        except TimeoutError:
            left = cl.scan_processes([marker, data])
            self.fail("`acdc up` left processes behind: %s" % "; ".join(
                "%d: %s" % (pid, cl.process_description(pid)) for pid in left))

    def test_worker_sigterm_drains(self):
        c = self.new_cluster()
        c.start_coordinator()
        first = c.start_worker(slots=1)
        c.wait_workers(1)
        c.start_worker(slots=1)
        c.wait_workers(2)

        diag = c.start_diag(jobs=4, sleep_ms=1500, timeout_s=60)
        self.assertTrue(self.wait_busy(c, first, timeout=5.0),
                        "first worker never got a job")
        time.sleep(0.3)
        self.assertTrue(first.alive(), cl.tail(first.log_path))
        first.signal(signal.SIGTERM)
        start = time.monotonic()
        rc = first.wait(10)
        elapsed = time.monotonic() - start
        self.assertIsNotNone(rc, "worker still runs 10 s after SIGTERM\n" +
                             cl.tail(first.log_path))
        self.assertEqual(rc, 0, "worker exit code after SIGTERM\n" + cl.tail(first.log_path))
        self.assertLess(elapsed, 5.0, "drain took %.1fs" % elapsed)

        res = diag.finish(timeout=90)
        self.assertDiagOk(res, 4)
        self.assertJobCounts(self.status(c), done=4)


if __name__ == "__main__":
    unittest.main()
