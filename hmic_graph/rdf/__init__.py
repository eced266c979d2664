"""RDF: records → rdflib Graphs. Knows nothing of the store or of files.

Plug-in points for the other stages (called when their modules exist):

* ``hmic_graph.rdf.organisations.add_organisations(triples, report)`` — units, partners and
  partnerships of one report, added to that report's triples.
* ``hmic_graph.rdf.followups.followups_graph(followups, reports) -> Graph`` — follow-up links
  between reports; kept apart from the report graphs (store graphs ``id/graph/links/<force-id>``).
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

from rdflib import Graph
from rdflib.term import Node

from .. import vocab
from ..model import FollowUp, Report
from .pages import add_pages
from .report import report_graph as _base_report_graph


def _plugin(module: str, name: str) -> Callable[..., Any] | None:
    """The named function of an optional stage, or None while that stage is not written."""
    try:
        mod = importlib.import_module(f"{__name__}.{module}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{module}":
            raise  # the module exists but something it imports is missing: a real error
        return None
    return getattr(mod, name, None)


def new_graph() -> Graph:
    g = Graph()
    for prefix, ns in vocab.PREFIXES.items():
        g.bind(prefix, ns)
    return g


def report_triples(report: Report, include_contacts: bool = False) -> set[tuple[Node, Node, Node]]:
    """Everything one report says, as a set of (s, p, o) (its own records plus its
    organisations): the triples of report_graph without the cost of an rdflib Graph."""
    triples: set[tuple[Node, Node, Node]] = set()
    _base_report_graph(report, include_contacts=include_contacts, g=triples)
    add_organisations = _plugin("organisations", "add_organisations")
    if add_organisations is not None:
        add_organisations(triples, report)
    add_pages(triples, report.document)  # PDF sources: the page of every node with a line span
    return triples


def report_graph(report: Report, include_contacts: bool = False) -> Graph:
    """Everything one report says, as an rdflib Graph (see report_triples)."""
    g = new_graph()
    for triple in report_triples(report, include_contacts):
        g.add(triple)
    return g


def links_graph(followups: list[FollowUp], reports: list[Report]) -> Graph:
    """Links between reports (follow-up of earlier findings); empty until that stage exists."""
    followups_graph = _plugin("followups", "followups_graph")
    if followups_graph is None:
        return new_graph()
    return followups_graph(followups, reports)


__all__ = ["report_graph", "report_triples", "links_graph", "new_graph"]
