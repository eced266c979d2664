"""graph.ttl written again in part: byte ranges of the previous file copied, only the subjects
of changed sources rendered again.

graph.ttl is a function of the union of its sources' N-Triples lines (a source: one report's
lines, or one force's follow-up links), each subject one block (serialize._TurtleWriter),
subjects in serialize.subject_key order. When it is written, an index is kept beside it (in
the build's cache directory): the file's identity (inode, size, mtime, ctime and a digest of
its first and last 64 KiB), each source's name and digest, and the file in segments, each a
run of consecutive blocks made from the same set of sources: byte offset and length, first
and last subject, the sources, the number of triples, and for blocks of more than one source
(a force, a shared concept) each source's lines of that subject (packed per segment, so
only the segments that change are unpacked).

The next write, when the previous graph.ttl is the one the index describes, the code and the
prefixes are the same and not too much changed (at most MAX_STALE of the sources changed,
added or removed), writes the same bytes a full write would:

* a segment none of whose sources changed, and into whose subject range no line of a changed
  source falls, is copied as it is (os.copy_file_range, adjacent segments in one call);
* a segment of several sources is rendered again from the lines kept in the index, without
  the changed sources' old lines and with their new ones;
* a segment of one changed source is dropped: that source's new lines are rendered;
* a segment of one unchanged source into which new lines fall is cut at block boundaries:
  its blocks are copied, and a subject that gains lines from a changed source is rendered
  from that source's cached lines and the changed source's.

Anything unexpected (the file does not match its index, a block cannot be read back) makes it
a full write. The new file is written to a temporary file and renamed (serialize.atomic_file);
the previous index is removed just before the rename and the new one written after it, so an
index never describes a file other than the one it was written for.
"""

from __future__ import annotations

import hashlib
import heapq
import io
import os
import pickle
import tempfile
import zlib
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from .serialize import _data_lines, _TurtleWriter, atomic_file, gc_paused, subject_key

__all__ = ["MAX_STALE", "Source", "TurtleWrite", "write_turtle"]

FORMAT = 2
MAX_STALE = 1 / 3  # more of the sources changed than this: a full write is as quick
_EDGE = 1 << 16  # bytes at each end of the file whose digest the index keeps
_BUFFER = 1 << 20

Key = tuple[bool, str]  # serialize.subject_key of a subject
# One subject's lines in the sources that give it: (sorted distinct lines, the sources' names).
Groups = list[tuple[tuple[str, ...], tuple[str, ...]]]


@dataclass(frozen=True)
class Source:
    """A source of graph.ttl: a unique name, a digest of its lines (same digest, same lines),
    and its N-Triples lines sorted by serialize.subject_key (read only when needed)."""

    name: str
    digest: str
    lines: Callable[[], Iterable[str]]


@dataclass
class TurtleWrite:
    """What write_turtle did: the triples written, whether the previous file was reused, why
    not if it was not, and how many bytes were copied from it and rendered anew."""

    triples: int
    incremental: bool
    note: str
    copied: int = 0
    rendered: int = 0


class Segment(NamedTuple):
    offset: int
    length: int
    first: Key
    last: Key
    sources: tuple[str, ...]  # sorted names
    triples: int
    # Blocks of several sources: their lines by subject, in packed parts ({Key: Groups} each,
    # _pack): only the parts of segments that change are unpacked, the rest copied as bytes.
    shared: tuple[bytes, ...] | None


def _pack(shared: dict[Key, Groups]) -> bytes:
    return zlib.compress(pickle.dumps(shared, protocol=pickle.HIGHEST_PROTOCOL), 1)


def _unpack(parts: tuple[bytes, ...]) -> dict[Key, Groups]:
    shared: dict[Key, Groups] = {}
    for part in parts:
        shared.update(pickle.loads(zlib.decompress(part)))
    return shared


class _Mismatch(Exception):
    """The previous file is not what its index says: write it whole."""


@lru_cache(maxsize=1)
def writer_version() -> str:
    """Hash of the writer's code: an index written by other code is not used (one value per
    process, like cache.code_version, so code edited during a build does not split it)."""
    digest = hashlib.sha256(str(FORMAT).encode())
    for module in ("serialize.py", "turtle_index.py"):
        digest.update((Path(__file__).parent / module).read_bytes())
    return digest.hexdigest()[:16]


def _token(key: Key) -> str:
    """The N-Triples subject of a subject_key."""
    return key[1] if key[0] else f"<{key[1]}>"


def _regroup(groups: Iterable[tuple[tuple[str, ...], tuple[str, ...]]]) -> Groups:
    by_lines: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for lines, names in groups:
        by_lines[lines].update(names)
    return sorted((lines, tuple(sorted(names))) for lines, names in by_lines.items())


def _groups_of(lines_by_name: dict[str, Iterable[str]]) -> Groups:
    return _regroup((tuple(sorted(set(lines))), (name,)) for name, lines in lines_by_name.items())


# -- writing, and recording what was written -------------------------------------------------

class _Output:
    """The new file, written through a buffer or copied from the old one, and its segments."""

    def __init__(self, fd: int):
        self.fd = fd
        self.buffer = bytearray()
        self.pending: list[int] | None = None  # [old fd, offset, length]: a copy not yet made
        self.kernel_copy = hasattr(os, "copy_file_range")  # Linux: no copy through user space
        self.reset()

    def reset(self) -> None:
        os.ftruncate(self.fd, 0)
        os.lseek(self.fd, 0, os.SEEK_SET)
        self.buffer.clear()
        self.pending = None
        self.offset = 0
        self.copied = self.rendered = 0
        self.segments: list[Segment] = []
        self.current: list | None = None  # the segment being extended, as a list

    def _flush_buffer(self) -> None:
        view = memoryview(self.buffer)
        while view:
            view = view[os.write(self.fd, view):]
        view.release()
        self.buffer.clear()

    def _flush_copy(self) -> None:
        if self.pending is None:
            return
        src, offset, length = self.pending
        self.pending = None
        while length:
            done = None
            if self.kernel_copy:
                try:
                    done = os.copy_file_range(src, self.fd, length, offset)
                except OSError:  # not on this file system: through user space from now on
                    self.kernel_copy = False
            if done is None:
                data = os.pread(src, min(length, _BUFFER), offset)
                done = os.write(self.fd, data) if data else 0
            if done == 0:
                raise _Mismatch("the previous graph.ttl is shorter than its index says")
            offset += done
            length -= done

    def head(self, data: bytes) -> None:
        self.buffer += data
        self.offset += len(data)
        self.rendered += len(data)

    def _record(self, length: int, first: Key, last: Key, sources: tuple[str, ...], triples: int,
                parts: tuple[bytes, ...] | None, rendered: dict[Key, Groups] | None) -> None:
        """Blocks written: the current segment extended if they have its sources, else a new one.
        Several sources: ``parts`` (copied segments) or ``rendered`` (new blocks) hold their lines."""
        cur = self.current
        if cur is None or cur[4] != sources:
            self._end_segment()
            several = len(sources) > 1
            cur = self.current = [self.offset, 0, first, last, sources, 0, [] if several else None,
                                  {} if several else None]
        cur[1] += length
        cur[3] = last
        cur[5] += triples
        if parts:
            cur[6].extend(parts)
        if rendered:
            cur[7].update(rendered)
        self.offset += length

    def _end_segment(self) -> None:
        cur, self.current = self.current, None
        if cur is not None:
            parts = cur[6]
            if cur[7]:
                parts.append(_pack(cur[7]))
            self.segments.append(Segment(*cur[:6], tuple(parts) if parts is not None else None))

    def block(self, key: Key, sources: tuple[str, ...], data: bytes, triples: int,
              groups: Groups | None) -> None:
        """One rendered block; ``groups``: the sources' lines when there are several sources."""
        self._flush_copy()
        self.buffer += data
        if len(self.buffer) >= _BUFFER:
            self._flush_buffer()
        self.rendered += len(data)
        self._record(len(data), key, key, sources, triples, None, {key: groups} if groups is not None else None)

    def copy(self, src: int, offset: int, length: int, first: Key, last: Key, sources: tuple[str, ...],
             triples: int, shared: tuple[bytes, ...] | None) -> None:
        """Whole blocks of the old file, bytes [offset, offset + length)."""
        if self.buffer:
            self._flush_buffer()
        if self.pending is not None and self.pending[0] == src and sum(self.pending[1:]) == offset:
            self.pending[2] += length
        else:
            self._flush_copy()
            self.pending = [src, offset, length]
        self.copied += length
        self._record(length, first, last, sources, triples, shared, None)

    def close(self) -> list[Segment]:
        self._flush_copy()
        self._flush_buffer()
        self._end_segment()
        return self.segments


def _render(out: _Output, writer: _TurtleWriter, key: Key, groups: Groups) -> None:
    """One subject's block from the lines of the sources that give it (none: no block)."""
    names = sorted({name for _, group_names in groups for name in group_names})
    if not names:
        return
    preds: dict[str, set[str]] = defaultdict(set)
    for lines, _ in groups:
        for line in lines:
            writer.add(preds, line)
    before = writer.count
    data = writer.block(_token(key), preds).encode("utf-8")
    out.block(key, tuple(names), data, writer.count - before, _regroup(groups) if len(names) > 1 else None)


def _subject_groups(i: int, lines: Iterable[str]) -> Iterator[tuple[Key, int, list[str]]]:
    """A source's lines, one subject at a time (its lines are contiguous: the source is sorted
    by subject_key), as (key, source number, lines)."""
    subject, group = "", []
    for line in _data_lines(lines):
        token = line[: line.index(" ")]
        if token == subject:
            group.append(line)
            continue
        if group:
            yield subject_key(group[0]), i, group
        subject, group = token, [line]
    if group:
        yield subject_key(group[0]), i, group


def _write_full(out: _Output, writer: _TurtleWriter, sources: list[Source]) -> None:
    """serialize.turtle_chunks_merged, each block recorded with the sources it came from."""
    names = [source.name for source in sources]
    # Merged a subject's lines at a time, keyed on the subject alone: ~10 lines a subject, so
    # a tenth of the heap's work and of the keys of a merge line by line.
    merged = heapq.merge(*(_subject_groups(i, source.lines()) for i, source in enumerate(sources)),
                         key=itemgetter(0))
    add, block = writer.add, out.block
    current: Key | None = None
    subject = ""
    preds: dict[str, set[str]] = defaultdict(set)
    groups: list[tuple[int, list[str]]] = []

    def emit() -> None:
        before = writer.count
        data = writer.block(subject, preds).encode("utf-8")
        if len(groups) == 1:
            block(current, (names[groups[0][0]],), data, writer.count - before, None)
            return
        by_name: dict[str, list[str]] = defaultdict(list)
        for i, lines in groups:
            by_name[names[i]] += lines
        block(current, tuple(sorted(by_name)), data, writer.count - before, _groups_of(by_name))

    for key, i, lines in merged:
        if key != current:
            if current is not None:
                emit()
            current, preds, groups = key, defaultdict(set), []
        for line in lines:
            subject = add(preds, line)
        groups.append((i, lines))
    if current is not None:
        emit()


# -- the previous file ------------------------------------------------------------------------

def _identity(path: Path) -> tuple:
    """What must be the same for graph.ttl to be the file an index was written for."""
    st = os.stat(path)
    with open(path, "rb") as fh:
        edges = fh.read(_EDGE)
        if st.st_size > _EDGE:
            fh.seek(max(_EDGE, st.st_size - _EDGE))
            edges += fh.read(_EDGE)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns,
            hashlib.sha256(edges).hexdigest())


def _read_index(index_path: Path, path: Path, head: str) -> tuple[dict | None, str]:
    """The index of the previous graph.ttl, or None and why it cannot be used. What it
    describes is checked first; its body (sources, segments) is read only if it is usable."""
    try:
        fh = io.BytesIO(index_path.read_bytes())
        index = pickle.load(fh)
    except FileNotFoundError:
        return None, "no index of the previous graph.ttl"
    except Exception:  # a damaged index is no index
        return None, "the index of the previous graph.ttl is unreadable"
    if not isinstance(index, dict) or index.get("format") != FORMAT or index.get("writer") != writer_version():
        return None, "the index was written by another version of the writer"
    if index.get("head") != head:
        return None, "the prefixes changed"
    try:
        identity = _identity(path)
    except OSError:
        return None, "no previous graph.ttl"
    if identity != index.get("file"):
        return None, "graph.ttl is not the file the index describes (edited or replaced)"
    try:
        with gc_paused():  # tens of thousands of segments: collections would triple the time
            index.update(pickle.load(fh))
    except Exception:
        return None, "the index of the previous graph.ttl is unreadable"
    if not isinstance(index.get("segments"), list) or not isinstance(index.get("sources"), dict):
        return None, "the index of the previous graph.ttl is unreadable"
    return index, ""


def _index_body(sources: list[Source], segments: list[Segment]) -> bytes:
    # Not compressed: zlib took longer (0.3 s at 1,000 reports) than writing the 16 MB it saves.
    return pickle.dumps({"sources": {source.name: source.digest for source in sources}, "segments": segments},
                        protocol=pickle.HIGHEST_PROTOCOL)


def _write_index(index_path: Path, path: Path, head: str, body: bytes) -> None:
    about = {"format": FORMAT, "writer": writer_version(), "head": head, "file": _identity(path)}
    index_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{index_path.name}.", suffix=".tmp", dir=index_path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pickle.dumps(about, protocol=pickle.HIGHEST_PROTOCOL))
            fh.write(body)
        os.replace(tmp, index_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _blocks(data: bytes, read_key: Callable[[str], Key]) -> list[tuple[Key, int, int]]:
    """The blocks of a run of whole blocks of the file: (subject, start, end) in ``data``."""
    found = []
    start, size = 0, len(data)
    while start < size:
        end = data.find(b"\n\n", start + 1)
        end = size if end < 0 else end + 1
        eol = data.find(b"\n", start + 1)
        if data[start:start + 1] != b"\n" or not 0 < eol < end or data[end - 3:end] != b" .\n":
            raise _Mismatch("a segment of the previous graph.ttl is not whole blocks")
        found.append((read_key(data[start + 1:eol].decode("utf-8")), start, end))
        start = end
    return found


def _key_reader(writer: _TurtleWriter) -> Callable[[str], Key]:
    """The subject_key of a block's subject as the writer wrote it (prefixed or not), checked
    by writing it again."""
    namespaces = writer.prefixes

    def read_key(text: str) -> Key:
        if text.startswith("_:"):
            key = (True, text)
        elif text.startswith("<"):
            # _TurtleWriter.compact escapes the '\\' of an N-Triples \\u escape once more.
            key = (False, text[1:-1].replace("\\u005C", "\\"))
        else:
            prefix, _, local = text.partition(":")
            if prefix not in namespaces:
                raise _Mismatch(f"unknown prefix in the previous graph.ttl: {prefix}")
            key = (False, namespaces[prefix] + local)
        if writer.compact(_token(key)) != text:
            raise _Mismatch(f"cannot read the subject {text} of the previous graph.ttl")
        return key

    return read_key


def _write_incremental(out: _Output, writer: _TurtleWriter, old_fd: int, index: dict,
                       sources: dict[str, Source], stale: set[str]) -> None:
    """The new file from the old one (see the module's docstring)."""
    new_lines: dict[Key, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for name in sorted(stale):
        if name in sources:
            for line in _data_lines(sources[name].lines()):
                new_lines[subject_key(line)][name].append(line)
    keys = sorted(new_lines)
    unchanged_lines: dict[str, dict[str, list[str]]] = {}  # of unchanged sources, read when needed
    read_key = _key_reader(writer)

    def new_groups(key: Key) -> Groups:
        return _groups_of(new_lines[key]) if key in new_lines else []

    def lines_of(name: str, key: Key) -> tuple[str, ...]:
        if name not in unchanged_lines:
            by_subject: dict[str, list[str]] = defaultdict(list)
            for line in _data_lines(sources[name].lines()):
                by_subject[line[: line.index(" ")]].append(line)
            unchanged_lines[name] = by_subject
        found = unchanged_lines[name].get(_token(key))
        if not found:
            raise _Mismatch(f"{name} no longer gives a subject the index says it gives")
        return tuple(sorted(set(found)))

    k = 0
    for seg in index["segments"]:
        while k < len(keys) and keys[k] < seg.first:  # subjects the previous file did not have
            _render(out, writer, keys[k], new_groups(keys[k]))
            k += 1
        end = bisect_right(keys, seg.last, lo=k)
        inside, k = keys[k:end], end
        changed = not stale.isdisjoint(seg.sources)
        if not changed and not inside:
            out.copy(old_fd, *seg)
        elif seg.shared is not None:
            # Several sources: everything needed is in the index.
            shared = _unpack(seg.shared)
            for key in sorted(shared.keys() | set(inside)):
                kept = [(lines, tuple(n for n in names if n not in stale)) for lines, names in shared.get(key, ())]
                _render(out, writer, key, [g for g in kept if g[1]] + new_groups(key))
        elif changed:
            # One source, changed or gone: its new lines (if any) are among new_lines.
            for key in inside:
                _render(out, writer, key, new_groups(key))
        else:
            _split(out, writer, old_fd, seg, inside, new_groups, lines_of, read_key)
    for key in keys[k:]:
        _render(out, writer, key, new_groups(key))


def _split(out: _Output, writer: _TurtleWriter, old_fd: int, seg: Segment, inside: list[Key],
           new_groups: Callable[[Key], Groups], lines_of: Callable[[str, Key], tuple[str, ...]],
           read_key: Callable[[str], Key]) -> None:
    """A segment of one unchanged source with changed sources' subjects inside its range: its
    blocks copied, the subjects of the changed sources rendered between them."""
    data = os.pread(old_fd, seg.length, seg.offset)
    blocks = _blocks(data, read_key)
    if len(data) != seg.length or not blocks or blocks[0][0] != seg.first or blocks[-1][0] != seg.last:
        raise _Mismatch("a segment of the previous graph.ttl is not what the index says")
    [name] = seg.sources
    run: list[tuple[Key, int, int]] = []

    def copy_run() -> None:
        if run:
            start, end = run[0][1], run[-1][2]
            triples = data.count(b"\n", start, end) - 2 * len(run)  # a line an object, 2 more a block
            out.copy(old_fd, seg.offset + start, end - start, run[0][0], run[-1][0], seg.sources, triples, None)
            run.clear()

    i = 0
    for block in blocks:
        key = block[0]
        while i < len(inside) and inside[i] < key:
            copy_run()
            _render(out, writer, inside[i], new_groups(inside[i]))
            i += 1
        if i < len(inside) and inside[i] == key:
            copy_run()
            _render(out, writer, key, [(lines_of(name, key), (name,)), *new_groups(key)])
            i += 1
        else:
            run.append(block)
    copy_run()
    if i != len(inside):
        raise _Mismatch("a segment's last subject is not the index's")


# -- the entry point --------------------------------------------------------------------------

def write_turtle(path: Path, sources: list[Source], index_path: Path | None = None,
                 prefixes: dict[str, str] | None = None, max_stale: float = MAX_STALE,
                 ready: Callable[[], object] | None = None) -> TurtleWrite:
    """Write graph.ttl (the bytes serialize.turtle_chunks_merged writes for the sources'
    lines) atomically; with ``index_path``, from the previous file where it can and keep the
    index for the next write.

    ``ready`` is called once the new file is complete, before it replaces the old one: what it
    raises leaves the previous file and its index in place (a build waits there for its store,
    so that a store that fails leaves the previous graph.ttl beside the previous store)."""
    path = Path(path)
    writer = _TurtleWriter(prefixes)
    head = writer.head()
    by_name = {source.name: source for source in sources}
    if len(by_name) != len(sources):
        raise ValueError("sources must have distinct names")
    index, note = _read_index(index_path, path, head) if index_path is not None else (None, "no index kept")
    stale: set[str] = set()
    if index is not None:
        previous = index["sources"]
        stale = {name for name, source in by_name.items() if previous.get(name) != source.digest}
        stale |= previous.keys() - by_name.keys()
        note = f"{len(stale)} of {len(previous.keys() | by_name.keys())} sources changed, added or removed"
        if len(stale) > max_stale * len(previous.keys() | by_name.keys()):
            index = None
    with atomic_file(path) as fh:
        out = _Output(fh.fileno())
        incremental = False
        if index is not None:
            try:
                with open(path, "rb") as old:
                    out.head(head.encode("utf-8"))
                    _write_incremental(out, writer, old.fileno(), index, by_name, stale)
                    segments = out.close()
                incremental = True
            except _Mismatch as exc:
                out.reset()
                note = str(exc)
        if not incremental:
            out.head(head.encode("utf-8"))
            _write_full(out, writer, sources)
            segments = out.close()
        if index_path is not None:
            # The next index is made while the file goes to disk (fsync runs outside the GIL).
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fsync") as disk:
                synced = disk.submit(os.fsync, fh.fileno())
                body = _index_body(sources, segments)
                synced.result()
        if ready is not None:
            ready()
        if index_path is not None:
            index_path.unlink(missing_ok=True)  # from here until the new index, no index
    if index_path is not None:
        _write_index(index_path, path, head, body)
    return TurtleWrite(sum(seg.triples for seg in segments), incremental, note, out.copied, out.rendered)
