"""Grades and national distributions of the 2007 reports (read by hand), and broken GRADE forms."""

from __future__ import annotations

import pytest

from hmic_graph.model import Span

from hmic2007_samples import extract_text, fixture, fixture_text, sample

PVP = "Protecting vulnerable people"
AREAS = ["Neighbourhood Policing", "Performance management", "Child abuse", "Domestic violence",
         "Public protection", "Missing persons"]
# National grade distribution (Excellent, Good, Fair, Poor), the same in every 2007 report.
NATIONAL = {
    "Neighbourhood Policing": [6, 14, 21, 2],
    "Performance management": [6, 29, 8, 0],
    "Child abuse": [3, 17, 21, 2],
    "Domestic violence": [1, 13, 27, 2],
    "Public protection": [2, 16, 23, 2],
    "Missing persons": [1, 21, 21, 0],
}
GRADES = {
    "essex": ["Fair", "Good", "Good", "Poor", "Fair", "Fair"],
    "hertfordshire": ["Good", "Good", "Good", "Fair", "Fair", "Good"],
    "cheshire": ["Fair", "Good", "Fair", "Good", "Fair", "Good"],
    "norfolk": ["Fair", "Good", "Good", "Fair", "Good", "Fair"],
}


@pytest.mark.parametrize("name", sorted(GRADES))
def test_every_grade_and_distribution(name: str) -> None:
    report = sample(name)
    assert [j.area for j in report.judgements] == AREAS
    assert [j.grade for j in report.judgements] == GRADES[name]
    for j in report.judgements:
        assert [c.grade for c in j.national_distribution] == ["Excellent", "Good", "Fair", "Poor"]
        assert [c.forces for c in j.national_distribution] == NATIONAL[j.area]
        assert j.parent_area == (PVP if j.area not in AREAS[:2] else None)
        assert j.summary_grade == j.grade and not j.grade_conflict and not j.ungraded
    assert report.conflicts == []


def test_spans_of_section_and_summary_table() -> None:
    essex = {j.area: j for j in sample("essex").judgements}
    assert essex["Domestic violence"].span == Span(823, 825)  # heading .. 'GRADE\tPOOR'
    assert essex["Domestic violence"].summary_span == Span(253, 253)
    cheshire = {j.area: j for j in sample("cheshire").judgements}
    assert cheshire["Public protection"].span == Span(1255, 1259)  # 'GRADE' then 'FAIR' below


def test_fused_grade_in_real_reports() -> None:
    # 'GOOD**National grade distribution**' (Hertfordshire child abuse, Cheshire missing persons).
    herts = {j.area: j for j in sample("hertfordshire").judgements}
    assert herts["Child abuse"].section_grade == "Good" and herts["Child abuse"].span.end == 793
    cheshire = {j.area: j for j in sample("cheshire").judgements}
    assert cheshire["Missing persons"].section_grade == "Good"


def test_missing_grade_in_norfolk_comes_from_the_summary_table() -> None:
    np = sample("norfolk").judgements[0]
    assert (np.area, np.section_grade, np.summary_grade, np.grade) == (
        "Neighbourhood Policing", None, "Fair", "Fair")
    assert np.summary_span == Span(189, 189)


def test_ungraded_overview_gives_no_judgement() -> None:
    # 'Protecting Vulnerable People – Overview' recalls 'the 2005/06 grading of Poor' (Essex).
    for name in GRADES:
        assert PVP not in [j.area for j in sample(name).judgements]


@pytest.mark.parametrize("file, grade, span", [
    ("grade_tab.txt", "Fair", Span(46, 48)),
    ("grade_space.txt", "Fair", Span(46, 48)),
    ("grade_next_line.txt", "Fair", Span(46, 50)),
    ("grade_fused.txt", "Good", Span(46, 50)),
])
def test_broken_grade_forms(file: str, grade: str, span: Span) -> None:
    np = fixture(file).judgements[0]
    assert (np.area, np.section_grade, np.grade, np.span) == ("Neighbourhood Policing", grade, grade, span)
    assert [c.forces for c in np.national_distribution] == [6, 14, 21, 2]


def test_grade_missing_entirely() -> None:
    np = fixture("grade_missing.txt").judgements[0]
    assert (np.section_grade, np.summary_grade, np.grade, np.grade_conflict) == (None, "Fair", "Fair", False)
    assert np.span == Span(46, 46)


def test_section_and_summary_disagree() -> None:
    report = fixture("grade_conflict.txt")
    np = report.judgements[0]
    assert (np.section_grade, np.summary_grade, np.grade, np.grade_conflict) == ("Good", "Fair", "Good", True)
    assert [c.what for c in report.conflicts] == ["grade"]
    assert report.conflicts[0].span == Span(42, 48)  # summary row 42, section grade 48
    assert "Neighbourhood Policing" in report.conflicts[0].detail


def test_national_distribution_disagrees_with_national_table() -> None:
    report = fixture("national_conflict.txt")
    assert [c.forces for c in report.judgements[0].national_distribution] == [6, 14, 21, 2]
    assert [(c.what, c.span) for c in report.conflicts] == [("national-distribution", Span(35, 54))]


def test_summary_tables_flattened_without_tabs() -> None:
    from hmic_graph.extract.judgements import force_summary, national_summary
    report = fixture("tables_without_tabs.txt")
    assert [(j.area, j.summary_grade, j.summary_span) for j in report.judgements] == [
        ("Neighbourhood Policing", "Fair", Span(42, 42)), ("Missing persons", "Good", Span(44, 44))]
    rows = national_summary(report.document, report.sections)
    assert [(r.area, r.parent, [c.forces for c in r.values]) for r in rows] == [
        ("Neighbourhood Policing", None, [6, 14, 21, 2]),
        ("Missing persons", "Protecting vulnerable people", [1, 21, 21, 0])]
    assert [r.area for r in force_summary(report.document, report.sections)] == [
        "Neighbourhood Policing", "Missing persons"]


def test_grade_printed_nowhere_is_an_ungraded_judgement() -> None:
    text = fixture_text("grade_missing.txt").replace(
        "Neighbourhood Policing\tFair\n", "")
    report = extract_text(text, "nowhere.txt")
    np = report.judgements[0]
    assert (np.area, np.grade, np.ungraded, np.summary_span) == ("Neighbourhood Policing", None, True, None)
    assert [c.forces for c in np.national_distribution] == [6, 14, 21, 2]
