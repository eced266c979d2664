"""Deterministic, fast RDF writing: sorted Turtle and N-Triples, written atomically.

rdflib's Turtle writer is far too slow on large graphs (hundreds of seconds for millions of
triples) and its output order is not stable; this small writer sorts subjects, predicates
and objects and prints one object per line, so two builds of the same input are
byte-identical and diffs between builds are readable.
"""

from __future__ import annotations

import errno
import gc
import heapq
import io
import os
import re
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import groupby
from pathlib import Path
from typing import BinaryIO

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import RDF, XSD

from . import vocab
from .model import HmicError

# Conservative subset of Turtle's PN_LOCAL: no escapes, no '/' or ':' and no trailing '.'.
_LOCAL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?$")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]')
_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_TERM_CACHE_SIZE = 100_000


def _escape(text: str) -> str:
    return _NEEDS_ESCAPE.sub(lambda m: _ESCAPES.get(m.group(0), f"\\u{ord(m.group(0)):04X}"), text)


def _iri(iri: str) -> str:
    if _IRI_BAD.search(iri):
        iri = _IRI_BAD.sub(lambda m: f"\\u{ord(m.group(0)):04X}", iri)
    return f"<{iri}>"


class _Terms:
    """Term → text, with prefixed names where they are safe, cached per IRI."""

    def __init__(self, prefixes: dict[str, str]):
        # Longest namespace first so 'report:' wins over a shorter enclosing namespace.
        self.prefixes = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
        self.cache: dict[str, str] = {}

    def iri(self, iri: str) -> str:
        out = self.cache.get(iri)
        if out is None:
            out = _iri(iri)
            for prefix, ns in self.prefixes:
                if iri.startswith(ns) and _LOCAL.match(iri[len(ns):]):
                    out = f"{prefix}:{iri[len(ns):]}"
                    break
            if len(self.cache) >= _TERM_CACHE_SIZE:  # bounded: a corpus has millions of IRIs
                self.cache.clear()
            self.cache[iri] = out
        return out

    def term(self, t: object) -> str:
        kind = type(t)  # exact types first: isinstance on rdflib's terms goes through ABCMeta
        if kind is URIRef:
            return self.iri(str(t))
        if kind is Literal:
            return self.literal(t)
        if isinstance(t, URIRef):
            return self.iri(str(t))
        if isinstance(t, BNode):
            return f"_:{t}"
        if isinstance(t, Literal):
            return self.literal(t)
        raise TypeError(f"not an RDF term: {t!r}")

    def literal(self, t: Literal) -> str:
        body = f'"{_escape(str(t))}"' if _NEEDS_ESCAPE.search(t) else f'"{t}"'
        if t.language:
            return f"{body}@{t.language}"
        datatype = t.datatype
        if datatype is not None and datatype != _XSD_STRING:
            return f"{body}^^{self.iri(str(datatype))}"
        return body


class _BlankNodeFound(Exception):
    pass


def _iter_triples(graphs: list[Graph]) -> Iterator[tuple]:
    """All triples of the graphs. On the first blank node (rare: stages should mint IRIs) the
    whole union is yielded again with canonical, stable blank node labels, so triples before
    that point come twice: callers collect into sets."""
    try:
        for graph in graphs:
            for s, p, o in graph:
                if isinstance(s, BNode) or isinstance(o, BNode):
                    raise _BlankNodeFound
                yield s, p, o
    except _BlankNodeFound:
        pass
    else:
        return
    union = Graph()
    for graph in graphs:
        for triple in graph:
            union.add(triple)
    yield from to_canonical_graph(union)


_XSD_STRING = XSD.string


def turtle_text(graphs: Graph | Iterable[Graph], prefixes: dict[str, str] | None = None) -> str:
    """Sorted Turtle of one graph or the union of several: @prefix lines, then subjects in
    IRI order, rdf:type first, each predicate's objects sorted and de-duplicated."""
    return turtle_text_and_count(graphs, prefixes)[0]


def turtle_text_and_count(graphs: Graph | Iterable[Graph],
                          prefixes: dict[str, str] | None = None) -> tuple[str, int]:
    """turtle_text and the number of distinct triples written (the union need not be built)."""
    return turtle_from_ntriples(ntriples_lines(graphs, sort=False), prefixes)


def ntriples_lines(graphs: Graph | set | Iterable[Graph], sort: bool = True) -> list[str]:
    """N-Triples lines, de-duplicated; sorted unless the order does not matter (store loads).

    ``graphs``: one Graph, one set of (s, p, o) triples (rdf.report_triples), or several Graphs.
    """
    terms = _Terms({})
    graphs = [graphs] if isinstance(graphs, (Graph, set, frozenset)) else list(graphs)
    lines = _plain_lines(graphs, terms)
    if lines is None:  # a blank node or a term of another type: the general path
        term = terms.term
        lines = {f"{term(s)} {term(p)} {term(o)} ." for s, p, o in _iter_triples(graphs)}
    return sorted(lines) if sort else list(lines)


def _plain_lines(graphs: list, terms: _Terms) -> set[str] | None:
    """The lines of triples made of IRIs and literals only (what the stages write), by exact
    type: term()'s isinstance checks and _iter_triples' blank node test go through ABCMeta and
    were half the cost of a report's lines. None at the first other term."""
    iri, literal = terms.iri, terms.literal
    lines: set[str] = set()
    add = lines.add
    for graph in graphs:
        for s, p, o in graph:
            if type(s) is not URIRef or type(p) is not URIRef:
                return None
            kind = type(o)
            if kind is URIRef:
                add(f"{iri(str(s))} {iri(str(p))} {iri(str(o))} .")
            elif kind is Literal:
                add(f"{iri(str(s))} {iri(str(p))} {literal(o)} .")
            else:
                return None
    return lines


_RDF_TYPE_IRI = str(RDF.type)


def turtle_from_ntriples(lines: Iterable[str], prefixes: dict[str, str] | None = None) -> tuple[str, int]:
    """Sorted Turtle (as turtle_text writes it) from N-Triples lines as ntriples_lines writes
    them, and the number of distinct triples."""
    stats: dict[str, int] = {}
    text = "".join(turtle_chunks(lines, prefixes, stats))
    return text, stats["triples"]


def subject_key(line: str) -> tuple[bool, str]:
    """Where an N-Triples line's subject comes in the Turtle: IRIs in order, blank nodes last."""
    subject = line[: line.index(" ")]
    return (subject.startswith("_:"), subject[1:-1] if subject.startswith("<") else subject)


def sorted_by_subject(lines: Iterable[str]) -> list[str]:
    """``sorted(lines, key=subject_key)``, with the key taken once per subject rather than
    once per line: a report has ~10 lines a subject, and the per-line keys and their tuple
    comparisons were most of the sort. A subject's lines keep their order, as in the stable
    sort."""
    by_subject: dict[str, list[str]] = {}
    for line in lines:
        subject = line[: line.index(" ")]
        same = by_subject.get(subject)
        if same is None:
            by_subject[subject] = [line]
        else:
            same.append(line)
    ordered: list[str] = []
    for subject in sorted(by_subject, key=lambda s: subject_key(s + " ")):
        ordered += by_subject[subject]
    return ordered


class _TurtleWriter:
    """Turtle text of one subject at a time, from its N-Triples lines."""

    def __init__(self, prefixes: dict[str, str] | None):
        self.prefixes = dict(vocab.PREFIXES if prefixes is None else prefixes)
        self.terms = _Terms(self.prefixes)
        self.count = 0

    def head(self) -> str:
        return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in self.prefixes.items())

    def compact(self, token: str) -> str:
        if token[:1] == "<":
            return self.terms.iri(token[1:-1])
        if token[:1] == '"':
            end = token.rfind('"')  # inner quotes are escaped: the last one closes the lexical form
            suffix = token[end + 1:]
            if suffix.startswith("^^<"):
                return token[: end + 1] + "^^" + self.terms.iri(suffix[3:-1])
        return token

    def add(self, preds: dict[str, set[str]], line: str) -> str:
        """Files one line's predicate and object under ``preds``; returns its subject token."""
        subject, predicate, rest = line.split(" ", 2)
        preds[predicate[1:-1]].add(self.compact(rest[:-2].rstrip()))
        return subject

    def block(self, subject: str, preds: dict[str, set[str]]) -> str:
        blocks = []
        for predicate in sorted(preds, key=lambda p: (p != _RDF_TYPE_IRI, p)):
            ptext = "a" if predicate == _RDF_TYPE_IRI else self.terms.iri(predicate)
            self.count += len(preds[predicate])
            blocks.append(f"    {ptext} " + " ,\n        ".join(sorted(preds[predicate])))
        return "\n" + self.compact(subject) + "\n" + " ;\n".join(blocks) + " .\n"


def _data_lines(lines: Iterable[str]) -> Iterator[str]:
    return (line for line in lines if line and not line.startswith("#"))


def turtle_chunks(lines: Iterable[str], prefixes: dict[str, str] | None = None,
                  stats: dict[str, int] | None = None) -> Iterator[str]:
    """Sorted Turtle from N-Triples lines, one subject block at a time (for atomic_write).

    Works on strings alone, so a build can drop each report's rdflib graph as soon as its
    lines are written, and never holds the whole Turtle text. When the last chunk has been
    yielded, ``stats['triples']`` is the number of distinct triples written.
    """
    writer = _TurtleWriter(prefixes)
    by_subject: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for line in _data_lines(lines):
        writer.add(by_subject[line[: line.index(" ")]], line)
    yield writer.head()
    for subject in sorted(by_subject, key=lambda t: subject_key(t + " ")):
        yield writer.block(subject, by_subject.pop(subject))  # released as written
    if stats is not None:
        stats["triples"] = writer.count


def turtle_chunks_merged(sources: Iterable[Iterable[str]], prefixes: dict[str, str] | None = None,
                         stats: dict[str, int] | None = None) -> Iterator[str]:
    """turtle_chunks of the union of several sources of N-Triples lines, each already sorted
    by subject_key: merged as they stream, so only one subject's lines are held at a time
    (a build of a thousand reports never holds all its triples)."""
    writer = _TurtleWriter(prefixes)
    yield writer.head()
    merged = heapq.merge(*(_data_lines(source) for source in sources), key=subject_key)
    for subject, lines in groupby(merged, key=lambda line: line[: line.index(" ")]):
        preds: dict[str, set[str]] = defaultdict(set)
        for line in lines:
            writer.add(preds, line)
        yield writer.block(subject, preds)
    if stats is not None:
        stats["triples"] = writer.count


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def default_mode(directory: bool = False) -> int:
    """The mode a plainly created file or directory would get (mkstemp/mkdtemp use 0600/0700)."""
    return (0o777 if directory else 0o666) & ~_umask()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a block that makes many objects at once and
    no cycles to collect (unpickling an index or a report): its passes are wasted time there."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A binary file (unbuffered) to write in place of ``path``: flushed to disk and renamed
    over ``path`` when the block ends, removed if it raises.

    A build that fails half way leaves the previous file (or none), never a truncated one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir():  # found now, not by the rename after the whole file is written
        raise IsADirectoryError(errno.EISDIR, "is a directory, not a file", str(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:  # named by the file asked for, not by the temporary name
        raise type(exc)(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "wb", buffering=0) as fh:
            yield fh
            os.fsync(fh.fileno())
        os.chmod(tmp, default_mode())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write(path: Path, chunks: Iterable[str] | str) -> None:
    """Write text (UTF-8, '\\n' line ends) to ``path`` through atomic_file."""
    with atomic_file(path) as fh:
        out = io.BufferedWriter(fh, 1 << 20)
        for chunk in [chunks] if isinstance(chunks, str) else chunks:
            out.write(chunk.encode("utf-8"))
        out.flush()
        out.detach()  # atomic_file closes the file itself


# -- reading ----------------------------------------------------------------------------------

DEFAULT_GRAPH = Path("out") / "graph.ttl"  # what validate and reason read when given no file
_FORMAT_BY_SUFFIX = {".nt": "nt", ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml", ".owl": "xml",
                     ".xml": "xml", ".trig": "trig", ".nq": "nquads"}


def parser_problem(exc: Exception) -> str:
    """rdflib's parse error in one line: 'at line 3 of <>:' then, on the next line, what is
    wrong ('Bad syntax (expected directive or statement) at ^ in: <the bytes>')."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()] or [type(exc).__name__]
    where = lines[0].replace(" of <>", "")
    if where.endswith(":") and len(lines) > 1:
        return f"{where} {lines[1].split(' at ^ in:')[0]}"
    return where


def read_graph_file(path: Path | str | None = None) -> tuple[Graph, Path]:
    """A graph file (default ``out/graph.ttl``; format from the suffix, else Turtle) and its
    path; a missing or unreadable file is one HmicError line."""
    path = Path(path) if path is not None else DEFAULT_GRAPH
    if not path.exists():
        raise HmicError(str(path), "no such graph file (run 'hmic-graph build' first)")
    if not path.is_file():  # a directory, or a device or pipe that would be read forever
        raise HmicError(str(path), "not a regular file, not a graph file")
    graph = Graph()
    try:
        graph.parse(path, format=_FORMAT_BY_SUFFIX.get(path.suffix.lower(), "turtle"))
    except OSError as exc:
        raise HmicError(str(path), f"cannot read ({exc.strerror or exc})") from None
    except Exception as exc:  # rdflib raises many parser-specific types
        raise HmicError(str(path), f"cannot read RDF: {parser_problem(exc)}") from None
    if not len(graph):  # "conforms" or "consistent" over nothing would mislead
        raise HmicError(str(path), "no triples in this graph file: nothing to check")
    return graph, path
