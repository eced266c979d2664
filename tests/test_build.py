"""The build pipeline: determinism, atomic writes, bad files among good ones, duplicates."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hmic_graph import pipeline, turtle_index
from hmic_graph.model import Document, HmicError, Report
from hmic_graph.resources import sample_reports
from hmic_graph.serialize import atomic_write

from conftest import HAND_TEXT, hand_built_report, input_dir

FORCES = {"kent": ("kent-police", "Kent Police"), "essex": ("essex-police", "Essex Police")}


def fake_extract(doc: Document) -> Report:
    """Stands in for the extractors: the first line names the force; 'garbage' is rejected."""
    first = doc.lines[0].text.strip()
    if first not in FORCES:
        raise HmicError(doc.source, "not a recognised HMIC report layout")
    force_id, name = FORCES[first]
    report = hand_built_report(force_id, name)
    report.document = doc
    return report


def use_fake_extractor(monkeypatch) -> None:
    # Patched where the extraction stage looks it up (worker processes are forked from here).
    monkeypatch.setattr("hmic_graph.extract.extract_report", fake_extract)
    monkeypatch.setattr(pipeline, "extract_report", fake_extract, raising=False)


@pytest.fixture
def fake_extractor(monkeypatch):
    use_fake_extractor(monkeypatch)
    # SHACL is tested on its own (test_validate); these tests are about the pipeline.
    build = pipeline.build
    monkeypatch.setattr(pipeline, "build", lambda *a, **k: build(*a, **{"validate": False, **k}))


def write_inputs(d: Path) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "b_kent.txt").write_text("kent\n" + HAND_TEXT)
    (d / "a_essex.txt").write_text("essex\n" + HAND_TEXT)
    (d / "notes.md").write_text("not a report: ignored because of its suffix")
    return d


def test_two_builds_are_byte_identical(tmp_path, fake_extractor):
    inputs = write_inputs(tmp_path / "in")
    a = pipeline.build([inputs], tmp_path / "a")
    b = pipeline.build([inputs / "b_kent.txt", inputs / "a_essex.txt"], tmp_path / "b")
    assert [r.info.report_id for r in a.reports] == ["essex-police-2007-10", "kent-police-2007-10"]
    ttl_a = (tmp_path / "a" / "graph.ttl").read_bytes()
    assert ttl_a == (tmp_path / "b" / "graph.ttl").read_bytes()
    assert b"report:kent-police-2007-10" in ttl_a
    assert (tmp_path / "a" / "manifest.json").read_bytes() == (tmp_path / "b" / "manifest.json").read_bytes()
    assert a.triples > 100 and (tmp_path / "a" / "store").is_dir()
    assert b.triples == a.triples and [r.info.report_id for r in b.reports] == [r.info.report_id for r in a.reports]


def test_bad_file_among_good_ones(tmp_path, fake_extractor):
    inputs = write_inputs(tmp_path / "in")
    (inputs / "c_garbage.txt").write_text("garbage\nthis is no report\n")
    (inputs / "d_empty.txt").write_text("")
    result = pipeline.build([inputs, tmp_path / "missing.txt"], tmp_path / "out")
    problems = {Path(e.source).name: e.problem for e in result.errors}
    assert problems == {
        "c_garbage.txt": "not a recognised HMIC report layout",
        "d_empty.txt": "empty file",
        "missing.txt": "no such file",
    }
    assert not result.ok
    assert len(result.reports) == 2
    assert "report:essex-police-2007-10" in (tmp_path / "out" / "graph.ttl").read_text()


def test_duplicate_content_is_ingested_once(tmp_path, fake_extractor):
    inputs = write_inputs(tmp_path / "in")
    (inputs / "z_copy_of_kent.txt").write_bytes((inputs / "b_kent.txt").read_bytes())
    result = pipeline.build([inputs], tmp_path / "out")
    statuses = {Path(i.source).name: i.status for i in result.inputs}
    assert statuses == {"a_essex.txt": "built", "b_kent.txt": "built", "z_copy_of_kent.txt": "duplicate"}
    assert result.errors == []
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert [i["source"] for i in manifest["inputs"]] == ["a_essex.txt", "b_kent.txt", "z_copy_of_kent.txt"]


def test_failed_build_leaves_previous_graph_intact(tmp_path, fake_extractor, monkeypatch):
    inputs = write_inputs(tmp_path / "in")
    out = tmp_path / "out"
    pipeline.build([inputs], out)
    before = (out / "graph.ttl").read_bytes()

    def broken_block(output, *block):
        os.write(output.fd, b"@prefix hmic: <https://w3id.org/hmic-graph/ontology#> .\n")
        raise RuntimeError("disk full")  # half way through writing graph.ttl

    monkeypatch.setattr(turtle_index._Output, "block", broken_block)
    with pytest.raises(RuntimeError):
        pipeline.build([inputs / "b_kent.txt"], out)
    assert (out / "graph.ttl").read_bytes() == before
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp") or p.name.startswith(".store")]
    from hmic_graph import vocab
    from hmic_graph.store import graph_names, open_store

    # The store was not swapped either: it still holds the earlier build's two reports.
    names = graph_names(open_store(out))
    assert str(vocab.report_graph_name("essex-police-2007-10")) in names


def test_atomic_write_never_leaves_half_a_file(tmp_path):
    target = tmp_path / "graph.ttl"
    target.write_text("old complete content\n")

    def chunks():
        yield "@prefix hmic: <https://w3id.org/hmic-graph/ontology#> .\n"
        raise OSError("no space left on device")

    with pytest.raises(OSError):
        atomic_write(target, chunks())
    assert target.read_text() == "old complete content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.ttl"]


def test_nothing_buildable_writes_nothing(tmp_path, fake_extractor):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "x.txt").write_text("garbage\n")
    result = pipeline.build([tmp_path / "in"], tmp_path / "out")
    assert result.reports == [] and not result.ok
    assert not (tmp_path / "out" / "graph.ttl").exists()


# -- the real sample reports through the real extractors ---------------------------------

@pytest.fixture(scope="module")
def sample_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("samples")
    return pipeline.build(None, out, validate=False)


def test_samples_build_with_real_values(sample_build):
    from hmic_graph.store import open_store, select
    from hmic_graph.vocab import ID

    assert sample_build.errors == []
    assert [r.info.report_id for r in sample_build.reports] == [
        "essex-police-2007-10", "essex-police-2017-03-effectiveness", "hertfordshire-constabulary-2007-10",
        "cheshire-constabulary-2007-10", "norfolk-constabulary-2007-10"]
    store = open_store(sample_build.out_dir)
    essex07, essex16 = ID["report/essex-police-2007-10"], ID["report/essex-police-2017-03-effectiveness"]
    q = """SELECT DISTINCT ?force ?isbn ?issued ?sha WHERE {
        ?r hmic:aboutForce ?force ; schema:isbn ?isbn ; dcterms:issued ?issued ;
           prov:wasDerivedFrom [ hmic:sha256 ?sha ] }"""
    rows = {r: select(store, q, {"r": r}) for r in (essex07, essex16)}
    (e07,), (e16,) = rows[essex07], rows[essex16]
    assert e07["force"] == e16["force"] == ID["force/essex-police"]  # one node for both reports
    assert str(e07["isbn"]) == "978-1-84726-456-5"  # line 17
    assert str(e16["isbn"]) == "978-1-78655-349-2"  # line 13
    assert (str(e07["issued"]), str(e16["issued"])) == ("2007-10", "2017-03")
    assert str(e07["sha"]) == sample_build.reports[0].sha256
    # Essex 2007 prints 11 numbered recommendations (lines 1176-1222); the first one:
    recs = select(store, """SELECT DISTINCT ?n ?text ?list WHERE { ?rec a hmic:Recommendation ;
        hmic:inReport ?r ; hmic:recommendationNumber ?n ; hmic:text ?text ; hmic:listLineStart ?list }
        ORDER BY ?n""", {"r": essex07})
    assert [row["n"].toPython() for row in recs] == list(range(1, 12))
    assert str(recs[0]["text"]).startswith("That the force refines the recording and monitoring")
    assert recs[0]["list"].toPython() == 1176
    # Every extracted node of a report points at lines inside its source file.
    bad = select(store, """SELECT DISTINCT ?node WHERE {
        ?node hmic:inReport ?r ; hmic:lineStart ?s ; hmic:lineEnd ?e .
        ?r prov:wasDerivedFrom/hmic:lineCount ?n
        FILTER (?s < 1 || ?e < ?s || ?e > ?n) }""")
    assert bad == []
    unlined = select(store, """SELECT DISTINCT ?node WHERE {
        VALUES ?class { hmic:Judgement hmic:Recommendation hmic:AreaForImprovement
                        hmic:Observation hmic:GoodPractice hmic:GlossaryEntry hmic:ContextFact }
        ?node a ?class FILTER NOT EXISTS { ?node hmic:lineStart ?s } }""")
    assert unlined == []


def test_samples_without_personal_data_by_default(sample_build):
    text = sample_build.graph_path.read_text()
    assert "Communications Manager" in text or "PCSO Project Manager" in text  # roles are kept
    for personal in ("Lennox-Foreman", "01245 452439", "Ewen.wilson@essex.pnn.police.uk",
                     "Jez Taylor", "01244 614572"):
        assert personal not in text


def test_samples_build_twice_byte_identical(sample_build, tmp_path):
    again = pipeline.build(None, tmp_path / "again", validate=False)
    assert again.graph_path.read_bytes() == sample_build.graph_path.read_bytes()


def test_every_hmic_term_in_the_data_is_declared_in_the_ontology(sample_build):
    from hmic_graph.store import open_store, select

    undeclared = select(open_store(sample_build.out_dir), """SELECT DISTINCT ?term WHERE {
        { ?x ?term ?o } UNION { ?x a ?term }
        FILTER (STRSTARTS(STR(?term), STR(hmic:)))
        FILTER NOT EXISTS {
            VALUES ?kind { owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty
                           owl:NamedIndividual }
            GRAPH ?ontology { ?term a ?kind } } }""")
    assert [str(row["term"]) for row in undeclared] == []


def test_written_files_get_ordinary_permissions(tmp_path):
    import os
    import stat

    target = tmp_path / "graph.ttl"
    atomic_write(target, "x\n")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask  # not mkstemp's 0600


def test_directory_inputs_are_report_files_only(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / ".cache").mkdir()
    for name in ("b.TXT", "sub/c.pdf", ".cache/old.txt", ".hidden.txt", "notes.md"):
        (tmp_path / name).write_text("x")
    files, problems = pipeline.expand_inputs([tmp_path, tmp_path / "b.TXT", tmp_path / "gone.txt"])
    assert files == [tmp_path / "b.TXT", tmp_path / "sub" / "c.pdf"]  # sorted, each once
    assert [(Path(p.source).name, p.problem) for p in problems] == [("gone.txt", "no such file")]


def test_a_build_directory_among_the_inputs_is_not_read_back(tmp_path):
    """Reports in a directory built into a directory inside it, or into itself: the second
    build must not take the first one's validation.txt for a report (it did: 'not a recognised
    HMIC report layout', exit 1); a validation.txt elsewhere is still an input."""
    from hmic_graph.validate import TEXT_FILE

    assert pipeline.VALIDATION_TEXT_FILE == TEXT_FILE
    inputs = input_dir(tmp_path, [sample_reports()[0]])
    (inputs / "notes").mkdir()
    (inputs / "notes" / "validation.txt").write_text("a report someone named so\n")
    for out in (inputs / "out", inputs):
        for _ in range(2):  # the second build finds the first one's validation.txt
            result = pipeline.build([inputs], out)
            assert (out / "validation.txt").is_file() and len(result.reports) == 1
            assert [o.source for o in result.errors] == [str(inputs / "notes" / "validation.txt")]


def test_report_whose_records_clash_is_dropped_alone(tmp_path, monkeypatch):
    def clashing(doc):
        report = fake_extract(doc)
        if report.info.force_id == "kent-police":
            report.findings[1].ordinal = 1  # two recommendations on one IRI
        return report

    monkeypatch.setattr("hmic_graph.extract.extract_report", clashing)
    inputs = write_inputs(tmp_path / "in")
    result = pipeline.build([inputs], tmp_path / "out", validate=False)
    assert [r.info.report_id for r in result.reports] == ["essex-police-2007-10"]
    (bad,) = result.errors
    assert Path(bad.source).name == "b_kent.txt"
    assert bad.problem == "two recommendation findings share ordinal 1 (lines 24-24)"
    assert "kent-police" not in (tmp_path / "out" / "graph.ttl").read_text()


# The OWL 2 datatype map (OWL 2 Syntax, 4): literals of data properties must use these, or DL
# reasoners such as HermiT refuse the data. xsd:gYearMonth and xsd:date are not among them.
OWL2_DATATYPES = {f"http://www.w3.org/2001/XMLSchema#{t}" for t in (
    "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger negativeInteger long int "
    "short byte unsignedLong unsignedInt unsignedShort unsignedByte double float string "
    "normalizedString token language Name NCName NMTOKEN boolean hexBinary base64Binary anyURI "
    "dateTime dateTimeStamp").split()} | {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#PlainLiteral",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#XMLLiteral",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString",
    "http://www.w3.org/2000/01/rdf-schema#Literal",
    "http://www.w3.org/2002/07/owl#real", "http://www.w3.org/2002/07/owl#rational"}


def test_data_property_values_use_owl2_datatypes(sample_build):
    from hmic_graph.store import open_store, select

    rows = select(open_store(sample_build.out_dir), """SELECT DISTINCT ?p ?dt WHERE {
        GRAPH ?ontology { ?p a owl:DatatypeProperty }
        ?s ?p ?o FILTER (isLiteral(?o)) BIND (DATATYPE(?o) AS ?dt) }""")
    assert rows  # the check looked at something
    assert [(str(r["p"]), str(r["dt"])) for r in rows if str(r["dt"]) not in OWL2_DATATYPES] == []
