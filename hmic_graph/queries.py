"""Named SPARQL queries (queries/*.rq): load with their header comments, bind parameters
safely, run on the build's store, format as table / CSV / JSON.

A query file starts with comment lines::

    # title: Follow-up of a force's recommendations
    # description: ...
    # param: force (force) - force id, e.g. essex-police
    # param: issue (issue, optional) - ...

A parameter binds the query variable of the same name. Its type turns the user's text into
an RDF term: ``force``, ``report``, ``issue`` → the data IRI of that id; ``iri`` → an IRI;
``integer`` → xsd:integer; ``string`` → a plain literal. Values are bound through a VALUES
clause built from RDF terms (``store.values_clause``), never pasted into the query text.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Mapping

from rdflib import Literal, URIRef
from rdflib.term import Node

from . import vocab
from .model import HmicError
from .resources import QUERIES_DIR

_HEADER = re.compile(r"^#\s*(title|description|param)\s*:\s*(.*)$")
_PARAM = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*\((?P<type>[a-z]+)(?P<optional>\s*,\s*optional)?\)"
                    r"\s*(?:-\s*(?P<help>.*))?$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
PARAM_TYPES = ("force", "report", "issue", "iri", "integer", "string")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    optional: bool
    help: str


@dataclass
class NamedQuery:
    name: str
    title: str
    description: str
    params: list[Param]
    sparql: str
    path: Path | None = None
    extra: dict[str, str] = field(default_factory=dict)


def parse_query(text: str, name: str, path: Path | None = None) -> NamedQuery:
    title, description, params = name, "", []
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        m = _HEADER.match(line)
        if not m:
            continue
        key, value = m.group(1), m.group(2).strip()
        if key == "title":
            title = value
        elif key == "description":
            description = value
        else:
            p = _PARAM.match(value)
            if not p or p.group("type") not in PARAM_TYPES:
                raise HmicError(str(path or name), f"bad parameter declaration: {value!r}")
            params.append(Param(p.group("name"), p.group("type"), bool(p.group("optional")),
                                (p.group("help") or "").strip()))
    return NamedQuery(name, title, description, params, text, path)


def load_queries(directory: Path = QUERIES_DIR) -> dict[str, NamedQuery]:
    return {p.stem: parse_query(p.read_text(encoding="utf-8"), p.stem, p)
            for p in sorted(directory.glob("*.rq"))}


def get_query(name: str, directory: Path = QUERIES_DIR) -> NamedQuery:
    queries = load_queries(directory)
    if name not in queries:
        known = ", ".join(sorted(queries)) or "none"
        raise HmicError(name, f"no such named query (known: {known}; see 'hmic-graph query --list')")
    return queries[name]


def parse_params(pairs: list[str]) -> dict[str, str]:
    """['force=essex-police'] → {'force': 'essex-police'}."""
    out: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            raise HmicError(pair, "a parameter is written NAME=VALUE, e.g. force=essex-police")
        k, v = pair.split("=", 1)
        if k.strip() in out:
            raise HmicError(pair, f"parameter {k.strip()} given twice (a parameter takes one value)")
        out[k.strip()] = v.strip()
    return out


def to_term(param: Param, value: str) -> Node:
    if param.type in ("force", "report", "issue"):
        if not _ID.match(value):
            raise HmicError(f"{param.name}={value}", f"not a {param.type} id (lower case, digits and hyphens, e.g. essex-police)")
        return {"force": vocab.force, "report": vocab.report, "issue": vocab.issue}[param.type](value)
    if param.type == "iri":
        if not re.match(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]+$", value, re.I):
            raise HmicError(f"{param.name}={value}", "not an absolute IRI")
        return URIRef(value)
    if param.type == "integer":
        try:
            return Literal(int(value))
        except ValueError:
            raise HmicError(f"{param.name}={value}", "not an integer") from None
    return Literal(value)


def bindings_for(query: NamedQuery, values: Mapping[str, str]) -> dict[str, Node]:
    declared = {p.name: p for p in query.params}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        allowed = ", ".join(declared) or "none"
        raise HmicError(query.name, f"unknown parameter {', '.join(unknown)} (this query takes: {allowed})")
    missing = [p.name for p in query.params if not p.optional and p.name not in values]
    if missing:
        raise HmicError(query.name, f"missing parameter {', '.join(missing)} (--param {missing[0]}=...)")
    return {name: to_term(declared[name], v) for name, v in values.items()}


def run_named(store, name: str, values: Mapping[str, str] | None = None,
              directory: Path = QUERIES_DIR) -> tuple[list[str], list[dict[str, Node | None]]]:
    """(column names, rows) of a named query on an open store."""
    from .store import select

    query = get_query(name, directory)
    bindings = bindings_for(query, values or {})
    check_known(store, query, bindings, values or {})
    rows = select(store, query.sparql, bindings)
    return result_columns(query.sparql, rows), rows


def check_known(store, query: NamedQuery, bindings: Mapping[str, Node], values: Mapping[str, str]) -> None:
    """Refuse a force, report or issue id the store does not hold (sparql/known-term.rq)."""
    from . import sparql
    from .store import ask

    for param in query.params:
        if param.type in ("force", "report", "issue") and param.name in bindings:
            if not ask(store, sparql.load("known-term"), {"term": bindings[param.name]}):
                raise HmicError(f"{param.name}={values[param.name]}", f"no {param.type} with this id in the build's store")


def result_columns(sparql: str, rows: list[dict]) -> list[str]:
    if rows:
        return list(rows[0].keys())
    head = re.search(r"SELECT\s+(?:DISTINCT\s+)?(.*?)\s*WHERE", sparql, re.S | re.I)
    if not head:
        return []
    return re.findall(r"\?([A-Za-z_][A-Za-z0-9_]*)\s*\)?(?=\s|$)", re.sub(r"\(.*?\bAS\s+", "", head.group(1), flags=re.S))


# -- formatting -------------------------------------------------------------------------------

def cell(term: Node | None) -> str:
    """A term as users read it: data IRIs shortened to their prefix, literals as text."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        text = str(term)
        for prefix, ns in vocab.PREFIXES.items():
            if text.startswith(ns) and ns != str(vocab.ID):
                return f"{prefix}:{text[len(ns):]}"
        return text
    return str(term)


def json_value(term: Node | None):
    if term is None:
        return None
    if isinstance(term, Literal):
        value = term.toPython()
        if isinstance(value, (int, float, bool, str)):
            return value
        if isinstance(value, Decimal):  # a confidence (xsd:decimal): a JSON number, as line numbers are
            return float(value)
        return str(term)
    return str(term)


def to_csv(columns: list[str], rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for row in rows:
        w.writerow([cell(row.get(c)) for c in columns])
    return buf.getvalue()


def to_json(columns: list[str], rows: list[dict]) -> str:
    return json.dumps([{c: json_value(row.get(c)) for c in columns} for row in rows],
                      indent=2, ensure_ascii=False, default=str) + "\n"
