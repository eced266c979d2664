"""SHACL validation of a build: core shapes per report (pySHACL, in parallel), SHACL-SPARQL
constraints once over the whole graph (pyoxigraph), and a readable verdict.

Why split: pySHACL's cost grows with the data graph, and its SHACL-SPARQL constraints run
through rdflib's SPARQL engine, which joins the pre-bound ``$this`` only after evaluating
the whole pattern: on a real 7,000-triple report one constraint took 25 s (the blow-up of
pySHACL issue #237). So:

* node and property shapes (cardinalities, datatypes, classes, patterns, ranges) are
  checked by pySHACL on each report's own triples plus the ontology files, one report per
  process when there are several;
* every ``sh:sparql`` constraint (``shapes/rules.ttl``: report-local, and
  ``shapes/cross-report.ttl``) is run once as plain SPARQL on pyoxigraph over the whole
  graph, joined with the shape's targets; the shapes stay standard SHACL-SPARQL, so any
  SHACL engine gives the same results (the tests check that against pySHACL).

Both produce ``sh:ValidationResult`` nodes, gathered into one results graph
(``DIR/validation.ttl``) and a readable report grouped by shape and focus node
(``DIR/validation.txt``).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS
from rdflib.term import Node

from . import vocab
from .resources import ontology_files, shape_files
from .serialize import atomic_write, ntriples_lines, read_graph_file, turtle_text
from .store import GraphSource, graph_lines, to_ox, to_rdflib
from .vocab import HMIC, PREFIXES, SH
from .workers import worker_pool

RESULTS_FILE = "validation.ttl"
TEXT_FILE = "validation.txt"
# Below this many report graphs a process pool costs more than it saves.
PARALLEL_MIN_UNITS = 4
OTHER_UNIT = "(not in any report)"
HMSH = str(vocab.HMSH)


@dataclass(frozen=True)
class Problem:
    """One SHACL result, described for a person: what, where in the graph and in the source."""

    severity: str  # 'Violation', 'Warning' or 'Info'
    shape: str  # IRI of the node shape that groups it
    shape_label: str
    focus: str
    focus_label: str
    message: str
    path: str | None = None
    value: str | None = None
    source: str | None = None  # source file of the focus node's report
    lines: str | None = None  # '120-124'

    def sort_key(self) -> tuple[str, ...]:
        return (self.severity != "Violation", self.shape_label, self.focus, self.message,
                self.path or "", self.value or "")


@dataclass
class ValidationResult:
    conforms: bool
    violations: list[Problem]
    warnings: list[Problem]
    infos: list[Problem] = field(default_factory=list)
    results_graph: Graph = field(default_factory=Graph)
    text: str = ""
    seconds: float = 0.0
    units: int = 0  # report graphs validated one by one
    cached_units: int = 0  # of which results came from the cache (validate_reports)
    results_path: Path | None = None
    text_path: Path | None = None

    def __bool__(self) -> bool:
        return self.conforms

    @property
    def exit_code(self) -> int:
        """0 when there is no violation (warnings allowed), 1 otherwise."""
        return 0 if self.conforms else 1


# ---------------------------------------------------------------------------------------
# Shapes and context
# ---------------------------------------------------------------------------------------


def _parse_files(paths: list[Path]) -> Graph:
    g = Graph()
    for path in paths:
        g.parse(path, format="turtle")
    return g


@lru_cache(maxsize=1)
def all_shapes() -> Graph:
    """Every shape file: for labels and prefixes, and what any SHACL engine would run."""
    return _parse_files(shape_files())


@lru_cache(maxsize=1)
def local_shapes() -> Graph:
    """The shapes pySHACL checks per report: everything but the sh:sparql constraints
    (those run on pyoxigraph, see run_sparql_constraints)."""
    g = Graph()
    g += all_shapes()
    for triple in list(g.triples((None, SH.sparql, None))):
        g.remove(triple)
    return g


@lru_cache(maxsize=1)
def context_graph() -> Graph:
    """Ontology, grade scales, taxonomy and gazetteer files, whole (for labels)."""
    return _parse_files(ontology_files())


# What the core shapes need besides a report's own triples: the class hierarchy (sh:class and
# sh:targetClass follow rdfs:subClassOf), the types of shared nodes, grade schemes and labels.
_CONTEXT_PREDICATES = (RDF.type, RDFS.subClassOf, RDFS.label, SKOS.prefLabel, SKOS.inScheme,
                       HMIC.gradeScale)


@lru_cache(maxsize=1)
def shape_context() -> Graph:
    """The slice of ``context_graph()`` the shapes need: a third of it, so each report's
    validation copies and scans less."""
    full = context_graph()
    g = Graph()
    for p in _CONTEXT_PREDICATES:
        for s, o in full.subject_objects(p):
            g.add((s, p, o))
    return g


# ---------------------------------------------------------------------------------------
# Splitting a graph into report-local units
# ---------------------------------------------------------------------------------------


def report_owners(data: Graph) -> dict[Node, Node]:
    """Node → the report it belongs to: the report itself and whatever is hmic:inReport it."""
    owner: dict[Node, Node] = {}
    for r in data.subjects(RDF.type, HMIC.InspectionReport):
        owner[r] = r
    for node, r in data.subject_objects(HMIC.inReport):
        owner.setdefault(node, r)
    return owner


def split_by_report(data: Graph, owner: dict[Node, Node] | None = None) -> dict[str, Graph]:
    """One graph per inspection report: its own nodes (the report and everything
    ``hmic:inReport`` it) plus the shared nodes they reach (force, areas, grades, national
    counts, source document ...), never another report's nodes. Triples no report reaches
    form one more unit (OTHER_UNIT), so nothing escapes validation."""
    owner = report_owners(data) if owner is None else owner
    units = {key: report_unit(data, owner, key) for key in unit_keys(owner)}
    return {k: g for k, g in units.items() if len(g)}


def unit_keys(owner: dict[Node, Node]) -> list[str]:
    return sorted({str(r) for r in owner.values()}) + [OTHER_UNIT]


def report_unit(data: Graph, owner: dict[Node, Node], key: str) -> Graph:
    """The unit of one report (``key`` = its IRI), or of what no report reaches."""
    if key != OTHER_UNIT:
        report = URIRef(key)
        return _subgraph(data, _reach(data, [n for n, r in owner.items() if r == report], owner, report))
    # Whatever some report's unit reaches, in one walk over all report nodes at once (each
    # report's walk stops at other reports' nodes, but those are roots of their own walk).
    covered = _reach(data, list(owner), {}, None)
    rest = [s for s in set(data.subjects()) if s not in covered]
    return _subgraph(data, _reach(data, rest, owner, None)) if rest else Graph()


def _reach(data: Graph, start: list[Node], owner: dict[Node, Node], report: Node | None) -> set[Node]:
    seen = set(start)
    todo = list(start)
    while todo:
        node = todo.pop()
        for o in data.objects(node, None):
            if isinstance(o, Literal) or o in seen:
                continue
            if owner.get(o, report) != report:
                continue  # another report's node: a cross-report reference
            seen.add(o)
            todo.append(o)
    return seen


def _subgraph(data: Graph, nodes: set[Node]) -> Graph:
    g = Graph()
    for s in nodes:
        for p, o in data.predicate_objects(s):
            g.add((s, p, o))
    return g


# ---------------------------------------------------------------------------------------
# Core shapes per report (pySHACL)
# ---------------------------------------------------------------------------------------


def validate_unit(unit: Graph, in_place: bool = False) -> Graph:
    """pySHACL (core shapes) on one unit plus the shape context → SHACL results graph.
    With ``in_place`` the context is added to ``unit`` itself (saves a copy)."""
    data = unit if in_place else Graph()
    if not in_place:
        data += unit
    data += shape_context()
    shapes = local_shapes()
    _, results, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", inplace=True, allow_warnings=True
    )
    # Group each result under its node shape: anonymous property shapes mean nothing outside
    # this process, and a shared property shape belongs to the node shape of the focus's class.
    for r, shape in list(results.subject_objects(SH.sourceShape)):
        if isinstance(shape, BNode) or (shape, RDF.type, SH.PropertyShape) in shapes:
            focus = results.value(r, SH.focusNode)
            results.set((r, SH.sourceShape, _node_shape(shapes, shape, data, focus)))
    return results


# Set in the parent just before forking and inherited by the workers, so no graph is
# pickled or re-parsed; each worker cuts its own report's unit out of the whole graph.
_FORK_STATE: tuple[Graph, dict[Node, Node]] | None = None


def _validate_unit_in_worker(key: str) -> str:
    assert _FORK_STATE is not None
    data, owner = _FORK_STATE
    unit = report_unit(data, owner, key)
    return validate_unit(unit, in_place=True).serialize(format="nt") if len(unit) else ""


def validate_per_report(data: Graph, workers: int | None = None) -> tuple[Graph, int]:
    """Core shapes report by report, in parallel over cores when there are several
    reports; returns the merged results and the number of reports."""
    global _FORK_STATE
    owner = report_owners(data)
    keys = unit_keys(owner)
    reports = len(keys) - 1
    cores = os.cpu_count() or 1
    workers = min(cores, reports) if workers is None else workers
    results = Graph()
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    if workers <= 1 or reports < PARALLEL_MIN_UNITS or not can_fork:
        # In one process, one pySHACL run over everything costs what one run per report
        # costs (core shapes are linear in the data) and skips the splitting.
        results += validate_unit(data)
        return results, reports
    local_shapes(), shape_context()  # parsed once here, inherited by the workers
    _FORK_STATE = (data, owner)
    try:
        context = multiprocessing.get_context("fork")
        with worker_pool(workers, context) as pool:
            for out in pool.map(_validate_unit_in_worker, keys):
                if out:
                    results.parse(data=out, format="nt")
    finally:
        _FORK_STATE = None
    return results, reports


# ---------------------------------------------------------------------------------------
# SHACL-SPARQL constraints (plain SPARQL on pyoxigraph, once over the whole graph)
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SparqlCheck:
    shape: URIRef
    severity: URIRef
    message: str
    query: str


@lru_cache(maxsize=1)
def sparql_checks() -> tuple[SparqlCheck, ...]:
    """Each sh:sparql constraint of the shapes as one query whose ``?this`` ranges over the
    shape's targets (a join replaces pySHACL's per-focus-node pre-binding of ``$this``)."""
    shapes = all_shapes()
    prefixes = _declared_prefixes(shapes)
    header = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(prefixes.items()))
    checks = []
    for shape in sorted(set(shapes.subjects(SH.sparql, None)), key=str):
        if (shape, SH.deactivated, Literal(True)) in shapes:
            continue
        targets = _target_patterns(shapes, shape)
        if not targets:
            continue
        severity = shapes.value(shape, SH.severity) or SH.Violation
        constraints = sorted(shapes.objects(shape, SH.sparql), key=lambda c: str(shapes.value(c, SH.select)))
        for constraint in constraints:
            select = shapes.value(constraint, SH.select)
            if select is None or (constraint, SH.deactivated, Literal(True)) in shapes:
                continue
            message = shapes.value(constraint, SH.message) or shapes.value(shape, SH.message)
            query = (f"{header}SELECT * WHERE {{\n"
                     f"  {{ SELECT DISTINCT ?this WHERE {{ {' UNION '.join(targets)} }} }}\n"
                     f"  {{ {select} }}\n}}")
            checks.append(SparqlCheck(shape, severity, str(message or "does not conform"), query))
    return tuple(checks)


def _target_patterns(shapes: Graph, shape: Node) -> list[str]:
    """SPARQL group patterns binding ?this to the focus nodes of the shape's targets."""
    out = []
    for c in sorted(shapes.objects(shape, SH.targetClass), key=str):
        out.append(f"{{ ?this a/<{RDFS.subClassOf}>* <{c}> }}")
    for p in sorted(shapes.objects(shape, SH.targetSubjectsOf), key=str):
        out.append(f"{{ ?this <{p}> ?hmicTargetObject }}")
    for p in sorted(shapes.objects(shape, SH.targetObjectsOf), key=str):
        out.append(f"{{ ?hmicTargetSubject <{p}> ?this }}")
    for n in sorted(shapes.objects(shape, SH.targetNode), key=str):
        out.append(f"{{ VALUES ?this {{ {n.n3()} }} }}")
    return out


def _declared_prefixes(shapes: Graph) -> dict[str, str]:
    out: dict[str, str] = {}
    for decl in shapes.objects(None, SH.declare):
        prefix, ns = shapes.value(decl, SH.prefix), shapes.value(decl, SH.namespace)
        if prefix is not None and ns is not None:
            out[str(prefix)] = str(ns)
    return out


def _to_ox_store(data: Graph) -> ox.Store:
    """An in-memory store of the data plus the ontology files (read by pyoxigraph itself)."""
    store = ox.Store()
    store.bulk_extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in data)
    for path in ontology_files():
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


CROSS_REPORT_FILE = "cross-report.ttl"  # the shapes file whose rules span reports


@lru_cache(maxsize=1)
def cross_report_shapes() -> frozenset[URIRef]:
    """Shapes declared in shapes/cross-report.ttl: their rules join several reports' nodes.
    The other SHACL-SPARQL rules (shapes/rules.ttl) read one report and shared nodes only."""
    paths = [p for p in shape_files() if p.name == CROSS_REPORT_FILE]
    return frozenset(s for s in _parse_files(paths).subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef))


def run_sparql_constraints(store: ox.Store, scope: str = "all") -> Graph:
    """Each SHACL-SPARQL constraint once over the whole store → SHACL results.
    ``scope``: 'all', 'local' (report-local rules only) or 'cross' (cross-report only)."""
    results = Graph()
    cross = cross_report_shapes()
    for check in sparql_checks():
        if scope != "all" and (check.shape in cross) != (scope == "cross"):
            continue
        rows = store.query(check.query, use_default_graph_as_union=True)
        variables = [v.value for v in rows.variables]
        for row in rows:
            values = {v: to_rdflib(row[v]) for v in variables if row[v] is not None}
            focus = values.get("this")
            if focus is None:
                continue
            node = BNode()
            results.add((node, RDF.type, SH.ValidationResult))
            results.add((node, SH.focusNode, focus))
            results.add((node, SH.resultSeverity, check.severity))
            results.add((node, SH.sourceShape, check.shape))
            results.add((node, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
            results.add((node, SH.resultMessage, Literal(_fill_message(check.message, values))))
            if "value" in values:
                results.add((node, SH.value, values["value"]))
            if isinstance(values.get("path"), URIRef):
                results.add((node, SH.resultPath, values["path"]))
    return results


def _fill_message(template: str, values: Mapping[str, Node]) -> str:
    def sub(m: re.Match[str]) -> str:
        v = values.get(m.group(1))
        return "?" if v is None else _short(v) if isinstance(v, URIRef) else str(v)

    return re.sub(r"\{[?$](\w+)\}", sub, template)


# ---------------------------------------------------------------------------------------
# Putting it together
# ---------------------------------------------------------------------------------------


def validate_build(report_graphs: Mapping[str, Graph] | Graph, out_dir: Path | None = None,
                   store: ox.Store | None = None, workers: int | None = None) -> ValidationResult:
    """Validate a build and write ``validation.ttl`` and ``validation.txt`` to ``out_dir``.

    ``report_graphs``: one graph per report, or the whole data graph (split here by
    report). ``store``: the build's pyoxigraph store (data and ontology graphs) for the
    SHACL-SPARQL constraints; without one, the data and the ontology files are loaded into a
    temporary in-memory store.
    """
    started = time.perf_counter()
    if isinstance(report_graphs, Graph):
        data = report_graphs
    else:
        data = Graph()
        for g in report_graphs.values():
            data += g
    results, units = validate_per_report(data, workers)
    if store is None:
        store = _to_ox_store(data)
    results += run_sparql_constraints(store)
    result = summarise(results, data, time.perf_counter() - started, units)
    if out_dir is not None:
        _write(result, Path(out_dir))
    return result


def validate_graph_file(path: Path | str | None = None, out_dir: Path | None = None,
                        workers: int | None = None) -> ValidationResult:
    """``hmic-graph validate [GRAPH]``: validate a graph file (default ``out/graph.ttl``);
    the results are written next to it unless ``out_dir`` says otherwise."""
    data, path = read_graph_file(path)
    return validate_build(data, out_dir if out_dir is not None else path.parent, workers=workers)


_RESULT_PREFIXES = {**PREFIXES, "sh": str(SH), "hmsh": HMSH}


# ---------------------------------------------------------------------------------------
# Report by report, without a whole-corpus graph, with a per-report result cache
# ---------------------------------------------------------------------------------------

CACHE_DIR = Path(".cache") / "validation"


def validate_reports(report_graphs: Mapping[str, GraphSource], links: GraphSource,
                     out_dir: Path | None = None, store: ox.Store | None = None,
                     workers: int | None = None, cache: bool = True) -> ValidationResult:
    """Validate a build report by report, never holding all its triples in one rdflib Graph.

    For the pipeline, in place of ``validate_build`` (which takes one whole graph and stays
    as it was):

    * ``report_graphs``: report id → that report's graph, as an rdflib Graph, N-Triples
      lines (``serialize.ntriples_lines``), e.g. what the store was loaded from, or a
      function returning them;
    * ``links``: the links graph (follow-ups), the same way. Each of its nodes
      is validated with the report it belongs to: the later report of a follow-up
      (``hmic:inReport``), the report recalling a recalled inspection (``hmic:recalledIn``),
      the report whose IRI a finding's IRI extends (``hmic:followedUpBy``); the rest forms
      one more unit;
    * ``store``: the build's pyoxigraph store, for the cross-report SHACL-SPARQL rules
      (shapes/cross-report.ttl); without one they run on an in-memory pyoxigraph store of
      the same triples (more memory: pass the build's store at scale). The report-local
      rules (shapes/rules.ttl) run per unit with the core shapes, and are cached with them;
    * ``out_dir``: where ``validation.ttl`` / ``validation.txt`` are written and, with
      ``cache``, where each unit's described problems are kept
      (``out_dir/.cache/validation/<sha256>.json``), keyed by the sha256 of the unit's
      sorted N-Triples and of the shapes, ontology files and this module: a rebuild runs
      pySHACL only on reports whose triples changed.

    Core shapes run per unit in parallel over ``workers`` processes (default: the cores);
    the output is sorted, so the same input gives byte-identical files. For a corpus,
    ``validate_groups`` takes the reports force by force.
    """
    return validate_groups([(report_graphs, links)], out_dir, store, workers, cache)


# Units validated together (and so held in memory at once) before the next force's are made.
UNITS_PER_BATCH = 64


def validate_groups(groups: Iterable[tuple[Mapping[str, GraphSource], GraphSource]],
                    out_dir: Path | None = None, store: ox.Store | None = None,
                    workers: int | None = None, cache: bool = True,
                    progress: Callable[[int], None] | None = None) -> ValidationResult:
    """validate_reports over groups of reports, each with the links among them: a force's
    reports and its links graph. Follow-ups never cross forces, so each group's units are
    whole, and only one group's triples (plus a batch of units) are in memory at a time:
    the 1,000-report corpus is never held whole. ``progress(reports validated)`` is called
    as batches of them are done."""
    started = time.perf_counter()
    version = validation_version()
    cache_dir = Path(out_dir) / CACHE_DIR if cache and out_dir is not None else None
    described: list[Problem] = []
    pending: list[tuple[str, str]] = []  # (cache key, N-Triples text) of units to validate
    kept: list[str] = []  # every unit's text, only when the cross-report rules need a store
    reports = cached = 0
    with _UnitPool(workers) as pool:
        def flush() -> None:
            for (key, _), problems in zip(pending, pool.map([t for _, t in pending]), strict=True):
                _cache_write(cache_dir, key, problems)
                described.extend(problems)
            pending.clear()
            if progress is not None:
                progress(reports)  # every report read so far is validated now

        for report_graphs, links in groups:
            reports += len(report_graphs)
            units = report_units(report_graphs, links)
            for text in units.values():
                key = hashlib.sha256((version + "\n" + text).encode("utf-8")).hexdigest()
                found = _cache_read(cache_dir, key)
                if found is None:
                    pending.append((key, text))
                else:
                    described += found
                    cached += 1
                if store is None:
                    kept.append(text)
            del units
            if len(pending) >= UNITS_PER_BATCH:
                flush()
        flush()
    if store is None:
        store = _ox_store_from_ntriples(kept)
        del kept
    sparql_results = run_sparql_constraints(store, "cross")
    if len(sparql_results):
        context = _description_graph(store, sparql_results)
        shapes = all_shapes()
        described += [_describe(sparql_results, r, context, shapes)
                      for r in sparql_results.subjects(RDF.type, SH.ValidationResult)]
    result = finish(described, time.perf_counter() - started, reports)
    result.cached_units = cached
    if out_dir is not None:
        _write(result, Path(out_dir))
    return result


def _write(result: ValidationResult, out_dir: Path) -> None:
    result.results_path = out_dir / RESULTS_FILE
    result.text_path = out_dir / TEXT_FILE
    atomic_write(result.results_path, turtle_text(result.results_graph, _RESULT_PREFIXES))
    atomic_write(result.text_path, result.text)


def _lines(source: GraphSource) -> list[str]:
    return [ln for ln in graph_lines(source) if ln.strip()]


def report_units(report_graphs: Mapping[str, GraphSource], links: GraphSource) -> dict[str, str]:
    """Unit name (report id, or OTHER_UNIT) → its sorted N-Triples text: the report's own
    triples plus the links triples of nodes it owns (see validate_reports)."""
    links_graph = links if isinstance(links, Graph) else _parse_nt(_lines(links))
    parts = split_links(links_graph, list(report_graphs))
    units = {}
    for rid in sorted(report_graphs):
        lines = set(_lines(report_graphs[rid]))
        lines.update(parts.pop(rid, ()))
        units[rid] = "\n".join(sorted(lines)) + "\n"
    rest = sorted({ln for lines in parts.values() for ln in lines})
    if rest:
        units[OTHER_UNIT] = "\n".join(rest) + "\n"
    return units


def split_links(links: Graph, report_ids: list[str]) -> dict[str, list[str]]:
    """Report id → N-Triples lines of the links graph's nodes that report owns."""
    by_iri = {str(vocab.report(rid)): rid for rid in report_ids}
    owner: dict[Node, str] = {}
    for p in (HMIC.inReport, HMIC.recalledIn):
        for node, report in links.subject_objects(p):
            if str(report) in by_iri:
                owner.setdefault(node, by_iri[str(report)])
    # What an owned node points at inside the links graph (evidence quotes, their
    # selectors, recalled findings' stubs) goes with it.
    todo = list(owner)
    while todo:
        node = todo.pop()
        for o in links.objects(node, None):
            if isinstance(o, URIRef) and o not in owner and (o, None, None) in links:
                owner[o] = owner[node]
                todo.append(o)
    parts: dict[str, list[str]] = defaultdict(list)
    for s in sorted(set(links.subjects()), key=str):
        rid = owner.get(s) or _report_prefix(str(s), by_iri) or OTHER_UNIT
        sub = Graph()
        for p, o in links.predicate_objects(s):
            sub.add((s, p, o))
        parts[rid] += ntriples_lines(sub)
    return dict(parts)


def _report_prefix(iri: str, by_iri: Mapping[str, str]) -> str | None:
    """The report whose IRI the node's IRI extends (report/<id>/...), if any."""
    head, sep, _ = iri.rpartition("/")
    while sep:
        if head in by_iri:
            return by_iri[head]
        head, sep, _ = head.rpartition("/")
    return None


def _parse_nt(lines: Sequence[str]) -> Graph:
    g = Graph()
    if lines:
        g.parse(data="\n".join(lines) + "\n", format="nt")
    return g


@lru_cache(maxsize=1)
def validation_version() -> str:
    """sha256 of what decides a unit's results besides its triples: shapes, ontology and
    taxonomy files, and this module's code."""
    h = hashlib.sha256()
    for path in [*shape_files(), *ontology_files(), Path(__file__)]:
        h.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


@lru_cache(maxsize=1)
def _ontology_ntriples() -> bytes:
    return "\n".join(ntriples_lines(context_graph(), sort=False)).encode("utf-8")


def unit_problems(text: str) -> list[Problem]:
    """Core shapes (pySHACL) and the report-local SHACL-SPARQL rules (pyoxigraph, on the
    unit and the ontology files alone) on one unit's N-Triples → its problems, described
    from the unit. Over the whole store these rules join every report's grades and lines:
    minutes at 100 reports; per unit, milliseconds."""
    unit = Graph()
    unit.parse(data=text, format="nt")
    results = validate_unit(unit)
    store = ox.Store()
    store.bulk_load(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    store.bulk_load(_ontology_ntriples(), format=ox.RdfFormat.N_TRIPLES)
    results += run_sparql_constraints(store, "local")
    shapes = all_shapes()
    return [_describe(results, r, unit, shapes) for r in results.subjects(RDF.type, SH.ValidationResult)]


class _UnitPool:
    """unit_problems over texts: in worker processes (forked once, reused for every batch) when
    there are cores and forking is possible, else in this process."""

    def __init__(self, workers: int | None):
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "_UnitPool":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown()

    def map(self, texts: list[str]) -> list[list[Problem]]:
        can_fork = "fork" in multiprocessing.get_all_start_methods()
        if self.workers <= 1 or len(texts) < PARALLEL_MIN_UNITS or not can_fork:
            return [unit_problems(t) for t in texts]
        if self.pool is None:
            # Loaded before the fork, so the workers inherit them instead of each parsing them.
            all_shapes(), local_shapes(), shape_context(), _ontology_ntriples(), cross_report_shapes(), sparql_checks()
            self.pool = worker_pool(self.workers, multiprocessing.get_context("fork"))
        return list(self.pool.map(unit_problems, texts))


def _cache_read(cache_dir: Path | None, key: str) -> list[Problem] | None:
    if cache_dir is None:
        return None
    try:
        rows = json.loads((cache_dir / f"{key}.json").read_text(encoding="utf-8"))
        return [Problem(**row) for row in rows]
    except (OSError, ValueError, TypeError):
        return None  # absent or unreadable: validate again


def _cache_write(cache_dir: Path | None, key: str, problems: list[Problem]) -> None:
    if cache_dir is None:
        return
    cache_dir.mkdir(parents=True, exist_ok=True)
    rows = [asdict(p) for p in sorted(problems, key=lambda p: (p.sort_key(), p.source or "", p.lines or ""))]
    atomic_write(cache_dir / f"{key}.json", json.dumps(rows, ensure_ascii=False, sort_keys=True))


def _ox_store_from_ntriples(texts) -> ox.Store:
    store = ox.Store()
    for text in texts:
        store.bulk_load(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    for path in ontology_files():
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


_DESCRIBING = (RDF.type, RDFS.label, SKOS.prefLabel, DCTERMS.title, HMIC.text, HMIC.lineStart,
               HMIC.lineEnd, HMIC.inReport, PROV.wasDerivedFrom, DCTERMS.source)


def _description_graph(store: ox.Store, results: Graph) -> Graph:
    """What ``_describe`` reads about the focus and value nodes of SHACL-SPARQL results,
    fetched from the store: their types, labels, text and lines, a node of a report that
    points at them, and their reports' source files."""
    g = Graph()

    def add(s, p, o) -> None:
        for q in store.quads_for_pattern(to_ox(s), to_ox(p) if p is not None else None,
                                         to_ox(o) if o is not None else None):
            g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))

    nodes = {n for p in (SH.focusNode, SH.value) for n in results.objects(None, p) if isinstance(n, URIRef)}
    for node in sorted(nodes, key=str):
        for p in _DESCRIBING:
            add(node, p, None)
        for q in store.quads_for_pattern(None, None, to_ox(node)):
            s = to_rdflib(q.subject)
            if next(store.quads_for_pattern(q.subject, to_ox(HMIC.inReport), None), None) is not None:
                g.add((s, to_rdflib(q.predicate), node))
                add(s, HMIC.inReport, None)
                break
    for report in sorted(set(g.objects(None, HMIC.inReport)) | nodes, key=str):
        add(report, RDF.type, None)
        add(report, PROV.wasDerivedFrom, None)
    for doc in sorted(set(g.objects(None, PROV.wasDerivedFrom)), key=str):
        add(doc, DCTERMS.source, None)
    return g


def summarise(results: Graph, data: Graph, seconds: float = 0.0, units: int = 0) -> ValidationResult:
    """Merge per-unit results (dropping duplicates of shared nodes), describe each problem
    for a reader, and build one standard ``sh:ValidationReport``."""
    shapes = all_shapes()
    described = [_describe(results, r, data, shapes) for r in results.subjects(RDF.type, SH.ValidationResult)]
    return finish(described, seconds, units)


def finish(described: list[Problem], seconds: float = 0.0, units: int = 0) -> ValidationResult:
    """Problems (from any number of units) → one sorted, de-duplicated verdict. A shared
    node's problem found in several units is kept once: the copy first in sort order."""
    problems: dict[tuple, Problem] = {}
    for p in sorted(described, key=lambda p: (p.sort_key(), p.source or "", p.lines or "")):
        problems.setdefault((p.severity, p.shape, p.focus, p.path, p.value, p.message), p)
    ordered = sorted(problems.values(), key=Problem.sort_key)
    violations = [p for p in ordered if p.severity == "Violation"]
    warnings = [p for p in ordered if p.severity == "Warning"]
    infos = [p for p in ordered if p.severity == "Info"]
    conforms = not violations
    result = ValidationResult(conforms, violations, warnings, infos, seconds=seconds, units=units)
    result.results_graph = _results_graph(ordered, conforms)
    result.text = render_text(result)
    return result


def _results_graph(problems: list[Problem], conforms: bool) -> Graph:
    """A standard SHACL results graph; result nodes get stable IRIs so the file is diffable."""
    g = Graph()
    report = URIRef(HMSH + "report")
    g.add((report, RDF.type, SH.ValidationReport))
    g.add((report, SH.conforms, Literal(conforms)))
    for i, p in enumerate(problems, start=1):
        node = URIRef(f"{HMSH}report/result/{i}")
        g.add((report, SH.result, node))
        g.add((node, RDF.type, SH.ValidationResult))
        g.add((node, SH.resultSeverity, SH[p.severity]))
        g.add((node, SH.focusNode, URIRef(p.focus) if not p.focus.startswith("_:") else Literal(p.focus)))
        g.add((node, SH.sourceShape, URIRef(p.shape)))
        g.add((node, SH.resultMessage, Literal(p.message)))
        if p.path:
            g.add((node, SH.resultPath, URIRef(p.path)))
        if p.value is not None:
            g.add((node, SH.value, Literal(p.value)))
        g.add((node, RDFS.label, Literal(f"{p.shape_label}: {p.focus_label}")))
        if p.source:
            g.add((node, DCTERMS.source, Literal(p.source)))
        if p.lines:
            g.add((node, URIRef(HMSH + "sourceLines"), Literal(p.lines)))
    return g


def _describe(results: Graph, r: Node, data: Graph, shapes: Graph) -> Problem:
    focus = results.value(r, SH.focusNode)
    severity = str(results.value(r, SH.resultSeverity) or SH.Violation).rsplit("#", 1)[-1]
    source_shape = results.value(r, SH.sourceShape)
    shape = _node_shape(shapes, source_shape, data, focus)
    path = results.value(r, SH.resultPath)
    value = results.value(r, SH.value)
    messages = sorted(str(m) for m in results.objects(r, SH.resultMessage))
    message = messages[0] if messages else "does not conform"
    source, lines = _where(data, focus)
    return Problem(
        severity=severity,
        shape=str(shape),
        shape_label=_label(shapes, shape) or _short(shape),
        focus=str(focus) if not isinstance(focus, BNode) else f"_:{focus}",
        focus_label=_focus_label(data, focus),
        message=message,
        path=str(path) if isinstance(path, URIRef) else None,
        value=_value_text(data, value),
        source=source,
        lines=lines,
    )


def _value_text(data: Graph, value: Node | None) -> str | None:
    """A value as a reader wants it: a node by its label and source lines, text clipped."""
    if value is None:
        return None
    if isinstance(value, Literal):
        return _clip(str(value), 20)
    label = _label(data, value)
    _, lines = _where(data, value)
    text = _short(value) if label is None else f"{label} <{_short(value)}>"
    return text + (f" (lines {lines})" if lines else "")


def _node_shape(shapes: Graph, shape: Node | None, data: Graph | None = None,
                focus: Node | None = None) -> Node:
    """The named node shape a property shape belongs to; when several node shapes share it,
    the one whose target class the focus node has."""
    seen: set[Node] = set()
    while shape is not None and (shape, RDF.type, SH.NodeShape) not in shapes and shape not in seen:
        seen.add(shape)
        parents = sorted(shapes.subjects(SH.property, shape), key=str)
        if not parents:
            break
        shape = parents[0]
        if len(parents) > 1 and data is not None and focus is not None:
            types = set(data.objects(focus, RDF.type))
            for parent in parents:
                if (any(c in types for c in shapes.objects(parent, SH.targetClass))
                        or any((None, p, focus) in data for p in shapes.objects(parent, SH.targetObjectsOf))
                        or any((focus, p, None) in data for p in shapes.objects(parent, SH.targetSubjectsOf))):
                    shape = parent
                    break
    return shape if shape is not None else URIRef(HMSH + "unknown")


def _label(g: Graph, node: Node | None) -> str | None:
    if node is None:
        return None
    for graph in (g, context_graph()):  # shared nodes may be described only in ontology/
        for p in (RDFS.label, SKOS.prefLabel, DCTERMS.title):
            v = graph.value(node, p)
            if v is not None:
                return str(v)
    return None


def _short(node: Node | None) -> str:
    text = str(node)
    for prefix, ns in _RESULT_PREFIXES.items():
        if text.startswith(ns):
            return f"{prefix}:{text[len(ns):]}"
    return text


def _focus_label(data: Graph, focus: Node | None) -> str:
    label = _label(data, focus)
    if label is None and focus is not None:
        text = data.value(focus, HMIC.text)
        label = _clip(str(text)) if text is not None else None
    return label or _short(focus)


def _clip(text: str, words: int = 12) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def _where(data: Graph, focus: Node | None) -> tuple[str | None, str | None]:
    """Source file and lines of a focus node (or of the node that points at it)."""
    if focus is None:
        return None, None
    node = focus
    start, end = data.value(node, HMIC.lineStart), data.value(node, HMIC.lineEnd)
    report = data.value(node, HMIC.inReport)
    if report is None and (node, RDF.type, HMIC.InspectionReport) in data:
        report = node
    if report is None:
        owner = next((s for s in data.subjects(None, node) if data.value(s, HMIC.inReport) is not None), None)
        if owner is not None:
            report = data.value(owner, HMIC.inReport)
    source = None
    if report is not None:
        doc = data.value(report, PROV.wasDerivedFrom)
        name = data.value(doc, DCTERMS.source) if doc is not None else None
        source = str(name) if name is not None else _short(report)
    lines = None
    if start is not None:
        lines = str(start) if end is None or str(end) == str(start) else f"{start}-{end}"
    return source, lines


def render_text(result: ValidationResult) -> str:
    """The readable report: verdict, then problems grouped by shape and focus node."""
    out = [_verdict(result), ""]
    for title, problems in (("Violations", result.violations), ("Warnings", result.warnings),
                            ("Notes", result.infos)):
        if not problems:
            continue
        out.append(f"{title} ({len(problems)})")
        by_shape: dict[tuple[str, str], list[Problem]] = defaultdict(list)
        for p in problems:
            by_shape[(p.shape_label, p.shape)].append(p)
        for (label, shape), items in sorted(by_shape.items()):
            out.append(f"  {label}  [{_short(URIRef(shape))}]  {len(items)} result(s)")
            by_focus: dict[str, list[Problem]] = defaultdict(list)
            for p in items:
                by_focus[p.focus].append(p)
            for focus in sorted(by_focus):
                first = by_focus[focus][0]
                where = ", ".join(x for x in (first.source, f"lines {first.lines}" if first.lines else None) if x)
                out.append(f"    {first.focus_label}" + (f"  ({where})" if where else ""))
                out.append(f"      {_short(URIRef(focus)) if not focus.startswith('_:') else focus}")
                for p in by_focus[focus]:
                    out.append(f"      - {p.message}" + (f"  [value: {p.value}]" if p.value is not None else ""))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _verdict(result: ValidationResult) -> str:
    head = "CONFORMS" if result.conforms else "DOES NOT CONFORM"
    # No timing here: the text file is part of the build output and must be reproducible.
    return (f"SHACL validation: {head}: {len(result.violations)} violation(s), "
            f"{len(result.warnings)} warning(s) over {result.units} report graph(s)")
