"""serialize.read_graph_file: the one reader behind 'validate GRAPH' and 'reason GRAPH'."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from hmic_graph.model import HmicError
from hmic_graph.serialize import read_graph_file

TRIPLE = (URIRef("https://w3id.org/hmic-graph/id/force/essex-police"),
          URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("Essex Police"))


@pytest.mark.parametrize("suffix, rdflib_format", [(".ttl", "turtle"), (".nt", "nt"), (".jsonld", "json-ld"),
                                                   (".rdf", "xml"), (".TTL", "turtle")])
def test_format_follows_the_suffix(tmp_path, suffix, rdflib_format):
    g = Graph()
    g.add(TRIPLE)
    path = tmp_path / f"graph{suffix}"
    g.serialize(path, format=rdflib_format)
    read, read_path = read_graph_file(path)
    assert set(read) == {TRIPLE} and read_path == path


def test_missing_and_unreadable_files_are_one_line_errors(tmp_path):
    with pytest.raises(HmicError, match="no such graph file") as missing:
        read_graph_file(tmp_path / "nothing.ttl")
    assert "\n" not in str(missing.value)
    bad = tmp_path / "graph.nt"
    bad.write_text("<a> <b> .\n", encoding="utf-8")  # an object is missing
    with pytest.raises(HmicError, match="cannot read RDF") as unreadable:
        read_graph_file(bad)
    assert "\n" not in str(unreadable.value)


def test_a_turtle_syntax_error_says_where_and_what(tmp_path):
    """rdflib puts the line on one line and what is wrong on the next: both are kept (the
    message ended at 'at line 2 of <>:')."""
    bad = tmp_path / "graph.ttl"
    bad.write_text('@prefix : <http://e/> .\n:a :b "unterminated .\n', encoding="utf-8")
    with pytest.raises(HmicError) as unreadable:
        read_graph_file(bad)
    assert str(unreadable.value) == f"{bad}: cannot read RDF: at line 2: Bad syntax (newline found in string literal)"


def test_an_empty_graph_a_directory_or_a_device_is_refused(tmp_path):
    """validate and reason over nothing would report 'conforms' or 'consistent': refused."""
    (tmp_path / "empty.ttl").write_text("@prefix ex: <http://e/> .\n# no triples\n", encoding="utf-8")
    for path, problem in ((tmp_path / "empty.ttl", "no triples in this graph file"),
                          (tmp_path, "not a regular file"), (Path("/dev/null"), "not a regular file")):
        with pytest.raises(HmicError, match=problem) as refused:
            read_graph_file(path)
        assert str(refused.value).startswith(str(path)) and "\n" not in str(refused.value)
