"""Latency of the follow-up query: embedded Oxigraph store vs rdflib over graph.ttl.

    python bench/query_bench.py [BUILD_DIR] [--runs N] [--force ID] [--oxigraph-only]

Builds the sample corpus into BUILD_DIR first when it holds no store. Reports the median and
the spread of N runs of the follow-up queries (queries/followup.rq, followup-latest.rq,
followup-evidence.rq; --force, default essex-police) on each engine, after one warm-up run;
the first (cold) run is reported separately. Not a test: numbers vary by machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rdflib import Graph  # noqa: E402

from hmic_graph import pipeline  # noqa: E402
from hmic_graph.queries import bindings_for, get_query  # noqa: E402
from hmic_graph.resources import ontology_files  # noqa: E402
from hmic_graph.store import bind, open_store, select  # noqa: E402


def timed(fn, runs: int) -> tuple[float, list[float], int]:
    start = time.perf_counter()
    n = len(fn())
    cold = time.perf_counter() - start
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return cold, samples, n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir", nargs="?", default=str(ROOT / "out"))
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--force", default="essex-police")
    ap.add_argument("--oxigraph-only", action="store_true", help="skip rdflib (graph.ttl in memory)")
    args = ap.parse_args()
    build_dir = Path(args.build_dir)
    if not (build_dir / "store").exists():
        print(f"building the sample corpus into {build_dir} ...")
        pipeline.build(None, build_dir, validate=False)

    store = open_store(build_dir)
    # rdflib: the same data (graph.ttl) plus the ontology and taxonomy the queries read labels from
    graph = Graph()
    if not args.oxigraph_only:
        graph.parse(build_dir / "graph.ttl", format="turtle")
        for path in ontology_files():
            graph.parse(path, format="turtle")
    print(f"force={args.force}; rdflib graph: {len(graph)} triples")

    for name in ("followup", "followup-latest", "followup-evidence"):
        query = get_query(name)
        bindings = bindings_for(query, {"force": args.force})
        sparql = bind(query.sparql, bindings)  # the same text on both engines
        results = [("oxigraph (store)",) + timed(partial(select, store, sparql), args.runs)]
        try:
            if not args.oxigraph_only:
                results.append(("rdflib (in memory)",) + timed(lambda q=sparql: list(graph.query(q)),
                                                               max(3, args.runs // 10)))
        except Exception as exc:  # rdflib's SPARQL engine fails some valid queries
            print(f"  {name}: rdflib cannot run it ({type(exc).__name__}: {str(exc)[:80]})")
        print(f"queries/{name}.rq")
        for engine, cold, runs, rows in results:
            print(f"  {engine:<20} rows {rows:>3}  cold {cold * 1000:8.1f} ms  "
                  f"median {statistics.median(runs) * 1000:8.1f} ms  "
                  f"min {min(runs) * 1000:8.1f} ms  max {max(runs) * 1000:8.1f} ms  (n={len(runs)})")


if __name__ == "__main__":
    main()
