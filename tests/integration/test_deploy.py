"""The deployment files checked with the tools their platforms use: systemd units with
systemd-analyze verify, the Slurm batch script and the container's scripts with bash -n and
shellcheck, the Kubernetes manifests with kubernetes-validate --strict, the Dockerfile with
hadolint and against what deploy/container/collect.sh stages, the Prometheus configs with
promtool.

Run:  cd tests/integration && python3 -m unittest -v test_deploy
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import cluster as cl

DEPLOY = os.path.join(cl.REPO_ROOT, "deploy")


def tool(name):
    """A tool on PATH or beside this Python (the venv's console scripts)."""
    found = shutil.which(name) or shutil.which(name, path=os.path.dirname(sys.executable))
    return found


class DeployTest(unittest.TestCase):
    def run_tool(self, argv, **kwargs):
        res = subprocess.run(argv, capture_output=True, text=True, timeout=120, **kwargs)
        self.assertEqual(res.returncode, 0, "%s\n%s%s" % (" ".join(argv), res.stdout, res.stderr))
        return res

    def require(self, name):
        path = tool(name)
        if path is None:
            self.skipTest("%s is not installed (deploy/debian-packages.txt or "
                          "deploy/requirements.txt)" % name)
        return path

    def test_systemd_units_verify(self):
        analyze = self.require("systemd-analyze")
        workdir = tempfile.mkdtemp(prefix="acdc-systemd-")
        self.addCleanup(shutil.rmtree, workdir, True)
        units = []
        for name in ("acdc-coordinator.service", "acdc-worker.service"):
            with open(os.path.join(DEPLOY, "systemd", name)) as f:
                text = f.read()
            self.assertIn("Restart=on-failure", text)
            self.assertIn("LoadCredential=token:", text)
            self.assertIn("User=acdc", text)
            # verify wants the executable to exist: the build's binary stands in for the
            # installed one.
            path = os.path.join(workdir, name)
            with open(path, "w") as f:
                f.write(text.replace("/usr/local/bin/acdc", cl.acdc_bin()))
            units.append(path)
        res = self.run_tool([analyze, "verify"] + units)
        self.assertNotRegex(res.stderr, r"Unknown key|Failed to parse|bad unit")

    def test_scripts_pass_bash_and_shellcheck(self):
        scripts = [os.path.join(DEPLOY, "slurm", "acdc.sbatch"),
                   os.path.join(DEPLOY, "container", "collect.sh"),
                   os.path.join(DEPLOY, "container", "acdc-wrapper.sh")]
        for script in scripts:
            self.run_tool(["bash", "-n", script])
        shellcheck = tool("shellcheck")
        if shellcheck:
            self.run_tool([shellcheck] + scripts)

    def test_kubernetes_manifests_validate(self):
        validate = self.require("kubernetes-validate")
        res = self.run_tool([validate, "--strict", os.path.join(DEPLOY, "k8s", "acdc.yaml")])
        for kind in ("persistentvolumeclaim", "service", "statefulset", "deployment"):
            self.assertRegex(res.stdout + res.stderr, r"passed for resource %s/" % kind)
        with open(os.path.join(DEPLOY, "k8s", "acdc.yaml")) as f:
            manifest = f.read()
        self.assertIn("nvidia.com/gpu: 1", manifest)
        self.assertIn("ReadWriteMany", manifest)
        self.assertIn("secretName: acdc-token", manifest)

    def test_dockerfile_lints_and_copies_what_collect_stages(self):
        hadolint = self.require("hadolint")
        dockerfile = os.path.join(DEPLOY, "container", "Dockerfile")
        self.run_tool([hadolint, dockerfile])
        self.run_tool([os.path.join(DEPLOY, "container", "collect.sh")])
        with open(dockerfile) as f:
            sources = re.findall(r"^COPY\s+(\S+)\s+\S+$", f.read(), flags=re.M)
        self.assertTrue(sources)
        for source in sources:
            self.assertTrue(os.path.exists(os.path.join(cl.REPO_ROOT, source)),
                            "COPY %s: not staged" % source)
        self.assertTrue(os.listdir(os.path.join(cl.REPO_ROOT, "build", "container", "lib")))

    def test_prometheus_configs_check(self):
        promtool = self.require("promtool")
        directory = os.path.join(DEPLOY, "prometheus")
        self.run_tool([promtool, "check", "config", "prometheus.yml"], cwd=directory)
        # Debian builds Prometheus without Kubernetes service discovery, so its promtool refuses
        # kubernetes_sd_configs; everything else of the Kubernetes example it checks.
        res = subprocess.run([promtool, "check", "config", "prometheus-kubernetes.yml"],
                             cwd=directory, capture_output=True, text=True, timeout=60)
        if res.returncode != 0:
            self.assertIn("field kubernetes_sd_configs not found", res.stdout + res.stderr)
            with open(os.path.join(directory, "prometheus-kubernetes.yml")) as f:
                text = f.read()
            stripped = os.path.join(tempfile.mkdtemp(prefix="acdc-prom-"), "k8s.yml")
            self.addCleanup(shutil.rmtree, os.path.dirname(stripped), True)
            with open(stripped, "w") as f:
                f.write(re.sub(r"    kubernetes_sd_configs:\n(      .*\n)+",
                               "    static_configs:\n      - targets: ['localhost:9464']\n",
                               text.replace("rules/acdc.rules.yml",
                                            os.path.join(directory, "rules", "acdc.rules.yml"))))
            self.run_tool([promtool, "check", "config", stripped])


if __name__ == "__main__":
    unittest.main()
