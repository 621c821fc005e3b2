"""The quickstart's smoke run: deploy/quickstart.sh end to end (run, table, analysis on the
held-out small-world benchmark, report) with a reduced configuration on the suite's reduced
small world, and a second call resuming the finished run.

Run:  cd tests/integration && ACDC_SMALL_WORLD=/path/to/small_world \
      python3 -m unittest -v test_quickstart
"""

import json
import os
import shutil
import tempfile
import unittest

import cluster as cl
import test_run

SMALL_WORLD = os.environ.get("ACDC_SMALL_WORLD", "")
QUICKSTART = os.path.join(cl.REPO_ROOT, "deploy", "quickstart.sh")


class QuickstartTest(unittest.TestCase):
    def setUp(self):
        if not SMALL_WORLD:
            self.skipTest("ACDC_SMALL_WORLD is not set")
        self.workdir = tempfile.mkdtemp(prefix="acdc-quickstart-")
        self.addCleanup(shutil.rmtree, self.workdir, True)

    def quickstart(self, config, run_dir):
        env = dict(os.environ, ACDC_QUICKSTART_SKIP_BUILD="1", ACDC_QUICKSTART_WORLD=SMALL_WORLD,
                   ACDC_QUICKSTART_CONFIG=config, ACDC_QUICKSTART_DIR=run_dir,
                   ACDC_QUICKSTART_N="2,3")
        return cl.run_command(["bash", QUICKSTART], 400, env=env)

    def test_smoke_run_prints_the_tables_and_writes_the_report(self):
        config = test_run.write_config(self.workdir, generations=2)
        run_dir = os.path.join(self.workdir, "quickstart")
        res = self.quickstart(config, run_dir)
        self.assertEqual(res.returncode, 0, res.describe())
        self.assertIn("best fitness", res.stdout, "the run's table")
        self.assertIn("task_force_3", res.stdout, "the analysis' table")
        self.assertIn("quickstart [3/4]", res.stderr, "progress names the stages")
        self.assertIn("open the report: %s/report/index.html" % run_dir, res.stderr)
        with open(os.path.join(run_dir, "analysis", "analysis.json")) as f:
            analysis = json.load(f)
        self.assertEqual(analysis["benchmark"], "small-world")
        self.assertEqual(len(analysis["benchmark_items"]), 600)
        self.assertEqual(analysis["members"]["generalist"], ["generalist"])
        self.assertIsNotNone(analysis["coverage"]["generalist"])
        self.assertTrue(os.path.getsize(os.path.join(run_dir, "report", "index.html")) > 10000)

        again = self.quickstart(config, run_dir)
        self.assertEqual(again.returncode, 0, again.describe())
        self.assertIn("resuming run", again.stderr, "a second call finds the run in its directory")
        self.assertIn("has not changed", again.stderr, "and does not analyze it again")
        self.assertIn("best fitness", again.stdout)


if __name__ == "__main__":
    unittest.main()
