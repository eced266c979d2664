"""The embedded store: named graphs per report, safe parameter binding."""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef

from hmic_graph import vocab
from hmic_graph.model import HmicError
from hmic_graph.rdf import new_graph, report_graph
from hmic_graph.resources import ontology_files
from hmic_graph.store import ask, construct, graph_names, load_build, open_store, select

from conftest import hand_built_report


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("build")
    graphs = {
        "essex-police-2007-10": report_graph(hand_built_report()),
        "kent-police-2007-10": report_graph(hand_built_report("kent-police", "Kent Police")),
    }
    load_build(d, graphs, new_graph(), ontology_files())
    return d


def test_named_graph_per_report_plus_ontology_and_taxonomy(build_dir):
    store = open_store(build_dir)
    names = graph_names(store)
    assert str(vocab.report_graph_name("essex-police-2007-10")) in names
    assert str(vocab.report_graph_name("kent-police-2007-10")) in names
    assert str(vocab.GRAPH_ONTOLOGY) in names
    assert str(vocab.GRAPH_TAXONOMY) in names
    # The ontology graph holds the classes; the report graph holds only its own report.
    assert ask(store, "ASK { GRAPH ?g { hmic:InspectionReport a owl:Class } }", {"g": vocab.GRAPH_ONTOLOGY})
    rows = select(store, "SELECT ?r WHERE { GRAPH ?g { ?r a hmic:InspectionReport } }",
                  {"g": vocab.report_graph_name("kent-police-2007-10")})
    assert [row["r"] for row in rows] == [vocab.report("kent-police-2007-10")]


def test_binding_selects_by_typed_term(build_dir):
    store = open_store(build_dir)
    q = "SELECT ?n WHERE { ?rec hmic:inReport ?report ; hmic:recommendationNumber ?n }"
    rows = select(store, q, {"report": vocab.report("essex-police-2007-10")})
    assert [r["n"].toPython() for r in rows] == [1]


def test_malicious_parameter_cannot_change_the_query(build_dir):
    store = open_store(build_dir)
    q = "SELECT DISTINCT ?r WHERE { ?r a hmic:InspectionReport ; hmic:aboutForce ?f . ?f rdfs:label ?name }"
    assert len(select(store, q)) == 2
    evil = 'Essex Police"@en } UNION { ?r ?p ?o } #'
    assert select(store, q, {"name": evil}) == []  # a string literal, matched literally
    evil_iri = URIRef("https://w3id.org/hmic-graph/id/force/essex-police> } UNION { ?r ?p ?o")
    with pytest.raises(ValueError):
        select(store, q, {"f": evil_iri})  # not a valid IRI: refused, never pasted
    assert len(select(store, q, {"name": Literal("Kent Police", lang="en")})) == 1


def test_construct_and_bad_query(build_dir):
    store = open_store(build_dir)
    g = construct(store, "CONSTRUCT { ?r hmic:aboutForce ?f } WHERE { ?r hmic:aboutForce ?f }")
    assert len(g) == 2
    with pytest.raises(HmicError):
        select(store, "SELECT WHERE {")


def test_missing_store_is_a_one_line_error(tmp_path):
    with pytest.raises(HmicError, match="run 'hmic-graph build' first"):
        open_store(tmp_path / "nowhere")


def test_rebuild_replaces_store(tmp_path):
    both = {"essex-police-2007-10": report_graph(hand_built_report()),
            "kent-police-2007-10": report_graph(hand_built_report("kent-police", "Kent Police"))}
    load_build(tmp_path, both, new_graph(), ontology_files())
    load_build(tmp_path, {"essex-police-2007-10": both["essex-police-2007-10"]}, new_graph(), ontology_files())
    store = open_store(tmp_path)
    assert str(vocab.report_graph_name("kent-police-2007-10")) not in graph_names(store)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".store")]


def test_binding_filters_inside_aggregates(build_dir):
    store = open_store(build_dir)
    q = """SELECT (COUNT(DISTINCT ?rec) AS ?n) WHERE {
        ?rec a hmic:Recommendation ; hmic:inReport ?report }"""
    assert select(store, q)[0]["n"].toPython() == 4  # two per report, two reports
    rows = select(store, q, {"report": vocab.report("kent-police-2007-10")})
    assert [r["n"].toPython() for r in rows] == [2]  # filtered before counting, not joined after


def test_bind_skips_comments_strings_and_construct_templates():
    from hmic_graph.store import bind

    b = {"r": vocab.report("x")}
    q = "# WHERE { not here\nCONSTRUCT { ?r ?p '{' } WHERE { ?r ?p ?o }"
    assert bind(q, b) == ("# WHERE { not here\nCONSTRUCT { ?r ?p '{' } WHERE {"
                          "\nVALUES (?r) { (<https://w3id.org/hmic-graph/id/report/x>) }\n ?r ?p ?o }")
    with pytest.raises(HmicError):
        bind("SELECT ?x", b)
    with pytest.raises(ValueError):
        bind("SELECT ?x { ?x ?p ?o }", {"x) } ; DROP ALL ; #": "v"})
