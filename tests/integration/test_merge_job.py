"""The MERGE job through the real backbone: a coordinator and a worker process on 127.0.0.1,
a model store holding the tiny fixture models (tests/fixtures/make_merge_models.py), jobs
submitted with `acdc submit merge`.

Run:  cd tests/integration && ACDC_BIN=/path/to/acdc ACDC_MERGE_MODELS=/path/to/merge_models \
      python3 -m unittest -v test_merge_job
"""

import json
import os
import shutil
import unittest

import cluster as cl

RECIPE = """\
merge_method: ties
base_model: base
models:
  - model: ft1
    parameters: {weight: 0.6, density: 0.5}
  - model: ft2
    parameters: {weight: [0.2, 0.8], density: 0.7}
parameters: {normalize: true}
seed: 7
mutation: {method: svd_topk_gaussian, rate: 0.05, k: 4, seed: 7}
"""




def weight_files(model_dir):
    return {name: open(os.path.join(model_dir, name), "rb").read()
            for name in os.listdir(model_dir) if name.endswith(".safetensors")}


class MergeJobTest(unittest.TestCase):
    def setUp(self):
        self.models = os.environ.get("ACDC_MERGE_MODELS")
        if not self.models or not os.path.isdir(self.models):
            self.fail("ACDC_MERGE_MODELS must name the merge fixture directory")
        self.cluster = cl.Cluster(self)
        self.store = os.path.join(self.cluster.workdir, "store")
        os.makedirs(self.store)
        for model in ("base", "ft1", "ft2"):
            shutil.copytree(os.path.join(self.models, model), os.path.join(self.store, model))
        self.cluster.start_coordinator()
        self.worker = self.cluster.start_worker(slots=1, extra=("--model-store", self.store))
        self.cluster.wait_workers(1)

    def submit(self, recipe_text, child, job_id=""):
        recipe = os.path.join(self.cluster.workdir, "recipe-%s.yaml" % child)
        with open(recipe, "w") as f:
            f.write(recipe_text)
        argv = [self.cluster.binary, "submit", "merge", recipe, "--child", child,
                "--coordinator", self.cluster.address, "--token-file", self.cluster.token_file,
                "--timeout-s", "120"]
        if job_id:
            argv += ["--job-id", job_id]
        res = cl.run_command(argv, 150)
        res.json = cl.last_json_line(res.stdout)
        return res

    def test_merge_job_stores_the_child_as_acdc_merge_makes_it(self):
        res = self.submit(RECIPE, "child-1", job_id="merge-1")
        self.assertEqual(res.returncode, 0, res.describe())
        self.assertEqual(res.json["state"], "JOB_STATE_DONE", res.describe())
        output = res.json["output"]["merge"]
        child_dir = os.path.join(self.store, "child-1")
        self.assertEqual(output["model_id"], "child-1")
        self.assertEqual(output["sha256"], cl.store_checksum(child_dir))
        self.assertGreater(int(output["bytes_read"]), 0)
        self.assertGreater(int(output["bytes_written"]), 0)
        self.assertTrue(os.path.isfile(os.path.join(child_dir, "config.json")))
        metrics = self.cluster.worker_metrics(self.worker)
        self.assertEqual(cl.metric_sum(metrics, "acdc_worker_merge_bytes_total", direction="read"),
                         int(output["bytes_read"]))

        # The same recipe run locally by `acdc merge` on the same directories: same bytes.
        local_recipe = os.path.join(self.cluster.workdir, "local.yaml")
        text = RECIPE
        for model in ("base", "ft1", "ft2"):
            text = text.replace("model: %s\n" % model,
                                "model: %s\n" % os.path.join(self.store, model))
        with open(local_recipe, "w") as f:
            f.write(text.replace("base_model: base",
                                 "base_model: %s" % os.path.join(self.store, "base")))
        local_dir = os.path.join(self.cluster.workdir, "local-child")
        local = cl.run_command([self.cluster.binary, "merge", local_recipe, "--out", local_dir], 120)
        self.assertEqual(local.returncode, 0, local.describe())
        self.assertEqual(weight_files(local_dir), weight_files(child_dir))

        # A second job for the same child (a retry after a lost result) reports it unchanged.
        again = self.submit(RECIPE, "child-1", job_id="merge-2")
        self.assertEqual(again.json["state"], "JOB_STATE_DONE", again.describe())
        self.assertEqual(again.json["output"]["merge"]["sha256"], output["sha256"])
        self.assertEqual(sorted(os.listdir(self.store)), ["base", "child-1", "ft1", "ft2"])

    def test_merge_job_naming_a_missing_model_fails_cleanly(self):
        res = self.submit(RECIPE.replace("model: ft2", "model: ft9"), "child-2")
        self.assertNotEqual(res.returncode, 0, res.describe())
        self.assertEqual(res.json["state"], "JOB_STATE_FAILED", res.describe())
        self.assertIn("ft9", res.json["error"])
        self.assertEqual(sorted(os.listdir(self.store)), ["base", "ft1", "ft2"])


if __name__ == "__main__":
    unittest.main()
