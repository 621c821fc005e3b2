"""`acdc task check` through the real binary: one JSON object on stdout, exit codes."""
import json
import os
import subprocess
import unittest

ACDC = os.environ.get("ACDC_BIN", "build/bin/acdc")
TASK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tasks", "reverse_word")


def check(*args):
    done = subprocess.run([ACDC, "task", "check", *args], capture_output=True, text=True,
                          timeout=60)
    return done.returncode, done.stdout


class TaskCheckTest(unittest.TestCase):
    def run_json(self, *args):
        code, out = check(*args)
        return code, json.loads(out)  # exactly one JSON object: json.loads rejects anything more

    def test_lists_instances_without_scores(self):
        code, out = self.run_json(TASK)
        self.assertEqual(code, 0)
        self.assertIsNone(out["error"])
        self.assertEqual(sorted(out["instances"]), ["1", "2"])
        self.assertIn("Reverse the word 'sandbox'", out["instances"]["1"])
        self.assertEqual(out["scores"], {})

    def test_scores_an_answer_on_every_instance(self):
        code, out = self.run_json(TASK, "--answer", "xobdnas")
        self.assertEqual(code, 0)
        self.assertEqual(out["scores"], {"1": 1.0, "2": 0.0})
        self.assertEqual(out["reasons"], {})

    def test_scores_one_instance(self):
        code, out = self.run_json(TASK, "--answer", "ssenrah", "--instance", "2")
        self.assertEqual(code, 0)
        self.assertEqual(list(out["instances"]), ["2"])
        self.assertEqual(out["scores"], {"2": 1.0})

    def test_unknown_instance_is_an_error(self):
        code, out = self.run_json(TASK, "--answer", "x", "--instance", "7")
        self.assertEqual(code, 1)
        self.assertIn("no instance '7'", out["error"])

    def test_refused_without_bubblewrap(self):
        code, out = self.run_json(TASK, "--bwrap", "/nonexistent/bwrap", "--answer", "x")
        self.assertEqual(code, 1)
        self.assertIn("bubblewrap is missing", out["error"])
        self.assertEqual(out["instances"], {})
        self.assertEqual(out["scores"], {})

    def test_missing_directory_is_an_error(self):
        code, out = self.run_json("/nonexistent/task")
        self.assertEqual(code, 1)
        self.assertIn("no task directory", out["error"])

    def test_help_lists_the_flags(self):
        code, out = check("--help")
        self.assertEqual(code, 0)
        for flag in ("--answer", "--instance", "--bwrap", "--cpu-seconds", "--memory-mb"):
            self.assertIn(flag, out)


if __name__ == "__main__":
    unittest.main()
