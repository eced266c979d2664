"""Human-readable HTML documentation of the ontology (hmic.ttl + defined.ttl) in docs/ontology/.

pyLODE renders it when installed (dev extra); otherwise a small built-in renderer lists every
class and property with its label, comment, super-classes, domain and range, so the docs can
always be regenerated. Run: ``python -m hmic_graph.docs [OUT_DIR]``.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from .resources import ONTOLOGY_DIR
from .serialize import atomic_write
from .vocab import ONTOLOGY, PREFIXES

ONTOLOGY_FILES = ("hmic.ttl", "defined.ttl")
DOCS_DIR = Path(__file__).resolve().parent.parent / "docs" / "ontology"
MAIN_ONTOLOGY = ONTOLOGY


def ontology_graph() -> Graph:
    """The ontology as one document: defined.ttl's header folded into hmic.ttl's."""
    g = Graph()
    for name in ONTOLOGY_FILES:
        g.parse(ONTOLOGY_DIR / name, format="turtle")
    for header in list(g.subjects(RDF.type, OWL.Ontology)):
        if header != MAIN_ONTOLOGY:
            g.remove((header, None, None))
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, replace=True)
    return g


def render_html(g: Graph) -> tuple[str, str]:
    """(html, generator name): pyLODE's page, or the built-in one without pyLODE. The same
    ontology gives the same bytes: blank nodes are labelled canonically (rdflib gives them
    new random ids on every parse, and pyLODE prints them)."""
    g = _canonical(g)
    try:
        from pylode import OntPub
    except Exception:  # pyLODE missing, or a broken release (3.4.1 fails on import)
        return simple_html(g), "built-in"
    return resolve_links(_ordered_sets(lambda: OntPub(ontology=g).make_html()), g), "pyLODE"


def _ordered_sets(render: Callable[[], str]) -> str:
    """pyLODE gathers the members of an 'and'/'or' class in a set of dominate elements, hashed
    by their address in memory, so their order changed from run to run. Hashed by their text
    instead (and, in make_docs, with a fixed PYTHONHASHSEED) the order is the same each time."""
    from dominate.dom_tag import dom_tag

    missing = object()
    had = dom_tag.__dict__.get("__hash__", missing)
    dom_tag.__hash__ = lambda self: hash(self.render())  # type: ignore[method-assign]
    try:
        return render()
    finally:
        if had is missing:
            del dom_tag.__hash__
        else:
            dom_tag.__hash__ = had  # type: ignore[method-assign]


def _canonical(g: Graph) -> Graph:
    from rdflib.compare import to_canonical_graph

    out = Graph()
    for triple in sorted(to_canonical_graph(g)):  # pyLODE lists terms in the graph's order
        out.add(triple)
    for prefix, ns in g.namespaces():
        out.bind(prefix, ns, override=True, replace=True)
    return out


_LINK = re.compile(r'<a href="(#?)([^"#:]+)">(.*?)</a>', re.S)


def resolve_links(page: str, g: Graph) -> str:
    """pyLODE links a nested class expression by its blank node's id and the version IRI by
    '#0.1.0', both to anchors the page does not have: the expression is written out instead
    ('hmic:followUpStatus some hmic:AddressedStatus'), any other such link left as its text."""
    anchors = set(re.findall(r'\bid="([^"]+)"', page))
    blank = {str(b): b for b in g.all_nodes() if isinstance(b, BNode)}

    def replace(m: re.Match[str]) -> str:
        target = m.group(2)
        if target in anchors:
            return m.group(0)
        if target in blank:
            return f"<span>{html.escape(_short(g, blank[target]))}</span>"
        return f"<span>{m.group(3)}</span>"
    return _LINK.sub(replace, page)


def make_docs(out_dir: Path = DOCS_DIR) -> Path:
    if os.environ.get("PYTHONHASHSEED") != "0":
        # pyLODE orders some lists (the members of an intersection) by iterating sets of
        # terms, an order Python's string hashing changes from process to process: the page
        # is rendered in a process with a fixed seed, so the same ontology gives the same bytes.
        subprocess.run([sys.executable, "-m", "hmic_graph.docs", str(out_dir)], check=True,
                       env={**os.environ, "PYTHONHASHSEED": "0"}, stdout=subprocess.DEVNULL)
        return Path(out_dir) / "index.html"
    page, _ = render_html(ontology_graph())
    path = Path(out_dir) / "index.html"
    atomic_write(path, page)
    return path


def _short(g: Graph, node: object) -> str:
    if isinstance(node, BNode):
        members = list(g.objects(node, OWL.unionOf)) or list(g.objects(node, OWL.intersectionOf))
        if members:
            from rdflib.collection import Collection

            joiner = " or " if (node, OWL.unionOf, None) in g else " and "
            return "(" + joiner.join(_short(g, m) for m in Collection(g, members[0])) + ")"
        prop = g.value(node, OWL.onProperty)
        if prop is None:
            return "anonymous class"
        for keyword, kind in (("some", OWL.someValuesFrom), ("only", OWL.allValuesFrom), ("value", OWL.hasValue)):
            filler = g.value(node, kind)
            if filler is not None:
                text = _short(g, filler)
                return f"{_short(g, prop)} {keyword} " + (f"({text})" if isinstance(filler, BNode) else text)
        return f"restriction on {_short(g, prop)}"
    text = str(node)
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if text.startswith(ns):
            return f"{prefix}:{text[len(ns):]}"
    return text


def simple_html(g: Graph) -> str:
    """A plain, complete page: one section per class and per property."""
    ontology_label = g.value(MAIN_ONTOLOGY, RDFS.label) or "Ontology"
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(str(ontology_label))}</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:auto}dt{font-weight:bold}</style></head><body>",
             f"<h1>{html.escape(str(ontology_label))}</h1>",
             f"<p>{html.escape(str(g.value(MAIN_ONTOLOGY, RDFS.comment) or ''))}</p>"]
    kinds = (("Classes", OWL.Class), ("Object properties", OWL.ObjectProperty),
             ("Datatype properties", OWL.DatatypeProperty), ("Annotation properties", OWL.AnnotationProperty),
             ("Named individuals", OWL.NamedIndividual))
    for title, kind in kinds:
        terms = sorted((t for t in g.subjects(RDF.type, kind) if isinstance(t, URIRef)), key=str)
        parts.append(f"<h2>{title}</h2>")
        for term in terms:
            name = _short(g, term)
            parts.append(f"<section id='{html.escape(name)}'><h3>{html.escape(str(g.value(term, RDFS.label) or name))}"
                         f" <code>{html.escape(name)}</code></h3><dl>")
            parts.append(f"<dt>IRI</dt><dd>{html.escape(str(term))}</dd>")
            comment = g.value(term, RDFS.comment)
            if comment:
                parts.append(f"<dt>Description</dt><dd>{html.escape(str(comment))}</dd>")
            for label, prop in (("Subclass of", RDFS.subClassOf), ("Equivalent to", OWL.equivalentClass),
                                ("Domain", RDFS.domain), ("Range", RDFS.range), ("Inverse of", OWL.inverseOf)):
                values = sorted(_short(g, v) for v in g.objects(term, prop))
                if values:
                    parts.append(f"<dt>{label}</dt><dd>{html.escape(', '.join(values))}</dd>")
            parts.append("</dl></section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


if __name__ == "__main__":  # pragma: no cover
    target = make_docs(Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS_DIR)
    print(f"→ {target}")
