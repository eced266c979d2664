"""hmic:page for nodes read from a PDF: the page of each node's first line.

Runs over a finished report graph, so every writer that records ``hmic:lineStart`` gets
the page too without knowing about PDFs. Text sources (no pages) are left untouched.
"""

from __future__ import annotations

from rdflib import Graph

from ..model import Document
from ..vocab import HMIC
from .report import Triples, positive_integer


def add_pages(g: Triples, document: Document) -> None:
    page_of = {ln.number: ln.page for ln in document.lines if ln.page is not None}
    if not page_of:
        return
    starts = (list(g.subject_objects(HMIC.lineStart)) if isinstance(g, Graph)
              else [(s, o) for s, p, o in g if p == HMIC.lineStart])
    for node, line in starts:
        page = page_of.get(int(line))
        if page is not None:
            g.add((node, HMIC.page, positive_integer(page)))
