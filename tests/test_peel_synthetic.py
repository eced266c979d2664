"""PEEL extraction on small synthetic reports (tests/data/peel/) and on single sentences.

The fixtures exercise what the Essex sample does not: '- 1.' bullets, a bullet cut by a
page break and a footnote, a trailing footnote number, a cause of concern with its
recommendations, a report without a contents page, a legitimacy sibling.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hmic_graph.extract.peel import clean_finding_text, extract_peel, grade_statement
from hmic_graph.extract.recalled import recalled_items
from hmic_graph.ingest.text import document_from_bytes, read_text
from hmic_graph.model import HmicError, Report

DATA = Path(__file__).parent / "data" / "peel"
Q_PREVENT = "How effective is the force at preventing crime, tackling anti-social behaviour and keeping people safe?"
Q_VULNERABLE = "How effective is the force at protecting those who are vulnerable from harm, and supporting victims?"
Q_SOC = "How effective is the force at tackling serious and organised crime?"


@pytest.fixture(scope="module")
def kent() -> Report:
    return extract_peel(read_text(DATA / "effectiveness_2015_synthetic.txt"))


def test_synthetic_info(kent: Report) -> None:
    assert kent.info.programme == "peel-effectiveness-2015"
    assert kent.info.force_id == "kent-police"
    assert (kent.info.year, kent.info.month) == (2016, 2)
    assert kent.info.report_id == "kent-police-2016-02-effectiveness"


def test_numbered_dash_bullets_wrapped_and_trailing_footnote_number(kent: Report) -> None:
    afis = [f for f in kent.findings_of("area-for-improvement") if f.area == Q_PREVENT]
    assert [(f.span.start, f.span.end) for f in afis] == [(69, 70), (71, 72)]
    assert afis[0].text == (
        "The force should improve the way it shares information with partner organisations so that "
        "crime prevention activity is co-ordinated across the county."
    )
    # ' too often.15': the continuation is indented and ends with a footnote number.
    assert afis[1].text == "The force should ensure that neighbourhood officers are not taken away from their duties too often."


def test_printed_area_for_improvement_numbers_are_kept_but_not_as_recommendation_numbers(kent: Report) -> None:
    from hmic_graph.rdf.report import report_graph
    from hmic_graph.vocab import HMIC, RDFS

    afis = kent.findings_of("area-for-improvement")
    # '- 1.' / '- 2.' under preventing crime; plain '•' bullets under vulnerability.
    assert [(f.ordinal, f.number) for f in afis] == [(1, 1), (2, 2), (3, None), (4, None)]
    g = report_graph(kent)
    assert not [s for s in g.subjects(HMIC.recommendationNumber, None) if (s, None, HMIC.AreaForImprovement) in g]
    labels = sorted(str(o) for s in g.subjects(None, HMIC.AreaForImprovement) for o in g.objects(s, RDFS.label))
    assert [label.split(" (")[0] for label in labels] == [f"Area for improvement {i}" for i in range(1, 5)]


def test_bullet_interrupted_by_page_break_and_footnote(kent: Report) -> None:
    afis = [f for f in kent.findings_of("area-for-improvement") if f.area == Q_VULNERABLE]
    assert len(afis) == 2
    assert afis[0].text == (
        "The force should improve its investigation of child sexual exploitation cases so that "
        "victims are safeguarded at the earliest opportunity."
    )
    assert (afis[0].span.start, afis[0].span.end) == (103, 111)  # the span keeps the interrupted lines
    assert afis[1].text == "The force should ensure that its officers are trained to recognise vulnerability and respond appropriately."
    assert [f.ordinal for f in kent.findings_of("area-for-improvement")] == [1, 2, 3, 4]


def test_cause_of_concern_with_recommendations(kent: Report) -> None:
    causes = kent.findings_of("cause-of-concern")
    assert len(causes) == 1
    assert causes[0].area == Q_VULNERABLE and causes[0].span.start == 90
    assert causes[0].text.startswith("Kent Police does not have a good enough understanding of the risks")
    recs = kent.findings_of("recommendation")
    assert [r.text for r in recs] == [
        "review its approach to missing children so that officers understand the risks children face when they go missing",
        "ensure that all domestic abuse risk assessments are reviewed by a supervisor within 24 hours.",
    ]
    assert all(r.area == Q_VULNERABLE for r in recs)
    assert [(r.span.start, r.span.end, r.ordinal) for r in recs] == [(96, 97, 1), (98, 99, 2)]
    # The lead-in sentence is neither a cause nor a recommendation.
    assert not any(f.text.startswith("To address") for f in kent.findings)


def test_grades_from_summary_block_and_summary_of_findings(kent: Report) -> None:
    grades = {j.area: j for j in kent.judgements}
    overall = next(j for j in kent.judgements if j.overall)
    assert overall.grade == "Requires improvement" and overall.span.start == 37
    assert grades[Q_PREVENT].grade == "Good" and grades[Q_PREVENT].span.start == 63
    assert grades[Q_VULNERABLE].grade == "Inadequate" and grades[Q_VULNERABLE].summary_span.start == 47
    # No summary of findings for this question: its grade comes from the overall summary.
    assert grades[Q_SOC].grade == "Good" and grades[Q_SOC].span.start == 51
    # 'Last year we judged the force to be good' is last year's grade.
    last_year = kent.earlier[0]
    assert (last_year.title, last_year.year, last_year.grade) == ("PEEL: Police effectiveness 2014", 2014, "Good")


def test_recalled_finding_that_remains_a_concern_is_recurring(kent: Report) -> None:
    assert len(kent.recalled) == 1
    recalled = kent.recalled[0]
    assert recalled.text == "the force should improve its analysis of anti-social behaviour"
    assert recalled.kind == "area-for-improvement"
    assert recalled.status == "recurring"
    assert recalled.status_evidence.startswith("The force still does not analyse")
    assert recalled.area == Q_PREVENT and recalled.span.start == 59


def test_legitimacy_report_without_contents_page() -> None:
    report = extract_peel(read_text(DATA / "legitimacy_2016_no_contents.txt"))
    assert report.info.programme == "peel-legitimacy-2016"
    assert report.info.force_id == "cheshire-constabulary"
    question = "To what extent does the force treat all of the people it serves with fairness and respect?"
    assert [s.title for s in report.sections if s.kind == "question"] == [question]
    assert report.sections[0].kind == "cover" and report.sections[0].span.end == 4
    grades = {j.area: j.grade for j in report.judgements}
    assert grades[question] == "Good"
    assert [f.text for f in report.findings] == [
        "The force should ensure that it monitors the use of stop and search powers and publishes the results."
    ]
    recalled = report.recalled[0]
    assert recalled.earlier.title == "PEEL: Police legitimacy 2015"
    assert recalled.status == "partly-addressed"  # 'some improvements, but there is further work to do'


def test_not_a_peel_cover_is_a_readable_error() -> None:
    doc = document_from_bytes(b"Some other report\n\nHow effective is the force at X?\n", "other.txt")
    with pytest.raises(HmicError, match="other.txt: PEEL report without"):
        extract_peel(doc)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Essex Police is good at keeping people safe and reducing crime.", "Good"),
        ("Kent Police requires improvement in keeping people safe.", "Requires improvement"),
        ("In this inspection, we judge the force to require improvement in how it protects victims.", "Requires improvement"),
        ("Our overall judgment is an improvement on last year, when we judged the force to require improvement.", None),
        ("In HMIC's 2015 effectiveness (vulnerability) report, we assessed Essex Police as inadequate.", None),
        ("The force was good at this in 2015.", None),
        ("Essex Police is good at keeping people safe, an improvement on last year.", "Good"),
        ("Most forces are good at keeping people safe.", None),
        ("Essex Police's work with gangs is good at reaching young people.", None),
        ("It is inadequate at protecting children.", "Inadequate"),
    ],
)
def test_only_present_tense_grade_sentences_are_current(sentence: str, expected: str | None) -> None:
    found = grade_statement(sentence)
    assert (found[0] if found else None) == expected


def test_enumerated_recall_is_split_one_finding_each() -> None:
    items = recalled_items(
        "HMIC's 2015 effectiveness report⁷ identified three areas for improvement regarding patrols: "
        "visible patrolling; sharing information with partners; and lastly, reviewing tactics."
    )
    assert items == [
        ("area-for-improvement", "visible patrolling"),
        ("area-for-improvement", "sharing information with partners"),
        ("area-for-improvement", "reviewing tactics"),
    ]
    assert recalled_items("In HMIC's 2015 effectiveness report, we identified 1,000 such incidents.") == []


def test_footnote_markers_are_stripped_from_finding_text() -> None:
    assert clean_finding_text("victims¹⁹, ²⁰ and *partners* in 2016.15") == "victims and partners in 2016."
    assert clean_finding_text("in the 12 months to 30 June 2016") == "in the 12 months to 30 June 2016"


def test_2017_variants_badge_judged_to_be_and_glossary() -> None:
    report = extract_peel(read_text(DATA / "effectiveness_2017_variants.txt"))
    assert (report.info.year, report.info.month, report.info.day) == (2018, 3, 22)
    overall = next(j for j in report.judgements if j.overall)
    assert overall.grade == "Outstanding" and overall.span.start == 11  # the lone badge line
    soc = next(j for j in report.judgements if j.area == Q_SOC)
    assert soc.grade == "Good" and soc.span.start == 23  # 'is judged to be good at ...'
    assert report.earlier[0].title == "PEEL: Police effectiveness 2016" and report.earlier[0].grade == "Good"
    recalled = report.recalled[0]
    assert recalled.status == "recurring" and recalled.status_evidence == "The force has not yet addressed this."
    assert [(g.abbreviation, g.expansion, g.span.start) for g in report.glossary] == [
        ("MASH", "multi-agency safeguarding hub", 32),
        ("OCG", "organised crime group", 33),
    ]
    assert report.findings[0].text == (
        "The force should engage routinely with partner agencies at a senior level to enhance intelligence sharing."
    )


def _snippet_report(body: str) -> Report:
    cover = "PEEL: Police effectiveness 2016\n\nAn inspection of Kent Police\n\nMarch 2017\n\n"
    return extract_peel(document_from_bytes((cover + body).encode("utf-8"), "snippet.txt"))


def test_symbol_font_bullets_and_prose_after_the_list() -> None:
    report = _snippet_report(
        f"{Q_SOC}\n\nSerious and organised crime harms communities.\n\nAreas for improvement\n\n"
        "\uf0b7 The force should map all organised crime groups.\n"
        "\uf0b7 The force should work with\n  partners at a senior level.\n\n"
        "These were discussed with the chief constable.\n"
    )
    assert [(f.text, f.span.start, f.span.end) for f in report.findings] == [
        ("The force should map all organised crime groups.", 13, 13),
        ("The force should work with partners at a senior level.", 14, 15),
    ]


def test_unbulleted_area_for_improvement() -> None:
    report = _snippet_report(
        f"{Q_SOC}\n\nSerious and organised crime harms communities.\n\nArea for improvement\n\n"
        "The force should improve its analysis of organised crime.\n"
    )
    assert [f.text for f in report.findings] == ["The force should improve its analysis of organised crime."]
    assert report.findings[0].area == Q_SOC


def test_summary_block_and_summary_of_findings_disagree() -> None:
    report = _snippet_report(
        f"Overview – How effective is the force at keeping people safe and reducing crime?\n\n"
        f"Overall summary\n\n{Q_SOC}\n\nGood\n\n"
        f"{Q_SOC}\n\nSerious and organised crime harms communities.\n\n"
        "Summary of findings\n\nRequires improvement\n\nThe force must do better.\n"
    )
    soc = next(j for j in report.judgements if j.area == Q_SOC)
    assert (soc.grade, soc.section_grade, soc.summary_grade, soc.grade_conflict) == (
        "Requires improvement", "Requires improvement", "Good", True
    )
    assert len(report.conflicts) == 1
    conflict = report.conflicts[0]
    assert conflict.what == "grade" and (conflict.span.start, conflict.span.end) == (13, 21)  # the two grade lines
    assert "summary of findings says Requires improvement" in conflict.detail


def test_vulnerability_title_with_theme_after_the_year_on_one_line() -> None:
    text = (
        "PEEL: Police effectiveness 2015 (Vulnerability) – An inspection of Essex Police\n\nDecember 2015\n\n"
        f"{Q_VULNERABLE}\n\nVulnerable people need protection.\n"
    )
    report = extract_peel(document_from_bytes(text.encode("utf-8"), "vulnerability.txt"))
    assert report.info.programme == "peel-effectiveness-vulnerability-2015"
    assert report.info.programme_label == "PEEL: Police effectiveness (vulnerability) 2015"
    assert report.info.report_id == "essex-police-2015-12-effectiveness-vulnerability"


def test_sub_items_after_a_colon_belong_to_their_finding() -> None:
    report = _snippet_report(
        f"{Q_SOC}\n\nSerious and organised crime harms communities.\n\nAreas for improvement\n\n"
        "• The force should improve its response to organised crime by:\n"
        "  o mapping all organised crime groups; and\n"
        "  o working with partners at a senior level.\n"
        "• The force should review its use of serious crime prevention orders.\n"
    )
    assert [(f.text, f.span.start, f.span.end) for f in report.findings] == [
        (
            "The force should improve its response to organised crime by: mapping all organised crime groups; "
            "and working with partners at a senior level.",
            13,
            15,
        ),
        ("The force should review its use of serious crime prevention orders.", 16, 16),
    ]


def test_footnote_marker_without_superscript_still_gives_the_earlier_reports_address() -> None:
    report = _snippet_report(
        f"{Q_SOC}\n\nSerious and organised crime harms communities.\n\n"
        "In HMIC's 2015 effectiveness report7, we said that the force should map organised crime groups. "
        "The force has made significant progress.\n\n"
        "7 PEEL: Police effectiveness 2015 – An inspection of Kent Police, HMIC, 2016. Available from: "
        "www.justiceinspectorates.gov.uk/hmic/publications/police-effectiveness-2015-kent/\n"
    )
    earlier = report.earlier[0]
    assert earlier.url == "www.justiceinspectorates.gov.uk/hmic/publications/police-effectiveness-2015-kent/"
    recalled = report.recalled[0]
    assert recalled.text == "the force should map organised crime groups"
    assert (recalled.status, recalled.status_evidence) == ("addressed", "The force has made significant progress.")


def test_sentence_cut_by_a_plain_number_footnote_is_rejoined() -> None:
    report = _snippet_report(
        f"{Q_SOC}\n\nThe force works with partners such as\n\n"
        "12 Partners include local authorities.\n\nlocal councils to disrupt gangs.\n"
    )
    question = next(s for s in report.sections if s.kind == "question")
    texts = [(p.text, p.span.start, p.span.end) for p in question.paragraphs]
    assert ("The force works with partners such as local councils to disrupt gangs.", 9, 13) in texts


def test_two_pillars_published_the_same_month_are_two_reports(tmp_path: Path) -> None:
    """A force's PEEL legitimacy and leadership reports came out on the same day: both are
    built, each under its own id (the pillar ends the id), neither is a clash."""
    from hmic_graph.pipeline import build

    legitimacy = (DATA / "legitimacy_2016_no_contents.txt").read_text(encoding="utf-8")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "legitimacy.txt").write_text(legitimacy, encoding="utf-8")
    (tmp_path / "in" / "leadership.txt").write_text(
        legitimacy.replace("PEEL: Police legitimacy 2016", "PEEL: Police leadership 2016", 1), encoding="utf-8")
    result = build([tmp_path / "in"], tmp_path / "out", validate=False)
    assert result.errors == []
    ids = sorted(r.info.report_id for r in result.reports)
    assert len(ids) == 2 and ids[0].endswith("-leadership") and ids[1].endswith("-legitimacy")
    assert ids[0].removesuffix("-leadership") == ids[1].removesuffix("-legitimacy")  # same force and month
