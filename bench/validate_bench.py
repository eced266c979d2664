"""Validation timing: pySHACL core shapes per report, SHACL-SPARQL on pyoxigraph, and what the
same SHACL-SPARQL costs through pySHACL/rdflib (the reason for the split).

    python bench/validate_bench.py [GRAPH] [--runs N]

GRAPH defaults to out/graph.ttl (run `hmic-graph build` first). Prints one line per stage
with the median wall time over N runs; record the figures in bench/RESULTS.md. Not a test:
timings depend on the machine and its load (`os.getloadavg()` is printed with them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from functools import partial
from pathlib import Path

import pyshacl
from rdflib import Graph

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hmic_graph import validate  # noqa: E402


def timed(fn, runs: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("graph", nargs="?", default="out/graph.ttl")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rdflib-sparql", action="store_true",
                    help="also time the SHACL-SPARQL shapes through pySHACL on one report (slow)")
    args = ap.parse_args()
    data = Graph().parse(args.graph, format="turtle")
    validate.local_shapes(), validate.shape_context(), validate.sparql_checks()  # warm caches
    print(f"graph: {args.graph}, {len(data)} triples; cores: {os.cpu_count()}; load: {os.getloadavg()}")

    owner = validate.report_owners(data)
    units = validate.split_by_report(data, owner)
    for key in sorted(units):
        unit = units[key]
        t, _ = timed(partial(validate.validate_unit, unit), args.runs)
        print(f"  pySHACL core shapes, {key.rsplit('/', 1)[-1]}: {len(unit)} triples: {t:.2f} s")

    t, _ = timed(lambda: validate.validate_per_report(data, workers=1), args.runs)
    print(f"pySHACL core shapes, whole graph in one process: {t:.2f} s")
    t, _ = timed(lambda: validate.validate_per_report(data), args.runs)
    print(f"pySHACL core shapes, per report over {os.cpu_count()} cores: {t:.2f} s")
    t, store = timed(lambda: validate._to_ox_store(data), args.runs)
    print(f"pyoxigraph store of data + ontology: {t:.2f} s")
    t, _ = timed(lambda: validate.run_sparql_constraints(store), args.runs)
    print(f"SHACL-SPARQL ({len(validate.sparql_checks())} constraints) on pyoxigraph: {t:.2f} s")
    t, result = timed(lambda: validate.validate_build(data), args.runs)
    print(f"validate_build end to end: {t:.2f} s  ({len(result.violations)} violations, "
          f"{len(result.warnings)} warnings)")

    if args.rdflib_sparql:
        key = sorted(units)[0]
        g = Graph()
        g += units[key]
        g += validate.shape_context()
        t, _ = timed(lambda: pyshacl.validate(g, shacl_graph=validate.all_shapes(), inference="none",
                                              allow_warnings=True), 1)
        print(f"all shapes incl. SHACL-SPARQL through pySHACL/rdflib, {key.rsplit('/', 1)[-1]}: {t:.2f} s")


if __name__ == "__main__":
    main()
