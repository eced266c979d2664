"""Incremental builds: extracted reports cached by content, per-report work spread over cores,
and a lock so that two builds never write into the same directory at once.

A cache entry is keyed by the input's sha256 *and* the extraction code's version (a hash of
the ingest/layout/extract sources and the gazetteer files they read): a changed report or a
changed extractor is extracted again, an unchanged one is read back. Entries are written
atomically (temp file + rename), so an interrupted build leaves no half entry behind.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from filelock import FileLock, Timeout

from .model import HmicError, Report

PACKAGE = Path(__file__).resolve().parent
CACHE_DIR_NAME = ".cache"
LOCK_FILE_NAME = ".build.lock"
# What extraction depends on: change any of these and every cache entry is stale.
_CODE_PARTS = ("ingest", "layouts", "extract")
_CODE_FILES = ("model.py", "resources.py")


@lru_cache(maxsize=1)
def code_version() -> str:
    """Hash of the extraction code and the data files it reads (plus Python's version)."""
    digest = hashlib.sha256(f"python{sys.version_info[0]}.{sys.version_info[1]}".encode())
    files = [PACKAGE / name for name in _CODE_FILES]
    for part in _CODE_PARTS:
        files += (PACKAGE / part).rglob("*.py")
    files += (PACKAGE / "data" / "ontology").glob("*.ttl")
    for path in sorted(set(files)):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class Extracted:
    """The outcome of ingesting and extracting one input file."""

    source: str
    sha256: str | None
    report: Report | None = None
    problem: str | None = None
    from_cache: bool = False


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


def entry_path(cache_dir: Path, sha256: str, version: str | None = None) -> Path:
    return cache_dir / (version or code_version()) / f"{sha256}.pickle"


def _read_entry(path: Path) -> tuple[Report | None, str | None] | None:
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception:  # a damaged entry is a cache miss, not a failed build
        return None


def _write_entry(path: Path, value: tuple[Report | None, str | None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def extract_one(path: Path, sha256: str, max_bytes: int, cache_dir: Path | None,
                version: str | None = None) -> Extracted:
    """Ingest + extract one file, through the cache when there is one."""
    from .extract import extract_report
    from .ingest import read_document

    source = str(path)
    entry = entry_path(cache_dir, sha256, version) if cache_dir is not None else None
    if entry is not None:
        cached = _read_entry(entry)
        if cached is not None:
            report, problem = cached
            if report is not None:
                report.document.source = path.name  # same bytes may come under another name
            return Extracted(source, sha256, report, problem, from_cache=True)
    try:
        report = extract_report(read_document(path, max_bytes=max_bytes))
        problem = None
    except HmicError as exc:
        report, problem = None, exc.problem
    except Exception as exc:  # an extractor bug must not sink the other files of the build
        return Extracted(source, sha256, None, f"internal error: {type(exc).__name__}: {exc}")
    if entry is not None:
        _write_entry(entry, (report, problem))
    return Extracted(source, sha256, report, problem)


def _extract_job(args: tuple[Path, str, int, Path | None, str]) -> Extracted:
    return extract_one(*args)


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def extract_many(jobs: list[tuple[Path, str]], max_bytes: int, cache_dir: Path | None,
                 workers: int | None = None) -> Iterator[Extracted]:
    """Extract (path, sha256) jobs in parallel over processes, yielding results in job order."""
    workers = default_workers() if workers is None else workers
    # One version for the whole build, taken before the workers start: code edited while a
    # build runs must not split its entries between two versions.
    version = code_version()
    args = [(path, sha, max_bytes, cache_dir, version) for path, sha in jobs]
    if workers <= 1 or len(args) <= 1:
        yield from map(_extract_job, args)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(_extract_job, args, chunksize=max(1, len(args) // (workers * 8)))


def prune(cache_dir: Path) -> None:
    """Drop cache entries written by other versions of the extraction code."""
    current = code_version()
    if not cache_dir.is_dir():
        return
    for child in cache_dir.iterdir():
        if child.is_dir() and child.name != current:
            for f in child.glob("*"):
                f.unlink(missing_ok=True)
            child.rmdir()


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
