#!/usr/bin/env python3
"""Writes acdc's Grafana dashboards (deploy/grafana/dashboards/*.json) from the panel lists
below: Run, Workers, Coordinator. Every panel query is PromQL over metrics the daemons export
(or the recording rules of deploy/prometheus/rules/acdc.rules.yml); the suite evaluates each one
through a live Prometheus. Each dashboard has a Prometheus datasource variable, so a stock
Grafana picks them up through deploy/grafana/provisioning/.

  python3 deploy/grafana/make_dashboards.py [--check]   # --check: fail when a file differs
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
RATE = "$__rate_interval"

# (title, unit, [(legend, expr)], panel type)
RUN = [
    ("Generation", "none", [("{{run}}", 'acdc_run_generation{run=~"$run"}')], "stat"),
    ("State", "none", [("{{run}} {{state}}", 'acdc_run_state{run=~"$run"} == 1')], "stat"),
    ("Phase", "none", [("{{run}} {{phase}}", 'acdc_run_phase{run=~"$run"} == 1')], "stat"),
    ("Archive size", "none", [("{{run}}", 'acdc_run_archive_size{run=~"$run"}')], "timeseries"),
    ("Task pool by state", "none",
     [("{{run}} {{state}}", 'acdc_run_tasks{run=~"$run"}')], "timeseries"),
    ("Fitness", "percentunit",
     [("best {{run}}", 'acdc_run_best_fitness{run=~"$run"}'),
      ("mean {{run}}", 'acdc_run_mean_fitness{run=~"$run"}')], "timeseries"),
    ("Children by outcome (per minute)", "none",
     [("{{outcome}}", 'sum by (outcome) (rate(acdc_run_children_total{run=~"$run"}[%s])) * 60'
       % RATE)], "timeseries"),
    ("Generation duration (p50)", "s",
     [("{{run}}", 'histogram_quantile(0.5, sum by (run, le) (rate('
                  'acdc_run_generation_duration_seconds_bucket{run=~"$run"}[%s])))' % RATE)],
     "timeseries"),
    ("Time per phase (share)", "percentunit",
     [("{{phase}}", 'sum by (phase) (rate(acdc_run_phase_duration_seconds_sum{run=~"$run"}[%s]))'
       % RATE)], "timeseries"),
    ("Jobs outstanding", "none",
     [("{{run}}", 'acdc_run_jobs_outstanding{run=~"$run"}')], "timeseries"),
    ("ETA", "s",
     [("{{run}}", 'clamp_min(acdc_run_expected_end_timestamp_seconds{run=~"$run"} - time(), 0)')],
     "stat"),
    ("Coverage of the held-out benchmark (last acdc analyze)", "percentunit",
     [("{{run}} {{group}}", 'acdc_run_coverage{run=~"$run"}')], "stat"),
]

WORKERS = [
    ("Busy fraction per worker", "percentunit",
     [("{{instance}}", "acdc:worker_busy_fraction:avg5m")], "timeseries"),
    ("Cluster busy fraction", "percentunit",
     [("all workers", "acdc:cluster_busy_fraction:avg5m")], "stat"),
    ("Jobs by kind and outcome (per minute)", "none",
     [("{{kind}} {{outcome}}",
       "sum by (kind, outcome) (rate(acdc_worker_jobs_total[%s])) * 60" % RATE)], "timeseries"),
    ("Job duration p50 / p99", "s",
     [("p50 {{kind}}", "histogram_quantile(0.5, sum by (kind, le) "
                       "(rate(acdc_worker_job_duration_seconds_bucket[%s])))" % RATE),
      ("p99 {{kind}}", "histogram_quantile(0.99, sum by (kind, le) "
                       "(rate(acdc_worker_job_duration_seconds_bucket[%s])))" % RATE)],
     "timeseries"),
    ("Generated tokens/s", "none",
     [("{{instance}}", "rate(acdc_worker_generated_tokens_total[%s])" % RATE)], "timeseries"),
    ("Merge bytes/s", "Bps",
     [("{{instance}} {{direction}}", "rate(acdc_worker_merge_bytes_total[%s])" % RATE)],
     "timeseries"),
    ("Device memory", "bytes",
     [("{{instance}} {{device}} {{kind}}", "acdc_worker_device_memory_bytes")], "timeseries"),
    ("Model cache lookups (per minute)", "none",
     [("{{result}}", "sum by (result) (rate(acdc_worker_model_cache_lookups_total[%s])) * 60"
       % RATE)], "timeseries"),
    ("Time per stage (share)", "percentunit",
     [("{{stage}}", "sum by (stage) (rate(acdc_worker_stage_seconds_total[%s]))" % RATE)],
     "timeseries"),
]

COORDINATOR = [
    ("Workers by state", "none", [("{{state}}", "acdc_workers")], "timeseries"),
    ("Queue depth by kind", "none", [("{{kind}}", "acdc_job_queue_depth")], "timeseries"),
    ("Dispatch latency p99 (submit to result)", "s",
     [("{{kind}}", "histogram_quantile(0.99, sum by (kind, le) "
                   "(rate(acdc_job_latency_seconds_bucket[%s])))" % RATE)], "timeseries"),
    ("Leases expired (per minute)", "none",
     [("expired", "rate(acdc_leases_expired_total[%s]) * 60" % RATE)], "timeseries"),
    ("Requeues by reason (per minute)", "none",
     [("{{reason}}", "sum by (reason) (rate(acdc_jobs_requeued_total[%s])) * 60" % RATE)],
     "timeseries"),
    ("Store commit latency p99", "s",
     [("p99", "acdc:store_commit_duration_seconds:p99_5m")], "timeseries"),
    ("RPC errors (per minute)", "none",
     [("{{method}} {{code}}", "sum by (method, code) (rate(acdc_rpc_errors_total[%s])) * 60"
       % RATE)], "timeseries"),
]


def panel(index, title, unit, queries, kind):
    width = 8
    return {
        "id": index + 1,
        "type": kind,
        "title": title,
        "datasource": DATASOURCE,
        "gridPos": {"h": 8, "w": width, "x": (index % 3) * width, "y": (index // 3) * 8},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {},
        "targets": [{"refId": chr(ord("A") + i), "datasource": DATASOURCE, "expr": expr,
                     "legendFormat": legend} for i, (legend, expr) in enumerate(queries)],
    }


def dashboard(uid, title, panels, run_variable):
    variables = [{"name": "datasource", "label": "Prometheus", "type": "datasource",
                  "query": "prometheus", "current": {}, "hide": 0}]
    if run_variable:
        variables.append({"name": "run", "label": "Run", "type": "query",
                          "datasource": DATASOURCE,
                          "query": {"query": "label_values(acdc_run_generation, run)",
                                    "refId": "runs"},
                          "refresh": 2, "includeAll": True, "multi": True, "allValue": ".*",
                          "current": {}, "hide": 0})
    return {
        "uid": uid,
        "title": title,
        "tags": ["acdc"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "refresh": "10s",
        "time": {"from": "now-1h", "to": "now"},
        "templating": {"list": variables},
        "panels": [panel(i, *p) for i, p in enumerate(panels)],
    }


DASHBOARDS = {
    "acdc-run.json": dashboard("acdc-run", "acdc / Run", RUN, True),
    "acdc-workers.json": dashboard("acdc-workers", "acdc / Workers", WORKERS, False),
    "acdc-coordinator.json": dashboard("acdc-coordinator", "acdc / Coordinator", COORDINATOR,
                                       False),
}


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for name, model in DASHBOARDS.items():
        path = os.path.join(HERE, "dashboards", name)
        text = json.dumps(model, indent=2, sort_keys=True) + "\n"
        if check:
            with open(path) as f:
                if f.read() != text:
                    stale.append(path)
        else:
            with open(path, "w") as f:
                f.write(text)
    if stale:
        sys.exit("out of date (run deploy/grafana/make_dashboards.py): " + ", ".join(stale))


if __name__ == "__main__":
    main()
