"""Shortcut triples of the links graph (earl:test, hmic:followUpKind, hmic:evidenceItem,
hmic:latestFollowUp) and the queries built on them: queries/followup.rq answers as the
former UNION query did, queries/followup-latest.rq keeps the latest assessment."""

from pathlib import Path

import pytest
from rdflib import Literal

from hmic_graph import vocab
from hmic_graph.model import Evidence, FindingRef, FollowUp, HmicError, Span
from hmic_graph.queries import bindings_for, get_query, parse_query, run_named
from hmic_graph.rdf import links_graph, report_graph
from hmic_graph.resources import QUERIES_DIR, ontology_files
from hmic_graph.store import load_build, open_store, select
from hmic_graph.vocab import EARL, HMIC
from tests.conftest import hand_built_report

UNION_QUERY = Path(__file__).parent / "data" / "followup" / "followup-union.rq"
# followup-latest.rq as it was before it read the links graph by scans (one index lookup per
# property and row): the rows must not have changed.
LATEST_JOIN_QUERY = Path(__file__).parent / "data" / "followup" / "followup-latest-join.rq"


def named_rows(store, name: str, params: dict) -> list:
    """A named query's rows with its parameters bound, also for an id the store does not hold
    (run_named refuses one: see test_an_unknown_force_is_refused_by_run_named)."""
    query = get_query(name)
    return select(store, query.sparql, bindings_for(query, params))


def test_an_unknown_force_is_refused_by_run_named(sample_store):
    with pytest.raises(HmicError, match="no force with this id"):
        run_named(sample_store, "followup", {"force": "no-such-police"})


def _three_inspections():
    earlier = hand_built_report(year=2007, month=10)
    middle = hand_built_report(year=2012, month=3)
    latest = hand_built_report(year=2016, month=5)
    rec1 = FindingRef(earlier.info.report_id, "recommendation", 1)
    followups = [
        FollowUp(rec1, middle.info.report_id, "recurring", 0.8,
                 evidence_quotes=[Evidence("Still  no CAIU\nreview.", Span(33, 34))], signals=["negative-cue"]),
        FollowUp(rec1, latest.info.report_id, "addressed", 0.9,
                 evidence_findings=[FindingRef(latest.info.report_id, "recommendation", 2)],
                 evidence_quotes=[Evidence("The CAIU was reviewed.", Span(41, 41))],
                 signals=["positive-cue", "issue-overlap"]),
    ]
    return [earlier, middle, latest], followups


def test_shortcut_triples_of_a_follow_up():
    reports, followups = _three_inspections()
    g = links_graph(followups, reports)
    rec1 = vocab.finding("essex-police-2007-10", "recommendation", 1)
    later = vocab.follow_up(rec1, "essex-police-2016-05")
    middle = vocab.follow_up(rec1, "essex-police-2012-03")
    assert set(g.objects(later, EARL.test)) == {rec1}
    assert set(g.objects(later, HMIC.followUpKind)) == {Literal("recommendation")}
    assert set(g.objects(later, HMIC.evidenceItem)) == {
        Literal("[finding] line 24: Unnumbered recommendation."), Literal("line 41: The CAIU was reviewed.")}
    assert set(g.objects(middle, HMIC.evidenceItem)) == {Literal("line 33: Still no CAIU review.")}
    # the 2016 report is the latest of the two that assessed it
    assert set(g.objects(rec1, HMIC.latestFollowUp)) == {later}


@pytest.fixture(scope="module")
def three_store(tmp_path_factory):
    reports, followups = _three_inspections()
    out = tmp_path_factory.mktemp("three")
    load_build(out, {r.info.report_id: report_graph(r) for r in reports},
               {reports[0].info.force_id: links_graph(followups, reports)}, ontology_files())
    return open_store(out)


def test_followup_query_lists_every_assessment(three_store):
    _, rows = run_named(three_store, "followup", {"force": "essex-police"})
    assert [(str(r["laterReport"]), str(r["status"])) for r in rows] == [
        ("essex-police-2012-03", "Recurring"), ("essex-police-2016-05", "Addressed")]
    assert str(rows[0]["evidence"]) == "line 33: Still no CAIU review."
    assert str(rows[1]["signals"]) in ("positive-cue, issue-overlap", "issue-overlap, positive-cue")
    assert all(str(r["kind"]) == "recommendation" and str(r["number"]) == "1" for r in rows)


def test_followup_latest_keeps_the_latest_assessment(three_store):
    columns, rows = run_named(three_store, "followup-latest", {"force": "essex-police"})
    assert columns[:9] == ["earlierReport", "kind", "number", "text", "lines", "latestReport", "status",
                           "confidence", "assessments"]
    assert len(rows) == 1
    row = {k: str(v) for k, v in rows[0].items()}
    assert row["latestReport"] == "essex-police-2016-05" and row["status"] == "Addressed"
    assert row["assessments"] == "2" and row["lines"] == "20-22" and row["stated"] == "false"
    assert set(row["evidence"].split(" | ")) == {"[finding] line 24: Unnumbered recommendation.",
                                                "line 41: The CAIU was reviewed."}


def _comparable(rows):
    """Rows with the concatenated columns as sets: GROUP_CONCAT's order is the engine's."""
    out = []
    for r in rows:
        r = dict(r)
        r["evidence"] = sorted(str(r["evidence"]).split(" | "))
        r["signals"] = sorted(str(r["signals"]).split(", "))
        out.append(r)
    return out


@pytest.fixture(scope="module")
def sample_store(sample_build_dir):
    return open_store(sample_build_dir)


@pytest.mark.parametrize("force", ["essex-police", "cheshire-constabulary", "hertfordshire-constabulary"])
def test_followup_rows_unchanged_from_the_union_query(sample_store, force):
    union = parse_query(UNION_QUERY.read_text(encoding="utf-8"), "followup-union")
    before = select(sample_store, union.sparql, bindings_for(union, {"force": force}))
    after = named_rows(sample_store, "followup", {"force": force})
    assert _comparable(after) == _comparable(before)
    if force == "essex-police":
        assert len(after) == 25


@pytest.mark.parametrize("force", ["essex-police", "cheshire-constabulary", "hertfordshire-constabulary",
                                   "no-such-police"])
def test_followup_gives_the_rows_of_the_portable_query_in_its_order(sample_store, three_store, force):
    """queries/followup.rq (LATERAL, scans of the links graph) and queries/portable/followup.rq
    (plain SPARQL 1.1) are one query written for two kinds of engine: same rows, same order."""
    portable = get_query("followup", QUERIES_DIR / "portable")
    for store in (sample_store, three_store):
        expected = select(store, portable.sparql, bindings_for(portable, {"force": force}))
        rows = named_rows(store, "followup", {"force": force})
        assert rows == expected
    if force == "essex-police":
        assert len(rows) == 2 and len(expected) == 2  # the three inspections' store


def test_followup_latest_on_the_samples(sample_store):
    _, rows = run_named(sample_store, "followup-latest", {"force": "essex-police"})
    rows = [{k: (str(v) if v is not None else None) for k, v in r.items()} for r in rows]
    assert len(rows) == 25  # one later report: every finding's only assessment is its latest
    assert all(r["latestReport"] == "essex-police-2017-03-effectiveness" and r["assessments"] == "1" for r in rows)
    rec11 = next(r for r in rows if r["kind"] == "recommendation" and r["number"] == "11")
    assert rec11["status"] == "Recurring" and rec11["lines"] == "1166-1168"
    assert "[finding] line 778" in rec11["evidence"] and "line 607" in rec11["evidence"]
    recalled = [r for r in rows if r["stated"] == "true"]
    assert {r["kind"] for r in recalled} >= {"area for improvement (recalled)", "cause of concern (recalled)"}


@pytest.mark.parametrize("force", ["essex-police", "cheshire-constabulary", "no-such-police"])
def test_followup_latest_gives_the_rows_of_the_plain_join(sample_store, three_store, force):
    join = parse_query(LATEST_JOIN_QUERY.read_text(encoding="utf-8"), "followup-latest-join")
    for store in (sample_store, three_store):
        expected = select(store, join.sparql, bindings_for(join, {"force": force}))
        rows = named_rows(store, "followup-latest", {"force": force})
        assert rows == expected


def test_evidence_and_signal_summaries_are_the_items_joined_in_order():
    reports, followups = _three_inspections()
    g = links_graph(followups, reports)
    rec1 = vocab.finding("essex-police-2007-10", "recommendation", 1)
    later = vocab.follow_up(rec1, "essex-police-2016-05")
    # later findings first, then quotes by line; signals sorted: deterministic on every engine
    assert list(g.objects(later, HMIC.evidenceSummary)) == [
        Literal("[finding] line 24: Unnumbered recommendation. | line 41: The CAIU was reviewed.")]
    assert list(g.objects(later, HMIC.signalSummary)) == [Literal("issue-overlap, positive-cue")]
    bare = FollowUp(FindingRef("essex-police-2007-10", "recommendation", 2), "essex-police-2016-05", "not-assessed", 0.9)
    g = links_graph([bare], reports)
    node = vocab.follow_up(vocab.finding("essex-police-2007-10", "recommendation", 2), "essex-police-2016-05")
    assert (node, HMIC.evidenceSummary, None) not in g and (node, HMIC.signalSummary, None) not in g


# open-recommendations.rq as it was before it read hmic:latestFollowUp (a FILTER NOT EXISTS
# over newer follow-ups: 40 s for one force at 1,000 reports): the rows must not have changed.
OPEN_NOT_EXISTS_QUERY = Path(__file__).parent / "data" / "followup" / "open-recommendations-not-exists.rq"


@pytest.fixture(scope="module")
def tied_store(tmp_path_factory):
    """Two later reports issued in the same month (hmic:latestFollowUp picks one of them by
    id): a finding found recurring by either is open. Another finding was recurring once and
    addressed later: closed."""
    earlier = hand_built_report(year=2007, month=10)
    middle = hand_built_report(year=2012, month=3)
    tied = [hand_built_report(year=2016, month=5) for _ in range(2)]
    tied[0].info.series, tied[1].info.series = "effectiveness", "efficiency"
    reports = [earlier, middle, *tied]
    rec1 = FindingRef(earlier.info.report_id, "recommendation", 1)
    rec2 = FindingRef(earlier.info.report_id, "recommendation", 2)
    followups = [
        FollowUp(rec1, middle.info.report_id, "addressed", 0.8),
        FollowUp(rec1, tied[0].info.report_id, "recurring", 0.7),
        FollowUp(rec1, tied[1].info.report_id, "addressed", 0.9),
        FollowUp(rec2, middle.info.report_id, "recurring", 0.6),
        FollowUp(rec2, tied[1].info.report_id, "addressed", 0.9),
    ]
    out = tmp_path_factory.mktemp("tied")
    load_build(out, {r.info.report_id: report_graph(r) for r in reports},
               {earlier.info.force_id: links_graph(followups, reports)}, ontology_files())
    return open_store(out)


@pytest.mark.parametrize("force", [None, "essex-police", "cheshire-constabulary", "no-such-police"])
def test_open_recommendations_gives_the_rows_of_the_not_exists_query(sample_store, three_store, tied_store, force):
    former = parse_query(OPEN_NOT_EXISTS_QUERY.read_text(encoding="utf-8"), "open-not-exists")
    params = {"force": force} if force else {}
    for store in (sample_store, three_store, tied_store):
        expected = select(store, former.sparql, bindings_for(former, params))
        rows = named_rows(store, "open-recommendations", params)
        assert rows == expected
    if force in (None, "essex-police"):  # the tie: open because one of the latest found it recurring
        assert [(str(r["laterReport"]), str(r["status"]), str(r["number"])) for r in rows] == [
            ("essex-police-2016-05-effectiveness", "Recurring", "1")]
