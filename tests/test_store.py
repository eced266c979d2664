"""The embedded store: named graphs per report, safe parameter binding."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import XSD, Literal, URIRef

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
    load_build(d, graphs, {}, ontology_files())
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


def test_select_rows_as_rdflib_terms_in_the_select_order(build_dir):
    store = open_store(build_dir)
    q = """SELECT DISTINCT ?report ?number ?name ?missing ?text ?force WHERE {
             ?report hmic:aboutForce ?force . ?force rdfs:label ?name .
             ?rec a hmic:Recommendation ; hmic:inReport ?report ; hmic:text ?text
             OPTIONAL { ?rec hmic:recommendationNumber ?number }
           } ORDER BY ?report ?text"""
    rows = select(store, q)
    assert all(list(r) == ["report", "number", "name", "missing", "text", "force"] for r in rows)
    essex = [r for r in rows if r["report"] == vocab.report("essex-police-2007-10")]
    assert len(essex) == 2 and len(rows) == 4  # each report's two recommendations
    assert essex[0]["force"] is essex[1]["force"] == vocab.force("essex-police")  # one term, converted once
    assert essex[0]["name"] == Literal("Essex Police", lang="en")
    assert [r["number"] for r in essex] == [Literal(1), None]  # unbound: None
    assert essex[0]["text"] == Literal("The force should review its CAIU staffing.")
    assert all(r["missing"] is None for r in rows)


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
    with pytest.raises(HmicError, match="SPARQL syntax error"):
        select(store, "SELECT WHERE {")


@pytest.mark.parametrize("update", [
    "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
    "# remove the reports\nPREFIX hmic: <https://w3id.org/hmic-graph/ontology#>\n\n  delete WHERE { ?r a hmic:InspectionReport }",
    "BASE <http://e/> DROP ALL",
])
def test_an_update_is_refused_as_an_update_not_as_bad_syntax(build_dir, update):
    store = open_store(build_dir)
    with pytest.raises(HmicError, match=r"is a SPARQL update: the store is only read here"):
        select(store, update)
    assert len(select(store, "SELECT ?r WHERE { ?r a hmic:InspectionReport }")) == 2  # unchanged


def test_missing_store_is_a_one_line_error(tmp_path):
    with pytest.raises(HmicError, match="run 'hmic-graph build' first"):
        open_store(tmp_path / "nowhere")


def test_rebuild_replaces_store(tmp_path):
    both = {"essex-police-2007-10": report_graph(hand_built_report()),
            "kent-police-2007-10": report_graph(hand_built_report("kent-police", "Kent Police"))}
    load_build(tmp_path, both, {}, ontology_files())
    load_build(tmp_path, {"essex-police-2007-10": both["essex-police-2007-10"]}, {}, ontology_files())
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


def _quads(store) -> set[tuple[str, str, str, str]]:
    # Blank node labels differ between loads; the shape of the data must not.
    def term(t):
        return "_:b" if t.__class__.__name__ == "BlankNode" else str(t)
    return {(term(q.subject), str(q.predicate), term(q.object), str(q.graph_name)) for q in store}


def test_load_in_small_bulk_load_calls_gives_the_same_store(tmp_path, monkeypatch):
    from hmic_graph import store as store_module

    graphs = {"essex-police-2007-10": report_graph(hand_built_report()),
              "kent-police-2007-10": report_graph(hand_built_report("kent-police", "Kent Police"))}
    links = new_graph()
    links.parse(data='_:a <http://example.org/p> _:b .\n_:b <http://example.org/p> "x" .\n', format="nt")
    load_build(tmp_path / "one", graphs, {"essex-police": links}, ontology_files())
    calls = []

    class CountedReader(store_module._ChunkReader):  # one reader per bulk_load call
        def __init__(self, chunks):
            calls.append(1)
            super().__init__(chunks)

    monkeypatch.setattr(store_module, "BULK_LOAD_QUADS", 10)  # every graph in a call of its own
    monkeypatch.setattr(store_module, "_ChunkReader", CountedReader)
    load_build(tmp_path / "many", graphs, {"essex-police": links}, ontology_files())
    assert len(calls) == 3  # two reports and the links
    one, many = open_store(tmp_path / "one"), open_store(tmp_path / "many")
    assert len(one) == len(many)
    assert _quads(one) == _quads(many)
    # The links' two blank nodes stayed joined: one document per graph, never split.
    joined = "SELECT ?c WHERE { GRAPH ?g { ?a <http://example.org/p> ?b . ?b <http://example.org/p> ?c } }"
    assert [str(row["c"]) for row in select(many, joined)] == ["x"]


def test_batches_group_whole_graphs():
    from hmic_graph.store import _batches

    # (graph number, quads, bytes): groups of at most 6 quads, ending only between graphs.
    pieces = iter([(0, 3, b"a"), (1, 3, b"b"), (2, 5, b"c"), (3, 1, b"d"), (4, 1, b"e")])
    assert [list(batch) for batch in _batches(pieces, 6)] == [[b"a", b"b"], [b"c", b"d"], [b"e"]]
    # A graph larger than a group stays in one group, whatever its pieces.
    pieces = iter([(0, 1, b"x"), (1, 4, b"big1"), (1, 4, b"big2"), (1, 4, b"big3"), (2, 1, b"y")])
    assert [list(b) for b in _batches(pieces, 4)] == [[b"x"], [b"big1", b"big2", b"big3"], [b"y"]]
    assert list(_batches(iter([]), 4)) == []


def test_nquads_pieces_and_reader_give_back_every_line():
    import io

    from hmic_graph.store import _ChunkReader, _nquads

    lines = [f"<http://e/s{i}> <http://e/p> \"{'é' * (i % 7)}\" ." for i in range(25)]
    pieces = list(_nquads([(URIRef("http://e/g"), lines)], piece=4))
    assert [n for _, n, _ in pieces] == [4, 4, 4, 4, 4, 4, 1]
    for size in (1, 3, 64, 1 << 20):  # reads smaller and larger than a piece
        text = io.BufferedReader(_ChunkReader(iter(p for _, _, p in pieces)), buffer_size=size).read()
        assert text.decode("utf-8").splitlines() == [line[:-1].rstrip() + " <http://e/g> ." for line in lines]


def test_graph_text_loads_as_its_lines_would(tmp_path):
    """A graph given as N-Triples text takes the one-pass path (bytes.replace) when it can and
    the line path otherwise (blank nodes, comments); both give the same quads."""
    from hmic_graph.serialize import ntriples_lines
    from hmic_graph.store import _nquads

    lines = ntriples_lines(report_graph(hand_built_report()))
    text = "\n".join(lines).encode("utf-8")
    name = URIRef("http://e/g")
    fast = b"".join(piece for _, _, piece in _nquads([(name, lambda: text)]))
    slow = b"".join(piece for _, _, piece in _nquads([(name, lines)]))
    assert fast == slow and fast.count(b"\n") == len(lines)
    blank = b'_:a <http://e/p> "x" .\n# a comment\n<http://e/s> <http://e/p> _:a .'
    pieces = list(_nquads([(name, lambda: blank)]))
    assert b"".join(p for _, _, p in pieces) == (b'_:g0xa <http://e/p> "x" <http://e/g> .\n'
                                                  b'<http://e/s> <http://e/p> _:g0xa <http://e/g> .\n')
    assert list(_nquads([(name, lambda: b"")])) == []
    graphs = {"essex-police-2007-10": lambda: text}
    load_build(tmp_path / "text", graphs, {}, ontology_files())
    load_build(tmp_path / "lines", {"essex-police-2007-10": lines}, {}, ontology_files())
    assert _quads(open_store(tmp_path / "text")) == _quads(open_store(tmp_path / "lines"))


def test_links_graph_per_force_and_only_changed_forces_replaced(tmp_path, monkeypatch):
    from hmic_graph import store as store_module

    def links(force: str, n: int) -> list[str]:
        return [f"<http://e/{force}/{i}> <http://e/p> <http://e/{force}/{i + 1}> ." for i in range(n)]

    graphs = {"essex-police-2007-10": report_graph(hand_built_report())}
    keys = {"essex-police-2007-10": "r1"}
    load_build(tmp_path, graphs, {"essex-police": links("essex", 3), "kent-police": links("kent", 2)},
               ontology_files(), keys, {"essex-police": "e1", "kent-police": "k1"})
    store = open_store(tmp_path)
    names = graph_names(store)
    assert str(vocab.links_graph_name("essex-police")) in names
    assert str(vocab.links_graph_name("kent-police")) in names
    del store

    loaded = []
    real = store_module._load_graphs
    monkeypatch.setattr(store_module, "_load_graphs",
                        lambda store, graphs, **kw: real(store, [(loaded.append(str(n)), (n, g))[1] for n, g in graphs],
                                                         **kw))
    # Kent re-linked (new key, one link fewer), Essex unchanged, a new force, no report change.
    load_build(tmp_path, graphs, {"essex-police": links("essex", 3), "kent-police": links("kent", 1),
                                  "suffolk-constabulary": links("suffolk", 1)},
               ontology_files(), keys, {"essex-police": "e1", "kent-police": "k2", "suffolk-constabulary": "s1"})
    # Kent's links are updated in place by their difference (test below); only the new force loads.
    assert loaded == [str(vocab.links_graph_name("suffolk-constabulary"))]
    store = open_store(tmp_path)
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert [int(r["n"].value) for r in select(store, count, {"g": URIRef(str(vocab.links_graph_name("kent-police")))})] == [1]
    assert [int(r["n"].value) for r in select(store, count, {"g": URIRef(str(vocab.links_graph_name("essex-police")))})] == [3]


def test_changed_graphs_are_updated_by_their_difference(tmp_path, monkeypatch):
    """A rebuild's store holds exactly what a fresh load of the same graphs holds, but removes
    and adds only the triples that changed (a whole-graph replace slowed every later query by
    half, bench/RESULTS.md); a graph with blank nodes cannot be matched, and one mostly new is
    cheaper to load: both are loaded afresh."""
    import pyoxigraph as ox

    from hmic_graph import store as store_module
    from hmic_graph.serialize import ntriples_lines

    essex = ntriples_lines(report_graph(hand_built_report()))
    kent = ntriples_lines(report_graph(hand_built_report("kent-police", "Kent Police")))
    # Literal forms our writer produces (escapes, language tags, datatypes), as Oxigraph may
    # write them otherwise.
    odd_graph = new_graph()
    for value in (Literal('café "quoted"\n', lang="en-GB"), Literal("2016-03-01", datatype=XSD.date),
                  Literal("plain"), Literal("tab\there ünïcødé ✓")):
        odd_graph.add((URIRef("http://e/s"), URIRef("http://e/p"), value))
    odd = ntriples_lines(odd_graph)
    blank = ['_:x <http://e/p> "one" .', '<http://e/s> <http://e/q> _:x .']
    links = [f"<http://e/f/{i}> <http://e/p> <http://e/f/{i + 1}> ." for i in range(5)]
    churn = [f'<http://e/c> <http://e/p> "{i}" .' for i in range(4)]
    first = {"essex-police-2007-10": essex, "kent-police-2007-10": kent, "odd-2020-01": odd, "blank-2020-01": blank,
             "churn-2020-01": churn, "unblank-2020-01": blank + churn}
    keys = {rid: "1" for rid in first}
    load_build(tmp_path / "b", first, {"f": links}, ontology_files(), keys, {"f": "1"})

    edited = [line.replace('"Essex Police"', '"Essex Constabulary"') for line in essex[:-2]]
    second = {"essex-police-2007-10": edited, "odd-2020-01": odd[:-1] + ['<http://e/s> <http://e/p> "new" .'],
              "blank-2020-01": blank + ['_:y <http://e/p> "two" .'],
              "new-2021-01": ['<http://e/n> <http://e/p> "n" .'],
              "churn-2020-01": churn[:1] + [f'<http://e/c> <http://e/p> "new {i}" .' for i in range(3)],
              "unblank-2020-01": churn}  # its blank nodes gone: the old ones must go too
    second_links = links[1:] + ["<http://e/f/9> <http://e/p> <http://e/f/10> ."]
    changes = {"removed": 0, "added": 0, "graphs_removed": []}
    real_store = ox.Store

    class CountingStore:  # pyoxigraph's Store cannot be subclassed
        read_only = staticmethod(ox.Store.read_only)

        def __init__(self, path=None):
            self.store = real_store(path)

        def __getattr__(self, name):
            return getattr(self.store, name)

        def remove(self, quad):
            changes["removed"] += 1
            return self.store.remove(quad)

        def extend(self, quads):
            quads = list(quads)
            changes["added"] += len(quads)
            return self.store.extend(quads)

        def remove_graph(self, graph):
            changes["graphs_removed"].append(graph.value)
            return self.store.remove_graph(graph)

    monkeypatch.setattr(store_module.ox, "Store", CountingStore)
    load_build(tmp_path / "b", second, {"f": second_links}, ontology_files(),
               {"essex-police-2007-10": "2", "odd-2020-01": "2", "blank-2020-01": "2", "new-2021-01": "1",
                "churn-2020-01": "2", "unblank-2020-01": "2"},
               {"f": "2"})
    monkeypatch.undo()
    load_build(tmp_path / "fresh", second, {"f": second_links}, ontology_files())
    assert _quads(open_store(tmp_path / "b")) == _quads(open_store(tmp_path / "fresh"))

    renamed = sum('"Essex Police"' in line for line in essex[:-2])
    assert renamed > 0
    # Only the differences: Essex's renamed lines and two dropped, one odd literal, one link out
    # and one in; every other literal form written as Oxigraph writes it, so nothing is
    # removed and added back.
    assert changes["removed"] == renamed + 2 + 1 + 1
    assert changes["added"] == renamed + 1 + 1
    # Replaced whole: the graphs with blank nodes before or after, the one three quarters new,
    # the one gone.
    assert sorted(changes["graphs_removed"]) == sorted(
        [str(vocab.report_graph_name(rid))
         for rid in ("blank-2020-01", "churn-2020-01", "kent-police-2007-10", "unblank-2020-01")])


def test_a_failed_staging_closes_its_store_before_removing_it(tmp_path, monkeypatch):
    """RocksDB writes files in the background while a store is open: the staging directory is
    removed only once the store is closed, including when the failed call's frame (in the
    traceback) still holds it; else files written after the removal left the directory."""
    import shutil

    import pyoxigraph as ox

    from hmic_graph import store as store_module

    def full_disk(store, graphs, **kw):  # holds the store in its frame, as a failing bulk load does
        raise OSError(28, "No space left on device")

    removed: list[bool] = []
    real_rmtree = shutil.rmtree

    def rmtree_once_closed(path, ignore_errors=False):
        try:  # a second handle opens only once the first has released RocksDB's lock
            ox.Store(str(Path(path) / store_module.STORE_DIRNAME))
            removed.append(True)
        except OSError:
            removed.append(False)
        real_rmtree(path, ignore_errors=ignore_errors)

    monkeypatch.setattr(store_module, "_load_graphs", full_disk)
    monkeypatch.setattr(store_module.shutil, "rmtree", rmtree_once_closed)
    with pytest.raises(OSError, match="No space left"):
        load_build(tmp_path, {"essex-police-2007-10": report_graph(hand_built_report())}, {},
                   ontology_files())
    assert removed == [True]
    assert [p.name for p in tmp_path.iterdir()] == []


def test_staging_told_to_stop_ends_before_its_next_bulk_load(tmp_path, monkeypatch):
    """A build that fails while the store thread loads its report graphs tells it so: it stops
    before its next bulk load (it does not load every report first) and leaves nothing."""
    from hmic_graph import store as store_module

    graphs = {f"force-{i}-2007-10": report_graph(hand_built_report(f"force-{i}", f"Force {i}")) for i in range(4)}
    loads: list[int] = []

    class CountedReader(store_module._ChunkReader):  # one reader per bulk_load call
        def __init__(self, chunks):
            loads.append(1)
            super().__init__(chunks)

    monkeypatch.setattr(store_module, "BULK_LOAD_QUADS", 10)  # a call per report graph
    monkeypatch.setattr(store_module, "_ChunkReader", CountedReader)
    links_asked: list[int] = []
    with pytest.raises(store_module.StagingStopped):
        store_module.stage_build(tmp_path, graphs, lambda: links_asked.append(1) or ({}, None), ontology_files(),
                                 stop=lambda: len(loads) >= 1)
    assert loads == [1] and links_asked == []
    assert [p.name for p in tmp_path.iterdir()] == []
