"""Extractor for the 2007 'HMIC inspection' programme: Document → Report."""

from __future__ import annotations

from ..layouts.hmic2007 import segment
from ..model import Document, HmicError, Report, ReportInfo, Span
from .facts import extract_facts
from .findings import extract_observations, extract_recommendations, recommendation_lines
from .glossary import extract_glossary
from .judgements import extract_judgements
from .practice import extract_practices, redact_contacts
from .report import (
    assessment_period,
    cover_lines,
    cover_title,
    forces_inspected,
    isbn,
    publication_date,
    published_year,
    report_force,
)

PROGRAMME_ID = "hmic-2007"
PROGRAMME_LABEL = "HMIC inspection 2007"
TITLE_MARKER = "Inspection Report"


def report_info(doc: Document) -> ReportInfo:
    cover = cover_lines(doc)
    force = report_force(doc, cover)
    date = publication_date(cover)
    year_only = published_year(cover) if date is None else None
    if date is None and year_only is None:
        raise HmicError(doc.source, "cannot find the report's publication date on its cover")
    title = cover_title(cover, force.name, TITLE_MARKER)
    printed_isbn = isbn(cover)
    period = assessment_period(doc)
    inspected = forces_inspected(doc)
    spans = [s for s in (force.span, date.span if date else year_only[1], title[1] if title else None,
                         printed_isbn[1] if printed_isbn else None) if s]
    return ReportInfo(
        title=title[0] if title else f"{force.name} – HMIC Inspection Report",
        force_name=force.name, force_id=force.force_id,
        programme=PROGRAMME_ID, programme_label=PROGRAMME_LABEL,
        year=date.year if date else year_only[0], month=date.month if date else None,
        day=date.day if date else None, span=Span.covering(spans),
        isbn=printed_isbn[0] if printed_isbn else None,
        assessment_period=period[0] if period else None,
        forces_inspected=inspected[0] if inspected else None,
        forces_inspected_span=inspected[1] if inspected else None)


def extract_hmic2007(doc: Document) -> Report:
    info = report_info(doc)
    sections = segment(doc)
    judgements, conflicts = extract_judgements(doc, sections)
    recommendations, rec_conflicts = extract_recommendations(doc, sections)
    observations = extract_observations(doc, sections, recommendation_lines(recommendations))
    return Report(
        document=doc, info=info, sections=redact_contacts(sections),
        facts=extract_facts(doc, sections), judgements=judgements,
        findings=recommendations + observations, practices=extract_practices(doc, sections),
        glossary=extract_glossary(doc, sections), conflicts=conflicts + rec_conflicts)
