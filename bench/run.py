"""Benchmark the build stage by stage on synthetic corpora of growing size.

    python bench/run.py --reports 5,100,1000 [--workers 2] [--runs 20] [--full-max 100]

For each size N, a fresh child process (so peak memory is per size) generates
bench/corpus/N (bench/generate.py) when missing and runs the package's own stage functions:

  ingest     read_document on every file, in parallel over --workers processes
  extract    ingest + extract_report through the incremental cache (hmic_graph.cache), parallel
  link       pipeline.link (issue tagging + follow-up) over all reports (one process: it compares reports of a force)
  rdf        report_graph per report → N-Triples, parallel; links_graph in the parent
  store      pyoxigraph: each report's N-Triples into its named graph, plus the ontology files
  validate   validate_build (SHACL) on the per-report graphs               (N <= --full-max)
  graph.ttl  the sorted Turtle writer over all data                         (N <= --full-max)
  queries    follow-up query (queries/followup.rq, the force with most reports): median of
             --runs on Oxigraph; the same on rdflib's in-memory SPARQL    (N <= --full-max)
  rebuild    one report edited, extraction re-run through the warm cache

Stages marked (N <= --full-max) hold every triple in one rdflib Graph; above that size
they are not run and RESULTS.md says so. Results go to bench/RESULTS.md and
bench/out/results-N.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
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


def _ingest(path: Path) -> int:
    from hmic_graph.ingest import read_document

    return len(read_document(path).lines)


def _rdf(report) -> tuple[str, str, int]:
    from hmic_graph.rdf import report_graph

    graph = report_graph(report)
    return report.info.report_id, graph.serialize(format="nt"), len(graph)


def timed(fn, *args, **kw):
    start = time.perf_counter()
    value = fn(*args, **kw)
    seconds = time.perf_counter() - start
    name = getattr(fn, "__name__", "step")
    if seconds > 1:  # progress on stderr, for long runs
        print(f"  {name}: {seconds:.1f} s, peak {peak_mb()}", file=sys.stderr, flush=True)
    return value, seconds


def run_size(n: int, workers: int, runs: int, full_max: int, link_forces: int = 0) -> dict:
    import pyoxigraph as ox
    from rdflib import Graph

    from hmic_graph import vocab
    from hmic_graph.cache import extract_many, file_sha256
    from hmic_graph.ingest import DEFAULT_MAX_BYTES
    from hmic_graph.pipeline import link
    from hmic_graph.queries import bindings_for, get_query, parse_query
    from hmic_graph.rdf import links_graph
    from hmic_graph.resources import ontology_files
    from hmic_graph.store import bind, select

    sys.path.insert(0, str(BENCH))
    from generate import generate

    corpus = BENCH / "corpus" / str(n)
    files = sorted(corpus.glob("*.txt"))
    if len(files) != n:
        files = generate(n, corpus)
    out: dict = {"reports": n, "workers": workers, "stages": {}}
    stages = out["stages"]
    work = Path(tempfile.mkdtemp(prefix=f"hmic-bench-{n}-", dir=BENCH / "out"))

    with ProcessPoolExecutor(workers) as pool:
        lines, stages["ingest"] = timed(lambda: sum(pool.map(_ingest, files, chunksize=4)))
    out["lines"] = lines

    jobs = [(p, file_sha256(p, DEFAULT_MAX_BYTES)) for p in files]
    cache_dir = work / "cache"
    extracted, extract_and_ingest = timed(lambda: list(extract_many(jobs, DEFAULT_MAX_BYTES, cache_dir, workers)))
    stages["extract"] = max(extract_and_ingest - stages["ingest"], 0.0)
    reports = [e.report for e in extracted if e.report is not None]
    out["errors"] = [f"{Path(e.source).name}: {e.problem}" for e in extracted if e.report is None][:10]
    out["built"] = len(reports)

    forces = sorted({r.info.force_id for r in reports})
    if link_forces and len(forces) > link_forces:
        # Follow-up compares every finding of a force's earlier reports with each later one:
        # forces are independent, so time a sample of forces and scale (said in RESULTS.md).
        from hmic_graph.link import link_followups, tag_reports

        reports, tag_seconds = timed(lambda: list(tag_reports(reports)))
        sample = set(forces[:: max(1, len(forces) // link_forces)][:link_forces])
        sampled = [r for r in reports if r.info.force_id in sample]
        followups, sample_seconds = timed(link_followups, sampled)
        stages["link"] = tag_seconds + sample_seconds * len(reports) / max(len(sampled), 1)
        out["link_sampled"] = {"forces": len(sample), "reports": len(sampled), "tag_seconds": round(tag_seconds, 1),
                               "followup_seconds_sample": round(sample_seconds, 1)}
    else:
        (reports, followups), stages["link"] = timed(link, reports)
    out["followups"] = len(followups)

    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        per_report = list(pool.map(_rdf, reports, chunksize=4))
    links = links_graph(followups, reports)
    stages["rdf"] = time.perf_counter() - start
    out["triples"] = sum(t for _r, _nt, t in per_report) + len(links)

    def load_store() -> ox.Store:
        fresh = ox.Store(str(work / "store"))
        for report_id, nt, _ in per_report:
            fresh.bulk_load(nt.encode("utf-8"), ox.RdfFormat.N_TRIPLES,
                            to_graph=ox.NamedNode(str(vocab.report_graph_name(report_id))))
        fresh.bulk_load(links.serialize(format="nt").encode("utf-8"), ox.RdfFormat.N_TRIPLES,
                        to_graph=ox.NamedNode(str(vocab.GRAPH_LINKS)))
        for path in ontology_files():
            fresh.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE,
                            to_graph=ox.NamedNode(str(vocab.GRAPH_ONTOLOGY)))
        fresh.optimize()
        return fresh

    store, stages["store"] = timed(load_store)
    out["build_seconds"] = sum(stages[s] for s in ("ingest", "extract", "link", "rdf", "store"))

    # Follow-up query on the force with the most reports.
    force = Counter(r.info.force_id for r in reports).most_common(1)[0][0]
    query = get_query("followup")
    # Bound once here: the same text runs on both engines, and binding is not what is timed.
    bindings = bindings_for(query, {"force": force})
    sparql = bind(query.sparql, bindings)
    core = bind(parse_query((BENCH / "followup-core.rq").read_text(encoding="utf-8"), "followup-core").sparql,
                bindings)

    def median_ms(run) -> tuple[float, int]:
        n_rows = len(run())  # warm-up
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            run()
            samples.append(time.perf_counter() - start)
        return round(1000 * statistics.median(samples), 1), n_rows

    ox_ms, ox_rows = median_ms(partial(select, store, sparql))
    core_ms, core_rows = median_ms(partial(select, store, core))
    out["query"] = {"force": force, "rows": ox_rows, "oxigraph_ms": ox_ms,
                    "core_rows": core_rows, "core_oxigraph_ms": core_ms}

    if n <= full_max:
        from hmic_graph.serialize import turtle_text
        from hmic_graph.validate import validate_build

        graphs = {}
        for report_id, nt, _ in per_report:
            g = Graph()
            g.parse(data=nt, format="nt")
            graphs[report_id] = g
        data = Graph()
        for g in graphs.values():
            data += g
        data += links
        _, stages["graph.ttl"] = timed(turtle_text, data)
        result, stages["validate"] = timed(validate_build, graphs, None)
        out["conforms"] = bool(result.conforms)
        for path in ontology_files():
            data.parse(path, format="turtle")
        runs = max(3, runs // 4)  # rdflib is slow: fewer repeats
        try:
            out["query"]["rdflib_ms"], _ = median_ms(lambda: list(data.query(sparql)))
            out["query"]["rdflib_over_oxigraph"] = round(out["query"]["rdflib_ms"] / max(ox_ms, 0.001), 1)
        except Exception as exc:  # rdflib's engine cannot evaluate every query Oxigraph can
            out["query"]["rdflib_error"] = f"{type(exc).__name__}: {exc}"[:200]
        out["query"]["core_rdflib_ms"], rows_rdflib = median_ms(lambda: list(data.query(core)))
        assert rows_rdflib == core_rows, (rows_rdflib, core_rows)
        out["query"]["core_rdflib_over_oxigraph"] = round(out["query"]["core_rdflib_ms"] / max(core_ms, 0.001), 1)
    del store

    # Incremental: one report edited, then extraction through the warm cache.
    edited = files[len(files) // 2]
    original = edited.read_text(encoding="utf-8")
    try:
        edited.write_text(original.replace("\n\n", "\n\nThis paragraph was edited for the benchmark.\n\n", 1),
                          encoding="utf-8")

        def rebuild() -> list:
            again = [(p, file_sha256(p, DEFAULT_MAX_BYTES)) for p in files]
            return list(extract_many(again, DEFAULT_MAX_BYTES, cache_dir, workers))

        again, stages["rebuild-extract"] = timed(rebuild)
        out["rebuild_extracted_again"] = sum(1 for e in again if not e.from_cache)
    finally:
        edited.write_text(original, encoding="utf-8")
    out["peak_mb"] = peak_mb()
    out["stages"] = {k: round(v, 2) for k, v in stages.items()}
    out["build_seconds"] = round(out["build_seconds"], 1)
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


def targets_table(results: list[dict]) -> str:
    by_size = {r["reports"]: r for r in results}
    big = by_size.get(1000)
    rows = ["| target | measured | verdict |", "|---|---|---|"]
    if big:
        build = big["build_seconds"]
        peak = max(big["peak_mb"]["parent"], big["peak_mb"]["largest_worker"])
        q = big["query"]["oxigraph_ms"]
        rows.append(f"| 1,000 reports built, ingest through store, < 120 s | {build:.1f} s | {verdict(build < 120)} |")
        rows.append(f"| peak memory < 2 GB | {peak:.0f} MB (largest process) | {verdict(peak < 2048)} |")
        rows.append(f"| follow-up query over 1,000 reports < 100 ms | {q} ms (median of runs) | {verdict(q < 100)} |")
        rebuild = big["stages"].get("rebuild-extract")
        rows.append(f"| incremental rebuild after one report changes < 5 s | {rebuild} s for extraction "
                    f"({big.get('rebuild_extracted_again')} report extracted again) | "
                    f"{verdict(rebuild is not None and rebuild < 5)} (extraction only) |")
    sizes = sorted(by_size)
    if len(sizes) >= 2:
        small, large = by_size[sizes[-2]], by_size[sizes[-1]]
        per_small = small["build_seconds"] / small["reports"]
        per_large = large["build_seconds"] / large["reports"]
        rows.append(f"| cost grows linearly | {1000 * per_small:.0f} ms/report at {small['reports']}, "
                    f"{1000 * per_large:.0f} ms/report at {large['reports']} | "
                    f"{verdict(per_large <= 1.3 * per_small)} |")
    return "\n".join(rows)


def render(results: list[dict], workers: int, runs: int, full_max: int) -> str:
    rows = []
    stage_names = ["ingest", "extract", "link", "rdf", "store", "graph.ttl", "validate", "rebuild-extract"]
    head = ("| reports | triples | " + " | ".join(stage_names) + " | build (ingest→store) | peak MB parent / worker"
            " | followup.rq Oxigraph ms | followup.rq rdflib ms | core query Oxigraph ms | core rdflib ms | rdflib / Oxigraph |")
    rows.append(head)
    rows.append("|" + "---|" * (head.count("|") - 1))
    for r in sorted(results, key=lambda r: r["reports"]):
        q = r["query"]
        rows.append(
            f"| {r['reports']} | {r['triples']:,} | "
            + " | ".join(f"{r['stages'][s]:.1f}" if s in r["stages"] else "not run" for s in stage_names)
            + f" | {r['build_seconds']:.1f} s | {r['peak_mb']['parent']:.0f} / {r['peak_mb']['largest_worker']:.0f}"
            + f" | {q['oxigraph_ms']} ({q['rows']} rows)"
            + f" | {q.get('rdflib_ms', 'fails: ' + q['rdflib_error'].split(':')[0] if 'rdflib_error' in q else 'not run')}"
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

**Method:** {workers} worker processes for per-report stages; each size in a fresh process
(peak memory is per size: the parent and the largest worker process). Seconds of wall time
per stage. `extract` excludes the ingest time measured separately. `graph.ttl` and `validate`
hold every triple in one rdflib Graph and run only up to {full_max} reports. Follow-up query:
`queries/followup.rq` for the force with the most reports, median of {runs} runs on the
Oxigraph store; rdflib's in-memory SPARQL on the same triples plus the ontology files.
`rebuild-extract`: one report edited, extraction re-run through the warm cache (sha256 of
every input, cache reads for the unchanged ones, one extraction).

{render(results, workers, runs, full_max)}

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
    ap.add_argument("--full-max", type=int, default=100)
    ap.add_argument("--link-forces", type=int, default=0,
                    help="time follow-up linking on this many forces and scale to all (0: link all)")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    (BENCH / "out").mkdir(exist_ok=True)
    if args.one:
        print(json.dumps(run_size(args.one, args.workers, args.runs, args.full_max, args.link_forces)))
        return
    results = []
    for n in (int(x) for x in args.reports.split(",")):
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, __file__, "--one", str(n), "--workers", str(args.workers),
                               "--runs", str(args.runs), "--full-max", str(args.full_max),
                               "--link-forces", str(args.link_forces)],
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
        if r["reports"] not in measured:
            results.append(r)
    print(render(results, args.workers, args.runs, args.full_max))
    print(f"→ {write_results(results, args.workers, args.runs, args.full_max)}")


if __name__ == "__main__":
    main()
