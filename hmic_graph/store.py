"""The embedded pyoxigraph store of a build (``DIR/store/``) and safe parameterised queries.

Named graphs: one per report (``id/graph/report/<report-id>``), ``id/graph/ontology``
(hmic.ttl), ``id/graph/taxonomy`` (grades, forces, issues, organisations ...) and
``id/graph/links/<force-id>`` (follow-up links between a force's reports). Queries see the
union of all graphs as their default graph; the same triple in two graphs (a force's label
in a report graph and in the gazetteer) then matches twice, so queries should use SELECT
DISTINCT.

Only one process may open a store read-write; queries open it read-only.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from . import vocab
from .model import HmicError
from .serialize import atomic_write, default_mode, ntriples_lines
from .sparql import load as sparql

STORE_DIRNAME = "store"
STATE_FILE = "store-state.json"  # which version of each report graph the store holds
# What 'reason' writes into a build directory beside the graph it reasoned over, and into the
# store as id/graph/inferred: inferences from the data of that build, dropped by a build that
# changes the data (StagedStore.commit).
INFERRED_FILE = "inferred.ttl"
ONTOLOGY_FILE = "hmic.ttl"  # the only ontology file; the other ontology/*.ttl are taxonomy data
# bulk_load holds a call's quads in memory (~570 bytes each): one call for 3 M quads peaked at
# 1.7 GB, calls of 250,000 quads at 0.46 GB for ~25 % more time (bench/RESULTS.md).
BULK_LOAD_QUADS = 250_000

Term = ox.NamedNode | ox.BlankNode | ox.Literal


def store_path(build_dir: Path) -> Path:
    """Accept either a build directory or the store directory itself."""
    build_dir = Path(build_dir)
    return build_dir if (build_dir / "CURRENT").exists() else build_dir / STORE_DIRNAME


def open_store(build_dir: Path, read_only: bool = True) -> ox.Store:
    path = store_path(build_dir)
    if not path.exists():
        raise HmicError(str(build_dir), "no store here: run 'hmic-graph build' first")
    try:
        return ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
    except OSError as exc:
        raise HmicError(str(path), f"cannot open the store ({exc})") from None


GraphSource = Graph | Sequence[str] | Callable[[], Iterable[str] | bytes]


def graph_lines(graph: GraphSource) -> Iterable[str]:
    """N-Triples lines of an rdflib graph, a list of lines, or a function giving them or
    their UTF-8 text (read only when the graph's turn to be loaded comes, so callers need not
    hold them all)."""
    if isinstance(graph, Graph):
        return ntriples_lines(graph, sort=False)
    lines = graph() if callable(graph) else graph
    if isinstance(lines, bytes):
        return lines.decode("utf-8").split("\n") if lines else []
    return lines


def _scoped_blank_nodes(line: str, number: int) -> str:
    """Blank node labels are scoped to one document; graphs loaded separately never shared a
    blank node, so in one N-Quads stream each graph's labels get the graph's number."""
    if "_:" not in line:
        return line
    subject, predicate, rest = line.split(" ", 2)
    if subject.startswith("_:"):
        subject = f"_:g{number}x{subject[2:]}"
    if rest.startswith("_:"):
        rest = f"_:g{number}x{rest[2:]}"
    return f"{subject} {predicate} {rest}"


def _nquads(graphs: Iterable[tuple[URIRef, GraphSource]],
            piece: int = 20_000) -> Iterator[tuple[int, int, bytes]]:
    """N-Quads, one graph at a time: each N-Triples line with its graph name before the dot,
    in pieces of at most ``piece`` lines (graph number, quads in the piece, bytes), so a large
    graph (the links of a whole corpus) is never one string in memory."""
    for number, (name, graph) in enumerate(graphs):
        suffix = f" <{name}> .\n"
        if callable(graph) and not isinstance(graph, Graph):
            graph = graph()
            if isinstance(graph, bytes):
                quads = _quads_of_text(graph, suffix.encode("utf-8"))
                if quads is not None:
                    if quads[0]:
                        yield number, *quads
                    continue
        lines: list[str] = []
        for line in graph_lines(graph):
            if line and not line.startswith("#"):
                lines.append(_scoped_blank_nodes(line, number)[:-1].rstrip() + suffix)
                if len(lines) >= piece:
                    yield number, len(lines), "".join(lines).encode("utf-8")
                    lines = []
        if lines:
            yield number, len(lines), "".join(lines).encode("utf-8")


def _quads_of_text(text: bytes, suffix: bytes) -> tuple[int, bytes] | None:
    """A graph's N-Triples text as N-Quads in one pass of bytes.replace (a tenth of the time of
    the line by line path, which is for blank nodes, comments and other layouts: None)."""
    if b"_:" in text or b"#" in text[:1] or b"\n#" in text or b"\n\n" in text:
        return None
    if not text:
        return 0, b""
    text = text if text.endswith(b"\n") else text + b"\n"
    lines = text.count(b"\n")
    quads = text.replace(b" .\n", suffix)
    return (lines, quads) if quads.count(suffix) == lines else None


def _batches(pieces: Iterator[tuple[int, int, bytes]], quads: int) -> Iterator[Iterator[bytes]]:
    """The pieces in consecutive groups of about ``quads`` quads, each group an iterator read
    lazily. Groups end only between graphs: bulk_load gives each call's blank nodes fresh
    identities, so a graph split over two calls would lose its blank nodes' joins."""
    pending = next(pieces, None)
    while pending is not None:
        def group() -> Iterator[bytes]:
            nonlocal pending
            total, graph = 0, pending[0]
            while pending is not None and (pending[0] == graph or total + pending[1] <= quads):
                total, graph = total + pending[1], pending[0]
                yield pending[2]
                pending = next(pieces, None)
        batch = group()
        yield batch
        for _ in batch:  # a caller that stopped early: skip the rest of the group
            pass


class _ChunkReader(io.RawIOBase):
    """A binary file over an iterator of byte chunks, so bulk_load streams them."""

    def __init__(self, chunks: Iterator[bytes]):
        self.chunks, self.pending, self.offset = chunks, memoryview(b""), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        # An offset into the current chunk, not a re-slice: slicing a large chunk on every
        # read copied its remainder each time (quadratic in the chunk's size).
        while self.offset >= len(self.pending):
            chunk = next(self.chunks, None)
            if chunk is None:
                return 0
            self.pending, self.offset = memoryview(chunk), 0
        n = min(len(buffer), len(self.pending) - self.offset)
        buffer[:n] = self.pending[self.offset:self.offset + n]
        self.offset += n
        return n


class StagingStopped(Exception):
    """stage_build was told to stop (its ``stop`` returned true between two bulk loads)."""


def _load_graphs(store: ox.Store, graphs: Iterable[tuple[URIRef, GraphSource]], *,
                 stop: Callable[[], bool] | None = None) -> None:
    """All named graphs by bulk_load of streamed N-Quads, whole graphs in calls of about
    BULK_LOAD_QUADS quads; ``stop`` is asked before each call (a call cannot be interrupted).

    bulk_load writes straight to disk: a third of the time and half the memory of the
    transactional load (the store is new and swapped in whole, so nothing needs undoing).
    Few calls instead of one per graph save its fixed cost per call; not one call for all,
    since a call keeps all its quads in memory. A graph is never split between calls, so its
    blank nodes stay one document's.
    """
    for batch in _batches(_nquads(graphs), BULK_LOAD_QUADS):
        if stop is not None and stop():
            raise StagingStopped("the build stopped")
        store.bulk_load(io.BufferedReader(_ChunkReader(batch), buffer_size=1 << 20),
                        format=ox.RdfFormat.N_QUADS)


def _update_graph(store: ox.Store, name: URIRef, graph: GraphSource) -> bool:
    """Make the named graph hold exactly ``graph``'s triples by removing the quads it no longer
    has and adding the new ones. False, with the graph emptied, when ``graph`` has blank
    nodes (they cannot be matched between two loads) or differs in more than half of its
    triples: the caller loads it afresh."""
    node = ox.NamedNode(str(name))
    new = _stored_lines(graph)
    if new is None:
        store.remove_graph(node)
        return False
    old = set(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=node).split(b"\n"))
    old.discard(b"")
    removed, added = old - new, new - old
    if len(removed) > len(old) // 2 or any(b"_:" in line for line in removed):
        # Mostly new (a changed IRI scheme, say): one quad per transaction would be slower
        # than clearing the graph and bulk-loading it. Blank nodes in the old graph: removing
        # them by the label read back relies on the parser keeping labels; not relied on.
        store.remove_graph(node)
        return False
    for triple in (ox.parse(b"\n".join(removed), format=ox.RdfFormat.N_TRIPLES) if removed else ()):
        store.remove(ox.Quad(triple.subject, triple.predicate, triple.object, node))
    if added:
        store.extend(ox.Quad(t.subject, t.predicate, t.object, node)
                     for t in ox.parse(b"\n".join(added), format=ox.RdfFormat.N_TRIPLES))
    return True


def _update_changed(store: ox.Store, graphs: Mapping[str, GraphSource], keys: Mapping[str, str],
                    old_keys: Mapping[str, str], name_of: Callable[[str], URIRef]) -> list[str]:
    """Bring the store's graphs of a previous build up to ``graphs``: a graph whose key changed
    is updated by its difference, one no longer given is removed. Returns the ids of the graphs
    to load afresh: new ones, and changed ones _update_graph would not update."""
    reload = {gid for gid in sorted(graphs) if gid in old_keys and old_keys[gid] != keys[gid]
              and not _update_graph(store, name_of(gid), graphs[gid])}
    for gid in sorted(gid for gid in old_keys if keys.get(gid) is None):
        store.remove_graph(ox.NamedNode(str(name_of(gid))))
    return sorted(gid for gid in graphs if gid not in old_keys or gid in reload)


def _stored_lines(graph: GraphSource) -> set[bytes] | None:
    """A graph's triples as N-Triples lines written as the store writes them back, or None
    when it has blank nodes. Oxigraph keeps some literals in a canonical form (a
    positiveInteger becomes an xsd:integer), so our own lines would never match its."""
    if callable(graph) and not isinstance(graph, Graph):
        graph = graph()
    text = graph if isinstance(graph, bytes) else "\n".join(graph_lines(graph)).encode("utf-8")
    if b"_:" in text:
        return None
    scratch = ox.Store()  # in memory
    scratch.load(text, format=ox.RdfFormat.N_TRIPLES)
    lines = set(scratch.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).split(b"\n"))
    lines.discard(b"")
    return lines


def _load_files(store: ox.Store, files: list[Path], name: URIRef) -> None:
    for path in files:
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(name)))


def _files_key(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _read_state(path: Path) -> dict | None:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and isinstance(state.get("graphs"), dict) else None


@dataclass
class StagedStore:
    """A build's store written in a temporary directory, not yet in place (stage_build)."""

    build_dir: Path
    tmp: Path
    state: dict | None
    # True when the store holds what the previous one held (an incremental build that changed
    # no report and no links): reason's inferences from it still hold and are kept.
    same_data: bool = False
    # Wall seconds of the staging by part: copy (checkpoint of the previous store), update
    # (changed graphs by their difference), load (bulk loads), wait (for links given later),
    # compact, flush.
    seconds: dict[str, float] = field(default_factory=dict)

    def commit(self) -> Path:
        """Swap the staged store in place of the previous one; returns its directory."""
        final, state_path = self.build_dir / STORE_DIRNAME, self.build_dir / STATE_FILE
        try:
            state_path.unlink(missing_ok=True)  # it describes the store in place: gone while swapping
            old = None
            if final.exists():
                old = Path(tempfile.mkdtemp(prefix=".store-old.", dir=self.build_dir))
                final.rename(old / STORE_DIRNAME)
            (self.tmp / STORE_DIRNAME).rename(final)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
            if self.state is not None:
                atomic_write(state_path, json.dumps(self.state, sort_keys=True))
            if not self.same_data:  # the store's id/graph/inferred went in stage_build
                (self.build_dir / INFERRED_FILE).unlink(missing_ok=True)
        finally:
            self.discard()
        return final

    def discard(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def load_build(build_dir: Path, report_graphs: Mapping[str, GraphSource],
               links: Mapping[str, GraphSource], ontology_files: list[Path],
               keys: Mapping[str, str] | None = None,
               link_keys: Mapping[str, str] | None = None) -> Path:
    """Write the store of a build in a temporary directory, then swap it in place of the
    previous one: a build that fails leaves the previous store intact (stage_build, then
    StagedStore.commit)."""
    both = keys is not None and link_keys is not None  # keys of one kind alone: a full load
    return stage_build(build_dir, report_graphs, lambda: (links, link_keys if both else None), ontology_files,
                       keys if both else None).commit()


Links = Mapping[str, GraphSource]
LinkKeys = Mapping[str, str] | None


def stage_build(build_dir: Path, report_graphs: Mapping[str, GraphSource],
                links: Callable[[], tuple[Links, LinkKeys]], ontology_files: list[Path],
                keys: Mapping[str, str] | None = None, stop: Callable[[], bool] | None = None) -> StagedStore:
    """Write the store of a build in a temporary directory of ``build_dir``, to be swapped in
    by ``commit()`` (or dropped by ``discard()``) of the StagedStore returned. The previous
    store is read, never changed, so this may run while other stages still write.

    ``report_graphs``: report id → its graph (an rdflib Graph, N-Triples lines or a function
    returning them or their text); ``links``: a function returning force id → its follow-up
    links (the same way) and ``link_keys``, called once the report graphs are in (a build
    loads its reports while it links them; what it raises, this raises).
    ``keys`` and ``link_keys``: report id / force id → a key that changes whenever its
    triples change (both or neither). With both, and a previous store whose state file (``store-state.json``,
    written after each swap) has the same ontology files, the previous store is checkpointed
    into the temporary directory (hard links, no copy) and only the graphs of changed, new and
    removed reports and forces are replaced there; otherwise every graph is loaded afresh.
    ``stop``, asked between bulk loads and before the compaction: when it returns true the
    staging is dropped and StagingStopped raised (a build that fails while its store loads
    need not wait for all of it).
    """
    build_dir = Path(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    final = build_dir / STORE_DIRNAME
    state_path = build_dir / STATE_FILE
    ontology_key = _files_key(ontology_files)
    previous = _read_state(state_path) if keys is not None and final.exists() else None
    if previous is not None and (previous.get("ontology") != ontology_key
                                 or not isinstance(previous.get("links"), dict)):
        previous = None  # other ontology files, or a store from before per-force links graphs
    tmp = Path(tempfile.mkdtemp(prefix=".store.", dir=build_dir))
    work = tmp / STORE_DIRNAME
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(part: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[part] = seconds.get(part, 0.0) + now - clock
        clock = now

    try:
        os.chmod(tmp, default_mode(directory=True))
        if previous is not None:
            old_keys: dict[str, str] = previous["graphs"]
            old_links: dict[str, str] = previous["links"]
            source = ox.Store.read_only(str(final))
            source.backup(str(work))
            del source
            store = ox.Store(str(work))
            lap("copy")
            # A changed graph is updated by its difference (what a rebuild changes is mostly a
            # few line numbers): replacing it whole left a tombstone for every old quad and a
            # bulk load's files over every index, which slowed every force's follow-up query
            # by 50-80 % until a full compaction (~12 s at 1,000 reports); by difference, ~20 %
            # (bench/RESULTS.md).
            todo = _update_changed(store, report_graphs, keys, old_keys, vocab.report_graph_name)
            lap("update")
        else:
            store = ox.Store(str(work))
            todo = sorted(report_graphs)
        _load_graphs(store, ((vocab.report_graph_name(rid), report_graphs[rid]) for rid in todo), stop=stop)
        lap("load")
        link_graphs, link_keys = links()
        lap("wait")
        if (keys is None) != (link_keys is None):
            raise ValueError("stage_build: keys for both the reports and the links, or for neither")
        if previous is not None:
            todo_links = _update_changed(store, link_graphs, link_keys, old_links, vocab.links_graph_name)
            lap("update")
        else:
            todo_links = sorted(link_graphs)
        _load_graphs(store, ((vocab.links_graph_name(f), link_graphs[f]) for f in todo_links), stop=stop)
        same_data = previous is not None and dict(keys) == old_keys and dict(link_keys) == old_links
        inferred = ox.NamedNode(str(vocab.GRAPH_INFERRED))
        if previous is not None and not same_data and store.contains_named_graph(inferred):
            # reason's inferences were drawn from the data this build changed: stale now.
            store.remove_graph(inferred)
        if previous is None:
            _load_files(store, [p for p in ontology_files if p.name == ONTOLOGY_FILE], vocab.GRAPH_ONTOLOGY)
            _load_files(store, [p for p in ontology_files if p.name != ONTOLOGY_FILE], vocab.GRAPH_TAXONOMY)
        lap("load")
        if stop is not None and stop():
            raise StagingStopped("the build stopped")
        if previous is None:
            # Each bulk_load call leaves its own files; compacting them once makes queries on
            # the fresh store ~3x faster (100 reports: 81 files → about 20, followup.rq 35 → 11 ms,
            # for 2 s). Incremental updates add only a few files and skip this.
            store.optimize()
            lap("compact")
        store.flush()
        del store  # release RocksDB's lock before the directory moves
        lap("flush")
    except BaseException as exc:
        # Closed first: an open store's background work writes files after the removal. The
        # frames of the failed calls (in the traceback) hold it too: their locals go as well.
        store = None  # noqa: F841
        traceback.clear_frames(exc.__traceback__)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    state = ({"ontology": ontology_key, "graphs": dict(keys), "links": dict(link_keys)}
             if keys is not None and link_keys is not None else None)
    return StagedStore(build_dir, tmp, state, seconds=seconds, same_data=same_data)


def to_ox(value: object) -> Term:
    """rdflib term, pyoxigraph term or plain Python value → pyoxigraph term.

    A plain ``str`` is always a string literal, never an IRI: user input cannot become a
    resource by accident. Pass a ``URIRef`` for an IRI.
    """
    if isinstance(value, (ox.NamedNode, ox.BlankNode, ox.Literal)):
        return value
    if isinstance(value, URIRef):
        return ox.NamedNode(str(value))
    if isinstance(value, BNode):
        return ox.BlankNode(str(value))
    if isinstance(value, Literal):
        if value.language:
            return ox.Literal(str(value), language=value.language)
        if value.datatype is not None:
            return ox.Literal(str(value), datatype=ox.NamedNode(str(value.datatype)))
        return ox.Literal(str(value))
    if isinstance(value, (bool, int, float, str)):
        return to_ox(Literal(value))
    raise TypeError(f"cannot bind {value!r} as an RDF term")


_MISSING = object()


def to_rdflib(term: object) -> Node | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        if dt == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(dt))
    raise TypeError(f"unexpected term from the store: {term!r}")


_XSD = "http://www.w3.org/2001/XMLSchema#"
# A derived XSD type → the type Oxigraph keeps its values as, and the values the derived type
# allows (integers: inclusive bounds, None for no bound).
_KEPT_AS: dict[str, tuple[str, tuple[int | None, int | None] | None]] = {
    "positiveInteger": ("integer", (1, None)),
    "nonNegativeInteger": ("integer", (0, None)),
    "negativeInteger": ("integer", (None, -1)),
    "nonPositiveInteger": ("integer", (None, 0)),
    "long": ("integer", (-2**63, 2**63 - 1)),
    "int": ("integer", (-2**31, 2**31 - 1)),
    "short": ("integer", (-2**15, 2**15 - 1)),
    "byte": ("integer", (-2**7, 2**7 - 1)),
    "unsignedLong": ("integer", (0, 2**64 - 1)),
    "unsignedInt": ("integer", (0, 2**32 - 1)),
    "unsignedShort": ("integer", (0, 2**16 - 1)),
    "unsignedByte": ("integer", (0, 2**8 - 1)),
    "dateTimeStamp": ("dateTime", None),
}


def declared_datatypes(store: ox.Store) -> dict[str, str]:
    """Property IRI → the derived datatype the store's ontology declares as its range, for
    the datatypes Oxigraph keeps as their base type (sparql/declared-datatypes.rq)."""
    declared: dict[str, str] = {}
    for row in _run(store, sparql("declared-datatypes"), {"ontology": URIRef(str(vocab.GRAPH_ONTOLOGY))}):
        if row["datatype"].value[len(_XSD):] in _KEPT_AS:
            declared.setdefault(row["property"].value, row["datatype"].value)
    return declared


def with_declared_datatype(predicate: ox.NamedNode, value: Term, declared: Mapping[str, str]) -> Term:
    """``value`` with the datatype declared for ``predicate`` when the store gave it back as
    that type's base type and the value fits it; otherwise ``value`` unchanged."""
    wanted = declared.get(predicate.value)
    if wanted is None or not isinstance(value, ox.Literal):
        return value
    base, bounds = _KEPT_AS[wanted[len(_XSD):]]
    if value.datatype.value != _XSD + base:
        return value
    if bounds is not None:
        low, high = bounds
        try:
            number = int(value.value)
        except ValueError:  # an ill-typed literal, kept as written
            return value
        if (low is not None and number < low) or (high is not None and number > high):
            return value
    elif wanted.endswith("dateTimeStamp") and not re.search(r"(Z|[+-]\d\d:\d\d)$", value.value):
        return value  # a dateTimeStamp must carry a time zone
    return ox.Literal(value.value, datatype=ox.NamedNode(wanted))


def values_clause(bindings: Mapping[str, object]) -> str:
    """A VALUES block binding each variable to one term.

    Each value becomes a pyoxigraph term first, which validates IRIs and escapes literals
    (N-Triples syntax), so a value can never add syntax to the query.
    """
    names, terms = [], []
    for name, value in sorted(bindings.items()):
        if not name.isidentifier():
            raise ValueError(f"not a SPARQL variable name: {name!r}")
        names.append(f"?{name}")
        terms.append(str(to_ox(value)))
    return f"\nVALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }}\n"


_SKIP = re.compile(r"""
    \#[^\n]*                                 # comment
  | '\'\'(?:[^'\\]|\\.|'(?!''))*'\'\'          # long strings
  | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
  | '(?:[^'\\\n]|\\.)*'                      # strings
  | "(?:[^"\\\n]|\\.)*"
  | <[^<>"{}|^`\\\s]*>                       # IRIs
""", re.X)
_CONSTRUCT_TEMPLATE = re.compile(r"\bCONSTRUCT\s*$", re.I)


def _where_group_start(sparql: str) -> int:
    """Offset just after the '{' opening the query's outer WHERE group.

    Comments, strings and IRIs are skipped; a CONSTRUCT template (the group right after
    the CONSTRUCT keyword) is stepped over. Raises HmicError when there is no group.
    """
    depth, pos, in_template, code = 0, 0, False, []
    while pos < len(sparql):
        m = _SKIP.match(sparql, pos)
        if m:
            pos = m.end()
            code.append(" ")
            continue
        ch = sparql[pos]
        if ch == "{" and depth == 0:
            if not in_template and _CONSTRUCT_TEMPLATE.search("".join(code)):
                in_template = True
            elif not in_template:
                return pos + 1
        if ch == "{":
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
            if depth == 0 and in_template:
                in_template = False
                code = []  # the template is done: look for the next top-level group
        code.append(ch)
        pos += 1
    raise HmicError("query", "no WHERE { ... } group to bind parameters in")


def bind(sparql: str, bindings: Mapping[str, object] | None) -> str:
    """The query with a VALUES block of typed terms at the top of its outer WHERE group.

    There, the engine uses the values from the start and inside aggregates; a trailing
    VALUES would only be joined after GROUP BY (SPARQL 1.1, 18.2.4.3), silently adding
    columns to aggregated rows instead of filtering them. (pyoxigraph's own substitutions
    require the variables to be projected, which parameters usually are not.)
    """
    if not bindings:
        return sparql
    at = _where_group_start(sparql)
    return sparql[:at] + values_clause(bindings) + sparql[at:]


# An update's first keyword, after any comments, PREFIX and BASE: Store.query reads it as a
# query with a syntax error ('expected CONSTRUCT'), which does not tell the user why.
_UPDATE_START = re.compile(
    r"(?:\s|#[^\n]*(?:\n|$))*(?:(?:PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s*<[^>]*>)(?:\s|#[^\n]*(?:\n|$))*)*"
    r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.I)


def _run(store: ox.Store, sparql: str, bindings: Mapping[str, object] | None):
    try:
        return store.query(bind(sparql, bindings), use_default_graph_as_union=True,
                           prefixes=dict(vocab.PREFIXES))
    except SyntaxError as exc:
        update = _UPDATE_START.match(sparql)
        if update:
            raise HmicError("query", f"{update.group(1).upper()} is a SPARQL update: the store is only "
                                     "read here, never changed (give a query)") from None
        raise HmicError("query", f"SPARQL syntax error: {exc}") from None


def select(store: ox.Store, sparql: str, bindings: Mapping[str, object] | None = None) -> list[dict[str, Node | None]]:
    """Run a SELECT with variables bound to terms; rows as {variable: rdflib term or None}."""
    result = _run(store, sparql, bindings)
    if not isinstance(result, ox.QuerySolutions):
        raise HmicError("query", "not a SELECT query")
    names = [v.value for v in result.variables]
    # Rows repeat terms (a finding on each of its follow-ups, reports, statuses): each distinct
    # term is converted once (rdflib parses typed literals' values on construction).
    converted: dict[object, Node | None] = {None: None}
    get = converted.get
    rows = []
    # A solution iterated gives its values in the order of result.variables: half the time of
    # looking each one up by name (the by-name lookups were a tenth of queries/followup.rq's
    # time on a 1,000-report store).
    for solution in result:
        row: dict[str, Node | None] = {}
        for name, value in zip(names, solution):
            found = get(value, _MISSING)
            if found is _MISSING:
                found = converted[value] = to_rdflib(value)
            row[name] = found  # type: ignore[assignment]
        rows.append(row)
    return rows


def construct(store: ox.Store, sparql: str, bindings: Mapping[str, object] | None = None) -> Graph:
    result = _run(store, sparql, bindings)
    if not isinstance(result, ox.QueryTriples):
        raise HmicError("query", "not a CONSTRUCT or DESCRIBE query")
    g = Graph()
    for t in result:
        g.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return g


def ask(store: ox.Store, sparql: str, bindings: Mapping[str, object] | None = None) -> bool:
    result = _run(store, sparql, bindings)
    if not isinstance(result, ox.QueryBoolean):
        raise HmicError("query", "not an ASK query")
    return bool(result)


def graph_names(store: ox.Store) -> list[str]:
    return sorted(g.value for g in store.named_graphs())
