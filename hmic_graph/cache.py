"""Incremental builds: per-report work spread over cores and cached by content, follow-up
links cached per force, and a lock so that two builds never write into the same directory.

Per report, a worker ingests, extracts, tags issues (``link.tag_reports``) and writes the
report's triples as N-Triples lines. Its cache entry holds what the build needs of that
report: a small head (the report's facts for the manifest, the digest of its triples) and,
after it in the same file, its N-Triples (zlib) and the tagged Report itself (pickled, zlib).
A build reads the heads; the parts after them are read only when a stage needs them (the
Report when its force is linked again, the triples when its graph is written again), so an
unchanged report costs one small read.

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
import struct
import sys
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from .model import FollowUp, HmicError, Report, ReportInfo
from .serialize import gc_paused
from .workers import worker_pool

PACKAGE = Path(__file__).resolve().parent
CACHE_DIR_NAME = ".cache"
LOCK_FILE_NAME = ".build.lock"
# What the cached work depends on: change any of these and every cache entry is stale.
_CODE_PARTS = ("ingest", "layouts", "extract", "link", "rdf")
_CODE_FILES = ("model.py", "resources.py", "vocab.py", "serialize.py", "cache.py")
_VERSION_NAME = re.compile(r"[0-9a-f]{16}")  # code_version()'s form
_ZLIB_LEVEL = 1  # entries are read far more often than written; level 1 is 5x faster than 6

CpuSeconds = dict[str, float]  # CPU seconds of work by part (cpu_of), summed over processes (add_cpu)


@contextmanager
def cpu_of(seconds: CpuSeconds, part: str) -> Iterator[None]:
    """Add the process's CPU time spent in the block to ``seconds[part]``. Per part, because
    the per-report work runs in parallel: wall time of a part means nothing there, CPU time
    summed over reports says where the cores went (bench/run.py reports it)."""
    start = time.process_time()
    try:
        yield
    finally:
        seconds[part] = seconds.get(part, 0.0) + time.process_time() - start


def add_cpu(total: CpuSeconds, seconds: CpuSeconds) -> CpuSeconds:
    for part, spent in seconds.items():
        total[part] = total.get(part, 0.0) + spent
    return total


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
    with gc_paused():  # a Report or a force's follow-ups: thousands of objects, no cycles
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
        end = pending.rfind(b"\n")  # '\n' is never inside a UTF-8 sequence
        if end >= 0:
            yield from pending[:end].decode("utf-8").split("\n")
            pending = pending[end + 1:]
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
    report_blob: Blob | None = field(default=None, repr=False)  # pack(tagged Report), for linking
    ntriples_blob: Blob | None = field(default=None, repr=False)  # pack_lines(its N-Triples)
    ntriples_key: str | None = None  # sha256 of the packed N-Triples (None: not computed yet)
    # CPU seconds this build spent on the file by part (ingest, extract, tag, rdf, cache);
    # empty when it was read from the cache. Not stored in the entry.
    seconds: CpuSeconds = field(default_factory=dict, repr=False)

    @property
    def report(self) -> Report | None:
        """The tagged Report (unpacked on each call: callers keep it only as long as needed)."""
        return unpack(blob_bytes(self.report_blob)) if self.report_blob is not None else None

    def ntriples(self) -> list[str]:
        """The report's N-Triples lines, sorted by subject (serialize.subject_key)."""
        return unpack_lines(blob_bytes(self.ntriples_blob)) if self.ntriples_blob is not None else []

    def iter_ntriples(self) -> Iterator[str]:
        return iter_lines(blob_bytes(self.ntriples_blob)) if self.ntriples_blob is not None else iter(())

    def ntriples_text(self) -> bytes:
        """The report's N-Triples as UTF-8 text (the store loads it without splitting lines)."""
        return zlib.decompress(blob_bytes(self.ntriples_blob)) if self.ntriples_blob is not None else b""

    def key(self) -> str:
        """A digest that changes whenever the report's triples change (graph.ttl's index and
        the store's state compare it), without reading the triples of a cached report."""
        if self.ntriples_key is None:
            self.ntriples_key = hashlib.sha256(blob_bytes(self.ntriples_blob) if self.ntriples_blob is not None
                                               else b"").hexdigest()
        return self.ntriples_key


def file_sha256(path: Path, max_bytes: int) -> str:
    """sha256 of a file's bytes; refuses missing and oversized files as ingest would."""
    from .ingest.text import input_size

    input_size(path, max_bytes)
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise HmicError(str(path), f"cannot read ({exc.strerror or exc})") from None
    return digest.hexdigest()


def entry_path(cache_dir: Path, sha256: str, version: str | None = None, name: str = "",
               include_contacts: bool = False) -> Path:
    """The entry of one input: its bytes, its file name (in the graph) and the contacts flag."""
    name_key = hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]
    flag = "-contacts" if include_contacts else ""
    return cache_dir / (version or code_version()) / f"{sha256}-{name_key}{flag}.pickle"


@dataclass(frozen=True)
class StoredBlob:
    """Bytes kept in a cache entry after its head, read when needed (small to pass between
    processes: a worker linking a force reads its reports itself)."""

    path: str
    offset: int
    length: int

    def read(self) -> bytes:
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            data = fh.read(self.length)
        if len(data) != self.length:
            raise HmicError(self.path, "cache entry changed while the build was reading it")
        return data


Blob = bytes | StoredBlob


def blob_bytes(blob: Blob) -> bytes:
    return blob.read() if isinstance(blob, StoredBlob) else blob


_ENTRY_MAGIC = b"HGC1"
_HEAD_SIZE = struct.Struct("<4sQ")  # magic, length of the pickled head


def _read_entry(path: Path) -> tuple[dict, dict[str, StoredBlob]] | None:
    """An entry's head (a dict) and where its parts are, or None when missing or damaged."""
    try:
        with path.open("rb") as fh:
            magic, size = _HEAD_SIZE.unpack(fh.read(_HEAD_SIZE.size))
            head = pickle.loads(fh.read(size)) if magic == _ENTRY_MAGIC else None
            end = fh.seek(0, os.SEEK_END)
    except FileNotFoundError:
        return None
    except Exception:  # a damaged entry is a cache miss, not a failed build
        return None
    if not isinstance(head, dict) or not isinstance(head.get("_parts"), dict):
        return None
    base = _HEAD_SIZE.size + size
    parts = {name: StoredBlob(str(path), base + offset, length)
             for name, (offset, length) in head.pop("_parts").items()}
    if any(part.offset + part.length > end for part in parts.values()):
        return None  # cut short
    try:
        os.utime(path)  # used by this build: prune_unused keeps it
    except OSError:
        pass
    return head, parts


def _write_entry(path: Path, head: dict, parts: dict[str, bytes] | None = None) -> dict[str, StoredBlob]:
    """Write an entry atomically (temp file + rename): its head, then its parts."""
    parts = parts or {}
    layout, offset = {}, 0
    for name, data in parts.items():
        layout[name] = (offset, len(data))
        offset += len(data)
    blob = pickle.dumps({**head, "_parts": layout}, protocol=pickle.HIGHEST_PROTOCOL)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(_HEAD_SIZE.pack(_ENTRY_MAGIC, len(blob)))
            fh.write(blob)
            for data in parts.values():
                fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    base = _HEAD_SIZE.size + len(blob)
    return {name: StoredBlob(str(path), base + start, length) for name, (start, length) in layout.items()}


_ENTRY_FIELDS = ("problem", "info", "counts", "rdf_problem", "ntriples_key")
_ENTRY_PARTS = ("report_blob", "ntriples_blob")


def _process(path: Path, sha256: str, max_bytes: int, include_contacts: bool) -> Extracted:
    """Ingest, extract, tag and write the triples of one file (no cache)."""
    from .extract import extract_report
    from .ingest import read_document
    from .link import tag_reports
    from .rdf import report_triples
    from .serialize import ntriples_lines, sorted_by_subject

    source, seconds = str(path), {}
    try:
        with cpu_of(seconds, "ingest"):
            document = read_document(path, max_bytes=max_bytes)
        with cpu_of(seconds, "extract"):
            report = extract_report(document)
    except HmicError as exc:
        return Extracted(source, sha256, exc.problem, seconds=seconds)
    with cpu_of(seconds, "tag"):
        [report] = tag_reports([report])
    done = Extracted(source, sha256, info=report.info, counts=report_counts(report), seconds=seconds)
    try:
        with cpu_of(seconds, "rdf"):
            # Sorted, then grouped by subject in graph.ttl's order (the merge reads them so): the
            # same bytes whichever process made them, so an unchanged report keeps its key.
            lines = sorted_by_subject(ntriples_lines(report_triples(report, include_contacts=include_contacts)))
    except HmicError as exc:  # records that cannot become a sound graph: this report only
        done.rdf_problem = exc.problem
        return done
    with cpu_of(seconds, "cache"):
        done.report_blob, done.ntriples_blob = pack(report), pack_lines(lines)
    return done


def _cached_extraction(source: str, sha256: str, entry: Path) -> Extracted | None:
    found = _read_entry(entry)
    if found is None:
        return None
    head, parts = found
    if set(head) != set(_ENTRY_FIELDS) or not set(parts) <= set(_ENTRY_PARTS):
        return None
    return Extracted(source, sha256, from_cache=True, **head, **parts)


def extract_one(path: Path, sha256: str, max_bytes: int, cache_dir: Path | None,
                version: str | None = None, include_contacts: bool = False,
                check_cache: bool = True) -> Extracted:
    """The per-report work on one file, through the cache when there is one."""
    source = str(path)
    entry = (entry_path(cache_dir, sha256, version, path.name, include_contacts)
             if cache_dir is not None else None)
    if entry is not None and check_cache:
        cached = _cached_extraction(source, sha256, entry)
        if cached is not None:
            return cached
    try:
        done = _process(path, sha256, max_bytes, include_contacts)
    except Exception as exc:  # a stage's bug must not sink the other files of the build
        return Extracted(source, sha256, f"internal error: {type(exc).__name__}: {exc}")
    with cpu_of(done.seconds, "cache"):
        if done.ntriples_blob is not None:
            done.key()
        if entry is not None:
            # What goes back to the parent is the entry's head and where its parts are: the
            # parts are read from the file by whichever process needs them.
            stored = _write_entry(entry, {name: getattr(done, name) for name in _ENTRY_FIELDS},
                                  {name: getattr(done, name) for name in _ENTRY_PARTS if getattr(done, name) is not None})
            for name, blob in stored.items():
                setattr(done, name, blob)
    return done


def _extract_job(args: tuple[Path, str, int, Path | None, str, bool]) -> Extracted:
    # extract_many has already looked for the file's entry: no second look in the worker.
    return extract_one(*args, check_cache=False)


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
    # Cached files are read here (a head each); only the others go to the workers.
    ready: dict[int, Extracted] = {}
    if cache_dir is not None:
        for i, (path, sha) in enumerate(jobs):
            cached = _cached_extraction(str(path), sha, entry_path(cache_dir, sha, version, path.name, include_contacts))
            if cached is not None:
                ready[i] = cached
    args = [(path, sha, max_bytes, cache_dir, version, include_contacts)
            for i, (path, sha) in enumerate(jobs) if i not in ready]
    if workers <= 1 or len(args) <= 1:
        done: Iterator[Extracted] = map(_extract_job, args)
        yield from _in_job_order(len(jobs), ready, done)
        return
    with worker_pool(workers) as pool:
        yield from _in_job_order(len(jobs), ready, pool.map(_extract_job, args, chunksize=_chunksize(len(args), workers)))


def _in_job_order(count: int, ready: dict[int, Extracted], done: Iterator[Extracted]) -> Iterator[Extracted]:
    for i in range(count):
        yield ready[i] if i in ready else next(done)


# -- follow-up links, per force ----------------------------------------------------------------

class ForceLinks:
    """The follow-up links among one force's reports: records and their N-Triples (either in
    memory or in the force's cache entry, read when asked for)."""

    def __init__(self, force_id: str, followups: list[FollowUp] | StoredBlob, ntriples_blob: Blob,
                 from_cache: bool = False, key: str | None = None, seconds: CpuSeconds | None = None):
        self.force_id, self.from_cache = force_id, from_cache
        self._followups, self.ntriples_blob, self._key = followups, ntriples_blob, key
        # CPU seconds this build spent linking the force by part (assess, rdf, cache), in
        # whichever processes did it; empty when read from the cache.
        self.seconds: CpuSeconds = seconds or {}

    @property
    def followups(self) -> list[FollowUp]:
        if isinstance(self._followups, StoredBlob):
            self._followups = unpack(self._followups.read())
        return self._followups

    def key(self) -> str:
        """A digest that changes whenever the links' triples change."""
        if self._key is None:
            self._key = hashlib.sha256(blob_bytes(self.ntriples_blob)).hexdigest()
        return self._key

    def ntriples(self) -> list[str]:
        """The links' N-Triples lines, sorted by subject (serialize.subject_key)."""
        return unpack_lines(blob_bytes(self.ntriples_blob))

    def iter_ntriples(self) -> Iterator[str]:
        return iter_lines(blob_bytes(self.ntriples_blob))

    def ntriples_text(self) -> bytes:
        return zlib.decompress(blob_bytes(self.ntriples_blob))


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
    found = _read_entry(path)
    if found is None:
        return None
    head, parts = found
    if set(head) != {"key", "assessments"} or set(parts) != {"followups", "ntriples"}:
        return None
    # The force's per-report assessments are in use too (prune_unused keeps them): the next
    # change to one of its reports reuses those of the others.
    for name in head["assessments"]:
        try:
            os.utime(path.parent / name)
        except OSError:
            pass
    return ForceLinks(force_id, parts["followups"], parts["ntriples"], from_cache=True, key=head["key"])


class ReportRef:
    """A report of a force to link: its facts at hand, the tagged Report unpacked only when
    one of its assessments has to be made again (at most once)."""

    def __init__(self, sha256: str, info: ReportInfo, blob: Blob):
        self.sha256, self.info, self._blob, self._report = sha256, info, blob, None

    def load(self) -> Report:
        if self._report is None:
            self._report = unpack(blob_bytes(self._blob))
        return self._report


def _cached_assessments(entry: Path | None) -> tuple[list[FollowUp], list[str]] | None:
    found = _read_entry(entry) if entry is not None else None
    if found is None or set(found[1]) != {"followups", "ntriples"}:
        return None
    parts = found[1]
    return unpack(parts["followups"].read()), unpack_lines(parts["ntriples"].read())


def _assess(job: tuple[ReportRef, list[ReportRef], Path | None]) -> tuple[list[FollowUp], list[str], CpuSeconds]:
    """The follow-ups assessed in a later report and their N-Triples (without the
    force-level ``hmic:latestFollowUp``), written to the cache entry when there is one; and
    the CPU seconds spent by part."""
    from .link.followup import assess_in
    from .rdf.followups import followups_graph
    from .serialize import ntriples_lines

    later, window, entry = job
    seconds: CpuSeconds = {}
    with cpu_of(seconds, "cache"):
        later_report, earlier = later.load(), [r.load() for r in window]
    with cpu_of(seconds, "assess"):
        followups = assess_in(later_report, earlier)
    with cpu_of(seconds, "rdf"):
        triples: set = set()  # not an rdflib Graph: the triples only become N-Triples
        followups_graph(followups, [later_report, *earlier], recalled_in=[later_report], latest=False, g=triples)
        lines = ntriples_lines(triples, sort=False)
    if entry is not None:
        with cpu_of(seconds, "cache"):
            _write_entry(entry, {}, {"followups": pack(followups), "ntriples": pack_lines(lines)})
    return followups, lines, seconds


ForceReports = list[tuple[str, ReportInfo, Blob]]  # (sha256, its ReportInfo, pack(tagged Report))


def link_force(force_id: str, reports: ForceReports, cache_dir: Path | None,
               version: str | None = None, check_cache: bool = True,
               horizon: int | None = None, pool: ProcessPoolExecutor | None = None) -> ForceLinks:
    """Follow-up links among the reports of one force: (sha256, ReportInfo, pack(Report)).

    Links never cross forces (a follow-up is of an earlier report of the same force), so
    linking force by force gives the links of the whole corpus. Within the force, each later
    report's assessments are cached on their own: after one report changes, only it and the
    reports that assess its findings (the next few) are assessed again, and only the reports
    of those assessments are unpacked. With ``pool``, those assessments are made in parallel.
    """
    from .link.followup import assessment_windows
    from .rdf.followups import latest_graph
    from .serialize import ntriples_lines, sorted_by_subject

    refs = [ReportRef(sha, info, blob) for sha, info, blob in reports]
    shas = [ref.sha256 for ref in refs]
    cached = _cached_links(force_id, cache_dir, shas, version, horizon) if check_cache else None
    if cached is not None:
        return cached
    # The windows and the latest follow-up need only each report's ReportInfo (its date).
    windows = assessment_windows(refs, horizon)  # type: ignore[arg-type]
    entries = [assessments_entry_path(cache_dir, later.sha256, [r.sha256 for r in window], version)
               if cache_dir is not None else None for later, window in windows]
    assessed = [_cached_assessments(entry) for entry in entries]
    missing = [(later, window, entry)
               for (later, window), entry, found in zip(windows, entries, assessed) if found is None]
    made = iter(pool.map(_assess, missing) if pool is not None and len(missing) > 1 else map(_assess, missing))
    followups: list[FollowUp] = []
    lines: set[str] = set()
    seconds: CpuSeconds = {}
    for found in assessed:
        if found is None:
            assessed_followups, assessed_lines, spent = next(made)
            add_cpu(seconds, spent)
        else:
            assessed_followups, assessed_lines = found
        followups += assessed_followups
        lines.update(assessed_lines)
    with cpu_of(seconds, "rdf"):
        lines.update(ntriples_lines(latest_graph(followups, refs, g=set()), sort=False))  # type: ignore[arg-type]
        ordered = sorted_by_subject(sorted(lines))  # sorted first: the same bytes in every process
    with cpu_of(seconds, "cache"):
        blob = pack_lines(ordered)
        key = hashlib.sha256(blob).hexdigest()
        if cache_dir is not None:
            stored = _write_entry(links_entry_path(cache_dir, shas, version, horizon),
                                  {"key": key, "assessments": [entry.name for entry in entries if entry is not None]},
                                  {"followups": pack(followups), "ntriples": blob})
            # Back to the parent: where the links are, not the links (it reads them if it needs them).
            return ForceLinks(force_id, followups, stored["ntriples"], key=key, seconds=seconds)
    return ForceLinks(force_id, followups, blob, key=key, seconds=seconds)


def _link_job(args: tuple[str, ForceReports, Path | None, str, int | None]) -> ForceLinks:
    # link_many has already looked for the force's entry: no second look in the worker.
    force_id, reports, cache_dir, version, horizon = args
    return link_force(force_id, reports, cache_dir, version, check_cache=False, horizon=horizon)


def link_many(forces: dict[str, ForceReports], cache_dir: Path | None,
              workers: int | None = None, horizon: int | None = None,
              progress: Callable[[int, int], None] | None = None) -> Iterator[ForceLinks]:
    """link_force for each force (sorted by id), in parallel; cached forces are read in the
    parent (their entries' heads: the links stay on disk until a stage asks for them).
    ``progress(forces linked, forces in all)`` is called as each force is done."""
    workers = default_workers() if workers is None else workers
    version = code_version()
    todo: list[tuple[str, ForceReports, Path | None, str, int | None]] = []
    ready: dict[str, ForceLinks] = {}

    def done(links: ForceLinks) -> None:
        ready[links.force_id] = links
        if progress is not None:
            progress(len(ready), len(forces))

    for force_id in sorted(forces):
        cached = _cached_links(force_id, cache_dir, [item[0] for item in forces[force_id]], version, horizon)
        if cached is not None:
            done(cached)
        else:
            todo.append((force_id, forces[force_id], cache_dir, version, horizon))
    if workers <= 1 or not todo:
        for links in map(_link_job, todo):
            done(links)
    elif len(todo) < workers:
        # Fewer forces than workers (a rebuild after an edit): their assessments in parallel.
        with worker_pool(workers) as pool:
            for force_id, reports, _, _, _ in todo:
                done(link_force(force_id, reports, cache_dir, version, check_cache=False,
                                horizon=horizon, pool=pool))
    else:
        # The largest forces first, so one long force does not start last.
        todo.sort(key=lambda job: -len(job[1]))
        with worker_pool(workers) as pool:
            futures = [pool.submit(_link_job, job) for job in todo]
            try:
                for future in as_completed(futures):  # as they end, for progress
                    done(future.result())
            except BaseException:
                for future in futures:  # what has not started does not run
                    future.cancel()
                raise
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
