"""build: report files → records → triples → graph.ttl + store + validation, with a summary.

Stages are plain functions; this module only sequences them and collects per-file outcomes,
so that one bad file among good ones is reported in one line while the others are built.

What goes into ``graph.ttl``: every report's data, the links between reports, and the labels
of the shared concepts the data points at (forces, programmes, areas, grades), so the file
answers queries on its own. The ontology and the full taxonomy files are not copied into it;
they are in ``ontology/`` and in the store's ``id/graph/ontology`` and ``id/graph/taxonomy``.

Optional stages are called when their modules exist:
``hmic_graph.link.tag_reports(reports) -> reports`` (fills findings' issues),
``hmic_graph.link.link_followups(reports) -> list[FollowUp]`` and
``hmic_graph.validate.validate_build(data_graph, out_dir)`` (its result's ``conforms`` decides
the exit code).
"""

from __future__ import annotations

import importlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, Literal

from rdflib import Graph

from . import resources
from .cache import CACHE_DIR_NAME, build_lock, extract_many, file_sha256, prune
from .ingest import DEFAULT_MAX_BYTES
from .model import FollowUp, HmicError, Report
from .rdf import links_graph, new_graph, report_graph
from .serialize import atomic_write, ntriples_lines, turtle_chunks
from .store import load_build

INPUT_SUFFIXES = {".txt", ".pdf"}
GRAPH_FILE = "graph.ttl"
MANIFEST_FILE = "manifest.json"

Progress = Callable[[int, int, str], None]  # (step done, steps in all, what is happening)


@dataclass
class InputOutcome:
    """What became of one input file."""

    source: str
    status: Literal["built", "duplicate", "error"]
    sha256: str | None = None
    report_id: str | None = None
    problem: str | None = None
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class BuildResult:
    out_dir: Path
    inputs: list[InputOutcome]
    reports: list[Report]
    followups: list[FollowUp] = field(default_factory=list)
    graph_path: Path | None = None
    store_path: Path | None = None
    triples: int = 0
    conforms: bool | None = None  # None: validation not run (stage missing or nothing built)
    validation: Any = None

    @property
    def errors(self) -> list[InputOutcome]:
        return [i for i in self.inputs if i.status == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.reports) and self.conforms is not False


def expand_inputs(paths: Iterable[Path]) -> tuple[list[Path], list[InputOutcome]]:
    """Files as given plus report files inside directories; sorted, each once."""
    files: set[Path] = set()
    missing: list[InputOutcome] = []
    for p in map(Path, paths):
        if p.is_dir():
            # Hidden files and directories (a build's .cache, editors' backups) are not inputs.
            found = [f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in INPUT_SUFFIXES
                     and not any(part.startswith(".") for part in f.relative_to(p).parts)]
            if not found:
                missing.append(InputOutcome(str(p), "error", problem="no .txt or .pdf report files in this directory"))
            files.update(found)
        elif p.exists():
            files.add(p)
        else:
            missing.append(InputOutcome(str(p), "error", problem="no such file"))
    return sorted(files), missing


def report_counts(report: Report) -> dict[str, int]:
    counts = Counter(f.kind for f in report.findings)
    return {
        "judgements": len(report.judgements),
        **{kind: counts[kind] for kind in sorted(counts)},
        "practices": len(report.practices),
        "glossary": len(report.glossary),
        "facts": len(report.facts),
        "organisations": len(report.organisations),
        "partnerships": len(report.partnerships),
    }


def extract_files(files: list[Path], progress: Progress | None = None,
                  total_steps: int = 0, max_bytes: int = DEFAULT_MAX_BYTES,
                  cache_dir: Path | None = None,
                  workers: int | None = None) -> tuple[list[Report], list[InputOutcome]]:
    """Ingest and extract each file; duplicates (same bytes) once; errors collected per file.

    Unique files are extracted in parallel over cores; with ``cache_dir``, unchanged files
    (same sha256, same extraction code) are read back instead of extracted again.
    """
    reports: list[Report] = []
    outcomes: list[InputOutcome] = []
    by_sha: dict[str, str] = {}
    by_report_id: dict[str, str] = {}
    jobs: list[tuple[Path, str]] = []
    for path in files:
        try:
            sha = file_sha256(path, max_bytes)
        except HmicError as exc:
            outcomes.append(InputOutcome(str(path), "error", problem=exc.problem))
            continue
        if sha in by_sha:
            outcomes.append(InputOutcome(str(path), "duplicate", sha, problem=f"same content as {by_sha[sha]}"))
            continue
        by_sha[sha] = str(path)
        jobs.append((path, sha))
    for i, done in enumerate(extract_many(jobs, max_bytes, cache_dir, workers), start=1):
        if progress:
            progress(i, total_steps, f"extracted {Path(done.source).name}")
        if done.report is None:
            outcomes.append(InputOutcome(done.source, "error", done.sha256, problem=done.problem))
            continue
        report = done.report
        rid = report.info.report_id
        if rid in by_report_id:
            outcomes.append(InputOutcome(done.source, "error", done.sha256,
                                         problem=f"report {rid} was already read from {by_report_id[rid]}"))
            continue
        by_report_id[rid] = done.source
        reports.append(report)
        outcomes.append(InputOutcome(done.source, "built", done.sha256, rid, counts=report_counts(report)))
    return reports, outcomes


def _optional(module: str, name: str) -> Callable[..., Any] | None:
    try:
        mod = importlib.import_module(f"hmic_graph.{module}")
    except ModuleNotFoundError as exc:
        if exc.name not in (f"hmic_graph.{module}", "hmic_graph." + module.split(".")[0]):
            raise
        return None
    return getattr(mod, name, None)


def link(reports: list[Report]) -> tuple[list[Report], list[FollowUp]]:
    """Tag findings with issues, then trace findings into later reports (when those stages exist)."""
    tag_reports = _optional("link", "tag_reports")
    if tag_reports is not None:
        reports = list(tag_reports(reports))
    link_followups = _optional("link", "link_followups")
    followups = list(link_followups(reports)) if link_followups is not None else []
    return reports, followups


def manifest(result: BuildResult) -> str:
    """A deterministic record of the build's inputs (no times, no absolute paths)."""
    return json.dumps({
        "inputs": [
            {"source": Path(i.source).name, "status": i.status, "sha256": i.sha256,
             "report": i.report_id, "problem": i.problem, "counts": i.counts}
            for i in result.inputs
        ],
        "triples": result.triples,
    }, indent=2, sort_keys=True) + "\n"


def build(paths: Iterable[Path] | None, out_dir: Path, include_contacts: bool = False,
          progress: Progress | None = None, validate: bool = True,
          max_bytes: int = DEFAULT_MAX_BYTES, incremental: bool = True,
          workers: int | None = None) -> BuildResult:
    """Build the graph of ``paths`` (files or directories; None = the bundled samples).

    ``validate=False`` skips SHACL validation (``conforms`` stays None). Files over
    ``max_bytes`` are refused. ``incremental`` reuses extractions cached in ``out_dir``
    for unchanged inputs. A build already writing into ``out_dir`` makes this one fail
    with an HmicError instead of both corrupting it.
    """
    with build_lock(Path(out_dir)):
        cache_dir = Path(out_dir) / CACHE_DIR_NAME if incremental else None
        if cache_dir is not None:
            prune(cache_dir)  # entries of older extraction code can never be read again
        return _build_locked(paths, Path(out_dir), include_contacts, progress, validate,
                             max_bytes, cache_dir, workers)


def _build_locked(paths: Iterable[Path] | None, out_dir: Path, include_contacts: bool,
                  progress: Progress | None, validate: bool, max_bytes: int,
                  cache_dir: Path | None, workers: int | None) -> BuildResult:
    files, outcomes = expand_inputs(resources.sample_reports() if paths is None else paths)
    steps = len(files) + 4
    reports, extracted = extract_files(files, progress, steps, max_bytes, cache_dir, workers)
    outcomes += extracted
    outcomes.sort(key=lambda o: o.source)
    result = BuildResult(out_dir=out_dir, inputs=outcomes, reports=reports)
    if not reports:
        return result  # nothing to write: keep whatever an earlier build left

    def step(n: int, what: str) -> None:
        if progress:
            progress(len(files) + n, steps, what)

    step(0, "linking reports")
    reports, result.followups = link(reports)
    result.reports = reports
    step(1, "building triples")
    validate_build = _optional("validate", "validate_build") if validate else None
    # Each report's graph becomes N-Triples lines at once; the rdflib graph (ten times the
    # memory) is kept only when SHACL validation needs the whole data.
    lines: dict[str, list[str]] = {}
    kept: dict[str, Graph] = {}
    dropped: set[str] = set()
    for report in list(reports):
        rid = report.info.report_id
        try:
            graph = report_graph(report, include_contacts=include_contacts)
        except HmicError as exc:  # records that cannot become a sound graph: drop this report only
            reports.remove(report)
            dropped.add(rid)
            for outcome in result.inputs:
                if outcome.report_id == rid:
                    outcome.status, outcome.problem = "error", exc.problem
            continue
        lines[rid] = ntriples_lines(graph, sort=False)
        if validate_build is not None:
            kept[rid] = graph
    if not reports:
        return result
    result.followups = [f for f in result.followups
                        if f.finding.report_id not in dropped and f.later_report_id not in dropped]
    links = links_graph(result.followups, reports)
    links_lines = ntriples_lines(links, sort=False)

    step(2, "writing graph.ttl and the store")
    # graph.ttl is streamed into a temporary file and renamed when complete (atomic_write),
    # so a failure leaves the previous graph.ttl; the store is swapped in only after that.
    stats: dict[str, int] = {}
    result.graph_path = out_dir / GRAPH_FILE
    atomic_write(result.graph_path, turtle_chunks(
        chain.from_iterable([*(lines[rid] for rid in sorted(lines)), links_lines]), stats=stats))
    result.triples = stats["triples"]
    result.store_path = load_build(out_dir, lines, links_lines, resources.ontology_files())
    atomic_write(out_dir / MANIFEST_FILE, manifest(result))
    del lines

    step(3, "validating")
    if validate_build is not None:
        data = new_graph()  # the union is only built for SHACL, which needs it whole
        for rid in sorted(kept):
            data += kept[rid]
        data += links
        result.validation = validate_build(data, out_dir)
        result.conforms = bool(result.validation.conforms)
    step(4, "done")
    return result
