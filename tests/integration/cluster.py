"""Helpers for multi-process tests of the acdc daemons on loopback.

Standard library only. A Cluster owns a temp directory (data dir, token file, one log file
per process) and the daemons it started; `close()` kills them all. Tied to a TestCase it
registers its own cleanup and, when the test failed, prints the tails of every daemon log
and keeps the directory for inspection.

The binary is $ACDC_BIN, or <repo>/build/bin/acdc.
"""

import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOST = "127.0.0.1"


def acdc_bin():
    return os.environ.get("ACDC_BIN") or os.path.join(REPO_ROOT, "build", "bin", "acdc")


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def write_token_file(path, token=None):
    """Writes a random hex token (or `token`) to `path` with mode 0600; returns the token."""
    token = token or secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    os.chmod(path, 0o600)
    return token


def store_checksum(model_dir):
    """The model store's checksum of a checkpoint, recomputed: name, size and bytes of each
    file, in name order (worker/model_store.h)."""
    digest = hashlib.sha256()
    for name in sorted(os.listdir(model_dir)):
        path = os.path.join(model_dir, name)
        if not os.path.isfile(path):
            continue
        digest.update(("%s\n%d\n" % (name, os.path.getsize(path))).encode())
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()


def port_open(port, host=HOST, timeout=0.2):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class Fatal(Exception):
    """Raised by a wait_until predicate to stop waiting at once (e.g. the process died)."""


def wait_until(predicate, timeout, interval=0.1, what="condition"):
    """Polls `predicate` until it returns a truthy value; returns it, or raises TimeoutError.
    Exceptions from `predicate` count as "not yet", except Fatal and AssertionError."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except (Fatal, AssertionError):
            raise
        except Exception as exc:  # pylint: disable=broad-except
            last_exc = exc
        if time.monotonic() >= deadline:
            extra = " (last error: %r)" % (last_exc,) if last_exc else ""
            raise TimeoutError("timed out after %.1fs waiting for %s%s" % (timeout, what, extra))
        time.sleep(interval)


def read_text(path):
    try:
        with open(path, "r", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def tail(path, lines=40):
    return "\n".join(read_text(path).splitlines()[-lines:])


def last_json_line(text):
    """Parses the last non-empty line of `text` as a JSON object (None if it is not one)."""
    for line in reversed(text.splitlines()):
        line = line.strip()
        if not line:
            continue
        try:
            value = json.loads(line)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None
    return None


def parse_json_output(text):
    """The whole output as one JSON object, else its last line as one (None if neither)."""
    try:
        value = json.loads(text)
        if isinstance(value, dict):
            return value
    except ValueError:
        pass
    return last_json_line(text)


# ---------------------------------------------------------------------------------------------
# Prometheus text format

_SAMPLE_RE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?\s*$")
_LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?\s*')


def parse_metrics(text):
    """Prometheus text exposition → list of (name, {label: value}, float)."""
    samples = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE_RE.match(line)
        if not m:
            continue
        labels = {}
        if m.group(3):
            for lm in _LABEL_RE.finditer(m.group(3)):
                labels[lm.group(1)] = (
                    lm.group(2).replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\"))
        try:
            value = float(m.group(4))
        except ValueError:
            continue
        samples.append((m.group(1), labels, value))
    return samples


def metric_sum(samples_or_text, name, **labels):
    """Sum of every sample called `name` whose labels include `labels` (0.0 when none)."""
    samples = samples_or_text
    if isinstance(samples_or_text, str):
        samples = parse_metrics(samples_or_text)
    total = 0.0
    for sample_name, sample_labels, value in samples:
        if sample_name != name:
            continue
        if all(sample_labels.get(k) == v for k, v in labels.items()):
            total += value
    return total


def metric_present(samples_or_text, name):
    samples = samples_or_text
    if isinstance(samples_or_text, str):
        samples = parse_metrics(samples_or_text)
    return any(s[0] == name for s in samples)


def http_get(url, timeout=5.0):
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return resp.read().decode("utf-8", errors="replace")


def fetch_metrics(port, timeout=5.0):
    return http_get("http://%s:%d/metrics" % (HOST, port), timeout=timeout)


# ---------------------------------------------------------------------------------------------
# Processes


def _pids_in_group(pgid):
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        # comm may contain spaces/parens: fields after the last ')' are fixed.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(entry))
    return pids


class Daemon:
    """One subprocess with stdout+stderr in a log file. Started in its own session so that
    it and anything it spawns can be killed as a group."""

    def __init__(self, name, argv, log_path, env=None):
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen(
            self.argv, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            env=env, start_new_session=True)
        self.pid = self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def log(self):
        return read_text(self.log_path)

    def signal(self, sig):
        if self.alive():
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def wait(self, timeout):
        """Exit code, or None if still running after `timeout` seconds."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill9(self):
        self.signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self, grace=5.0):
        """SIGTERM, then SIGKILL after `grace`; also kills leftovers in its process group."""
        stop_all([self], grace)

    def _reap_group(self):
        for pid in _pids_in_group(self.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self._log.close()
        except OSError:
            pass


def stop_all(daemons, grace=5.0):
    """SIGTERM every daemon at once, SIGKILL those still running after `grace` seconds, then
    kill anything left in their process groups."""
    for d in daemons:
        d.signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for d in daemons:
        if d.wait(max(0.0, deadline - time.monotonic())) is None:
            d.signal(signal.SIGKILL)
            d.wait(10)
    for d in daemons:
        d._reap_group()  # pylint: disable=protected-access


class CommandResult:
    def __init__(self, argv, returncode, stdout, stderr):
        self.argv = argv
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.json = last_json_line(stdout)

    def describe(self):
        return "command: %s\nexit code: %s\n--- stdout (tail) ---\n%s\n--- stderr (tail) ---\n%s" % (
            " ".join(self.argv), self.returncode,
            "\n".join(self.stdout.splitlines()[-20:]), "\n".join(self.stderr.splitlines()[-20:]))


class BackgroundCommand:
    """A client command (e.g. diag) running in the background, output to files."""

    def __init__(self, argv, workdir, name, env=None):
        self.argv = list(argv)
        self.out_path = os.path.join(workdir, name + ".out")
        self.err_path = os.path.join(workdir, name + ".err")
        self._out = open(self.out_path, "wb")
        self._err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=self._out,
                                     stderr=self._err, env=env, start_new_session=True)

    def running(self):
        return self.proc.poll() is None

    def finish(self, timeout):
        """Waits up to `timeout` s (then kills it) and returns a CommandResult."""
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            rc = "TIMEOUT after %.0fs (killed)" % timeout
        self._out.close()
        self._err.close()
        return CommandResult(self.argv, rc, read_text(self.out_path), read_text(self.err_path))

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.proc.wait(timeout=10)


def run_command(argv, timeout, env=None):
    try:
        cp = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout,
                            env=env, start_new_session=True)
        return CommandResult(argv, cp.returncode, cp.stdout.decode("utf-8", "replace"),
                             cp.stderr.decode("utf-8", "replace"))
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode("utf-8", "replace")
        err = (exc.stderr or b"").decode("utf-8", "replace")
        return CommandResult(argv, "TIMEOUT after %.0fs (killed)" % timeout, out, err)


# ---------------------------------------------------------------------------------------------


class Cluster:
    """A coordinator and workers on loopback, in a fresh temp directory.

    cluster = Cluster(testcase)            # registers cleanup + log dump on failure
    cluster.start_coordinator()
    cluster.start_workers(3, slots=2)
    cluster.wait_workers(3)
    res = cluster.diag(jobs=100)
    """

    def __init__(self, testcase=None, binary=None, workdir=None,
                 coordinator_args=("--heartbeat-ms", "250", "--lease-timeout-ms", "2500")):
        self.binary = binary or acdc_bin()
        self.workdir = workdir or tempfile.mkdtemp(prefix="acdc-it-")
        self.data_dir = os.path.join(self.workdir, "data")
        self.token_file = os.path.join(self.workdir, "token")
        self.token = write_token_file(self.token_file)
        self.port = free_port()
        self.metrics_port = free_port()
        self.coordinator_args = list(coordinator_args)
        self.coordinator = None
        self.coordinator_starts = 0
        self.workers = []
        self.daemons = []  # every Daemon ever started, for logs and cleanup
        self.extra_logs = []  # other files worth showing on failure
        self.testcase = testcase
        self._closed = False
        if testcase is not None:
            testcase.addCleanup(self._cleanup_for_test)

    # -- addresses -------------------------------------------------------------------------
    @property
    def address(self):
        return "%s:%d" % (HOST, self.port)

    def _log_path(self, name):
        return os.path.join(self.workdir, name + ".log")

    # -- coordinator -----------------------------------------------------------------------
    def coordinator_argv(self, extra=()):
        return [self.binary, "coordinator", "--listen", self.address, "--data", self.data_dir,
                "--token-file", self.token_file, "--metrics",
                "%s:%d" % (HOST, self.metrics_port)] + self.coordinator_args + list(extra)

    def start_coordinator(self, extra=(), timeout=20.0):
        self.coordinator_starts += 1
        name = "coordinator" if self.coordinator_starts == 1 else (
            "coordinator.%d" % self.coordinator_starts)
        daemon = Daemon(name, self.coordinator_argv(extra), self._log_path(name))
        self.daemons.append(daemon)
        self.coordinator = daemon

        def ready():
            if not daemon.alive():
                raise Fatal("coordinator exited with code %s" % daemon.proc.returncode)
            return "listening on" in daemon.log() or port_open(self.port)

        try:
            wait_until(ready, timeout, what="coordinator to listen on %s" % self.address)
        except (Fatal, TimeoutError) as exc:
            raise AssertionError("coordinator did not start: %s\n--- %s ---\n%s" % (
                exc, daemon.log_path, tail(daemon.log_path)))
        return daemon

    def kill_coordinator(self):
        """kill -9 the coordinator."""
        self.coordinator.kill9()

    def term_coordinator(self, timeout=10.0):
        self.coordinator.signal(signal.SIGTERM)
        return self.coordinator.wait(timeout)

    def restart_coordinator(self, timeout=20.0):
        """Starts a new coordinator on the same --data and --listen port (the old one must be
        gone)."""
        assert self.coordinator is None or not self.coordinator.alive(), "coordinator still runs"
        return self.start_coordinator(timeout=timeout)

    # -- workers ---------------------------------------------------------------------------
    def start_worker(self, slots=2, token_file=None, metrics=True, extra=()):
        index = len(self.workers)
        name = "worker%d" % index
        argv = [self.binary, "worker", "--coordinator", self.address, "--token-file",
                token_file or self.token_file, "--slots", str(slots)]
        metrics_port = None
        if metrics:
            metrics_port = free_port()
            argv += ["--metrics", "%s:%d" % (HOST, metrics_port)]
        argv += list(extra)
        daemon = Daemon(name, argv, self._log_path(name))
        daemon.metrics_port = metrics_port
        daemon.slots = slots
        self.daemons.append(daemon)
        self.workers.append(daemon)
        return daemon

    def start_workers(self, count, slots=2):
        return [self.start_worker(slots=slots) for _ in range(count)]

    def wait_workers(self, connected, timeout=20.0):
        """Waits until status lists exactly `connected` workers in state "connected"; returns
        that status."""
        def check():
            alive = [w for w in self.workers if w.alive()]
            if len(alive) < connected:
                raise Fatal("only %d worker processes alive" % len(alive))
            st = self.status()
            return st if st is not None and self.connected_count(st) == connected else None

        try:
            return wait_until(check, timeout, interval=0.2,
                              what="%d connected workers" % connected)
        except (Fatal, TimeoutError) as exc:
            raise AssertionError("%s; last status: %s" % (exc, self.status_result().describe()))

    @staticmethod
    def connected_count(status):
        return sum(1 for w in status.get("workers", []) if w.get("state") == "connected")

    def worker_metrics(self, worker):
        return fetch_metrics(worker.metrics_port)

    def coordinator_metrics(self):
        return fetch_metrics(self.metrics_port)

    # -- clients ---------------------------------------------------------------------------
    def status_result(self, token_file=None, timeout=15.0):
        argv = [self.binary, "status", "--coordinator", self.address, "--token-file",
                token_file or self.token_file, "--json"]
        res = run_command(argv, timeout)
        res.json = parse_json_output(res.stdout)
        return res

    def status(self, token_file=None):
        """Parsed `acdc status --json`, or None if the command failed."""
        res = self.status_result(token_file)
        return res.json if res.returncode == 0 else None

    def diag_argv(self, jobs, sleep_ms=0, rate=None, timeout_s=60, token_file=None):
        argv = [self.binary, "diag", "--coordinator", self.address, "--token-file",
                token_file or self.token_file, "--jobs", str(jobs), "--sleep-ms", str(sleep_ms),
                "--timeout-s", str(int(timeout_s))]
        if rate is not None:
            argv += ["--rate", "%g" % rate]
        return argv

    def diag(self, jobs, sleep_ms=0, rate=None, timeout_s=60, token_file=None):
        """Runs diag to completion; the process gets timeout_s + 30 s before it is killed."""
        argv = self.diag_argv(jobs, sleep_ms, rate, timeout_s, token_file)
        return run_command(argv, timeout_s + 30)

    def start_diag(self, jobs, sleep_ms=0, rate=None, timeout_s=60, name="diag"):
        cmd = BackgroundCommand(self.diag_argv(jobs, sleep_ms, rate, timeout_s), self.workdir,
                                name)
        self.extra_logs += [cmd.err_path]
        self._background = getattr(self, "_background", []) + [cmd]
        return cmd

    # -- diagnostics and cleanup -----------------------------------------------------------
    def log_tails(self, lines=40):
        parts = []
        for path in [d.log_path for d in self.daemons] + self.extra_logs:
            parts.append("----- %s (last %d lines) -----\n%s" % (path, lines, tail(path, lines)))
        return "\n".join(parts)

    def dump_logs(self, lines=40, stream=None):
        stream = stream or sys.stderr
        stream.write("\n===== acdc daemon logs (%s) =====\n%s\n===== end of logs =====\n" % (
            self.workdir, self.log_tails(lines)))
        stream.flush()

    # -- prometheus ------------------------------------------------------------------------
    def start_prometheus(self, targets, rule_files=(), scrape_interval="1s", timeout=30.0):
        """A real Prometheus (Debian's `prometheus` on PATH) scraping `targets` ({job name:
        metrics port}) every `scrape_interval`, evaluating `rule_files` every second. Returns
        its base URL once it is ready; it is stopped with the cluster."""
        port = free_port()
        config = os.path.join(self.workdir, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: %s\n  scrape_timeout: %s\n"
                    "  evaluation_interval: 1s\n" % (scrape_interval, scrape_interval))
            if rule_files:
                f.write("rule_files:\n" + "".join("  - %s\n" % r for r in rule_files))
            f.write("scrape_configs:\n")
            for job, metrics_port in targets.items():
                f.write("  - job_name: %s\n    static_configs:\n"
                        "      - targets: ['%s:%d']\n" % (job, HOST, metrics_port))
        daemon = Daemon("prometheus", [
            "prometheus", "--config.file=" + config,
            "--storage.tsdb.path=" + os.path.join(self.workdir, "prometheus-data"),
            "--web.listen-address=%s:%d" % (HOST, port), "--log.level=warn"],
            os.path.join(self.workdir, "prometheus.log"))
        self.daemons.append(daemon)
        base = "http://%s:%d" % (HOST, port)

        def ready():
            if not daemon.alive():
                raise AssertionError("prometheus exited: " + tail(daemon.log_path))
            return http_get(base + "/-/ready", timeout=2) is not None

        wait_until(ready, timeout, interval=0.2, what="prometheus /-/ready")
        return base

    def close(self, keep=False):
        if self._closed:
            return
        self._closed = True
        for cmd in getattr(self, "_background", []):
            cmd.kill()
        # Workers (and helpers such as prometheus) first, while the coordinator can still
        # take their drain; then the coordinator.
        coordinators = [d for d in self.daemons if d.name.startswith("coordinator")]
        stop_all([d for d in self.daemons if d not in coordinators], grace=5.0)
        stop_all(coordinators, grace=5.0)
        if not keep and not os.environ.get("ACDC_KEEP_LOGS"):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _cleanup_for_test(self):
        failed = has_failed(self.testcase)
        if failed:
            self.dump_logs()
        self.close(keep=failed)
        if failed:
            sys.stderr.write("(logs kept in %s)\n" % self.workdir)


def has_failed(testcase):
    """True when `testcase` has failed so far (called from one of its cleanups).

    The runner marks `_outcome.success` True while a cleanup runs, so look at what was
    reported: Python 3.11+ reports errors to the result at once; 3.4-3.10 collect them in
    `_outcome.errors`. When neither can be read, assume failure so logs are shown, not lost."""
    outcome = getattr(testcase, "_outcome", None)
    if outcome is None:
        return True
    for test, exc_info in getattr(outcome, "errors", None) or []:
        if test is testcase and exc_info is not None:
            return True
    result = getattr(outcome, "result", None)
    if result is None:
        return True
    for attr in ("errors", "failures", "unexpectedSuccesses"):
        for item in getattr(result, attr, None) or []:
            test = item[0] if isinstance(item, tuple) else item
            if test is testcase or getattr(test, "test_case", None) is testcase:
                return True
    return False


def scan_processes(needles):
    """PIDs (not ourselves, not zombies) whose command line or environment contains any of
    `needles` (strings)."""
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        blobs = []
        for what in ("cmdline", "environ"):
            try:
                with open("/proc/%s/%s" % (entry, what), "rb") as f:
                    blobs.append(f.read().decode("utf-8", "replace"))
            except OSError:
                pass
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
            if stat[stat.rfind(")") + 2:].split()[0] == "Z":
                continue
        except OSError:
            continue
        if any(n in b for n in needles for b in blobs):
            found.append(int(entry))
    return found


def process_description(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        return "<gone>"
