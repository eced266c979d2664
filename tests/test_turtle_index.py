"""graph.ttl written in part (turtle_index.write_turtle): after any change of its sources, the
file is byte for byte the one the full writer (serialize.turtle_chunks_merged) writes, and a
previous file that is not the one its index describes is never reused."""

from __future__ import annotations

import errno
import hashlib
import os
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Literal
from rdflib.namespace import RDF, RDFS, XSD

from hmic_graph import turtle_index, vocab
from hmic_graph.serialize import _iri, _Terms, subject_key, turtle_chunks_merged
from hmic_graph.turtle_index import Source, write_turtle

ID = "https://w3id.org/hmic-graph/id/"
HMIC = vocab.PREFIXES["hmic"]
# Subjects written as prefixed names, as <IRI>s (a '/' in the local part), one with an IRI
# escape (written as \u0020 in N-Triples and escaped again in the Turtle), and blank nodes.
SUBJECTS = ([f"{ID}force/f{i}" for i in range(6)] + [f"{ID}report/r{i}/finding/{j}" for i in range(4) for j in range(5)]
            + [f"{ID}grade/g{i}" for i in range(3)] + ["http://example.org/a b", "http://example.org/z"]
            + [f"_:b{i}" for i in range(3)])
PREDICATES = [str(RDF.type), str(RDFS.label), HMIC + "grade", HMIC + "about", HMIC + "count"]
TERMS = _Terms({})
SUBJECT_TOKENS = [s if s.startswith("_:") else _iri(s) for s in SUBJECTS]
OBJECT_TOKENS = ([_iri(HMIC + "Report"), _iri(HMIC + "Finding"), _iri(f"{ID}grade/g1"), _iri(f"{ID}force/f2"),
                  _iri("http://example.org/a b")]
                 + [TERMS.term(lit) for lit in (Literal("Good"), Literal('say "hi"\nthen go'), Literal("Café", lang="en"),
                                                Literal(7), Literal("x", datatype=XSD.token))])


def random_line(rng: random.Random) -> str:
    predicate = rng.choice(PREDICATES)
    obj = _iri(HMIC + "Thing") if predicate == str(RDF.type) and rng.random() < .5 else rng.choice(OBJECT_TOKENS)
    return f"{rng.choice(SUBJECT_TOKENS)} <{predicate}> {obj} ."


def sources_of(content: dict[str, set[str]]) -> list[Source]:
    def source(name: str, lines: set[str]) -> Source:
        ordered = sorted(lines, key=subject_key)
        return Source(name, hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest(), lambda: iter(ordered))

    return [source(name, content[name]) for name in sorted(content, key=lambda _: random.random())]


def full_bytes(content: dict[str, set[str]]) -> tuple[bytes, int]:
    stats: dict[str, int] = {}
    text = "".join(turtle_chunks_merged([sorted(lines, key=subject_key) for lines in content.values()], stats=stats))
    return text.encode("utf-8"), stats["triples"]


def edit(rng: random.Random, content: dict[str, set[str]], serial: list[int]) -> None:
    """One random change: a source's lines edited, a source added or removed."""
    action = rng.choice(["edit", "edit", "edit", "add", "remove", "none"])
    if action == "add" or not content:
        serial[0] += 1
        content[f"s{serial[0]}"] = {random_line(rng) for _ in range(rng.randint(1, 12))}
    elif action == "remove" and len(content) > 1:
        del content[rng.choice(sorted(content))]
    elif action == "edit":
        name = rng.choice(sorted(content))
        lines = content[name]
        for line in rng.sample(sorted(lines), rng.randint(0, len(lines) - 1)):
            lines.discard(line)
        lines.update(random_line(rng) for _ in range(rng.randint(0, 6)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1))
def test_every_write_after_random_changes_is_the_full_writers_file(seed: int) -> None:
    rng = random.Random(seed)
    serial = [0]
    content: dict[str, set[str]] = {}
    for _ in range(rng.randint(2, 6)):
        edit(rng, content, serial)
    with tempfile.TemporaryDirectory() as tmp:
        path, index = Path(tmp) / "graph.ttl", Path(tmp) / "cache" / "graph.ttl.index"
        first = write_turtle(path, sources_of(content), index)
        assert not first.incremental
        assert (path.read_bytes(), first.triples) == full_bytes(content)
        for _ in range(4):
            for _ in range(rng.randint(1, 2)):
                edit(rng, content, serial)
            written = write_turtle(path, sources_of(content), index, max_stale=1.0)
            assert written.incremental, written.note
            assert (path.read_bytes(), written.triples) == full_bytes(content)


def corpus(seed: int = 3, sources: int = 12) -> dict[str, set[str]]:
    rng = random.Random(seed)
    return {f"s{i}": {random_line(rng) for _ in range(15)} for i in range(sources)}


def test_an_unchanged_write_copies_the_whole_body_and_one_changed_source_renders_little(tmp_path: Path) -> None:
    content = corpus()
    path, index = tmp_path / "graph.ttl", tmp_path / "graph.ttl.index"
    write_turtle(path, sources_of(content), index)
    size = path.stat().st_size
    again = write_turtle(path, sources_of(content), index)
    assert again.incremental and again.note == "0 of 12 sources changed, added or removed"
    assert again.copied + again.rendered == size and again.rendered == len(again_head(path))
    content["s4"] = {line.replace("Good", "Poor") for line in content["s4"]}
    changed = write_turtle(path, sources_of(content), index)
    assert changed.incremental and changed.note == "1 of 12 sources changed, added or removed"
    assert path.read_bytes() == full_bytes(content)[0]
    assert changed.rendered < changed.copied


def again_head(path: Path) -> bytes:
    return path.read_bytes().split(b"\n\n", 1)[0] + b"\n"


@pytest.mark.parametrize("tamper", ["same size", "appended", "replaced"])
def test_a_graph_ttl_edited_or_replaced_by_hand_is_written_whole(tmp_path: Path, tamper: str) -> None:
    content = corpus()
    path, index = tmp_path / "graph.ttl", tmp_path / "graph.ttl.index"
    write_turtle(path, sources_of(content), index)
    data = path.read_bytes()
    stat = path.stat()
    if tamper == "same size":  # one character changed in the middle, mtime put back
        middle = len(data) // 2
        with path.open("r+b") as fh:
            fh.seek(middle)
            fh.write(b"X" if data[middle:middle + 1] != b"X" else b"Y")
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    elif tamper == "appended":
        with path.open("ab") as fh:
            fh.write(b"\n<http://example.org/mine> <http://example.org/p> 1 .\n")
    else:
        path.unlink()
        path.write_bytes(data)  # the same bytes, another file
    content["s1"].add(random_line(random.Random(9)))
    written = write_turtle(path, sources_of(content), index)
    assert not written.incremental and "not the file the index describes" in written.note
    assert path.read_bytes() == full_bytes(content)[0]
    assert write_turtle(path, sources_of(content), index).incremental  # the new index holds


def test_other_prefixes_another_writer_or_too_many_changes_write_it_whole(tmp_path: Path, monkeypatch) -> None:
    content = corpus()
    path, index = tmp_path / "graph.ttl", tmp_path / "graph.ttl.index"
    write_turtle(path, sources_of(content), index)
    prefixes = {**vocab.PREFIXES, "ex": "http://example.org/"}
    other = write_turtle(path, sources_of(content), index, prefixes=prefixes)
    assert not other.incremental and other.note == "the prefixes changed"
    assert path.read_bytes().decode() == "".join(turtle_chunks_merged(
        [sorted(lines, key=subject_key) for lines in content.values()], prefixes))
    write_turtle(path, sources_of(content), index)
    for name in ("s1", "s2", "s3", "s4", "s5"):
        content[name].add(random_line(random.Random(name)))
    many = write_turtle(path, sources_of(content), index)
    assert not many.incremental and many.note == "5 of 12 sources changed, added or removed"
    monkeypatch.setattr(turtle_index, "writer_version", lambda: "another")
    assert "another version" in write_turtle(path, sources_of(content), index).note
    assert path.read_bytes() == full_bytes(content)[0]
    index.write_bytes(b"garbage")
    assert "unreadable" in write_turtle(path, sources_of(content), index).note


def test_a_write_that_fails_leaves_the_previous_file_and_its_index(tmp_path: Path) -> None:
    content = corpus()
    path, index = tmp_path / "graph.ttl", tmp_path / "graph.ttl.index"
    write_turtle(path, sources_of(content), index)
    before = path.read_bytes()

    def failing():
        yield sorted(content["s0"], key=subject_key)[0]
        raise OSError("disk gone")

    broken = [s if s.name != "s0" else Source("s0", "new", failing) for s in sources_of(content)]
    with pytest.raises(OSError, match="disk gone"):
        write_turtle(path, broken, index)
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["graph.ttl",
                                                                                         "graph.ttl.index"]
    content["s0"].add(random_line(random.Random(1)))
    after = write_turtle(path, sources_of(content), index)
    assert after.incremental and path.read_bytes() == full_bytes(content)[0]


@pytest.mark.parametrize("kernel", ["missing", "refused"])
def test_without_copy_file_range_the_ranges_are_copied_through_user_space(tmp_path: Path, monkeypatch,
                                                                          kernel: str) -> None:
    content = corpus()
    path, index = tmp_path / "graph.ttl", tmp_path / "graph.ttl.index"
    write_turtle(path, sources_of(content), index)
    if kernel == "missing":  # not Linux
        monkeypatch.delattr(os, "copy_file_range")
    else:  # a file system that does not do it
        def refuse(*args):
            raise OSError(errno.EXDEV, "cross-device")

        monkeypatch.setattr(os, "copy_file_range", refuse)
    content["s7"] = {line.replace("Good", "Fair") for line in content["s7"]} | {random_line(random.Random(5))}
    written = write_turtle(path, sources_of(content), index)
    assert written.incremental and written.copied > 0
    assert path.read_bytes() == full_bytes(content)[0]
