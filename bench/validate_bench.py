"""Time and peak memory of SHACL validation of a build, per report vs whole graph.

    python bench/validate_bench.py BUILD_DIR --mode prepare   # once: BUILD_DIR/units/*.nt
    python bench/validate_bench.py BUILD_DIR [--mode reports|whole] [--workers N]

``prepare`` cuts graph.ttl into one N-Triples file per report (validate.split_by_report)
plus what no report owns (the store cannot give them: Oxigraph stores xsd:positiveInteger
literals as xsd:integer). ``reports`` (validate.validate_reports): those files as N-Triples
lines, validated unit by unit with the result cache in a fresh temporary directory, the
SHACL-SPARQL rules on the build's store; then again with the cache warm, then once more
with one report changed. ``whole`` (validate.validate_build): graph.ttl parsed into one rdflib
Graph, as the pipeline did. Run each mode in its own process: peak memory is the process's
(and its largest worker's) maximum resident set. Not a test: numbers vary by machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rdflib import Graph  # noqa: E402

from hmic_graph import validate  # noqa: E402
from hmic_graph.store import open_store  # noqa: E402


def peak_mb() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"process": round(own), "largest_worker": round(children)}


UNITS = "units"
REST = "_rest.nt"


def prepare(build_dir: Path, workers: int | None) -> dict:
    from hmic_graph.serialize import ntriples_lines

    started = time.perf_counter()
    data = Graph()
    data.parse(build_dir / "graph.ttl", format="turtle")
    units_dir = build_dir / UNITS
    units_dir.mkdir(exist_ok=True)
    for key, graph in validate.split_by_report(data).items():
        name = REST if key == validate.OTHER_UNIT else key.rsplit("/", 1)[-1] + ".nt"
        (units_dir / name).write_text("\n".join(ntriples_lines(graph)) + "\n", encoding="utf-8")
    return {"mode": "prepare", "seconds": round(time.perf_counter() - started, 1)}


def run_reports(build_dir: Path, workers: int | None, no_cross: bool = False) -> dict:
    import pyoxigraph as ox

    # --no-cross: the cross-report rules run on an empty store, timing the per-report part
    # alone (NationalDistributionAgreementShape compares every pair of reports of a programme).
    store = ox.Store() if no_cross else open_store(build_dir)
    started = time.perf_counter()
    files = sorted((build_dir / UNITS).glob("*.nt"))
    reports = {f.stem: f.read_text(encoding="utf-8").splitlines() for f in files if f.name != REST}
    rest = build_dir / UNITS / REST
    links = rest.read_text(encoding="utf-8").splitlines() if rest.exists() else []
    out: dict = {"mode": "reports", "reports": len(reports), "read_s": round(time.perf_counter() - started, 1)}
    with tempfile.TemporaryDirectory() as tmp:
        for run in ("cold", "warm", "one_changed"):
            if run == "one_changed":
                first = sorted(reports)[0]
                reports[first] = reports[first][:-1]  # one triple fewer: a changed report
            started = time.perf_counter()
            result = validate.validate_reports(reports, links, Path(tmp), store=store, workers=workers)
            out[run] = {"seconds": round(time.perf_counter() - started, 1), "cached_units": result.cached_units,
                        "violations": len(result.violations), "warnings": len(result.warnings)}
    out["peak_mb"] = peak_mb()
    return out


def run_whole(build_dir: Path, workers: int | None) -> dict:
    started = time.perf_counter()
    data = Graph()
    data.parse(build_dir / "graph.ttl", format="turtle")
    parsed = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        result = validate.validate_build(data, Path(tmp), workers=workers)  # as the pipeline calls it
        seconds = time.perf_counter() - started
    return {"mode": "whole", "parse_graph_ttl_s": round(parsed, 1), "seconds": round(seconds, 1),
            "violations": len(result.violations), "warnings": len(result.warnings), "peak_mb": peak_mb()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--mode", choices=("prepare", "reports", "whole"), default="reports")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--no-cross", action="store_true", help="reports mode: skip the cross-report rules")
    args = ap.parse_args()
    if args.mode == "reports":
        out = run_reports(Path(args.build_dir), args.workers, args.no_cross)
    else:
        out = {"prepare": prepare, "whole": run_whole}[args.mode](Path(args.build_dir), args.workers)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
