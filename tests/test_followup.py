"""The follow-up linker on hand-made records of the two Essex reports, and on small synthetic ones."""

import json

import pytest

from hmic_graph.link import link_followups, tag_reports
from hmic_graph.link.followup import CONFIG, FORMAL_KINDS, stated_followups
from hmic_graph.model import EarlierInspection, Finding, FindingRef, RecalledFinding, Report, ReportInfo, Span
from hmic_graph.resources import DATA

from link_fixtures import essex_2007, essex_2016

EXPECTED = json.loads((DATA.parent.parent / "bench/expected/essex_2007_followup.json").read_text())


@pytest.fixture(scope="module")
def followups():
    reports = tag_reports([essex_2007(), essex_2016()])
    return {fu.finding.ordinal: fu for fu in link_followups(reports) if not fu.stated_by_inspectorate}


def test_every_2007_recommendation_gets_one_followup_in_the_later_report(followups):
    assert sorted(followups) == list(range(1, 12))
    for fu in followups.values():
        assert fu.later_report_id == "essex-police-2017-03-effectiveness"
        assert fu.finding.report_id == "essex-police-2007-10"
        assert 0 <= fu.confidence <= 1
        assert fu.signals


def test_missing_persons_recommendation_is_linked_to_the_problem_profile_improvement(followups):
    fu = followups[11]
    assert fu.status == "recurring"
    assert FindingRef("essex-police-2017-03-effectiveness", "area-for-improvement", 4) in fu.evidence_findings
    assert any(q.span.start == 607 and "no missing person problem profile" in q.text for q in fu.evidence_quotes)
    assert "later-formal-finding" in fu.signals


def test_sex_offender_recommendation_recurs_in_the_2016_area_for_improvement(followups):
    fu = followups[10]
    assert fu.status == "recurring"
    assert FindingRef("essex-police-2017-03-effectiveness", "area-for-improvement", 3) in fu.evidence_findings


def test_era_drift_dv1_to_dash_is_followed(followups):
    fu = followups[7]
    assert fu.status == "addressed"
    assert {647, 676} <= {q.span.start for q in fu.evidence_quotes}


def test_silence_is_not_assessed_without_evidence(followups):
    for n in (2, 3, 6):  # special constables, succession planning, PDR: never mentioned in 2016
        assert followups[n].status == "not-assessed"
        assert followups[n].evidence_quotes == [] and followups[n].evidence_findings == []


def test_agreement_with_hand_made_expectations(followups):
    agree = sum(followups[e["number"]].status == e["status"] for e in EXPECTED["recommendations"])
    assert agree >= 10


def _report(report_id_year: int, month: int, findings, doc) -> Report:
    info = ReportInfo("t", "Testshire Police", "testshire-police", "p", "P", report_id_year, month, Span(1, 1))
    return Report(document=doc, info=info, findings=findings)


def test_no_followup_across_forces_or_backwards_in_time():
    a, b = essex_2007(), essex_2016()
    b.info.force_id = "another-force"
    assert [fu for fu in link_followups(tag_reports([a, b])) if not fu.stated_by_inspectorate] == []
    # a report only follows up reports published before it
    b.info.force_id = a.info.force_id
    ids = {(fu.finding.report_id, fu.later_report_id) for fu in link_followups(tag_reports([b, a]))}
    assert ids == {("essex-police-2007-10", "essex-police-2017-03-effectiveness")}


def test_only_formal_findings_are_followed_up():
    a = essex_2007()
    a.findings.append(Finding("observation", "x", "Missing persons work is strong.", Span(1, 1), ordinal=1))
    kinds = {fu.finding.kind for fu in link_followups(tag_reports([a, essex_2016()]))}
    assert kinds <= set(FORMAL_KINDS)


def test_deterministic():
    one = link_followups(tag_reports([essex_2007(), essex_2016()]))
    two = link_followups(tag_reports([essex_2016(), essex_2007()]))
    assert one == two


def test_inspectorate_stated_followups_become_followups():
    later = essex_2016()
    earlier = EarlierInspection(2015, "PEEL: Police effectiveness 2015 – An inspection of Essex Police",
                                Span(310, 310), url="www.justiceinspectorates.gov.uk/hmic/publications/police-effectiveness-2015-essex/")
    later.recalled = [RecalledFinding(earlier, "area-for-improvement", "adopting a structured and consistent problem-solving process",
                                      Span(306, 306), "preventing crime", "addressed",
                                      "it has consequently made rapid improvements against all four areas for improvement",
                                      Span(308, 308))]
    (fu,) = stated_followups(later)
    assert fu.stated_by_inspectorate and fu.status == "addressed"
    assert fu.finding.report_id.startswith("essex-police-2015-")
    assert fu.evidence_quotes[0].span == Span(308, 308)
    assert "stated-by-inspectorate" in fu.signals


def test_thresholds_live_in_the_config():
    assert 0 < CONFIG["evidence"]["min_similarity"] < 1
    assert CONFIG["cues"]["positive"] and CONFIG["cues"]["negative"]


# -- the method on a made-up force: no Essex text, no Essex vocabulary --------------------------

LATER_TEXT = """Testshire Police 2019

The force has improved its management of missing persons. There are clear processes for the review of missing children, and every missing episode is risk assessed.

Officers told us that workloads in the hate crime unit are high. However, the unit is still not sufficiently staffed to investigate hate crime proactively.

The force has a new IT system for recording crime.

Area for improvement

The force should ensure that registered sex offenders are visited on time and that their risk is reviewed.
"""


def _made_up_pair():
    from hmic_graph.ingest.text import document_from_bytes

    earlier_doc = document_from_bytes(b"Testshire Police 2016\n", "earlier.txt")
    later_doc = document_from_bytes(LATER_TEXT.encode(), "later.txt")
    recs = [
        "That the force improves the way it manages and reviews missing persons, especially missing children.",
        "That the force increases staffing in its hate crime unit so that hate crime is investigated proactively.",
        "That the force ensures visits to registered sex offenders are carried out on time.",
        "That the force introduces succession planning for neighbourhood team roles.",
    ]
    earlier = Report(document=earlier_doc, info=ReportInfo("Testshire 2016", "Testshire Police", "testshire-police",
                                                           "p", "P", 2016, 5, Span(1, 1)),
                     findings=[Finding("recommendation", "a", t, Span(1, 1), number=i, ordinal=i)
                               for i, t in enumerate(recs, start=1)])
    afi_line = next(i for i, ln in enumerate(LATER_TEXT.splitlines(), start=1) if ln.startswith("The force should"))
    later = Report(document=later_doc, info=ReportInfo("Testshire 2019", "Testshire Police", "testshire-police",
                                                       "p", "P", 2019, 3, Span(1, 1)),
                   findings=[Finding("area-for-improvement", "b", LATER_TEXT.splitlines()[afi_line - 1],
                                     Span(afi_line, afi_line), ordinal=1)])
    return earlier, later


def test_method_on_a_made_up_force():
    earlier, later = _made_up_pair()
    got = {fu.finding.ordinal: fu for fu in link_followups(tag_reports([earlier, later]))}
    assert got[1].status == "addressed" and "positive-cue" in got[1].signals
    assert got[2].status in ("partly-addressed", "recurring") and "negative-cue" in got[2].signals
    assert got[3].status == "recurring"
    assert got[3].evidence_findings == [FindingRef("testshire-police-2019-03", "area-for-improvement", 1)]
    assert got[4].status == "not-assessed" and got[4].evidence_quotes == []
    for fu in got.values():  # every quote points at the line that holds it
        for q in fu.evidence_quotes:
            assert q.text.split()[0] in LATER_TEXT.splitlines()[q.span.start - 1]


def test_followup_triples_align_with_earl_and_web_annotation():
    from rdflib import Literal, URIRef
    from rdflib.namespace import RDF, XSD

    from hmic_graph import vocab
    from hmic_graph.rdf.followups import followups_graph
    from hmic_graph.vocab import EARL, HMIC, OA, SCHEMA

    earlier, later = tag_reports([essex_2007(), essex_2016()])
    later.recalled = [RecalledFinding(
        EarlierInspection(2015, "PEEL: Police effectiveness 2015", Span(168, 168),
                          url="www.justiceinspectorates.gov.uk/hmic/publications/police-effectiveness-2015-essex/"),
        "area-for-improvement", "adopting a structured and consistent problem-solving process", Span(306, 306),
        None, "addressed", "it has consequently made rapid improvements", Span(308, 308))]
    fus = link_followups([earlier, later])
    g = followups_graph(fus, [earlier, later])
    rec11 = vocab.finding("essex-police-2007-10", "recommendation", 11)
    node = vocab.follow_up(rec11, "essex-police-2017-03-effectiveness")
    assert (node, RDF.type, HMIC.FollowUp) in g
    assert (node, HMIC.followUpOf, rec11) in g
    assert (node, HMIC.followUpStatus, HMIC.Recurring) in g
    assert (node, EARL.subject, vocab.force("essex-police")) in g
    assert (node, HMIC.signal, Literal("later-formal-finding")) in g
    assert (rec11, HMIC.followedUpBy, vocab.finding("essex-police-2017-03-effectiveness", "area-for-improvement", 4)) in g
    confidence = g.value(node, HMIC.confidence)
    assert confidence.datatype == XSD.decimal and 0 <= float(confidence) <= 1
    quotes = [q for q in g.objects(node, HMIC.evidence) if (q, RDF.type, HMIC.EvidenceQuote) in g]
    assert any(int(g.value(q, HMIC.lineStart)) == 607 for q in quotes)
    for q in quotes:
        assert g.value(q, OA.hasSource) == vocab.source(later.document.sha256)
        selector = g.value(q, OA.hasSelector)
        assert g.value(selector, OA.exact) == g.value(q, HMIC.text)
    stub = next(g.subjects(RDF.type, HMIC.RecalledInspection))
    assert str(stub).startswith(str(vocab.report("essex-police-2015-recalled-")))
    assert g.value(stub, SCHEMA.url) == Literal(
        "https://www.justiceinspectorates.gov.uk/hmic/publications/police-effectiveness-2015-essex/", datatype=XSD.anyURI)
    stated = next(g.subjects(RDF.type, HMIC.InspectorateFollowUp))
    assert g.value(stated, HMIC.followUpStatus) == HMIC.Addressed
    assert (g.value(stated, HMIC.followUpOfRecalled), HMIC.ofRecalledInspection, stub) in g
    assert not any(isinstance(s, URIRef) is False for s in g.subjects())  # no blank nodes


# -- the horizon: a finding is assessed in the next few inspections of its force --------------

def _chain(years_months: list[tuple[int, int]], force_id: str = "testshire-police") -> list[Report]:
    """Reports of one force at the given dates, each with the made-up later text and the
    made-up force's recommendations."""
    earlier, later = _made_up_pair()
    return [Report(document=later.document,
                   info=ReportInfo(f"Testshire {y}", "Testshire Police", force_id, "p", "P", y, m, Span(1, 1)),
                   findings=list(earlier.findings))
            for y, m in years_months]


def _pairs(followups) -> set[tuple[str, str]]:
    return {(fu.finding.report_id, fu.later_report_id) for fu in followups if not fu.stated_by_inspectorate}


def test_findings_are_assessed_in_the_next_inspections_only():
    from hmic_graph.link.followup import assessment_windows

    reports = tag_reports(_chain([(2016, 5), (2017, 5), (2019, 3), (2020, 1)]))
    ids = [r.info.report_id for r in reports]
    got = _pairs(link_followups(reports, horizon=2))
    assert got == {(ids[0], ids[1]), (ids[0], ids[2]), (ids[1], ids[2]), (ids[1], ids[3]), (ids[2], ids[3])}
    assert _pairs(link_followups(reports, horizon=0)) == {(ids[i], ids[j]) for i in range(4) for j in range(i + 1, 4)}
    assert _pairs(link_followups(reports, horizon=1)) == {(ids[i], ids[i + 1]) for i in range(3)}
    windows = {later.info.report_id: [r.info.report_id for r in window]
               for later, window in assessment_windows(reports, horizon=2)}
    assert windows == {ids[0]: [], ids[1]: [ids[0]], ids[2]: [ids[0], ids[1]], ids[3]: [ids[1], ids[2]]}


def test_reports_of_one_date_count_together_in_the_horizon():
    from hmic_graph.link.followup import assessment_windows

    a, b, c, d = _chain([(2016, 5), (2017, 5), (2017, 5), (2018, 5)])
    b.info.force_id = c.info.force_id = a.info.force_id
    # b and c have one date (a build refuses the second: report ids are force and month)
    windows = [(later.info.title, [r.info.title for r in window])
               for later, window in assessment_windows([d, c, b, a], horizon=1)]
    # a's next inspection is the first later report in (date, id) order; b and c never assess each other
    assert windows[0] == ("Testshire 2016", [])
    assert sorted(w for _, w in windows[1:3]) == [[], ["Testshire 2016"]]
    assert windows[3] == ("Testshire 2018", ["Testshire 2017", "Testshire 2017"])


def test_the_horizon_lives_in_the_config_and_bounds_the_links():
    assert CONFIG["horizon"]["later_inspections"] >= 1
    reports = tag_reports(_chain([(2010 + k, 1) for k in range(8)]))
    horizon = CONFIG["horizon"]["later_inspections"]
    got = _pairs(link_followups(reports))
    per_report = {rid: sum(1 for e, _ in got if e == rid) for rid in {e for e, _ in got}}
    assert max(per_report.values()) == horizon  # linear in the reports, not quadratic
    assert len(got) == sum(min(horizon, 7 - k) for k in range(8))


def test_two_later_reports_recalling_one_inspection_keep_their_own_recalled_findings():
    """Two later reports recalling the same earlier inspection share its stub but not their
    recalled findings: each recollection has its own text and lines (a shared node would carry
    both, and the follow-up queries would give a row for each mix of them)."""
    import copy
    import dataclasses

    from hmic_graph import vocab
    from hmic_graph.rdf.followups import followups_graph
    from hmic_graph.vocab import HMIC

    earlier = EarlierInspection(2015, "PEEL: Police effectiveness 2015", Span(168, 168))
    first = essex_2016()
    first.recalled = [RecalledFinding(earlier, "area-for-improvement", "adopting a structured problem-solving process",
                                      Span(306, 306), None, "addressed", "it has made rapid improvements", Span(308, 308))]
    second = copy.deepcopy(first)
    second.info = dataclasses.replace(first.info, series="legitimacy")
    second.recalled = [dataclasses.replace(first.recalled[0], text="adopting a consistent approach to problem solving",
                                           span=Span(310, 312))]
    fus = stated_followups(first) + stated_followups(second)
    g = followups_graph(fus, [first, second])
    recalled = sorted(g.subjects(vocab.RDF.type, HMIC.RecalledFinding))
    assert len(recalled) == 2 and len(set(g.subjects(vocab.RDF.type, HMIC.RecalledInspection))) == 1
    for node in recalled:
        assert len(list(g.objects(node, HMIC.text))) == 1 and len(list(g.objects(node, HMIC.lineStart))) == 1
    # Each stated follow-up is of its own report's recollection.
    assert {(fu, g.value(fu, HMIC.followUpOfRecalled)) for fu in g.subjects(vocab.RDF.type, HMIC.InspectorateFollowUp)} \
        == {(vocab.follow_up(node, str(g.value(node, HMIC.recalledIn)).rsplit("/", 1)[-1]), node) for node in recalled}


def test_cue_patterns_are_searched_as_one_and_backreferences_refused():
    """The config's cue patterns are joined into one alternation; a backreference would then
    point at another pattern's group, so one is refused when the patterns are read."""
    from hmic_graph.link.followup import _any_of, cues

    either = _any_of([r"has (im)?proved", r"still\s+lacks"])
    assert either.search("The force HAS IMPROVED.") and either.search("it still  lacks a plan")
    assert not either.search("improved")
    for bad in (r"(a)\1", r"(?P<w>\w+) (?P=w)"):
        with pytest.raises(ValueError, match="backreference"):
            _any_of([r"fine", bad])
    assert cues("The force has greatly improved its response.") == (True, False)
