"""Exports: every RDF format parses back (rdflib) to the store's triples; CSV tables hold real rows."""

from __future__ import annotations

import csv
import json

import pytest
from rdflib import XSD, BNode, Graph, URIRef
from rdflib.compare import isomorphic

from hmic_graph import export as ex
from hmic_graph import vocab
from hmic_graph.model import HmicError
from hmic_graph.store import open_store

ESSEX_2007 = "essex-police-2007-10"


def same_triples(a: Graph, b: Graph) -> bool:
    """Set equality, or isomorphism when blank nodes are involved (their labels may change)."""
    has_bnodes = any(isinstance(t, BNode) for g in (a, b) for triple in g for t in triple)
    return isomorphic(a, b) if has_bnodes else set(a) == set(b)


@pytest.fixture(scope="module")
def store_graphs(sample_build_dir):
    store = open_store(sample_build_dir)
    names = ex.graph_names(store)
    return {name: ex.named_graph(store, name) for name in names}


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld"])
def test_rdf_export_of_a_report_graph_parses_back_to_the_same_triples(sample_build_dir, store_graphs, tmp_path, fmt):
    out = tmp_path / f"essex{ex.SUFFIX[fmt]}"
    ex.export(sample_build_dir, fmt, out, graph=ESSEX_2007)
    parsed = ex.parse_back(out, fmt)
    expected = store_graphs[vocab.report_graph_name(ESSEX_2007)]
    assert len(parsed) == len(expected) > 1000
    assert same_triples(parsed, expected)


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld"])
def test_ontology_export_round_trips_blank_nodes(sample_build_dir, store_graphs, tmp_path, fmt):
    out = tmp_path / f"ontology{ex.SUFFIX[fmt]}"
    ex.export(sample_build_dir, fmt, out, graph="ontology")
    expected = store_graphs[vocab.GRAPH_ONTOLOGY]
    assert any(isinstance(s, BNode) for s in expected.subjects())  # owl:unionOf lists, restrictions
    assert isomorphic(ex.parse_back(out, fmt), expected)


def test_trig_has_one_named_graph_per_report_each_round_tripping(sample_build_dir, store_graphs, tmp_path):
    out = tmp_path / "all.trig"
    ex.export(sample_build_dir, "trig", out)
    ds = ex.parse_back(out, "trig")
    names = {g.identifier for g in ds.graphs() if len(g)}
    assert names == set(store_graphs)
    report_graphs = [n for n in names if "/graph/report/" in str(n)]
    assert len(report_graphs) == 5
    for name, expected in store_graphs.items():
        got = Graph()
        for t in ds.graph(name):
            got.add(t)
        assert same_triples(got, expected), name


def test_exports_are_deterministic_and_turtle_is_sorted_with_prefixes(sample_build_dir, tmp_path):
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    ex.export(sample_build_dir, "ttl", a, graph="links")
    ex.export(sample_build_dir, "ttl", b, graph="links")
    text = a.read_text(encoding="utf-8")
    assert text == b.read_text(encoding="utf-8")
    assert text.startswith("@prefix hmic: <https://w3id.org/hmic-graph/ontology#> .")


def test_jsonld_uses_the_published_context_inline(sample_build_dir, tmp_path):
    out = tmp_path / "links.jsonld"
    ex.export(sample_build_dir, "jsonld", out, graph="links")
    doc = json.loads(out.read_text(encoding="utf-8"))
    published = json.loads((ex.CONTEXT_FILE).read_text(encoding="utf-8"))["@context"]
    assert doc["@context"] == published
    follow_ups = [n for n in doc["@graph"] if "hmic:FollowUp" in (n.get("@type") if isinstance(n.get("@type"), list) else [n.get("@type")])]
    assert follow_ups and all("followUpStatus" in n for n in follow_ups)


def test_unknown_graph_and_format_are_one_line_errors(sample_build_dir, tmp_path):
    with pytest.raises(HmicError, match="no such graph.*essex-police-2007-10"):
        ex.export(sample_build_dir, "ttl", tmp_path / "x.ttl", graph="kent-police-2007-10")
    with pytest.raises(HmicError, match="unknown export format"):
        ex.export(sample_build_dir, "rdfxml", tmp_path / "x.rdf")
    with pytest.raises(HmicError, match="directory"):
        ex.export(sample_build_dir, "csv", tmp_path / "x.csv")


def read_csv(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_csv_findings_carry_follow_up_status_and_judgements_grades(sample_build_dir, tmp_path):
    files = ex.export(sample_build_dir, "csv", tmp_path / "tables")
    assert sorted(p.name for p in files) == ["findings.csv", "judgements.csv"]
    assert (tmp_path / "tables" / "findings.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # Excel: UTF-8
    findings = read_csv(tmp_path / "tables" / "findings.csv")
    essex_recs = [r for r in findings if r["report"] == ESSEX_2007 and r["kind"] == "recommendation"]
    # Essex 2007 prints 11 numbered recommendations; each is traced into the 2017 PEEL report.
    assert sorted({int(r["number"]) for r in essex_recs}) == list(range(1, 12))
    assert {r["followed_up_in"] for r in essex_recs} == {"essex-police-2017-03-effectiveness"}
    assert {r["follow_up_status"] for r in essex_recs} <= {"addressed", "partly-addressed", "recurring", "not-assessed"}
    first = next(r for r in essex_recs if r["number"] == "1")
    assert first["force"] == "Essex Police" and first["area"] == "Neighbourhood Policing"
    assert first["lines"] and first["iri"].endswith("/essex-police-2007-10/recommendation/1")
    afis = [r for r in findings if r["report"] == "essex-police-2017-03-effectiveness" and r["kind"] == "area for improvement"]
    assert len({r["iri"] for r in afis}) == 9
    judgements = read_csv(tmp_path / "tables" / "judgements.csv")
    cheshire = {r["area"]: r["grade"] for r in judgements if r["report"] == "cheshire-constabulary-2007-10"}
    assert cheshire["Neighbourhood Policing"] == "Fair" and cheshire["Performance management"] == "Good"
    essex_peel = [r for r in judgements if r["report"] == "essex-police-2017-03-effectiveness"]
    assert "Requires improvement" in {r["grade"] for r in essex_peel}


def test_graph_option_accepts_full_iri(sample_build_dir):
    store = open_store(sample_build_dir)
    assert ex.graph_iri(store, str(vocab.GRAPH_TAXONOMY)) == URIRef(str(vocab.GRAPH_TAXONOMY))
    assert ex.graph_iri(store, ESSEX_2007) == vocab.report_graph_name(ESSEX_2007)


def test_cli_export_writes_files_and_reports_errors_in_one_line(sample_build_dir, tmp_path):
    from typer.testing import CliRunner

    from hmic_graph.cli import app

    runner = CliRunner()
    out = tmp_path / "essex.nt"
    result = runner.invoke(app, ["export", "--format", "nt", "--graph", ESSEX_2007, "-o", str(out),
                                 "--build", str(sample_build_dir)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").count(" .\n") > 1000
    bad = runner.invoke(app, ["export", "--format", "ttl", "--graph", "nowhere", "-o", str(tmp_path / "x.ttl"),
                              "--build", str(sample_build_dir)])
    assert bad.exit_code == 1 and "no such graph" in bad.output and "Traceback" not in bad.output


def test_export_gives_the_triples_of_graph_ttl_with_their_datatypes(sample_build_dir, tmp_path):
    """Oxigraph keeps an xsd:positiveInteger as an xsd:integer (and a decimal only in its
    canonical form): the export restores the declared type, so an export holds graph.ttl's
    triples exactly, and line numbers stay what the contract and the shapes say."""
    out = tmp_path / "all.nt"
    ex.export(sample_build_dir, "nt", out)
    exported = set(ex.parse_back(out, "nt"))
    built = set(Graph().parse(sample_build_dir / "graph.ttl", format="turtle"))
    assert built - exported == set()
    line_starts = {o.datatype for _, p, o in exported if p == vocab.HMIC.lineStart}
    assert line_starts == {XSD.positiveInteger}


def test_declared_datatype_is_restored_only_where_the_value_fits():
    import pyoxigraph as ox

    from hmic_graph.store import with_declared_datatype

    xsd = "http://www.w3.org/2001/XMLSchema#"
    declared = {"http://e/line": xsd + "positiveInteger", "http://e/count": xsd + "nonNegativeInteger",
                "http://e/byte": xsd + "byte", "http://e/at": xsd + "dateTimeStamp"}

    def restored(prop: str, value: str, datatype: str) -> str:
        term = ox.Literal(value, datatype=ox.NamedNode(xsd + datatype))
        return with_declared_datatype(ox.NamedNode(prop), term, declared).datatype.value[len(xsd):]

    assert restored("http://e/line", "12", "integer") == "positiveInteger"
    assert restored("http://e/line", "0", "integer") == "integer"  # not a positiveInteger: kept
    assert restored("http://e/count", "0", "integer") == "nonNegativeInteger"
    assert restored("http://e/byte", "300", "integer") == "integer"
    assert restored("http://e/line", "twelve", "integer") == "integer"  # ill-typed: kept as written
    assert restored("http://e/line", "12", "decimal") == "decimal"  # another type: kept
    assert restored("http://e/other", "12", "integer") == "integer"  # nothing declared
    assert restored("http://e/at", "2016-03-01T00:00:00Z", "dateTime") == "dateTimeStamp"
    assert restored("http://e/at", "2016-03-01T00:00:00", "dateTime") == "dateTime"  # no time zone
    node = ox.NamedNode("http://e/x")
    assert with_declared_datatype(ox.NamedNode("http://e/line"), node, declared) == node
