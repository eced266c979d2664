"""Extract: a Document of a known programme → a Report of records with spans."""

from __future__ import annotations

from ..layouts import detect_programme
from ..model import Document, Report


def extract_report(doc: Document) -> Report:
    """Recognise the programme and run its extractor; raises HmicError on bad input."""
    programme = detect_programme(doc)
    if programme == "hmic-2007":
        from .hmic2007 import extract_hmic2007

        report = extract_hmic2007(doc)
    else:
        from .peel import extract_peel

        report = extract_peel(doc)
    try:
        from .organisations import extract_organisations
    except ImportError:  # organisations stage not built yet
        return report
    report.organisations, report.partnerships = extract_organisations(report)
    return report
