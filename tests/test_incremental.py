"""Incremental builds: unchanged reports are not extracted again, duplicates are ingested once,
and two builds into one directory at once are refused by a lock."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import hmic_graph.extract as extract_module
from hmic_graph import cache
from hmic_graph.cache import build_lock, extract_many, file_sha256
from hmic_graph.ingest import DEFAULT_MAX_BYTES
from hmic_graph.model import HmicError
from hmic_graph.pipeline import build
from hmic_graph.resources import SAMPLE_REPORTS_DIR

from conftest import input_dir

ESSEX_2007 = SAMPLE_REPORTS_DIR / "000_88c9294f686cd83b.txt"
HERTS_2007 = SAMPLE_REPORTS_DIR / "002_6d76f0ff05c3221f.txt"


@pytest.fixture
def counted_extractions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record each real extraction (single process, so the patch is seen)."""
    calls: list[str] = []
    real = extract_module.extract_report

    def counting(doc):
        calls.append(doc.source)
        return real(doc)

    monkeypatch.setattr(extract_module, "extract_report", counting)
    return calls


def jobs(*paths: Path) -> list[tuple[Path, str]]:
    return [(p, file_sha256(p, DEFAULT_MAX_BYTES)) for p in paths]


def test_unchanged_reports_are_read_back_and_a_changed_one_is_extracted(
        tmp_path: Path, counted_extractions: list[str]) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    a, b = shutil.copy(ESSEX_2007, inputs / "a.txt"), shutil.copy(HERTS_2007, inputs / "b.txt")
    cache_dir = tmp_path / "cache"
    first = list(extract_many(jobs(Path(a), Path(b)), DEFAULT_MAX_BYTES, cache_dir, workers=1))
    assert [e.from_cache for e in first] == [False, False] and len(counted_extractions) == 2

    second = list(extract_many(jobs(Path(a), Path(b)), DEFAULT_MAX_BYTES, cache_dir, workers=1))
    assert [e.from_cache for e in second] == [True, True] and len(counted_extractions) == 2
    assert [e.report.info.report_id for e in second] == ["essex-police-2007-10", "hertfordshire-constabulary-2007-10"]
    assert second[0].report.findings == first[0].report.findings

    text = Path(b).read_text(encoding="utf-8")
    Path(b).write_text(text.replace("That the force", "That the constabulary", 1), encoding="utf-8")
    third = list(extract_many(jobs(Path(a), Path(b)), DEFAULT_MAX_BYTES, cache_dir, workers=1))
    assert [e.from_cache for e in third] == [True, False]
    assert counted_extractions == ["a.txt", "b.txt", "b.txt"]


def test_new_extraction_code_invalidates_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   counted_extractions: list[str]) -> None:
    cache_dir = tmp_path / "cache"
    list(extract_many(jobs(ESSEX_2007), DEFAULT_MAX_BYTES, cache_dir, workers=1))
    monkeypatch.setattr(cache, "code_version", lambda: "another-version")
    again = list(extract_many(jobs(ESSEX_2007), DEFAULT_MAX_BYTES, cache_dir, workers=1))
    assert not again[0].from_cache and len(counted_extractions) == 2
    cache.prune(cache_dir)
    assert [d.name for d in cache_dir.iterdir()] == ["another-version"]


def test_a_damaged_cache_entry_is_a_miss(tmp_path: Path, counted_extractions: list[str]) -> None:
    cache_dir = tmp_path / "cache"
    job = jobs(ESSEX_2007)
    list(extract_many(job, DEFAULT_MAX_BYTES, cache_dir, workers=1))
    cache.entry_path(cache_dir, job[0][1], name=ESSEX_2007.name).write_bytes(b"not a pickle")
    again = list(extract_many(job, DEFAULT_MAX_BYTES, cache_dir, workers=1))
    assert again[0].report is not None and not again[0].from_cache


def test_errors_are_cached_too(tmp_path: Path, counted_extractions: list[str]) -> None:
    bad = tmp_path / "minutes.txt"
    bad.write_text("Minutes of the parish council.\n" * 30, encoding="utf-8")
    for expect_cached in (False, True):
        [outcome] = extract_many(jobs(bad), DEFAULT_MAX_BYTES, tmp_path / "cache", workers=1)
        assert outcome.report is None and "not a recognised" in outcome.problem
        assert outcome.from_cache is expect_cached


def test_parallel_extraction_gives_the_same_records_in_input_order(tmp_path: Path) -> None:
    serial = list(extract_many(jobs(ESSEX_2007, HERTS_2007), DEFAULT_MAX_BYTES, None, workers=1))
    parallel = list(extract_many(jobs(ESSEX_2007, HERTS_2007), DEFAULT_MAX_BYTES, None, workers=2))
    assert [e.source for e in parallel] == [str(ESSEX_2007), str(HERTS_2007)]
    assert [e.report.findings for e in parallel] == [e.report.findings for e in serial]


def test_rebuild_from_cache_writes_the_same_graph_and_a_duplicate_is_ingested_once(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(ESSEX_2007, inputs / "essex.txt")
    shutil.copy(ESSEX_2007, inputs / "essex-copy.txt")  # the same report downloaded twice
    out = tmp_path / "out"
    first = build([inputs], out, validate=False)
    graph = (out / "graph.ttl").read_bytes()
    statuses = sorted((Path(i.source).name, i.status) for i in first.inputs)
    assert statuses == [("essex-copy.txt", "built"), ("essex.txt", "duplicate")] or statuses == [
        ("essex-copy.txt", "duplicate"), ("essex.txt", "built")]
    assert len(first.reports) == 1
    # One entry for the report (the duplicate is not processed), one for its force's links and
    # one for the assessments in it (none: it is the force's only report).
    kinds = sorted(p.name.split("-")[0] if p.name.startswith(("assessed-", "links-")) else "report"
                   for p in (out / cache.CACHE_DIR_NAME).rglob("*.pickle"))
    assert kinds == ["assessed", "links", "report"]

    second = build([inputs], out, validate=False)
    assert (out / "graph.ttl").read_bytes() == graph
    assert [r.info.report_id for r in second.reports] == ["essex-police-2007-10"]

    scratch = build([inputs], tmp_path / "scratch", validate=False, incremental=False)
    assert (tmp_path / "scratch" / "graph.ttl").read_bytes() == graph
    assert scratch.triples == first.triples
    assert not (tmp_path / "scratch" / cache.CACHE_DIR_NAME).exists()


HOLD_LOCK = """
import sys, time
from pathlib import Path
from hmic_graph.cache import build_lock
with build_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_two_builds_into_one_directory_are_refused_by_a_lock(tmp_path: Path) -> None:
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(out), "30"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(HmicError, match="another build is writing to this directory"):
            build([ESSEX_2007], out, validate=False)
        cli = subprocess.run([sys.executable, "-m", "hmic_graph.cli", "build", str(ESSEX_2007),
                              "--out", str(out), "--no-validate"], capture_output=True, text=True)
        assert cli.returncode != 0
        assert "another build is writing to this directory" in cli.stderr
        assert "Traceback" not in cli.stderr
        assert not (out / "graph.ttl").exists()  # the refused builds wrote nothing
    finally:
        holder.kill()
        holder.wait()
    # Once the holder is gone (even killed), the lock is free again.
    with build_lock(out):
        pass


def test_lock_is_released_after_a_failed_build(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(HmicError):
        with build_lock(out):
            raise HmicError("x", "boom")
    with build_lock(out):  # the lock is never waited for: taking it proves it was released
        pass


def test_entries_a_build_no_longer_uses_are_removed(tmp_path: Path) -> None:
    """Editing a report makes its old extraction, its force's old links and old assessments
    unreachable: the build removes them, so the cache does not grow with every edit."""
    inputs = input_dir(tmp_path, (ESSEX_2007, HERTS_2007))
    out = tmp_path / "out"
    build([inputs], out, validate=False)
    version_dir = out / cache.CACHE_DIR_NAME / cache.code_version()
    first = {p.name for p in version_dir.glob("*.pickle")}
    assert first
    for entry in version_dir.glob("*.pickle"):  # last used an hour ago
        os.utime(entry, (entry.stat().st_atime - 3600, entry.stat().st_mtime - 3600))

    herts = inputs / HERTS_2007.name
    herts.write_text(herts.read_text(encoding="utf-8").replace("That the force", "That the constabulary", 1),
                     encoding="utf-8")
    build([inputs], out, validate=False)
    second = {p.name for p in version_dir.glob("*.pickle")}
    assert len(second) == len(first) and second != first  # new entries replaced the old, none piled up
    scratch = tmp_path / "scratch"
    build([inputs], scratch, validate=False)
    assert second == {p.name for p in (scratch / cache.CACHE_DIR_NAME / cache.code_version()).glob("*.pickle")}
    assert build([inputs], out, validate=False).processed == []  # what is kept is what is used


def test_a_reports_cached_triples_are_the_same_bytes_in_every_process() -> None:
    """The cache key of a report's triples (graph.ttl's index, the store's state) is their
    packed bytes' digest: extracting the same file under another hash seed gives the same."""
    code = ("from pathlib import Path; from hmic_graph.cache import _process, file_sha256;"
            f"p = Path({str(HERTS_2007)!r}); e = _process(p, file_sha256(p, 1 << 30), 1 << 30, False);"
            "print(e.key())")
    digests = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(digests) == 1


def test_iter_lines_gives_the_packed_lines_whatever_the_chunk_size():
    """Lines are cut at '\\n' in the inflated bytes and decoded a run at a time: a chunk may
    end inside a line or inside a multi-byte character, never change a line."""
    from hmic_graph.cache import iter_lines, pack_lines

    lines = ['<a> <b> "Chief Constable’s review – 2007" .', "", "<c> <d> <e> .", "é" * 40, "last"]
    blob = pack_lines(lines)
    for chunk in (1, 2, 3, 7, 64, 1 << 12):
        assert list(iter_lines(blob, chunk)) == lines
    assert list(iter_lines(pack_lines([]))) == []


def test_a_build_that_changes_the_data_drops_the_inferences_of_reason(tmp_path: Path) -> None:
    """reason's inferred types (DIR/inferred.ttl and the store's id/graph/inferred) follow
    from the data they were drawn from: a rebuild that changes nothing keeps them, one that
    changes a report or builds the store afresh drops both (they were kept, stale)."""
    from rdflib import RDF, Graph

    from hmic_graph.reason import store_inferred
    from hmic_graph.store import INFERRED_FILE, graph_names, open_store
    from hmic_graph.vocab import GRAPH_INFERRED, HMIC, ID

    inputs = input_dir(tmp_path, [ESSEX_2007, HERTS_2007])
    out = tmp_path / "out"

    def reasoned() -> None:  # what reason leaves, without running HermiT
        inferred = Graph()
        inferred.add((ID["force/essex-police"], RDF.type, HMIC.ForceWithLowestGrade))
        (out / INFERRED_FILE).write_text(inferred.serialize(format="turtle"), encoding="utf-8")
        assert store_inferred(out, inferred)

    def kept() -> tuple[bool, bool]:
        return (out / INFERRED_FILE).exists(), str(GRAPH_INFERRED) in graph_names(open_store(out))

    build([inputs], out, validate=False)
    reasoned()
    build([inputs], out, validate=False)  # nothing changed
    assert kept() == (True, True)
    (inputs / HERTS_2007.name).unlink()  # a report gone: the data changed
    build([inputs], out, validate=False)
    assert kept() == (False, False)
    reasoned()
    build([inputs], out, validate=False, incremental=False)  # a store built afresh
    assert kept() == (False, False)


def test_a_build_removes_what_a_killed_build_left_and_nothing_else(tmp_path: Path) -> None:
    """A build killed outright leaves its temporary files and store directories; the next
    build (holding the lock, so nobody else writes them) removes them, and only them."""
    from hmic_graph.pipeline import remove_leftovers

    out = tmp_path / "out"
    build([input_dir(tmp_path, [ESSEX_2007])], out, validate=False)
    graph = (out / "graph.ttl").read_bytes()
    left = [out / ".graph.ttl.a1b2c3d4.tmp", out / ".validation.txt.x_Y9z8w7.tmp",
            out / cache.CACHE_DIR_NAME / "tmpq1w2e3r4.tmp"]
    for path in left:
        path.write_text("half written")
    for name in (".store.k3j4h5g6", ".store-old.p0o9i8u7"):
        (out / name / "store").mkdir(parents=True)
        (out / name / "store" / "000001.sst").write_bytes(b"x" * 100)
    kept = [out / ".notes.tmp", out / ".graph.ttl.mine.tmp", out / "store.bak.tmp"]  # not a build's names
    for path in kept:
        path.write_text("the user's")
    assert sorted(p.name for p in remove_leftovers(out)) == sorted(
        [p.name for p in left] + [".store.k3j4h5g6", ".store-old.p0o9i8u7"])
    for path in left:
        path.write_text("half written")
    build([tmp_path / "in"], out, validate=False)  # a build does it first thing
    assert not any(p.exists() for p in left)
    assert not any(p.name.startswith(".store") for p in out.iterdir())
    assert all(p.read_text() == "the user's" for p in kept)
    assert (out / "graph.ttl").read_bytes() == graph
