"""build: report files → records → triples → graph.ttl + store + validation, with a summary.

Stages are plain functions; this module only sequences them and collects per-file outcomes,
so that one bad file among good ones is reported in one line while the others are built.

What goes into ``graph.ttl``: every report's data, the links between reports, and the labels
of the shared concepts the data points at (forces, programmes, areas, grades), so the file
answers queries on its own. The ontology and the full taxonomy files are not copied into it;
they are in ``ontology/`` and in the store's ``id/graph/ontology`` and ``id/graph/taxonomy``.

Where the work happens: each report is ingested, extracted, tagged and turned into
N-Triples in a worker process (``cache.extract_many``), and follow-up links are made force
by force, also in workers (``cache.link_many``); both are cached in ``DIR/.cache``, so a
rebuild redoes only changed reports and their forces' links. The parent keeps each report's
facts and packed triples, never its text: a force's reports are unpacked only to link them.
The parent loads the store in a thread (streamed bulk loads: the report graphs while the
workers link, then a links graph per force), writes graph.ttl, and, when asked, validates
(``hmic_graph.validate.validate_groups``: force by force, each report's N-Triples with its
force's links, cross-report rules on the store; the result's ``conforms`` decides the exit
code).
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from . import resources
from .cache import (
    CACHE_DIR_NAME,
    LOCK_FILE_NAME,
    CpuSeconds,
    Extracted,
    ForceLinks,
    ForceReports,
    add_cpu,
    build_lock,
    extract_many,
    file_sha256,
    link_many,
    prune,
    prune_unused,
    report_counts,
)
from .ingest import DEFAULT_MAX_BYTES
from .link.followup import later_inspections
from .model import FollowUp, HmicError, ReportInfo
from .serialize import atomic_write
from .store import open_store, stage_build
from .turtle_index import Source, TurtleWrite, write_turtle

__all__ = ["BuildResult", "BuiltReport", "InputOutcome", "build", "expand_inputs", "report_counts"]

INPUT_SUFFIXES = {".txt", ".pdf"}
GRAPH_FILE = "graph.ttl"
VALIDATION_TEXT_FILE = "validation.txt"  # validate.TEXT_FILE, not imported: pySHACL loads with it
GRAPH_INDEX_FILE = "graph.ttl.index"  # in the cache directory: what graph.ttl is made of
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
class BuiltReport:
    """What a build keeps of one report it built: its facts, not its text."""

    info: ReportInfo
    sha256: str
    source: str


@dataclass
class BuildResult:
    out_dir: Path
    inputs: list[InputOutcome]
    reports: list[BuiltReport]
    links: list[ForceLinks] = field(default_factory=list, repr=False)  # per force
    graph_path: Path | None = None
    store_path: Path | None = None
    triples: int = 0
    conforms: bool | None = None  # None: validation not run (stage missing or nothing built)
    validation: Any = None
    # Wall seconds of each stage of this build (extract, link, graph.ttl, store, validate).
    timings: dict[str, float] = field(default_factory=dict)
    # Where the time of the parallel stages went, by part: "extract" (ingest, extract, tag,
    # rdf, cache) and "link" (assess, rdf, cache) are CPU seconds summed over the worker
    # processes (what this build processed, not what it read from the cache); "store" is the
    # store thread's wall seconds (copy, update, load, wait for the links, compact, flush:
    # store.StagedStore).
    breakdown: dict[str, dict[str, float]] = field(default_factory=dict)
    # What this build processed instead of reading from the cache: input files, and forces
    # whose follow-up links were made again.
    processed: list[str] = field(default_factory=list)
    relinked: list[str] = field(default_factory=list)
    horizon: int = 0  # later inspections each finding was assessed in (0 = all)
    # How graph.ttl was written: in part from the previous one (``incremental``) or whole, why.
    graph_write: TurtleWrite | None = None

    @property
    def followups(self) -> list[FollowUp]:
        """Every follow-up of the build (read from the cache when asked for: a rebuild does
        not need those of unchanged forces)."""
        return [fu for force in self.links for fu in force.followups]

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
            # Hidden files and directories (a build's .cache, editors' backups) are not inputs,
            # nor is a build's own validation.txt (a directory holding a build's lock): reports
            # in the current directory built into ./out, or into ., must not read it back.
            everything, unreadable = _walk(p)
            missing += [InputOutcome(str(d), "error", problem=f"cannot read this directory ({why})")
                        for d, why in unreadable]
            builds = {f.parent for f in everything if f.name == LOCK_FILE_NAME}
            found = [f for f in everything if f.is_file() and f.suffix.lower() in INPUT_SUFFIXES
                     and not any(part.startswith(".") for part in f.relative_to(p).parts)
                     and not (f.name == VALIDATION_TEXT_FILE and f.parent in builds)]
            if not found and not unreadable:
                missing.append(InputOutcome(str(p), "error", problem="no .txt or .pdf report files in this directory"))
            files.update(found)
        elif p.exists():
            files.add(p)
        elif p.is_symlink():
            missing.append(InputOutcome(str(p), "error", problem="a symbolic link to nothing (broken or looping)"))
        else:
            missing.append(InputOutcome(str(p), "error", problem="no such file"))
    return sorted(files), missing


def _walk(top: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Every file under ``top`` (symbolic links to directories not followed, as rglob), and
    the directories that could not be read with why: rglob skipped them without a word."""
    files: list[Path] = []
    unreadable: list[tuple[Path, str]] = []

    def refused(exc: OSError) -> None:
        unreadable.append((Path(exc.filename), exc.strerror or str(exc)))

    for directory, _, names in os.walk(top, onerror=refused):
        files.extend(Path(directory) / name for name in names)
    return files, unreadable


def extract_files(files: list[Path], progress: Progress | None = None,
                  total_steps: int = 0, max_bytes: int = DEFAULT_MAX_BYTES,
                  cache_dir: Path | None = None, workers: int | None = None,
                  include_contacts: bool = False,
                  cpu: CpuSeconds | None = None) -> tuple[list[Extracted], list[InputOutcome]]:
    """The per-report work on each file; duplicates (same bytes) once; errors collected per file.

    Unique files are processed in parallel over cores; with ``cache_dir``, unchanged files
    (same sha256, same code) are read back instead of processed again. ``cpu``: the CPU
    seconds of the work, by part, are added to it.
    """
    built: list[Extracted] = []
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
    for i, done in enumerate(extract_many(jobs, max_bytes, cache_dir, workers, include_contacts), start=1):
        if progress:
            progress(i, total_steps, f"extracted {Path(done.source).name}")
        if cpu is not None:
            add_cpu(cpu, done.seconds)
        if done.info is None:
            outcomes.append(InputOutcome(done.source, "error", done.sha256, problem=done.problem))
            continue
        rid = done.info.report_id
        if rid in by_report_id:
            outcomes.append(InputOutcome(done.source, "error", done.sha256,
                                         problem=f"report {rid} was already read from {by_report_id[rid]}"))
            continue
        by_report_id[rid] = done.source
        if done.rdf_problem is not None:  # records that cannot become a sound graph: this report only
            outcomes.append(InputOutcome(done.source, "error", done.sha256, rid, done.rdf_problem, done.counts))
            continue
        built.append(done)
        outcomes.append(InputOutcome(done.source, "built", done.sha256, rid, counts=done.counts))
    return built, outcomes


def _rounded(seconds: CpuSeconds) -> dict[str, float]:
    return {part: round(s, 3) for part, s in sorted(seconds.items())}


def manifest(result: BuildResult) -> str:
    """A deterministic record of the build's inputs (no times, no absolute paths)."""
    return json.dumps({
        "inputs": [
            {"source": Path(i.source).name, "status": i.status, "sha256": i.sha256,
             "report": i.report_id, "problem": i.problem, "counts": i.counts}
            for i in result.inputs
        ],
        "triples": result.triples,
        "followUpHorizon": result.horizon,
    }, indent=2, sort_keys=True) + "\n"


def build(paths: Iterable[Path] | None, out_dir: Path, include_contacts: bool = False,
          progress: Progress | None = None, validate: bool = True,
          max_bytes: int = DEFAULT_MAX_BYTES, incremental: bool = True,
          workers: int | None = None, horizon: int | None = None) -> BuildResult:
    """Build the graph of ``paths`` (files or directories; None = the bundled samples).

    ``validate=False`` skips SHACL validation (``conforms`` stays None). Files over
    ``max_bytes`` are refused. ``incremental`` reuses extractions cached in ``out_dir``
    for unchanged inputs. ``horizon``: each finding is assessed in the next ``horizon``
    inspections of its force (0 = every later one; None = ``[horizon]`` of the linker's
    config.toml). A build already writing into ``out_dir`` makes this one fail with an
    HmicError instead of both corrupting it.
    """
    try:
        horizon = later_inspections(horizon)  # resolved once: an int from here on
    except ValueError as exc:
        raise HmicError("--horizon", str(exc)) from None
    with build_lock(Path(out_dir)):
        remove_leftovers(Path(out_dir))
        cache_dir = Path(out_dir) / CACHE_DIR_NAME if incremental else None
        # Entries last used before this second are stale unless this build uses them (whole
        # seconds: file systems keep mtimes to the second at least).
        started = math.floor(time.time())
        if cache_dir is not None:
            prune(cache_dir)  # entries of older extraction code can never be read again
        result = _build_locked(paths, Path(out_dir), include_contacts, progress, validate,
                               max_bytes, cache_dir, workers, horizon)
        if cache_dir is not None and result.reports:
            prune_unused(cache_dir, started)  # what this build did not use (it wrote what it did)
        return result


# What a build writes before it renames or swaps it in (serialize.atomic_file's
# '.NAME.XXXXXXXX.tmp', the store's staging and swap directories, cache entries being written):
# a build killed outright (SIGKILL, a power cut) leaves them. Only another build could be
# writing them, and the lock says none is.
_LEFTOVER_FILE = re.compile(r"\.(?:graph\.ttl|manifest\.json|validation\.(?:ttl|txt)|store-state\.json|"
                            r"inferred\.ttl)\.[A-Za-z0-9_]{8}\.tmp")
_LEFTOVER_DIR = re.compile(r"\.store(?:-old)?\.[A-Za-z0-9_]{8}")


def remove_leftovers(out_dir: Path) -> list[Path]:
    """Remove what a killed build left in ``out_dir`` (under the build lock); what was removed."""
    found = [p for p in (out_dir.iterdir() if out_dir.is_dir() else ())
             if (_LEFTOVER_FILE.fullmatch(p.name) and p.is_file())
             or (_LEFTOVER_DIR.fullmatch(p.name) and p.is_dir() and not p.is_symlink())]
    cache_dir = out_dir / CACHE_DIR_NAME
    if cache_dir.is_dir():
        found += [p for p in cache_dir.rglob("*.tmp") if p.is_file()]
    for path in found:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return found


def _build_locked(paths: Iterable[Path] | None, out_dir: Path, include_contacts: bool,
                  progress: Progress | None, validate: bool, max_bytes: int,
                  cache_dir: Path | None, workers: int | None, horizon: int) -> BuildResult:
    files, outcomes = expand_inputs(resources.sample_reports() if paths is None else paths)
    steps = len(files) + 4
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str, next_stage_seconds: float = 0.0) -> None:
        """End a stage; its last ``next_stage_seconds`` were spent waiting on the next one."""
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round(now - clock - next_stage_seconds, 3)
        clock = now - next_stage_seconds

    extract_cpu: CpuSeconds = {}
    built, extracted = extract_files(files, progress, steps, max_bytes, cache_dir, workers, include_contacts,
                                     extract_cpu)
    lap("extract")
    outcomes += extracted
    outcomes.sort(key=lambda o: o.source)
    result = BuildResult(out_dir=out_dir, inputs=outcomes, timings=timings, horizon=horizon,
                         breakdown={"extract": _rounded(extract_cpu)},
                         reports=[BuiltReport(e.info, e.sha256, e.source) for e in built],
                         processed=sorted(e.source for e in built if not e.from_cache))
    if not built:
        return result  # nothing to write: keep whatever an earlier build left

    def step(n: int, what: str) -> None:
        if progress:
            progress(len(files) + n, steps, what)

    step(0, "linking reports and loading the store")
    # The store is written in a temporary directory by a thread (bulk loads run outside the
    # GIL) from the moment the reports are known: their graphs load while the workers link
    # (linking leaves the parent idle), the links graphs once linking is done. graph.ttl is
    # streamed into a temporary file, which replaces the previous one only once the store is
    # staged too; the staged store is swapped in right after. A failure of linking, of
    # graph.ttl or of the store leaves the previous graph.ttl and store as they were (only a
    # failure of the swap itself, two renames, could leave the new graph.ttl beside the
    # previous store, whose state file makes the next build bring it up to date). With a
    # cache, an index of graph.ttl is kept in it, and the next build copies the parts of
    # graph.ttl whose reports and links did not change (turtle_index); the store then updates
    # only the changed reports' graphs and the re-linked forces' links graphs (one per force:
    # the links of 1,000 reports are over a million quads, too many to remove and load again
    # for one edit), each by its difference.
    keys = {e.info.report_id: e.key() for e in built}
    links_done: Future[tuple[dict, dict | None]] = Future()
    failed = threading.Event()  # the store thread drops its work at its next step
    store_wait = 0.0

    def store_staged() -> None:  # graph.ttl waits here: its wait is the store's time
        nonlocal store_wait
        started = time.perf_counter()
        staging.result()
        store_wait = time.perf_counter() - started
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="store") as background:
        staging = background.submit(
            stage_build, out_dir, {e.info.report_id: e.ntriples_text for e in built}, links_done.result,
            resources.ontology_files(), keys if cache_dir is not None else None,
            stop=failed.is_set)
        try:
            by_force: dict[str, ForceReports] = defaultdict(list)
            for e in built:
                by_force[e.info.force_id].append((e.sha256, e.info, e.report_blob))
                e.report_blob = None  # the report's text is not needed after linking
            linked = list(link_many(by_force, cache_dir, workers, horizon, progress=lambda done, forces: step(
                0, f"linking reports ({done} of {forces} forces) and loading the store")))
            del by_force
            result.links = linked
            result.relinked = [force.force_id for force in linked if not force.from_cache]
            link_cpu: CpuSeconds = {}
            for force in linked:
                add_cpu(link_cpu, force.seconds)
            result.breakdown["link"] = _rounded(link_cpu)
            lap("link")

            step(1, "writing graph.ttl and loading the store")
            link_keys = {force.force_id: force.key() for force in linked}
            links_done.set_result(({force.force_id: force.ntriples_text for force in linked},
                                   link_keys if cache_dir is not None else None))
            result.graph_path = out_dir / GRAPH_FILE
            result.graph_write = write_turtle(
                result.graph_path,
                [*(Source(f"report {e.info.report_id}", keys[e.info.report_id], e.iter_ntriples) for e in built),
                 *(Source(f"links {force.force_id}", link_keys[force.force_id], force.iter_ntriples)
                   for force in linked)],
                cache_dir / GRAPH_INDEX_FILE if cache_dir is not None else None, ready=store_staged)
        except BaseException as exc:
            failed.set()
            if not links_done.done():
                links_done.set_exception(exc)  # the store thread stops waiting for the links
            wait([staging])
            if staging.exception() is None:
                staging.result().discard()
            raise
        result.triples = result.graph_write.triples
        lap("graph.ttl", next_stage_seconds=store_wait)
        step(2, "putting the store in place")
        staged = staging.result()
    result.breakdown["store"] = _rounded(staged.seconds)
    result.store_path = staged.commit()
    atomic_write(out_dir / MANIFEST_FILE, manifest(result))
    lap("store")

    step(3, "validating")
    if validate:
        from .validate import validate_groups  # pySHACL's import (0.4 s) only when validating

        # Force by force, report by report from the cached N-Triples (read when the force's
        # turn comes), cross-report rules on the store, each report's outcome cached: no
        # whole-corpus rdflib Graph, no corpus of N-Triples in memory.
        reports_of: dict[str, list[Extracted]] = defaultdict(list)
        for e in built:
            reports_of[e.info.force_id].append(e)
        groups = (({e.info.report_id: e.ntriples for e in reports_of.pop(force.force_id, [])}, force.ntriples)
                  for force in linked)
        store = open_store(out_dir)
        result.validation = validate_groups(groups, out_dir, store, workers, cache=cache_dir is not None,
                                            progress=lambda done: step(3, f"validating ({done} of {len(built)} reports)"))
        del store
        result.conforms = bool(result.validation.conforms)
        lap("validate")
    step(4, "done")
    return result
