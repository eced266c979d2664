"""graph.ttl on an incremental build is written in part from the previous one (turtle_index),
and is byte for byte the graph.ttl a build from scratch writes, whatever changed: a report
edited (one alone of its force, or one of a force with follow-up links), added, removed, a
duplicate file added; and a graph.ttl edited by hand is written whole again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hmic_graph.cache import CACHE_DIR_NAME
from hmic_graph.pipeline import GRAPH_INDEX_FILE, BuildResult, build
from hmic_graph.resources import SAMPLE_REPORTS_DIR

from conftest import input_dir

ESSEX_2007 = "000_88c9294f686cd83b.txt"
ESSEX_2016 = "001_615ec939449919b1.txt"
HERTS_2007 = "002_6d76f0ff05c3221f.txt"
CHESHIRE_2007 = "003_18cc7ca3fc4b65df.txt"
NORFOLK_2007 = "004_b58d774295a081e0.txt"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def full_write_of_the_same(out: Path, inputs: Path, scratch: Path) -> tuple[bytes, int]:
    """graph.ttl of a build of the same inputs into a fresh directory: written whole (the
    reports are read from a copy of the cache, without graph.ttl's index, to save time)."""
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(out / CACHE_DIR_NAME, scratch / CACHE_DIR_NAME)
    (scratch / CACHE_DIR_NAME / GRAPH_INDEX_FILE).unlink()
    result = build([inputs], scratch, validate=False)
    assert not result.graph_write.incremental and not result.processed
    return (scratch / "graph.ttl").read_bytes(), result.triples


def check(result: BuildResult, out: Path, inputs: Path, scratch: Path, incremental: bool = True) -> None:
    assert result.graph_write.incremental is incremental, result.graph_write.note
    assert ((out / "graph.ttl").read_bytes(), result.triples) == full_write_of_the_same(out, inputs, scratch)


@pytest.mark.slow
def test_incremental_graph_ttl_is_the_graph_ttl_of_a_build_from_scratch(tmp_path: Path) -> None:
    inputs = input_dir(tmp_path, (SAMPLE_REPORTS_DIR / name for name in (ESSEX_2007, ESSEX_2016, HERTS_2007,
                                                                           CHESHIRE_2007)))
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    first = build([inputs], out, validate=False)
    assert not first.graph_write.incremental and "no index" in first.graph_write.note

    unchanged = build([inputs], out, validate=False)
    assert unchanged.graph_write.incremental and unchanged.graph_write.note.startswith("0 of 7 ")
    assert (out / "graph.ttl").read_bytes() == full_write_of_the_same(out, inputs, scratch)[0]

    # A recommendation's text in the one report of its force.
    edit(inputs / HERTS_2007, "That the force develops joint", "That the constabulary develops joint")
    herts = build([inputs], out, validate=False)
    assert herts.relinked == ["hertfordshire-constabulary"]
    check(herts, out, inputs, scratch)
    assert herts.graph_write.rendered < herts.graph_write.copied
    assert b"That the constabulary develops joint" in (out / "graph.ttl").read_bytes()

    # A grade in a report of a force with two reports: the force's links change too, and the
    # force's subjects are shared by both reports and the links.
    edit(inputs / ESSEX_2007, "Neighbourhood Policing\tFair", "Neighbourhood Policing\tGood")
    edit(inputs / ESSEX_2007, "GRADE\tFAIR", "GRADE\tGOOD")
    edit(inputs / ESSEX_2007, "That the force refines", "A line more.\n\nThat the force refines")  # lines move
    essex = build([inputs], out, validate=False)
    assert essex.relinked == ["essex-police"] and essex.graph_write.note.startswith("2 of 7 ")
    check(essex, out, inputs, scratch)

    # A report added (a force not seen before), then one removed (its force keeps one report).
    shutil.copy(SAMPLE_REPORTS_DIR / NORFOLK_2007, inputs / NORFOLK_2007)
    check(build([inputs], out, validate=False), out, inputs, scratch)
    (inputs / ESSEX_2016).unlink()
    check(build([inputs], out, validate=False), out, inputs, scratch)

    # The same report twice: built once, nothing changes.
    shutil.copy(inputs / HERTS_2007, inputs / "herts-again.txt")
    duplicate = build([inputs], out, validate=False)
    assert duplicate.graph_write.note.startswith("0 of ")
    check(duplicate, out, inputs, scratch)

    # graph.ttl edited by hand (same size): written whole, and right.
    graph = out / "graph.ttl"
    data = graph.read_bytes()
    graph.write_bytes(data.replace(b"That the constabulary", b"That the-constabulary", 1))
    edit(inputs / CHESHIRE_2007, "Child abuse\tFair", "Child abuse\tGood")
    tampered = build([inputs], out, validate=False)
    assert "not the file the index describes" in tampered.graph_write.note
    check(tampered, out, inputs, scratch, incremental=False)

    # And a build from scratch proper (no cache at all) writes the same bytes.
    fresh = build([inputs], tmp_path / "fresh", validate=False, incremental=False)
    assert (tmp_path / "fresh" / "graph.ttl").read_bytes() == graph.read_bytes()
    assert fresh.triples == tampered.triples and fresh.graph_write.note == "no index kept"
