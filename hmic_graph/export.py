"""Exports of a built store: Turtle, N-Triples, JSON-LD, TriG and CSV tables (issue 6).

Everything is read from the store (``DIR/store``) so exports follow the CONTRACT terms, not
the extractors' Python records. Output is deterministic: same store → byte-identical files.

- ttl / nt / jsonld: the union of the selected graphs as one graph (sorted).
- trig: one named graph per report (plus ontology, taxonomy and links), each sorted.
- csv: spreadsheet tables in a directory: formal findings with their follow-up status, and
  judgements with their grades.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from . import vocab
from .model import HmicError
from .resources import DATA
from .serialize import atomic_write, ntriples_lines, turtle_from_ntriples
from .sparql import load as sparql
from .store import declared_datatypes, open_store, select, to_rdflib, with_declared_datatype
from .store import graph_names as store_graph_names

RDF_FORMATS = ("ttl", "nt", "jsonld", "trig")
FORMATS = RDF_FORMATS + ("csv",)
SUFFIX = {"ttl": ".ttl", "nt": ".nt", "jsonld": ".jsonld", "trig": ".trig"}

# The published JSON-LD context: docs/context.jsonld in the repository, data/context.jsonld
# in the package (a symlink to the same file).
CONTEXT_FILE = DATA / "context.jsonld"

# Short names users may give to --graph for the store's non-report graphs ('links': the
# links graphs of every force, id/graph/links/<force-id>).
GRAPH_ALIASES = {
    "ontology": vocab.GRAPH_ONTOLOGY,
    "taxonomy": vocab.GRAPH_TAXONOMY,
    "links": vocab.GRAPH_LINKS,
    "inferred": vocab.GRAPH_INFERRED,
}
_LINKS_PREFIX = str(vocab.GRAPH_LINKS) + "/"


def graph_iri(store: ox.Store, name: str) -> URIRef:
    """--graph NAME → the named graph: a report id, ontology/taxonomy/links, or a full IRI."""
    available = sorted(g.value for g in store.named_graphs())
    candidates = [GRAPH_ALIASES.get(name), vocab.report_graph_name(name), URIRef(name)]
    for candidate in candidates:
        if candidate is not None and str(candidate) in available:
            return URIRef(str(candidate))
    reports = [g.rsplit("/", 1)[-1] for g in available if g.startswith(str(vocab.ID["graph/report/"]))]
    raise HmicError(name, "no such graph; expected a report id (" + ", ".join(reports)
                    + ") or one of " + ", ".join(a for a in GRAPH_ALIASES
                                                  if str(GRAPH_ALIASES[a]) in available
                                                  or a == "links" and any(g.startswith(_LINKS_PREFIX)
                                                                          for g in available)))


def graph_names(store: ox.Store, graph: str | None = None) -> list[URIRef]:
    if graph == "links":
        forces = [URIRef(g) for g in store_graph_names(store) if g.startswith(_LINKS_PREFIX)]
        if forces:
            return forces
    if graph is not None:
        return [graph_iri(store, graph)]
    return [URIRef(g) for g in store_graph_names(store)]


def named_graph(store: ox.Store, name: URIRef, declared: Mapping[str, str] | None = None) -> Graph:
    """One named graph as it was built: literals the store keeps as their base type
    (positiveInteger as integer) get their declared datatype back."""
    declared = declared_datatypes(store) if declared is None else declared
    g = Graph()
    for q in store.quads_for_pattern(None, None, None, ox.NamedNode(str(name))):
        g.add((to_rdflib(q.subject), to_rdflib(q.predicate),
               to_rdflib(with_declared_datatype(q.predicate, q.object, declared))))
    return g


def union_graph(store: ox.Store, names: Iterable[URIRef]) -> Graph:
    declared = declared_datatypes(store)
    g = Graph()
    for name in names:
        g += named_graph(store, name, declared)
    return g


# -- RDF formats ----------------------------------------------------------------------------

def load_context() -> dict:
    return json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]


def _sorted_json(value: object) -> object:
    """Sort JSON-LD node lists and value arrays: their order carries no meaning in RDF,
    and rdflib emits them in hash order, so sorting makes the output stable. An @list is
    an RDF list: its order is data and is kept."""
    if isinstance(value, dict):
        return {k: ([_sorted_json(i) for i in v] if k == "@list" and isinstance(v, list) else _sorted_json(v))
                for k, v in value.items()}
    if isinstance(value, list):
        items = [_sorted_json(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def jsonld_text(graph: Graph) -> str:
    """Compact JSON-LD with the published context inlined, so it parses offline."""
    context = load_context()
    data = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    if isinstance(data, dict) and "@graph" in data:
        body = data["@graph"]
    else:  # a single node: rdflib leaves it at the top level
        body = [{k: v for k, v in data.items() if k != "@context"}] if isinstance(data, dict) else data
    doc = {"@context": context, "@graph": _sorted_json(body)}
    return json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


_BNODE_SUBJECT = re.compile(r"^_:([A-Za-z0-9]+) ")
_BNODE_OBJECT = re.compile(r" _:([A-Za-z0-9]+) \.$")


def graph_lines(store: ox.Store, name: URIRef, index: int, declared: Mapping[str, str] | None = None) -> list[str]:
    """Sorted N-Triples of one named graph. Blank nodes get stable labels within the graph
    (canonicalised only where a graph has them) prefixed by the graph's position, so blank
    nodes of different graphs stay apart in a union or a TriG document."""
    lines = ntriples_lines(named_graph(store, name, declared))
    tag = f"g{index}x"
    out = []
    for line in lines:
        if "_:" in line:
            line = _BNODE_SUBJECT.sub(lambda m: f"_:{tag}{m.group(1)} ", line)
            line = _BNODE_OBJECT.sub(lambda m: f" _:{tag}{m.group(1)} .", line)
        out.append(line)
    return out


def _turtle_body(lines: list[str], prefixes: dict[str, str]) -> str:
    """Sorted Turtle without its @prefix header."""
    text, _ = turtle_from_ntriples(lines, prefixes)
    return "\n".join(text.split("\n")[len(prefixes) + 1:]).strip("\n")


def trig_text(store: ox.Store, names: list[URIRef]) -> str:
    """TriG: the prefixes once, then each named graph as a sorted Turtle block."""
    prefixes = dict(vocab.PREFIXES)
    out = [f"@prefix {p}: <{ns}> ." for p, ns in prefixes.items()]
    out.append("")
    declared = declared_datatypes(store)
    for i, name in enumerate(names):
        body = _turtle_body(graph_lines(store, name, i, declared), prefixes)
        out.append(f"<{name}> {{\n" + "\n".join("  " + line if line else line for line in body.split("\n")) + "\n}\n")
    return "\n".join(out)


def rdf_text(store: ox.Store, fmt: str, graph: str | None = None) -> str:
    names = graph_names(store, graph)
    if fmt == "trig":
        return trig_text(store, names)
    if fmt == "jsonld":
        return jsonld_text(union_graph(store, names))
    # Each graph's lines once, merged: no whole-union blank-node canonicalisation needed.
    declared = declared_datatypes(store)
    lines = sorted({line for i, name in enumerate(names) for line in graph_lines(store, name, i, declared)})
    if fmt == "ttl":
        return turtle_from_ntriples(lines, dict(vocab.PREFIXES))[0]
    if fmt == "nt":
        return "".join(line + "\n" for line in lines)
    raise HmicError(fmt, f"unknown RDF format; expected one of {', '.join(RDF_FORMATS)}")


# -- CSV tables -----------------------------------------------------------------------------

FINDINGS_QUERY = "export-findings"

JUDGEMENTS_QUERY = "export-judgements"

STATUS_LABEL = {str(iri): key for key, iri in vocab.FOLLOW_UP_STATUS.items()}


def _local_id(iri: object, kind: str) -> str:
    """report/essex-police-2007-10 → essex-police-2007-10 (readable ids in spreadsheets)."""
    text = str(iri or "")
    prefix = str(vocab.ID[f"{kind}/"])
    return text[len(prefix):] if text.startswith(prefix) else text


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _line_range(row: dict) -> str:
    return f"{row['lineStart']}-{row['lineEnd']}" if row["lineStart"] is not None else ""


def findings_rows(store: ox.Store) -> list[dict[str, str]]:
    rows = []
    for r in select(store, sparql(FINDINGS_QUERY)):
        rows.append({
            "force": _cell(r["forceName"]),
            "report": _local_id(r["report"], "report"),
            "issued": _cell(r["issued"]),
            "kind": _cell(r["kind"]),
            "number": _cell(r["number"]),
            "area": _cell(r["area"]),
            "text": _cell(r["text"]),
            "lines": _line_range(r),
            "followed_up_in": _local_id(r["later"], "report"),
            "follow_up_issued": _cell(r["laterIssued"]),
            "follow_up_status": STATUS_LABEL.get(str(r["status"]), "") if r["status"] else "",
            "confidence": _cell(r["confidence"]),
            "iri": _cell(r["finding"]),
        })
    return sorted(rows, key=lambda row: (row["force"], row["issued"], row["report"], row["kind"],
                                         _ordinal(row["iri"]), row["iri"], row["follow_up_issued"]))


def _ordinal(iri: str) -> int:
    tail = iri.rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def judgements_rows(store: ox.Store) -> list[dict[str, str]]:
    rows = []
    for r in select(store, sparql(JUDGEMENTS_QUERY)):
        rows.append({
            "force": _cell(r["forceName"]),
            "report": _local_id(r["report"], "report"),
            "issued": _cell(r["issued"]),
            "programme": _cell(r["programme"]),
            "area": _cell(r["area"]),
            "grade": _cell(r["grade"]) or "ungraded",
            "lines": _line_range(r),
            "iri": _cell(r["judgement"]),
        })
    return sorted(rows, key=lambda row: (row["force"], row["issued"], row["report"], row["iri"]))


def csv_text(rows: list[dict[str, str]], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    # A byte-order mark so Excel reads the file as UTF-8 (en dashes, accents in names).
    return "\ufeff" + buffer.getvalue()


CSV_TABLES = {
    "findings.csv": (findings_rows, ["force", "report", "issued", "kind", "number", "area", "text", "lines",
                                     "followed_up_in", "follow_up_issued", "follow_up_status", "confidence",
                                     "iri"]),
    "judgements.csv": (judgements_rows, ["force", "report", "issued", "programme", "area", "grade", "lines",
                                         "iri"]),
}


def write_csv_tables(store: ox.Store, out_dir: Path) -> list[Path]:
    written = []
    for file_name, (rows_of, columns) in CSV_TABLES.items():
        path = Path(out_dir) / file_name
        atomic_write(path, csv_text(rows_of(store), columns))
        written.append(path)
    return written


# -- entry point ----------------------------------------------------------------------------

def export(build_dir: Path, fmt: str, out: Path, graph: str | None = None) -> list[Path]:
    """Write an export of the build in ``build_dir``; returns the files written.

    For csv, ``out`` is a directory (one file per table); otherwise a file.
    """
    if fmt not in FORMATS:
        raise HmicError(fmt, f"unknown export format; expected one of {', '.join(FORMATS)}")
    store = open_store(build_dir)
    if fmt == "csv":
        if graph is not None:
            raise HmicError("--graph", "csv tables cover the whole build; --graph applies to RDF formats")
        if Path(out).suffix.lower() == ".csv":
            raise HmicError(str(out), "csv export writes several tables: give a directory, not a .csv file")
        return write_csv_tables(store, Path(out))
    atomic_write(Path(out), rdf_text(store, fmt, graph))
    return [Path(out)]


def parse_back(path: Path, fmt: str):
    """Parse an export with rdflib (what users' tools do): a Graph, or a Dataset for TriG."""
    from rdflib import Dataset

    if fmt == "trig":
        ds = Dataset()
        ds.parse(str(path), format="trig")
        return ds
    g = Graph()
    g.parse(str(path), format={"ttl": "turtle", "nt": "nt", "jsonld": "json-ld"}[fmt])
    return g

