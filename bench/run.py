"""Benchmark the real build (hmic_graph.pipeline.build) on synthetic corpora of growing size.

    python bench/run.py --reports 5,100,1000 [--workers 2] [--runs 20] [--full-max 100] [--validate-max 1000]

For each size N, a fresh child process (so peak memory is per size) generates
bench/corpus/N (bench/generate.py) when missing, then:

  build      pipeline.build from scratch (empty cache, no validation), wall time; the
             build's own stage timings (BuildResult.timings):
               extract    ingest, extract, issue tags and each report's triples, in workers
               link       follow-up links force by force, in workers (the store thread
                          loads the report graphs meanwhile)
               graph.ttl  the sorted Turtle of everything (the store loads the links meanwhile)
               store      what is left of the store's load (streamed bulk loads of every
                          named graph, plus the ontology) after graph.ttl, and its swap
  rebuild    one report edited, pipeline.build again into the same directory: whole wall
             time (cache reads, one report and its force redone, graph.ttl and the store
             written again)
  validate   pipeline.build with SHACL validation (reports read back from the cache); the
             build's 'validate' stage, force by force              (N <= --validate-max)
  queries    follow-up query (queries/followup.rq, the force with most reports): median of
             --runs on the build's Oxigraph store, as built and after the rebuilds updated
             it in place; its plain SPARQL 1.1 text (queries/portable/followup.rq, same rows)
             on that store and on rdflib's in-memory SPARQL
             over graph.ttl plus the ontology files                         (N <= --full-max)

Results go to bench/RESULTS.md (its hand-written notes below '<!-- notes -->' are kept) and
bench/out/results-N.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH = ROOT / "bench"
TARGETS = {"build_seconds_1000": 120, "peak_mb_1000": 2048, "followup_ms_1000": 100, "rebuild_seconds": 5}


def peak_mb() -> dict[str, float]:
    """Peak resident memory (MB) of this process and of its largest finished child."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"parent": round(own, 1), "largest_worker": round(children, 1)}


def cpu_seconds() -> float:
    """User and system CPU seconds of this process and of its finished children (the
    build's worker processes, reaped when their pool closes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(fn, *args, **kw):
    start = time.perf_counter()
    value = fn(*args, **kw)
    seconds = time.perf_counter() - start
    name = getattr(fn, "__name__", "step")
    if seconds > 1:  # progress on stderr, for long runs
        print(f"  {name}: {seconds:.1f} s, peak {peak_mb()}", file=sys.stderr, flush=True)
    return value, seconds


def run_size(n: int, workers: int, runs: int, full_max: int, validate_max: int) -> dict:
    import pyoxigraph as ox
    from rdflib import Graph

    from hmic_graph.pipeline import build
    from hmic_graph.queries import bindings_for, get_query, parse_query
    from hmic_graph.resources import QUERIES_DIR, ontology_files
    from hmic_graph.store import bind, open_store, select

    sys.path.insert(0, str(BENCH))
    from generate import generate

    corpus = BENCH / "corpus" / str(n)
    files = sorted(corpus.glob("*.txt"))
    if len(files) != n:
        files = generate(n, corpus)
    out: dict = {"reports": n, "workers": workers, "stages": {}}
    stages = out["stages"]
    work = Path(tempfile.mkdtemp(prefix=f"hmic-bench-{n}-", dir=BENCH / "out"))

    # The real build, from scratch (empty cache), without validation: its own stage timings,
    # where the parallel stages' time went (BuildResult.breakdown) and the CPU it took.
    cpu_before = cpu_seconds()
    result, seconds = timed(build, files, work, validate=False, workers=workers)
    out["build_cpu_seconds"] = round(cpu_seconds() - cpu_before, 1)
    out["breakdown"] = result.breakdown
    stages.update(result.timings)
    out["build_seconds"] = seconds
    out["built"] = len(result.reports)
    out["errors"] = [f"{Path(i.source).name}: {i.problem}" for i in result.errors][:10]
    out["triples"] = result.triples
    out["followups"] = len(result.followups)
    out["peak_mb_build"] = peak_mb()

    # Follow-up query on the force with the most reports, as the build left the store...
    force = Counter(r.info.force_id for r in result.reports).most_common(1)[0][0]
    query = get_query("followup")
    # Bound once here: the same text runs on both engines, and binding is not what is timed.
    bindings = bindings_for(query, {"force": force})
    sparql = bind(query.sparql, bindings)

    def median_ms(run) -> tuple[float, int]:
        n_rows = len(run())  # warm-up
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            run()
            samples.append(time.perf_counter() - start)
        return round(1000 * statistics.median(samples), 1), n_rows

    store: ox.Store = open_store(work)
    fresh_ms, _ = median_ms(partial(select, store, sparql))
    del store

    # Incremental rebuild: one report edited, the whole build again into the same directory.
    edited = files[len(files) // 2]
    original = edited.read_text(encoding="utf-8")
    try:
        edited.write_text(original.replace("\n\n", "\n\nThis paragraph was edited for the benchmark.\n\n", 1),
                          encoding="utf-8")
        again, out["rebuild_seconds"] = timed(build, files, work, validate=False, workers=workers)
        out["rebuild_stages"] = again.timings
        out["rebuild_processed"] = len(again.processed)
        out["rebuild_relinked"] = len(again.relinked)
    finally:
        edited.write_text(original, encoding="utf-8")
    out["peak_mb"] = peak_mb()

    if n <= validate_max:
        # SHACL validation as the build runs it (every report read back from the cache).
        checked, _ = timed(build, files, work, validate=True, workers=workers)
        stages["validate"] = checked.timings.get("validate")
        out["conforms"] = checked.conforms
        out["peak_mb_validate"] = peak_mb()

    # ... and after the rebuilds above updated it in place (the edit, then its undoing by the
    # validating build): each update leaves small files over every index that later queries
    # read through until a compaction (bench/RESULTS.md).
    core = bind(parse_query((BENCH / "followup-core.rq").read_text(encoding="utf-8"), "followup-core").sparql,
                bindings)
    # The plain SPARQL 1.1 text of followup.rq (no LATERAL), which rdflib can run too.
    portable = bind(get_query("followup", QUERIES_DIR / "portable").sparql, bindings)
    store = open_store(work)
    ox_ms, ox_rows = median_ms(partial(select, store, sparql))
    portable_ms, portable_rows = median_ms(partial(select, store, portable))
    assert portable_rows == ox_rows, (portable_rows, ox_rows)
    core_ms, core_rows = median_ms(partial(select, store, core))
    # The compact question, one row per finding: its latest assessment.
    latest = bind(get_query("followup-latest").sparql, bindings_for(get_query("followup-latest"), {"force": force}))
    latest_ms, latest_rows = median_ms(partial(select, store, latest))
    out["query"] = {"force": force, "rows": ox_rows, "oxigraph_ms": ox_ms, "fresh_oxigraph_ms": fresh_ms,
                    "portable_oxigraph_ms": portable_ms, "core_rows": core_rows, "core_oxigraph_ms": core_ms,
                    "latest_rows": latest_rows, "latest_oxigraph_ms": latest_ms}
    del store

    if n <= full_max:
        # rdflib's in-memory SPARQL on the same triples (graph.ttl) plus the ontology files.
        data = Graph()
        data.parse(work / "graph.ttl", format="turtle")
        for path in ontology_files():
            data.parse(path, format="turtle")
        runs = max(3, runs // 4)  # rdflib is slow: fewer repeats
        try:
            out["query"]["rdflib_ms"], rows_rdflib = median_ms(lambda: list(data.query(portable)))
            assert rows_rdflib == portable_rows, (rows_rdflib, portable_rows)
            out["query"]["rdflib_over_oxigraph"] = round(out["query"]["rdflib_ms"] / max(portable_ms, 0.001), 1)
        except Exception as exc:  # rdflib's engine cannot evaluate every query Oxigraph can
            out["query"]["rdflib_error"] = f"{type(exc).__name__}: {exc}"[:200]
        out["query"]["core_rdflib_ms"], rows_rdflib = median_ms(lambda: list(data.query(core)))
        assert rows_rdflib == core_rows, (rows_rdflib, core_rows)
        out["query"]["core_rdflib_over_oxigraph"] = round(out["query"]["core_rdflib_ms"] / max(core_ms, 0.001), 1)
    out["stages"] = {k: round(v, 2) for k, v in stages.items() if v is not None}
    out["build_seconds"] = round(out["build_seconds"], 1)
    out["rebuild_seconds"] = round(out["rebuild_seconds"], 1)
    shutil.rmtree(work, ignore_errors=True)
    return out


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import pyoxigraph
    import rdflib

    return (f"{cpu}; {os.cpu_count()} cores; {mem:.0f} GB RAM; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; rdflib {rdflib.__version__}; pyoxigraph {pyoxigraph.__version__}")


def verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("met" if ok else "**missed**")


def _peak(r: dict) -> float:
    return max(r["peak_mb"]["parent"], r["peak_mb"]["largest_worker"])


def targets_table(results: list[dict]) -> str:
    by_size = {r["reports"]: r for r in results}
    big = by_size.get(1000)
    rows = ["| target | measured | verdict |", "|---|---|---|"]
    if big:
        build, rebuild, q = big["build_seconds"], big["rebuild_seconds"], big["query"]["oxigraph_ms"]
        rows.append(f"| 1,000 reports built (pipeline.build, no validation) < 120 s | {build:.1f} s | "
                    f"{verdict(build < 120)} |")
        rows.append(f"| peak memory < 2 GB | {_peak(big):.0f} MB (largest process) | {verdict(_peak(big) < 2048)} |")
        fresh = big["query"].get("fresh_oxigraph_ms")
        rows.append(f"| follow-up query over 1,000 reports < 100 ms | followup.rq for "
                    f"{big['query']['rows']} rows (median of runs): {fresh if fresh is not None else 'not measured'}"
                    f" ms on the store as built, {q} ms after the two rebuilds updated it in place; "
                    f"followup-latest.rq {big['query'].get('latest_oxigraph_ms')} ms for "
                    f"{big['query'].get('latest_rows')} rows (after) "
                    f"| {verdict(fresh < 100 if fresh is not None else None)} as built, {verdict(q < 100)} after "
                    f"the updates |")
        rows.append(f"| incremental rebuild after one report changes < 5 s | {rebuild} s, whole build "
                    f"({big.get('rebuild_processed')} report processed, {big.get('rebuild_relinked')} force "
                    f"re-linked) | {verdict(rebuild < 5)} |")
    sizes = sorted(by_size)
    if len(sizes) >= 2:
        small, large = by_size[sizes[-2]], by_size[sizes[-1]]
        per_small = small["build_seconds"] / small["reports"]
        per_large = large["build_seconds"] / large["reports"]
        rows.append(f"| cost grows linearly | {1000 * per_small:.0f} ms/report at {small['reports']}, "
                    f"{1000 * per_large:.0f} ms/report at {large['reports']} | "
                    f"{verdict(per_large <= 1.3 * per_small)} |")
    return "\n".join(rows)


STAGES = ["extract", "link", "graph.ttl", "store", "validate"]
PARTS = {"extract": ["ingest", "extract", "tag", "rdf", "cache"], "link": ["assess", "rdf", "cache"]}


def breakdown_table(results: list[dict], workers: int) -> str:
    """Where a build from scratch spends its time: CPU seconds of the parallel stages' parts
    (summed over the workers), the store thread's wall seconds, the CPU of the whole build."""
    head = ("| reports | build wall s | build CPU s (of wall × cores) | "
            + " | ".join(f"{stage}: {part} (CPU s)" for stage in ("extract", "link") for part in PARTS[stage])
            + " | graph.ttl (wall s) | store: load / compact (wall s, alongside linking and graph.ttl) |")
    rows = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in sorted(results, key=lambda r: r["reports"]):
        parts = r.get("breakdown")
        if not parts or "build_cpu_seconds" not in r:
            continue
        store = parts.get("store", {})
        rows.append(
            f"| {r['reports']} | {r['build_seconds']:.1f} | {r['build_cpu_seconds']:.1f} "
            f"({r['build_cpu_seconds'] / max(r['build_seconds'] * workers, 0.001):.0%}) | "
            + " | ".join(f"{parts.get(stage, {}).get(part, 0):.1f}" for stage in ("extract", "link")
                         for part in PARTS[stage])
            + f" | {r['stages'].get('graph.ttl', 0):.1f} | {store.get('load', 0):.1f} / {store.get('compact', 0):.1f} |")
    return "\n".join(rows) if len(rows) > 2 else "(not measured in these results)"


def render(results: list[dict], workers: int, runs: int, full_max: int) -> str:
    rows = []
    head = ("| reports | triples | follow-ups | " + " | ".join(STAGES) + " | build | rebuild (1 edited)"
            " | peak MB parent / worker | followup.rq Oxigraph ms (as built / after rebuilds)"
            " | portable followup.rq Oxigraph ms | portable followup.rq rdflib ms | rdflib / Oxigraph (portable)"
            " | core query Oxigraph ms | core rdflib ms | rdflib / Oxigraph (core) |")
    rows.append(head)
    rows.append("|" + "---|" * (head.count("|") - 1))
    for r in sorted(results, key=lambda r: r["reports"]):
        q = r["query"]
        rows.append(
            f"| {r['reports']} | {r['triples']:,} | {r['followups']:,} | "
            + " | ".join(f"{r['stages'][s]:.1f}" if s in r["stages"] else "not run" for s in STAGES)
            + f" | {r['build_seconds']:.1f} s | {r['rebuild_seconds']:.1f} s"
            + f" | {r['peak_mb']['parent']:.0f} / {r['peak_mb']['largest_worker']:.0f}"
            + f" | {q.get('fresh_oxigraph_ms', '–')} / {q['oxigraph_ms']} ({q['rows']} rows)"
            + f" | {q.get('portable_oxigraph_ms', '–')}"
            + f" | {q.get('rdflib_ms', 'fails: ' + q['rdflib_error'].split(':')[0] if 'rdflib_error' in q else 'not run')}"
            + f" | {q.get('rdflib_over_oxigraph', '–')}"
            + f" | {q.get('core_oxigraph_ms')} ({q.get('core_rows')} rows) | {q.get('core_rdflib_ms', 'not run')}"
            + f" | {q.get('core_rdflib_over_oxigraph', '–')} |")
    return "\n".join(rows)


def write_results(results: list[dict], workers: int, runs: int, full_max: int) -> Path:
    """bench/RESULTS.md: machine, method, the stage table, the targets; notes are kept below."""
    path = BENCH / "RESULTS.md"
    notes = ""
    if path.exists() and "<!-- notes -->" in path.read_text(encoding="utf-8"):
        notes = path.read_text(encoding="utf-8").split("<!-- notes -->", 1)[1]
    text = f"""# Benchmark results

Written by `python bench/run.py` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}); synthetic
corpus from `bench/generate.py` (sample reports recombined with other forces, dates, grades and
figures: benchmark data only, never real inspection data).

**Machine:** {machine()}. The machine was shared with other work while measuring, so wall
times include contention.

**Method:** `hmic_graph.pipeline.build` itself, with {workers} worker processes; each size in
a fresh process (peak memory is per size: the parent and the largest worker process, both up
to the end of the rebuild). `build`: wall seconds of a build from scratch (empty cache) without
validation; the stage columns are the build's own timings (`extract` = ingest, extraction,
issue tags and each report's triples in the workers; `link` = follow-up links force by force
in the workers, while a thread loads the report graphs into the store; `graph.ttl`, while
that thread loads the links graphs; `store` = what is left of the store's load after graph.ttl
is written (streamed bulk loads of ~250,000 quads, then one compaction), and its swap). `rebuild`: one report edited,
the whole build again into the same directory. `validate`: the SHACL stage of a build with
validation (reports read back from the cache, force by force; peak memory of that build in
bench/out/results-N.json, `peak_mb_validate`). Follow-up query: `queries/followup.rq` for the force
with the most reports, median of {runs} runs on the build's Oxigraph store, as built and
after the rebuild and the validating build updated it in place (and
`queries/followup-latest.rq`, one row per finding, in the targets table). Engines compared
on one text: `queries/portable/followup.rq` (followup.rq's rows in plain SPARQL 1.1: rdflib
has no LATERAL) on the store after the updates and on rdflib's in-memory SPARQL over
graph.ttl plus the ontology files (up to {full_max} reports); likewise `bench/followup-core.rq`.

{render(results, workers, runs, full_max)}

**Where a build from scratch spends its time.** CPU seconds of each part of the per-report
work (`extract`: reading the file, extraction, issue tags, the report's triples, packing the
cache entry) and of the per-force linking (`link`: the assessments, the links' triples, the
cache), summed over the {workers} worker processes; the CPU of the whole build (every process)
against what {workers} cores give in its wall time; graph.ttl's wall time and the store
thread's, which runs alongside linking and graph.ttl (`BuildResult.breakdown`).

{breakdown_table(results, workers)}

## Targets

{targets_table(results)}

<!-- notes -->{notes or chr(10)}"""
    path.write_text(text, encoding="utf-8")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", default="5,100,1000")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--full-max", type=int, default=100, help="largest size for rdflib's SPARQL")
    ap.add_argument("--validate-max", type=int, default=1000, help="largest size for the SHACL stage")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    (BENCH / "out").mkdir(exist_ok=True)
    if args.one:
        print(json.dumps(run_size(args.one, args.workers, args.runs, args.full_max, args.validate_max)))
        return
    results = []
    for n in (int(x) for x in args.reports.split(",")):
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, __file__, "--one", str(n), "--workers", str(args.workers),
                               "--runs", str(args.runs), "--full-max", str(args.full_max),
                               "--validate-max", str(args.validate_max)],
                              stdout=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            sys.exit(f"size {n} failed (see its output above)")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        result["wall_seconds"] = round(time.perf_counter() - started, 1)
        (BENCH / "out" / f"results-{n}.json").write_text(json.dumps(result, indent=2) + "\n")
        results.append(result)
        print(json.dumps(result))
    # Sizes measured earlier (bench/out/results-N.json) stay in the table.
    measured = {r["reports"] for r in results}
    for earlier in sorted((BENCH / "out").glob("results-*.json")):
        r = json.loads(earlier.read_text())
        # Only results of this benchmark's method (older files timed stages separately).
        if r["reports"] not in measured and "rebuild_seconds" in r:
            results.append(r)
    print(render(results, args.workers, args.runs, args.full_max))
    print(f"→ {write_results(results, args.workers, args.runs, args.full_max)}")


if __name__ == "__main__":
    main()
