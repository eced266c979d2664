"""OWL reasoning with owlready2 + HermiT: is the graph consistent with the ontology, and
which defined classes (ontology/defined.ttl) do its nodes fall into?

owlready2 reads RDF/XML, N-Triples and OWL/XML but not Turtle, so the ontology files and the
data are merged with rdflib and written as N-Triples to a temporary directory. HermiT only
accepts the OWL 2 datatype map: ``xsd:date``, ``xsd:gYearMonth`` and ``xsd:gYear`` make it
fail with UnsupportedDatatypeException, so the reasoning copy retypes those literals as
``xsd:dateTime`` (the first instant of the day, month or year: same order, same meaning for
publication dates). The graph itself is never changed.

The inferred memberships are written to ``DIR/inferred.ttl`` and, when DIR holds a build's
store, into its named graph ``id/graph/inferred``: one ``rdf:type`` triple per node and
defined class.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD

from .model import HmicError
from .resources import ONTOLOGY_DIR, ontology_files
from .serialize import atomic_write, read_graph_file, turtle_text
from .store import INFERRED_FILE
from .vocab import GRAPH_INFERRED, HMIC, ID

# Datatypes outside the OWL 2 datatype map that our data uses, and how to read them as
# xsd:dateTime.
_DATE_PATTERNS = {
    XSD.date: (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), "{0}-{1}-{2}T00:00:00"),
    XSD.gYearMonth: (re.compile(r"^(\d{4})-(\d{2})$"), "{0}-{1}-01T00:00:00"),
    XSD.gYear: (re.compile(r"^(\d{4})$"), "{0}-01-01T00:00:00"),
}
# Classes whose individuals are distinct by construction (one IRI per force, per report):
# declared owl:AllDifferent in the reasoning copy so that "at least two" can be inferred
# under OWL's open world (no unique-name assumption).
_DISTINCT_CLASSES = (HMIC.PoliceForce, HMIC.InspectionReport)
_REASONED_LITERALS = {DCTERMS.issued, HMIC.confidence, HMIC.forceCount, HMIC.recommendationNumber}


@dataclass
class ReasoningResult:
    consistent: bool
    inferred: Graph = field(default_factory=Graph)  # rdf:type triples for defined classes
    explanation: str = ""  # why not consistent (HermiT's message), when not
    seconds: float = 0.0
    individuals: int = 0
    inferred_path: Path | None = None
    stored: bool = False  # also loaded into the build's store (graph id/graph/inferred)

    def counts(self) -> dict[str, int]:
        """Defined class (local name) → how many nodes were inferred to be in it."""
        out: dict[str, int] = {}
        for cls in self.inferred.objects(None, RDF.type):
            name = str(cls).rsplit("#", 1)[-1]
            out[name] = out.get(name, 0) + 1
        return dict(sorted(out.items()))

    @property
    def exit_code(self) -> int:
        return 0 if self.consistent else 1


def java_executable() -> str:
    """The java binary HermiT will run, or HmicError with what to do about it."""
    java = os.environ.get("JAVA_HOME") and Path(os.environ["JAVA_HOME"], "bin", "java")
    candidates = [str(java)] if java and Path(java).exists() else []
    found = shutil.which("java")
    if found:
        candidates.append(found)
    for candidate in candidates:
        try:
            subprocess.run([candidate, "-version"], capture_output=True, timeout=30, check=True)
            return candidate
        except (OSError, subprocess.SubprocessError):
            continue
    raise HmicError("java", "HermiT needs a Java runtime and none was found: install one "
                            "(e.g. 'apt-get install default-jre-headless') or set JAVA_HOME")


def owl2_datatypes(graph: Graph) -> Graph:
    """A copy of ``graph`` with dates retyped into the OWL 2 datatype map (xsd:dateTime)."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype in _DATE_PATTERNS:
            pattern, template = _DATE_PATTERNS[o.datatype]
            m = pattern.match(str(o))
            if m is None:
                raise HmicError(str(s), f"{p} has a malformed {o.datatype.rsplit('#', 1)[-1]}: {o}")
            o = Literal(template.format(*m.groups()), datatype=XSD.dateTime)
        out.add((s, p, o))
    return out


def defined_classes(ontology: Graph) -> list[URIRef]:
    """Classes with an owl:equivalentClass definition in the hmic namespace."""
    return sorted({c for c in ontology.subjects(OWL.equivalentClass, None)
                   if isinstance(c, URIRef) and str(c).startswith(str(HMIC))}, key=str)


def reasoning_input(data: Graph) -> Graph:
    """Ontology files + the logical part of the data, dates retyped, distinct individuals
    declared distinct.

    Annotations and the data's literal values (texts, labels, line numbers) are left out:
    they cannot change a class membership or contradict an axiom, SHACL already checks them,
    and HermiT spends minutes on them (sample graph: over 5 minutes with them, about 20 s
    without). Literals of the properties in _REASONED_LITERALS stay, dates included.
    """
    merged = Graph()
    for path in ontology_files():
        merged.parse(path, format="turtle")
    annotations = set(merged.subjects(RDF.type, OWL.AnnotationProperty)) | {RDFS.label, RDFS.comment}
    for s, p, o in data:
        if p in annotations:
            continue
        if isinstance(o, Literal) and p not in _REASONED_LITERALS and str(s).startswith(str(ID)):
            continue
        merged.add((s, p, o))
    merged = owl2_datatypes(merged)
    for cls in _DISTINCT_CLASSES:
        members = sorted({s for s in merged.subjects(RDF.type, cls) if isinstance(s, URIRef)}, key=str)
        if len(members) > 1:
            _all_different(merged, members)
    return merged


def _all_different(g: Graph, members: list[URIRef]) -> None:
    head = BNode()
    Collection(g, head, list(members))
    node = BNode()
    g.add((node, RDF.type, OWL.AllDifferent))
    g.add((node, OWL.distinctMembers, head))


def reason(source: Path | str | Graph | None = None, out_dir: Path | None = None) -> ReasoningResult:
    """Run HermiT on ontology + data: consistency, then the defined-class memberships.

    ``source``: a graph file (default ``out/graph.ttl``) or an rdflib Graph. The inferred
    triples are written to ``out_dir/inferred.ttl`` (default: next to the graph file).
    """
    started = time.perf_counter()
    data, default_dir = _load(source)
    java = java_executable()
    import owlready2  # imported late: it is slow to import and only this command needs it

    owlready2.JAVA_EXE = java
    merged = reasoning_input(data)
    defined = defined_classes(merged)
    asserted = {(s, o) for s, o in merged.subject_objects(RDF.type)}
    with tempfile.TemporaryDirectory(prefix="hmic-reason-") as tmp:
        path = Path(tmp) / "reasoning-input.nt"
        merged.serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        onto = world.get_ontology(path.as_uri()).load(format="ntriples")
        individuals = len({x for x in merged.subjects(RDF.type, None) if str(x).startswith(str(ID))})
        try:
            with onto:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError as exc:
            return ReasoningResult(False, explanation=_first_line(exc) or "the ontology and data are inconsistent",
                                   seconds=time.perf_counter() - started, individuals=individuals)
        except owlready2.OwlReadyJavaError as exc:
            raise HmicError("HermiT", _java_problem(exc)) from None
        inferred = Graph()
        inferred.bind("hmic", str(HMIC))
        for cls_iri in defined:
            cls = world[str(cls_iri)]
            if cls is None:
                continue
            for ind in cls.instances(world=world):
                node = URIRef(ind.iri)
                if (node, cls_iri) not in asserted:
                    inferred.add((node, RDF.type, cls_iri))
    result = ReasoningResult(True, inferred, seconds=time.perf_counter() - started, individuals=individuals)
    target = Path(out_dir) if out_dir is not None else default_dir
    if target is not None:
        result.inferred_path = target / INFERRED_FILE
        atomic_write(result.inferred_path, turtle_text(inferred))
        result.stored = store_inferred(target, inferred)
    return result


def store_inferred(build_dir: Path, inferred: Graph) -> bool:
    """Replace the store's id/graph/inferred with ``inferred`` when ``build_dir`` has a store,
    so queries see the inferred types; False when there is no store there."""
    import pyoxigraph as ox

    from .store import STORE_DIRNAME, open_store, to_ox

    if not (Path(build_dir) / STORE_DIRNAME).exists():
        return False
    store = open_store(build_dir, read_only=False)
    name = ox.NamedNode(str(GRAPH_INFERRED))
    if name in set(store.named_graphs()):
        store.clear_graph(name)
    store.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), name) for s, p, o in inferred)
    store.flush()
    return True


def _load(source: Path | str | Graph | None) -> tuple[Graph, Path | None]:
    if isinstance(source, Graph):
        return source, None
    graph, path = read_graph_file(source)
    return graph, path.parent


def _first_line(exc: Exception) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[0] if lines else ""


def _java_problem(exc: Exception) -> str:
    text = str(exc)
    m = re.search(r"(UnsupportedDatatypeException[^\n]*)", text)
    if m:
        return f"HermiT rejected a datatype: {m.group(1)}"
    return "HermiT failed: " + (_first_line(exc) or "unknown Java error")


def describe_classes(ontology: Graph | None = None) -> dict[str, str]:
    """Defined class local name → its rdfs:comment, for printing."""
    g = ontology or Graph().parse(ONTOLOGY_DIR / "defined.ttl", format="turtle")
    return {str(c).rsplit("#", 1)[-1]: str(g.value(c, RDFS.comment) or "") for c in defined_classes(g)}


_KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual,
          RDFS.Datatype)
_BUILTIN = (str(OWL), str(RDFS), str(RDF), str(XSD))


def dl_problems(ontology: Graph) -> list[str]:
    """Structural OWL 2 DL checks (what makes Protégé/HermiT reject or pun a term): each IRI
    declared with one kind only, properties used in axioms declared, object restrictions not
    over datatype properties, every hmic term labelled and commented."""
    problems: list[str] = []
    kinds: dict[URIRef, set[URIRef]] = {}
    for kind in _KINDS:
        for term in ontology.subjects(RDF.type, kind):
            if isinstance(term, URIRef):
                kinds.setdefault(term, set()).add(kind)
    for term, ks in sorted(kinds.items()):
        entity_kinds = ks - {OWL.NamedIndividual}
        if len(entity_kinds) > 1 or (OWL.NamedIndividual in ks and ks & {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}):
            problems.append(f"{term} is declared as {sorted(k.rsplit('#', 1)[-1] for k in ks)} (punning)")
    for r in ontology.subjects(OWL.onProperty, None):
        prop = ontology.value(r, OWL.onProperty)
        if isinstance(prop, URIRef) and not str(prop).startswith(_BUILTIN) and prop not in kinds:
            problems.append(f"{prop} is used in a restriction but not declared")
        if (r, OWL.someValuesFrom, None) in ontology and OWL.DatatypeProperty in kinds.get(prop, set()):
            filler = ontology.value(r, OWL.someValuesFrom)
            if isinstance(filler, URIRef) and OWL.Class in kinds.get(filler, set()):
                problems.append(f"{prop} is a datatype property restricted to a class")
    for term, ks in sorted(kinds.items()):
        if str(term).startswith(str(HMIC)) and ks & {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}:
            for what, prop in (("label", RDFS.label), ("comment", RDFS.comment)):
                if ontology.value(term, prop) is None:
                    problems.append(f"{term} has no rdfs:{what}")
    return problems
