"""The benchmark script runs end to end on a small corpus and reports every figure RESULTS.md
shows (its timings are measured there, never asserted here)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_of_one_size_reports_every_stage_and_query():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--one", "5", "--runs", "2",
                           "--workers", "1"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["built"] == 5 and result["errors"] == []
    assert result["triples"] > 30_000
    assert result["rebuild_processed"] == 1 and result["rebuild_relinked"] == 1
    assert {"extract", "link", "graph.ttl", "store", "validate"} <= set(result["stages"])
    query = result["query"]
    for key in ("fresh_oxigraph_ms", "oxigraph_ms", "portable_oxigraph_ms", "latest_oxigraph_ms",
                "core_oxigraph_ms", "rdflib_ms"):
        assert query[key] > 0, key
    # Where the build's time went: the parallel stages by part, and the CPU of the whole build.
    assert result["build_cpu_seconds"] > 0
    assert {"ingest", "extract", "tag", "rdf", "cache"} == set(result["breakdown"]["extract"])
    assert {"load", "compact"} <= set(result["breakdown"]["store"])

    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    bench_run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_run)
    table = bench_run.render([result], 1, 2, 100)
    assert table.splitlines()[2].startswith("| 5 | ")
    assert f"{query['fresh_oxigraph_ms']} / {query['oxigraph_ms']}" in table
    parts = bench_run.breakdown_table([result], 1)
    assert parts.splitlines()[2].startswith(f"| 5 | {result['build_seconds']:.1f} | {result['build_cpu_seconds']:.1f} ")
