"""Hand-made Report records for the linker's tests: the real Essex documents, with findings
written down by hand (text and lines read from the reports), so the linker can be tested
before and independently of the extractors."""

from __future__ import annotations

from hmic_graph.ingest.text import read_text
from hmic_graph.model import Finding, Report, ReportInfo, Span
from hmic_graph.resources import SAMPLE_REPORTS_DIR


def _doc(prefix: str):
    path = next(p for p in sorted(SAMPLE_REPORTS_DIR.iterdir()) if p.name.startswith(prefix))
    return read_text(path)


def _text(doc, span: Span) -> str:
    return " ".join(doc.text_of(span).split())


# (number, area, body line of the recommendation in the closing list)
ESSEX_2007_RECOMMENDATIONS = [
    (1, "Neighbourhood Policing", 1178), (2, "Neighbourhood Policing", 1182),
    (3, "Neighbourhood Policing", 1186), (4, "Performance management", 1192),
    (5, "Performance management", 1196), (6, "Performance management", 1200),
    (7, "Protecting vulnerable people", 1206), (8, "Protecting vulnerable people", 1210),
    (9, "Protecting vulnerable people", 1214), (10, "Protecting vulnerable people", 1218),
    (11, "Protecting vulnerable people", 1222),
]

# (area, first line, last line) of each 2016 area-for-improvement bullet
ESSEX_2016_AFIS = [
    ("preventing crime", 358, 358), ("investigating crime", 568, 568),
    ("investigating crime", 569, 569), ("protecting vulnerable people", 778, 782),
    ("protecting vulnerable people", 783, 786), ("protecting vulnerable people", 787, 787),
    ("protecting vulnerable people", 788, 788), ("serious and organised crime", 930, 930),
    ("serious and organised crime", 931, 931),
]


def essex_2007() -> Report:
    doc = _doc("000_")
    info = ReportInfo("Essex Police – HMIC Inspection Report", "Essex Police", "essex-police",
                      "hmic-2007", "HMIC inspection 2007", 2007, 10, Span(5, 9))
    findings = [
        Finding("recommendation", area, _text(doc, Span(line, line)), Span(line, line),
                number=n, ordinal=n)
        for n, area, line in ESSEX_2007_RECOMMENDATIONS
    ]
    return Report(document=doc, info=info, findings=findings)


def essex_2016() -> Report:
    doc = _doc("001_")
    info = ReportInfo("PEEL: Police effectiveness 2016 – An inspection of Essex Police", "Essex Police",
                      "essex-police", "peel-effectiveness-2016", "PEEL: Police effectiveness 2016",
                      2017, 3, Span(3, 9), series="effectiveness")
    findings = [
        Finding("area-for-improvement", area, _text(doc, Span(a, b)).lstrip("-• "), Span(a, b), ordinal=i)
        for i, (area, a, b) in enumerate(ESSEX_2016_AFIS, start=1)
    ]
    return Report(document=doc, info=info, findings=findings)
