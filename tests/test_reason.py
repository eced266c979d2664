"""OWL reasoning: HermiT on ontology + data (owlready2), dates retyped for the OWL 2
datatype map, defined classes inferred, missing Java reported in one line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, XSD

from hmic_graph import reason
from hmic_graph.model import HmicError
from hmic_graph.vocab import HMIC, ID

FIXTURES = Path(__file__).parent / "data" / "shapes"
needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="needs a Java runtime for HermiT")


def base_graph() -> Graph:
    prefixes = (FIXTURES / "_prefixes.ttl").read_text(encoding="utf-8")
    return Graph().parse(data=prefixes + (FIXTURES / "base.ttl").read_text(encoding="utf-8"), format="turtle")


def test_dates_are_retyped_into_the_owl2_datatype_map():
    g = Graph()
    s = URIRef("http://example.org/r")
    g.add((s, HMIC.p1, Literal("2007-10", datatype=XSD.gYearMonth)))
    g.add((s, HMIC.p2, Literal("2017-03-07", datatype=XSD.date)))
    g.add((s, HMIC.p3, Literal("2015", datatype=XSD.gYear)))
    out = reason.owl2_datatypes(g)
    assert set(out.objects(s, None)) == {
        Literal("2007-10-01T00:00:00", datatype=XSD.dateTime),
        Literal("2017-03-07T00:00:00", datatype=XSD.dateTime),
        Literal("2015-01-01T00:00:00", datatype=XSD.dateTime),
    }


def test_malformed_date_is_one_line_error():
    g = Graph()
    g.add((URIRef("http://example.org/r"), HMIC.p, Literal("October 2007", datatype=XSD.gYearMonth)))
    with pytest.raises(HmicError, match="malformed gYearMonth"):
        reason.owl2_datatypes(g)


def test_reports_and_forces_are_declared_distinct():
    from rdflib.collection import Collection

    merged = reason.reasoning_input(base_graph())
    groups = [set(Collection(merged, merged.value(n, OWL.distinctMembers)))
              for n in merged.subjects(RDF.type, OWL.AllDifferent) if merged.value(n, OWL.distinctMembers)]
    reports = {ID["report/essex-police-2007-10"], ID["report/essex-police-2017-03-effectiveness"]}
    assert reports in groups
    assert any(ID["force/essex-police"] in g and ID["force/kent-police"] in g for g in groups)


def test_every_defined_class_is_labelled_and_commented():
    classes = reason.describe_classes()
    assert {"FollowedUpFinding", "AddressedFinding", "RecurringFinding", "LowestGradedJudgement",
            "ForceWithLowestGrade", "ReinspectedForce", "SharedPartner"} <= set(classes)
    assert all(classes.values())


def test_missing_java_is_a_one_line_error(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(HmicError, match="needs a Java runtime"):
        reason.java_executable()


@needs_java
def test_hermit_infers_defined_classes_on_the_base_graph(tmp_path):
    result = reason.reason(base_graph(), out_dir=tmp_path)
    assert result.consistent
    inferred = set(result.inferred)
    # Essex was graded Poor for domestic violence in 2007 and inspected again in 2016/17;
    # its 2007 recommendation 1 was followed up (partly addressed) in 2017.
    essex = ID["force/essex-police"]
    assert (essex, RDF.type, HMIC.ForceWithLowestGrade) in inferred
    assert (essex, RDF.type, HMIC.ReinspectedForce) in inferred
    assert (ID["report/essex-police-2007-10/judgement/domestic-violence"], RDF.type,
            HMIC.LowestGradedJudgement) in inferred
    rec1 = ID["report/essex-police-2007-10/recommendation/1"]
    assert (rec1, RDF.type, HMIC.FollowedUpFinding) in inferred
    assert (rec1, RDF.type, HMIC.AddressedFinding) not in inferred  # partly addressed only
    assert (ID["report/essex-police-2007-10/recommendation/2"], RDF.type, HMIC.FollowedUpFinding) not in inferred
    written = Graph().parse(tmp_path / "inferred.ttl", format="turtle")
    assert set(written) == inferred


@needs_java
def test_shared_partner_needs_two_distinct_forces():
    g = base_graph()
    partner = ID["org/essex-county-council"]
    g.add((ID["force/kent-police"], RDF.type, HMIC.PoliceForce))
    g.add((ID["force/kent-police"], HMIC.worksWith, partner))
    result = reason.reason(g)
    assert (partner, RDF.type, HMIC.SharedPartner) in set(result.inferred)


@needs_java
def test_inconsistent_data_is_reported_not_raised():
    g = base_graph()
    # A report is a prov:Entity, a force an organisation; hmic:aboutForce is functional, so
    # one report about two forces declared different is a contradiction.
    report = ID["report/essex-police-2007-10"]
    g.add((report, HMIC.aboutForce, ID["force/kent-police"]))
    g.add((ID["force/kent-police"], RDF.type, HMIC.PoliceForce))
    result = reason.reason(g)
    assert not result.consistent
    assert result.explanation
    assert result.exit_code == 1


# -- the ontology itself: OWL 2 DL shape, labels, documentation ---------------------------

def test_ontology_has_no_dl_problems_and_every_term_is_documented():
    from hmic_graph.docs import ontology_graph

    assert reason.dl_problems(ontology_graph()) == []


def test_dl_check_catches_punning_and_missing_comment():
    g = Graph().parse(data="""
        @prefix hmic: <https://w3id.org/hmic-graph/ontology#> .
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        hmic:Thing a owl:Class , owl:ObjectProperty ; rdfs:label "thing" ; rdfs:comment "x" .
        hmic:Other a owl:Class ; rdfs:label "other" .
    """, format="turtle")
    problems = reason.dl_problems(g)
    assert any("Thing" in p and "punning" in p for p in problems)
    assert any("Other has no rdfs:comment" in p for p in problems)


def test_generated_docs_list_every_class_and_property(tmp_path):
    from hmic_graph import docs

    g = docs.ontology_graph()
    page = docs.make_docs(tmp_path).read_text(encoding="utf-8")
    terms = [t for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
             for t in g.subjects(RDF.type, kind) if str(t).startswith(str(HMIC))]
    assert len(terms) > 40
    missing = [t for t in terms if str(t) not in page]
    assert missing == []
    for name in ("InspectionReport", "FollowedUpFinding", "SharedPartner"):
        assert name in page


def test_built_in_docs_renderer_lists_every_class():
    from hmic_graph import docs

    g = docs.ontology_graph()
    page = docs.simple_html(g)
    for cls in g.subjects(RDF.type, OWL.Class):
        if str(cls).startswith(str(HMIC)):
            assert f"hmic:{str(cls).rsplit('#', 1)[-1]}" in page


def test_committed_docs_exist_and_list_every_term():
    """docs/ontology/index.html is regenerated (python -m hmic_graph.docs) with the ontology:
    every class and property of it is on the committed page."""
    from hmic_graph import docs

    index = Path(__file__).parent.parent / "docs" / "ontology" / "index.html"
    page = index.read_text(encoding="utf-8")
    g = docs.ontology_graph()
    terms = [t for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
             for t in g.subjects(RDF.type, kind) if str(t).startswith(str(HMIC))]
    assert "FollowedUpFinding" in page
    assert [t for t in terms if str(t) not in page] == []


def test_committed_docs_are_what_the_ontology_renders_to_with_no_dangling_link(tmp_path):
    """Regenerating the docs gives the committed bytes (blank nodes labelled canonically,
    pyLODE's sets ordered), so this fails when the ontology changes and the page was not
    regenerated; every link inside the page has its anchor (pyLODE linked nested class
    expressions by blank node id)."""
    import re

    pytest.importorskip("pylode")  # the dev extra's renderer, the one the committed page comes from
    from hmic_graph import docs

    committed = (Path(__file__).parent.parent / "docs" / "ontology" / "index.html").read_text(encoding="utf-8")
    fresh = docs.make_docs(tmp_path).read_text(encoding="utf-8")
    assert fresh == committed, "docs/ontology/index.html is stale: run python -m hmic_graph.docs"
    anchors = set(re.findall(r'\bid="([^"]+)"', fresh))
    local = {h for h in re.findall(r'href="#?([^"]+)"', fresh) if not h.startswith(("http", "data:"))}
    assert local and local <= anchors
    assert "hmic:followUpStatus some hmic:AddressedStatus" in fresh  # a nested expression, written out


@needs_java
def test_cli_reason_prints_consistency_and_memberships(tmp_path):
    from typer.testing import CliRunner

    from hmic_graph.cli import app

    graph = tmp_path / "graph.ttl"
    base_graph().serialize(graph, format="turtle")
    result = CliRunner().invoke(app, ["reason", str(graph)])
    assert result.exit_code == 0, result.output
    assert "consistent" in result.output
    assert "ForceWithLowestGrade" in result.output
    assert (tmp_path / "inferred.ttl").exists()


@needs_java
@pytest.mark.slow
def test_hermit_on_the_full_sample_graph(sample_build_dir, tmp_path):
    """The whole sample build is consistent; Essex (graded Poor for domestic violence in
    2007, inspected again in 2016) is inferred re-inspected and lowest-graded."""
    result = reason.reason(sample_build_dir / "graph.ttl", out_dir=tmp_path)
    assert result.consistent, result.explanation
    inferred = set(result.inferred)
    essex = ID["force/essex-police"]
    assert (essex, RDF.type, HMIC.ReinspectedForce) in inferred
    assert (essex, RDF.type, HMIC.ForceWithLowestGrade) in inferred
    assert result.counts().get("FollowedUpFinding", 0) >= 1
    assert result.counts().get("SharedPartner", 0) >= 1


@needs_java
def test_inferred_types_are_queryable_in_the_build_store(tmp_path):
    """reason next to a build's store loads the inferences into id/graph/inferred."""
    import pyoxigraph as ox

    from hmic_graph.store import open_store, select
    from hmic_graph.vocab import GRAPH_INFERRED

    store = ox.Store(str(tmp_path / "store"))
    store.flush()
    del store
    graph = tmp_path / "graph.ttl"
    base_graph().serialize(graph, format="turtle")
    result = reason.reason(graph)
    assert result.stored
    rows = select(open_store(tmp_path), f"SELECT ?f WHERE {{ GRAPH <{GRAPH_INFERRED}> "
                                        f"{{ ?f a <{HMIC.ForceWithLowestGrade}> }} }}")
    assert [str(r["f"]) for r in rows] == [str(ID["force/essex-police"])]
