"""RDF: records → rdflib Graphs. Knows nothing of the store or of files.

Plug-in points for the other stages (called when their modules exist):

* ``hmic_graph.rdf.organisations.organisations_graph(report) -> Graph`` — units, partners and
  partnerships of one report; merged into that report's graph.
* ``hmic_graph.rdf.followups.followups_graph(followups, reports) -> Graph`` — follow-up links
  between reports; kept apart from the report graphs (store graph ``id/graph/links``).
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

from rdflib import Graph

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


def report_graph(report: Report, include_contacts: bool = False) -> Graph:
    """Everything one report says, as triples (its own records plus its organisations)."""
    g = _base_report_graph(report, include_contacts=include_contacts)
    organisations = _plugin("organisations", "organisations_graph")
    if organisations is not None:
        g += organisations(report)
    add_pages(g, report.document)  # PDF sources: the page of every node with a line span
    return g


def links_graph(followups: list[FollowUp], reports: list[Report]) -> Graph:
    """Links between reports (follow-up of earlier findings); empty until that stage exists."""
    followups_graph = _plugin("followups", "followups_graph")
    if followups_graph is None:
        return new_graph()
    return followups_graph(followups, reports)


__all__ = ["report_graph", "links_graph", "new_graph"]
