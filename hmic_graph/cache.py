"""Incremental builds: per-report work spread over cores and cached by content, follow-up
links cached per force, and a lock so that two builds never write into the same directory.

Per report, a worker ingests, extracts, tags issues (``link.tag_reports``) and writes the
report's triples as N-Triples lines. Its cache entry holds what the build needs of that
report, packed small: the report's facts for the manifest, its N-Triples (zlib) and the
tagged Report itself (pickled, zlib), which is only unpacked when its force has to be
linked again. An unchanged report therefore costs one small file read.

Entries are keyed by the input's sha256, the file's name (it is written into the graph),
``include_contacts`` and the code version (a hash of the code and the data files the
per-report work reads): a changed report or a changed stage is processed again, an
unchanged one is read back. Follow-up links are cached per force, keyed by the sorted
sha256s of that force's reports. Entries are written atomically (temp file + rename), so
an interrupted build leaves no half entry behind.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import sys
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from .model import FollowUp, HmicError, Report, ReportInfo

PACKAGE = Path(__file__).resolve().parent
CACHE_DIR_NAME = ".cache"
LOCK_FILE_NAME = ".build.lock"
# What the cached work depends on: change any of these and every cache entry is stale.
_CODE_PARTS = ("ingest", "layouts", "extract", "link", "rdf")
_CODE_FILES = ("model.py", "resources.py", "vocab.py", "serialize.py", "cache.py")
_VERSION_NAME = re.compile(r"[0-9a-f]{16}")  # code_version()'s form
_ZLIB_LEVEL = 1  # entries are read far more often than written; level 1 is 5x faster than 6


@lru_cache(maxsize=1)
def code_version() -> str:
    """Hash of the per-report code and the data files it reads (plus Python's version)."""
    digest = hashlib.sha256(f"python{sys.version_info[0]}.{sys.version_info[1]}".encode())
    files = [PACKAGE / name for name in _CODE_FILES]
    for part in _CODE_PARTS:
        files += (PACKAGE / part).rglob("*.py")
    files += (PACKAGE / "data" / "ontology").glob("*.ttl")
    for path in sorted(set(files)):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def report_counts(report: Report) -> dict[str, int]:
    """How many records of each kind a report gave (the build summary and the manifest)."""
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


def pack(value: Any) -> bytes:
    return zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), _ZLIB_LEVEL)


def unpack(blob: bytes) -> Any:
    return pickle.loads(zlib.decompress(blob))


def pack_lines(lines: list[str]) -> bytes:
    return zlib.compress("\n".join(lines).encode("utf-8"), _ZLIB_LEVEL)


def unpack_lines(blob: bytes) -> list[str]:
    text = zlib.decompress(blob).decode("utf-8")
    return text.split("\n") if text else []


def iter_lines(blob: bytes, chunk: int = 1 << 12) -> Iterator[str]:
    """The lines of pack_lines, decompressed as they are read: merging a thousand reports'
    lines holds a window of each, not all of them. The window is small because the text
    compresses ~15×: a report's N-Triples (~0.5 MB) are ~35 kB packed, so 64 kB chunks held
    every report whole (graph.ttl at 1,000 reports peaked at 1.6 GB)."""
    inflate, pending = zlib.decompressobj(), b""
    for start in range(0, len(blob), chunk):
        pending += inflate.decompress(blob[start:start + chunk])
        *lines, pending = pending.split(b"\n")  # '\n' is never inside a UTF-8 sequence
        yield from (line.decode("utf-8") for line in lines)
    pending += inflate.flush()
    if pending:
        yield pending.decode("utf-8")


@dataclass
class Extracted:
    """The outcome of the per-report work on one input file.

    ``problem``: the file could not be read or extracted. ``rdf_problem``: it was extracted
    (``info`` and ``counts`` are set) but its records cannot become a sound graph.
    """

    source: str
    sha256: str | None
    problem: str | None = None
    from_cache: bool = False
    info: ReportInfo | None = None
    counts: dict[str, int] = field(default_factory=dict)
    rdf_problem: str | None = None
    report_blob: bytes | None = field(default=None, repr=False)  # pack(tagged Report), for linking
    ntriples_blob: bytes | None = field(default=None, repr=False)  # pack_lines(its N-Triples)

    @property
    def report(self) -> Report | None:
        """The tagged Report (unpacked on each call: callers keep it only as long as needed)."""
        return unpack(self.report_blob) if self.report_blob is not None else None

    def ntriples(self) -> list[str]:
        """The report's N-Triples lines, sorted by subject (serialize.subject_key)."""
        return unpack_lines(self.ntriples_blob) if self.ntriples_blob is not None else []

    def iter_ntriples(self) -> Iterator[str]:
        return iter_lines(self.ntriples_blob) if self.ntriples_blob is not None else iter(())


def file_sha256(path: Path, max_bytes: int) -> str:
    """sha256 of a file's bytes; refuses missing and oversized files as ingest would."""
    from .ingest.text import size_problem

    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise HmicError(str(path), "no such file") from None
    if path.is_dir():
        raise HmicError(str(path), "is a directory, not a report file")
    if size > max_bytes:
        raise HmicError(str(path), size_problem(size, max_bytes))
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def entry_path(cache_dir: Path, sha256: str, version: str | None = None, name: str = "",
               include_contacts: bool = False) -> Path:
    """The entry of one input: its bytes, its file name (in the graph) and the contacts flag."""
    name_key = hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]
    flag = "-contacts" if include_contacts else ""
    return cache_dir / (version or code_version()) / f"{sha256}-{name_key}{flag}.pickle"


def _read_entry(path: Path) -> Any | None:
    try:
        with path.open("rb") as fh:
            value = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception:  # a damaged entry is a cache miss, not a failed build
        return None
    try:
        os.utime(path)  # used by this build: prune_unused keeps it
    except OSError:
        pass
    return value


def _write_entry(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_ENTRY_FIELDS = ("problem", "info", "counts", "rdf_problem", "report_blob", "ntriples_blob")


def _process(path: Path, sha256: str, max_bytes: int, include_contacts: bool) -> Extracted:
    """Ingest, extract, tag and write the triples of one file (no cache)."""
    from .extract import extract_report
    from .ingest import read_document
    from .link import tag_reports
    from .rdf import report_triples
    from .serialize import ntriples_lines, sorted_by_subject

    source = str(path)
    try:
        report = extract_report(read_document(path, max_bytes=max_bytes))
    except HmicError as exc:
        return Extracted(source, sha256, exc.problem)
    [report] = tag_reports([report])
    done = Extracted(source, sha256, info=report.info, counts=report_counts(report))
    try:
        # Sorted, then grouped by subject in graph.ttl's order (the merge reads them so): the
        # same bytes whichever process made them, so an unchanged report keeps its key.
        lines = sorted_by_subject(ntriples_lines(report_triples(report, include_contacts=include_contacts)))
    except HmicError as exc:  # records that cannot become a sound graph: this report only
        done.rdf_problem = exc.problem
        return done
    done.report_blob, done.ntriples_blob = pack(report), pack_lines(lines)
    return done


def extract_one(path: Path, sha256: str, max_bytes: int, cache_dir: Path | None,
                version: str | None = None, include_contacts: bool = False) -> Extracted:
    """The per-report work on one file, through the cache when there is one."""
    source = str(path)
    entry = (entry_path(cache_dir, sha256, version, path.name, include_contacts)
             if cache_dir is not None else None)
    if entry is not None:
        cached = _read_entry(entry)
        if isinstance(cached, dict) and set(cached) == set(_ENTRY_FIELDS):
            return Extracted(source, sha256, from_cache=True, **cached)
    try:
        done = _process(path, sha256, max_bytes, include_contacts)
    except Exception as exc:  # a stage's bug must not sink the other files of the build
        return Extracted(source, sha256, f"internal error: {type(exc).__name__}: {exc}")
    if entry is not None:
        _write_entry(entry, {name: getattr(done, name) for name in _ENTRY_FIELDS})
    return done


def _extract_job(args: tuple[Path, str, int, Path | None, str, bool]) -> Extracted:
    return extract_one(*args)


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _chunksize(jobs: int, workers: int) -> int:
    return max(1, jobs // (workers * 8))


def extract_many(jobs: list[tuple[Path, str]], max_bytes: int, cache_dir: Path | None,
                 workers: int | None = None, include_contacts: bool = False) -> Iterator[Extracted]:
    """Process (path, sha256) jobs in parallel over processes, yielding results in job order."""
    workers = default_workers() if workers is None else workers
    # One version for the whole build, taken before the workers start: code edited while a
    # build runs must not split its entries between two versions.
    version = code_version()
    args = [(path, sha, max_bytes, cache_dir, version, include_contacts) for path, sha in jobs]
    if workers <= 1 or len(args) <= 1:
        yield from map(_extract_job, args)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(_extract_job, args, chunksize=_chunksize(len(args), workers))


# -- follow-up links, per force ----------------------------------------------------------------

@dataclass
class ForceLinks:
    """The follow-up links among one force's reports: records and their N-Triples."""

    force_id: str
    followups: list[FollowUp]
    ntriples_blob: bytes = field(repr=False)
    from_cache: bool = False

    def ntriples(self) -> list[str]:
        """The links' N-Triples lines, sorted by subject (serialize.subject_key)."""
        return unpack_lines(self.ntriples_blob)

    def iter_ntriples(self) -> Iterator[str]:
        return iter_lines(self.ntriples_blob)


def links_entry_path(cache_dir: Path, shas: list[str], version: str | None = None,
                     horizon: int | None = None) -> Path:
    """Keyed by the sorted sha256s of the force's reports and the horizon: any change
    re-links that force."""
    from .link.followup import later_inspections

    key = hashlib.sha256("\n".join([f"horizon {later_inspections(horizon)}", *sorted(shas)]).encode()).hexdigest()
    return cache_dir / (version or code_version()) / f"links-{key}.pickle"


def assessments_entry_path(cache_dir: Path, later_sha: str, earlier_shas: list[str],
                           version: str | None = None) -> Path:
    """One later report's assessments of its window's findings: keyed by its sha256 and the
    sorted sha256s of the window (the follow-ups depend on these reports alone)."""
    key = hashlib.sha256("\n".join([later_sha, *sorted(earlier_shas)]).encode()).hexdigest()
    return cache_dir / (version or code_version()) / f"assessed-{key}.pickle"


def _cached_links(force_id: str, cache_dir: Path | None, shas: list[str],
                  version: str | None, horizon: int | None = None) -> ForceLinks | None:
    if cache_dir is None:
        return None
    path = links_entry_path(cache_dir, shas, version, horizon)
    cached = _read_entry(path)
    if isinstance(cached, tuple) and len(cached) == 3:
        # The force's per-report assessments are in use too (prune_unused keeps them): the
        # next change to one of its reports reuses those of the others.
        for name in cached[2]:
            try:
                os.utime(path.parent / name)
            except OSError:
                pass
        return ForceLinks(force_id, cached[0], cached[1], from_cache=True)
    return None


def _assessments(later: Report, window: list[Report], shas: dict[str, str], cache_dir: Path | None,
                 version: str | None) -> tuple[list[FollowUp], list[str], str | None]:
    """The follow-ups assessed in ``later``, their N-Triples (without the force-level
    ``hmic:latestFollowUp``) and the cache entry's file name, through the cache when there
    is one."""
    from .link.followup import assess_in
    from .rdf.followups import followups_graph
    from .serialize import ntriples_lines

    entry = (assessments_entry_path(cache_dir, shas[later.info.report_id],
                                    [shas[r.info.report_id] for r in window], version)
             if cache_dir is not None else None)
    if entry is not None:
        cached = _read_entry(entry)
        if isinstance(cached, tuple) and len(cached) == 2:
            return cached[0], unpack_lines(cached[1]), entry.name
    followups = assess_in(later, window)
    lines = ntriples_lines(followups_graph(followups, [later, *window], recalled_in=[later], latest=False),
                           sort=False)
    if entry is not None:
        _write_entry(entry, (followups, pack_lines(lines)))
    return followups, lines, entry.name if entry is not None else None


def link_force(force_id: str, report_blobs: list[tuple[str, bytes]], cache_dir: Path | None,
               version: str | None = None, check_cache: bool = True,
               horizon: int | None = None) -> ForceLinks:
    """Follow-up links among the reports of one force: (sha256, pack(Report)) pairs.

    Links never cross forces (a follow-up is of an earlier report of the same force), so
    linking force by force gives the links of the whole corpus. Within the force, each later
    report's assessments are cached on their own: after one report changes, only it and the
    reports that assess its findings (the next few) are assessed again.
    """
    from .link.followup import assessment_windows
    from .rdf.followups import latest_graph
    from .serialize import ntriples_lines, sorted_by_subject

    shas = [sha for sha, _ in report_blobs]
    cached = _cached_links(force_id, cache_dir, shas, version, horizon) if check_cache else None
    if cached is not None:
        return cached
    reports = [unpack(blob) for _, blob in report_blobs]
    sha_of = {r.info.report_id: sha for r, sha in zip(reports, shas)}
    followups: list[FollowUp] = []
    lines: set[str] = set()
    entries: list[str] = []
    for later, window in assessment_windows(reports, horizon):
        assessed, assessed_lines, entry = _assessments(later, window, sha_of, cache_dir, version)
        followups += assessed
        lines.update(assessed_lines)
        entries += [entry] if entry else []
    lines.update(ntriples_lines(latest_graph(followups, reports), sort=False))
    blob = pack_lines(sorted_by_subject(sorted(lines)))  # sorted first: the same bytes in every process
    if cache_dir is not None:
        _write_entry(links_entry_path(cache_dir, shas, version, horizon), (followups, blob, entries))
    return ForceLinks(force_id, followups, blob)


def _link_job(args: tuple[str, list[tuple[str, bytes]], Path | None, str, int | None]) -> ForceLinks:
    # link_many has already looked for the force's entry: no second look in the worker.
    force_id, blobs, cache_dir, version, horizon = args
    return link_force(force_id, blobs, cache_dir, version, check_cache=False, horizon=horizon)


def link_many(forces: dict[str, list[tuple[str, bytes]]], cache_dir: Path | None,
              workers: int | None = None, horizon: int | None = None) -> Iterator[ForceLinks]:
    """link_force for each force (sorted by id), in parallel; cached forces are read in the
    parent, so their report blobs never travel to a worker."""
    workers = default_workers() if workers is None else workers
    version = code_version()
    todo: list[tuple[str, list[tuple[str, bytes]], Path | None, str, int | None]] = []
    ready: dict[str, ForceLinks] = {}
    for force_id in sorted(forces):
        cached = _cached_links(force_id, cache_dir, [sha for sha, _ in forces[force_id]], version, horizon)
        if cached is not None:
            ready[force_id] = cached
        else:
            todo.append((force_id, forces[force_id], cache_dir, version, horizon))
    if workers <= 1 or len(todo) <= 1:
        done = map(_link_job, todo)
        ready.update((links.force_id, links) for links in done)
    else:
        # The largest forces first, so one long force does not start last.
        todo.sort(key=lambda job: -len(job[1]))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            ready.update((links.force_id, links) for links in pool.map(_link_job, todo, chunksize=1))
    for force_id in sorted(ready):
        yield ready[force_id]


def prune(cache_dir: Path) -> None:
    """Drop cache entries written by other versions of the extraction code."""
    current = code_version()
    if not cache_dir.is_dir():
        return
    for child in cache_dir.iterdir():
        # Only this module's version directories: other stages keep their caches here too
        # (validate: .cache/validation/).
        if child.is_dir() and child.name != current and _VERSION_NAME.fullmatch(child.name):
            for f in child.glob("*"):
                f.unlink(missing_ok=True)
            child.rmdir()


def prune_unused(cache_dir: Path, since: float) -> int:
    """Drop this code version's entries that no build has read or written since ``since``
    (a build's start time): old contents of edited reports, old sets of a force's reports,
    old assessment windows. Without this the cache of a build directory grows with every
    edit. Returns the number of entries removed."""
    removed = 0
    version_dir = cache_dir / code_version()
    if not version_dir.is_dir():
        return 0
    for entry in version_dir.glob("*.pickle"):
        try:
            if entry.stat().st_mtime < since:
                entry.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed


@contextmanager
def build_lock(out_dir: Path) -> Iterator[None]:
    """Hold the build directory's lock; a second build into it is refused, not queued."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(out_dir / LOCK_FILE_NAME), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise HmicError(str(out_dir), "another build is writing to this directory; "
                        "wait for it to finish or use another --out") from None
    try:
        yield
    finally:
        lock.release()
