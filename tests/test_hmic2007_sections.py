"""Segmentation of the 2007 reports into sections that cover the whole text."""

from __future__ import annotations

import pytest

from hmic_graph.model import Span

from hmic2007_samples import FILES, extract_text, fixture, fixture_text, sample

KINDS_IN_AREA = {"area", "national-context", "area-context", "strengths", "work-in-progress",
                 "areas-for-improvement", "developing-practice"}


@pytest.mark.parametrize("name", sorted(FILES))
def test_sections_cover_every_line_once(name: str) -> None:
    report = sample(name)
    spans = [s.span for s in report.sections]
    assert spans == sorted(spans)
    for a, b in zip(spans, spans[1:]):
        assert a.end < b.start  # no overlap
    covered = {n for s in spans for n in range(s.start, s.end + 1)}
    text_lines = {ln.number for ln in report.document.lines if ln.text.strip() and not ln.furniture}
    assert text_lines <= covered


@pytest.mark.parametrize("name", sorted(FILES))
def test_area_sections_are_named(name: str) -> None:
    sections = sample(name).sections
    areas = [s.area for s in sections if s.kind == "area"]
    assert areas == ["Neighbourhood Policing", "Performance management", "Protecting vulnerable people",
                     "Child abuse", "Domestic violence", "Public protection", "Missing persons"]
    for s in sections:
        assert (s.area is not None) == (s.kind in KINDS_IN_AREA)
        if s.area in ("Child abuse", "Missing persons"):
            assert s.parent == "Protecting vulnerable people"
    kinds = [s.kind for s in sections]
    assert kinds[:2] == ["cover", "contents"] and kinds[-2:] == ["recommendations", "glossary"]


def test_essex_section_boundaries() -> None:
    by_start = {s.span.start: s for s in sample("essex").sections}
    assert (by_start[289].title, by_start[289].kind, by_start[289].span) == (
        "Strengths", "strengths", Span(289, 362))
    assert by_start[1172].kind == "recommendations" and by_start[1172].span == Span(1172, 1222)
    assert by_start[1224].title == "Appendix: Glossary of Terms and Abbreviations"
    assert by_start[232].kind == "summary-table"
    # Paragraphs are re-joined across page furniture ('October 2007' at line 179).
    priorities = by_start[175]
    assert priorities.paragraphs[1].span == Span(177, 181)


def test_variant_headings() -> None:
    cheshire = {s.span.start: s for s in sample("cheshire").sections}
    assert cheshire[849].kind == "areas-for-improvement"  # 'Generic protecting vulnerable people areas for improvement'
    assert cheshire[170].title == "Demographic profile of force area"  # footnote marker '¹' dropped
    norfolk = {s.span.start: s for s in sample("norfolk").sections}
    assert norfolk[477].kind == "areas-for-improvement"  # singular 'Area for improvement'
    assert norfolk[1055].kind == "recommendations"  # closing list headed 'Recommendation'


def test_variant_area_headings_and_closing_list() -> None:
    report = fixture("variant_headings.txt")
    # 'NEIGHBOURHOOD POLICING', 'Protecting Vulnerable People Overview' (no dash),
    # 'Protecting Vulnerable People: Missing Persons' (colon).
    assert [(s.area, s.parent) for s in report.sections if s.kind == "area"] == [
        ("Neighbourhood Policing", None), ("Protecting vulnerable people", None),
        ("Missing persons", "Protecting vulnerable people")]
    assert [(j.area, j.grade) for j in report.judgements] == [
        ("Neighbourhood Policing", "Fair"), ("Missing persons", "Good")]
    # A 'RECOMMENDATIONS' heading inside the last area is not the closing list.
    closing = [s for s in report.sections if s.kind == "recommendations"]
    assert [(s.title, s.span) for s in closing] == [("RECOMMENDATIONS", Span(98, 110))]
    recs = report.findings_of("recommendation")
    assert [(r.number, r.area, r.span, r.list_span) for r in recs] == [
        (1, "Neighbourhood Policing", Span(68, 70), Span(102, 104)),
        (2, "Missing persons", Span(94, 96), Span(108, 110))]
    assert [o.text for o in report.findings_of("observation")][-1] == "Missing persons are reviewed daily."


def test_contents_entry_worded_differently_from_its_heading() -> None:
    text = fixture_text().replace(
        "Contents\n\nIntroduction to HMIC Inspections\n", "Contents\n\nIntroduction\n", 1)
    report = extract_text(text, "contents.txt")
    assert [(s.kind, s.span) for s in report.sections[1:3]] == [
        ("contents", Span(11, 17)), ("introduction", Span(19, 21))]
