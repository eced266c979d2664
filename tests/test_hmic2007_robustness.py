"""Damaged 2007 reports give a Report or one HmicError, never a traceback; footnotes are skipped."""

from __future__ import annotations

import random

import pytest

from hmic_graph.extract.hmic2007 import extract_hmic2007
from hmic_graph.ingest.text import document_from_bytes
from hmic_graph.model import HmicError
from hmic_graph.resources import SAMPLE_REPORTS_DIR

from hmic2007_samples import FILES, extract_text, fixture_text


def _damaged(seed: int) -> str:
    rng = random.Random(seed)
    lines = (SAMPLE_REPORTS_DIR / FILES[sorted(FILES)[seed % 4]]).read_text(encoding="utf-8").split("\n")
    start = rng.randrange(len(lines))
    action = seed % 4
    if action == 0:  # a run of pages lost
        del lines[start:start + rng.randrange(1, 400)]
    elif action == 1:  # lines out of order
        chunk = lines[start:start + 60]
        rng.shuffle(chunk)
        lines[start:start + 60] = chunk
    elif action == 2:  # truncated file
        lines = lines[:start + 1]
    else:  # pages printed twice
        lines[start:start] = lines[start:start + rng.randrange(1, 200)]
    return "\n".join(lines)


@pytest.mark.parametrize("seed", range(8))
def test_damaged_report_never_crashes(seed: int) -> None:
    doc = document_from_bytes(_damaged(seed).encode("utf-8"), f"damaged-{seed}.txt")
    try:
        report = extract_hmic2007(doc)
    except HmicError as err:
        assert err.source == f"damaged-{seed}.txt"
        return
    for finding in report.findings:
        assert finding.text and 1 <= finding.span.start <= finding.span.end <= len(doc.lines)


def test_footnote_text_is_not_an_observation() -> None:
    text = fixture_text().replace(
        "The force has a named officer for every ward.",
        "The force has a named officer for every ward.¹\n\n¹ Based on the 2001 census.")
    report = extract_text(text, "footnote.txt")
    texts = [o.text for o in report.findings_of("observation")]
    assert "The force has a named officer for every ward.¹" in texts
    assert not any(t.startswith("¹") for t in texts)


def test_empty_bullet_and_leading_minus_sign() -> None:
    text = fixture_text().replace(
        "The force has a named officer for every ward.",
        "The force has a named officer for every ward.\n-\n\n-5% is the change in calls since 2006.")
    report = extract_text(text, "bullets.txt")
    strengths = [o.text for o in report.findings_of("observation") if o.area == "Neighbourhood Policing"
                 and o.observation_kind == "strength"]
    assert strengths == ["The force has a named officer for every ward.",
                         "-5% is the change in calls since 2006."]


def test_norfolk_as_a_pdf_gives_the_same_records(tmp_path) -> None:
    # Norfolk is the messiest 2007 sample: hard-wrapped bullets, sub-bullets, missing GRADE.
    from hmic_graph.ingest import read_document
    from hmic_graph.resources import SAMPLE_REPORTS_DIR

    from hmic2007_samples import sample
    from pdf_render import render_file

    text_report = sample("norfolk")
    pdf = render_file(SAMPLE_REPORTS_DIR / FILES["norfolk"], tmp_path / "norfolk.pdf",
                      "Norfolk Constabulary – HMIC Inspection Report", "October 2007")
    pdf_report = extract_hmic2007(read_document(pdf))
    assert [(j.area, j.grade) for j in pdf_report.judgements] == [
        (j.area, j.grade) for j in text_report.judgements]
    assert [(f.number, f.area, f.text) for f in pdf_report.findings_of("recommendation")] == [
        (f.number, f.area, f.text) for f in text_report.findings_of("recommendation")]
    assert [(p.title, len(p.contacts)) for p in pdf_report.practices] == [
        (p.title, len(p.contacts)) for p in text_report.practices]
    assert len(pdf_report.glossary) == len(text_report.glossary) == 60
    # One paragraph comes out of the PDF split in two (a PDF-ingest limit, not layout).
    assert abs(len(pdf_report.findings_of("observation")) - len(text_report.findings_of("observation"))) <= 1
