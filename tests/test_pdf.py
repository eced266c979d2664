"""PDF input and hard-wrapped text give the same records as the sample text layout.

The PDFs are made inside the test run from the sample text (tests/pdf_render.py): running
header, dated footer with page numbers, wrapped paragraphs, tables in columns.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from hmic_graph.extract import extract_report
from hmic_graph.ingest import read_document
from hmic_graph.ingest.text import document_from_bytes, lines_from_text, paragraphs
from hmic_graph.ingest.unwrap import unwrap, width_rule, wrapped_width
from hmic_graph.model import Line, Report
from hmic_graph.resources import SAMPLE_REPORTS_DIR

sys.path.insert(0, str(Path(__file__).parent))
from pdf_render import render_file  # noqa: E402

ESSEX_2007 = SAMPLE_REPORTS_DIR / "000_88c9294f686cd83b.txt"
ESSEX_2016 = SAMPLE_REPORTS_DIR / "001_615ec939449919b1.txt"
HEADER_2007 = "Essex Police – HMIC Inspection Report"
HEADER_2016 = "PEEL: Police effectiveness 2016 – Essex Police"


def _norm(text: str) -> str:
    return " ".join(text.split())


def _key_records(report: Report) -> dict[str, object]:
    """What must not change between text and PDF input: grades and formal findings."""
    return {
        "report": report.info.report_id,
        "grades": [(j.area, j.parent_area, j.grade) for j in report.judgements],
        "recommendations": [(f.number, f.area, _norm(f.text)) for f in report.findings_of("recommendation")],
        "areas_for_improvement": [(f.area, _norm(f.text)) for f in report.findings_of("area-for-improvement")],
        "causes_of_concern": [(f.area, _norm(f.text)) for f in report.findings_of("cause-of-concern")],
    }


@pytest.fixture(scope="module")
def pdf_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pdfs")
    render_file(ESSEX_2007, out / "essex-2007.pdf", HEADER_2007, "October 2007")
    render_file(ESSEX_2016, out / "essex-2016.pdf", HEADER_2016, "March 2017")
    return out


@pytest.fixture(scope="module")
def pdf_2007(pdf_dir: Path):
    return read_document(pdf_dir / "essex-2007.pdf")


@pytest.fixture(scope="module")
def pdf_2016(pdf_dir: Path):
    return read_document(pdf_dir / "essex-2016.pdf")


def test_pdf_2007_gives_the_same_grades_and_recommendations_as_text(pdf_2007) -> None:
    from_text = _key_records(extract_report(read_document(ESSEX_2007)))
    from_pdf = _key_records(extract_report(pdf_2007))
    assert from_pdf == from_text
    # Values read by hand from the report: 11 recommendations, Domestic violence graded Poor.
    assert len(from_pdf["recommendations"]) == 11
    assert ("Domestic violence", "Protecting vulnerable people", "Poor") in from_pdf["grades"] or any(
        area == "Domestic violence" and grade == "Poor" for area, _parent, grade in from_pdf["grades"])


def test_pdf_peel_gives_the_same_grades_and_areas_for_improvement_as_text(pdf_2016) -> None:
    from_text = _key_records(extract_report(read_document(ESSEX_2016)))
    from_pdf = _key_records(extract_report(pdf_2016))
    assert from_pdf == from_text
    assert len(from_pdf["areas_for_improvement"]) == 9
    assert from_pdf["areas_for_improvement"][0][1].startswith(
        "The force should evaluate and share effective practice routinely")


@pytest.mark.parametrize("sample", sorted(SAMPLE_REPORTS_DIR.glob("*.txt")), ids=lambda p: p.stem)
def test_every_sample_as_a_pdf_gives_the_records_of_its_text(sample: Path, tmp_path: Path) -> None:
    """Every bundled report, rendered as a PDF: the same formal findings, grades and good
    practice; observations hold the same words under the same areas. The one difference
    allowed (README): a paragraph whose page ends on a full line ending a sentence may come out
    as two observations, each then a run of consecutive observations made from one."""
    pdf = render_file(sample, tmp_path / f"{sample.stem}.pdf", "HMIC Inspection Report", "Inspection report")
    from_text, from_pdf = extract_report(read_document(sample)), extract_report(read_document(pdf))
    assert _key_records(from_pdf) == _key_records(from_text)
    assert ([(f.area, _norm(f.text)) for f in from_pdf.findings_of("good-practice")]
            == [(f.area, _norm(f.text)) for f in from_text.findings_of("good-practice")])
    split = [(f.area, _norm(f.text)) for f in from_pdf.findings_of("observation")]
    for area, text in ((f.area, _norm(f.text)) for f in from_text.findings_of("observation")):
        parts, joined = 0, ""
        while joined != text:
            assert split[parts][0] == area and text.startswith(f"{joined} {split[parts][1]}".strip()), (text, split[parts])
            joined, parts = f"{joined} {split[parts][1]}".strip(), parts + 1
        split = split[parts:]
    assert split == []


def test_short_paragraphs_stay_apart_when_gaps_outnumber_wrapped_lines(tmp_path: Path) -> None:
    """Most paragraphs one line, a few wrapped: there are more steps between paragraphs than
    inside them, so the median step was the paragraph gap and every paragraph ran into the
    next (a force contact merged into an observation, good practice lost). The leading is
    the smallest step that recurs."""
    from hmic_graph.ingest.pdf import read_pdf

    from pdf_render import render_report_pdf

    short = [f"Item {i} of the list is one short sentence." for i in range(1, 61)]
    long = [" ".join(["This paragraph is long enough to wrap over several lines of the page."] * 5)] * 6
    text = "\n\n".join(short[:30] + long + short[30:]) + "\n"
    doc = read_pdf(render_report_pdf(text, tmp_path / "short.pdf", "Header of the report", "Footer"))
    found = [" ".join(p.text.split()) for p in paragraphs(doc.lines)]
    assert found == [" ".join(t.split()) for t in short[:30] + long + short[30:]]


def test_leading_is_the_smallest_recurring_step_of_body_text() -> None:
    from hmic_graph.ingest.pdf import _leading, _Row

    def rows(steps: list[float], size: float, page: int) -> list[_Row]:
        out, bottom = [], 100.0
        for step in [0.0, *steps]:
            bottom += step
            out.append(_Row(page, "text", 50, 500, bottom - size, bottom, size, False))
        return out

    body = rows([12.5] * 40 + [18.5] * 60, 10.0, 1)
    table = rows([9.6] * 50, 8.0, 2)  # a table in smaller type: not the body's leading
    assert _leading(body + table) == 12.5
    assert _leading(rows([18.5] * 60 + [12.5] * 3, 10.0, 1)) == 12.5  # three wrapped lines suffice


def test_pdf_lines_carry_their_page(pdf_2007, pdf_2016) -> None:
    for doc in (pdf_2007, pdf_2016):
        assert doc.media_type == "application/pdf"
        pages = [ln.page for ln in doc.lines]
        assert all(isinstance(p, int) and p >= 1 for p in pages)
        assert pages == sorted(pages)
        numbers = [ln.number for ln in doc.lines]
        assert numbers == sorted(set(numbers))
    # The 2007 cover (title, force, date) is on page 1; its recommendations are near the end.
    assert [ln.text for ln in pdf_2007.lines if ln.text.strip()][:3] == [
        "HMIC Inspection Report", "Essex Police", "October 2007"]
    rec = extract_report(pdf_2007).findings_of("recommendation")[0]
    page_of = {ln.number: ln.page for ln in pdf_2007.lines}
    assert page_of[rec.span.start] > 10


def test_running_headers_footers_and_page_numbers_are_furniture(pdf_2007) -> None:
    body = [ln.text for ln in pdf_2007.lines if not ln.furniture]
    assert HEADER_2007 not in body[10:]  # the title page prints it once as content
    assert not any(t.startswith("October 2007\t") for t in body)
    furniture = [ln for ln in pdf_2007.lines if ln.furniture]
    last_page = pdf_2007.lines[-1].page
    # One footer per page and one header on every page but the cover.
    assert len(furniture) == 2 * last_page - 1


def test_pdf_tables_come_out_tab_separated_like_the_sample(pdf_2007) -> None:
    texts = [ln.text for ln in pdf_2007.lines]
    assert "Domestic violence\t1\t13\t27\t2" in texts
    assert "GRADE\tFAIR" in texts


def test_wrapped_pdf_paragraph_is_one_line(pdf_2007) -> None:
    texts = [_norm(ln.text) for ln in pdf_2007.lines]
    sample_line = _norm(ESSEX_2007.read_text(encoding="utf-8").splitlines()[67])
    assert sample_line.startswith("HMIs are appointed by the Crown")
    assert sample_line in texts


# --- hard-wrapped text (pdftotext style) -------------------------------------------


def hard_wrap(text: str, width: int = 80, form_feeds: bool = False) -> str:
    """Cut every long line at ``width`` columns, as pdftotext does; tables are left alone."""
    out: list[str] = []
    furniture = {ln.number for ln in lines_from_text(text) if ln.furniture}
    for number, line in enumerate(text.split("\n"), start=1):
        if form_feeds and number in furniture:
            line = "\f" + line  # a new page starts at each piece of page furniture
        if "\t" in line or len(line) <= width:
            out.append(line)
        else:
            out.extend(textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False))
    return "\n".join(out)


@pytest.mark.parametrize("sample", [ESSEX_2007, ESSEX_2016], ids=["hmic2007", "peel2016"])
def test_hard_wrapped_text_gives_the_same_records(sample: Path) -> None:
    text = sample.read_text(encoding="utf-8")
    wrapped = hard_wrap(text, 80, form_feeds=True)
    assert all(len(t) <= 80 or " " not in t.strip() for t in wrapped.split("\n") if "\t" not in t)
    doc = document_from_bytes(wrapped.encode("utf-8"), "wrapped.txt")
    assert _key_records(extract_report(doc)) == _key_records(extract_report(read_document(sample)))
    # Form feeds became page numbers; the joined lines keep their first physical line.
    assert wrapped.count("\f") > 1 and doc.lines[-1].page == 1 + wrapped.count("\f")
    assert len(doc.lines) < len(wrapped.split("\n"))


def test_sample_layout_is_not_mistaken_for_hard_wrapped_text() -> None:
    for sample in sorted(SAMPLE_REPORTS_DIR.glob("*.txt")):
        lines = lines_from_text(sample.read_text(encoding="utf-8"))
        assert wrapped_width(lines) is None, sample.name


def test_unwrap_rules() -> None:
    text = (
        "The force has an effective inspec-\n"
        "tion regime and a very clear anti-\n"
        "social behaviour team. Inspection\n"
        "and anti-social work.\n"
        "Short heading\n"
        "- a bullet that runs on over the\n"
        "whole width of the column.\n"
        "- another bullet\n"
    )
    lines = [Line(i, t) for i, t in enumerate(text.splitlines(), start=1)]
    joined = unwrap(lines, width_rule(36))
    assert [ln.number for ln in joined] == [1, 5, 6, 8]
    # A soft hyphen goes when the whole word occurs elsewhere; a real compound keeps it.
    assert joined[0].text == ("The force has an effective inspection regime and a very clear "
                              "anti-social behaviour team. Inspection and anti-social work.")
    assert joined[2].text == "- a bullet that runs on over the whole width of the column."
    assert paragraphs(joined)[0].span.start == 1


def test_pdf_records_carry_hmic_page_in_the_graph(pdf_2007) -> None:
    from hmic_graph.rdf import report_graph
    from hmic_graph.vocab import HMIC

    report = extract_report(pdf_2007)
    graph = report_graph(report)
    page_of = {ln.number: ln.page for ln in pdf_2007.lines}
    with_lines = set(graph.subjects(HMIC.lineStart))
    with_pages = dict(graph.subject_objects(HMIC.page))
    assert with_lines and set(with_pages) == with_lines
    for node, page in with_pages.items():
        assert int(page) == page_of[int(graph.value(node, HMIC.lineStart))]
    # The same report from text has lines but no pages.
    text_graph = report_graph(extract_report(read_document(ESSEX_2007)))
    assert not list(text_graph.subject_objects(HMIC.page))


def test_build_from_pdf_gives_the_graph_of_the_text(pdf_dir: Path, tmp_path: Path) -> None:
    """`build` on the PDF: same recommendations (numbers and words) as on the text, with pages."""
    from rdflib import Graph

    from hmic_graph.pipeline import build
    from hmic_graph.vocab import HMIC

    def recommendations(graph: Graph) -> set[tuple[int, str]]:
        return {(int(graph.value(node, HMIC.recommendationNumber)), _norm(str(graph.value(node, HMIC.text))))
                for node in graph.subjects(HMIC.recommendationNumber)}

    from_pdf = build([pdf_dir / "essex-2007.pdf"], tmp_path / "pdf", validate=False)
    assert [r.info.report_id for r in from_pdf.reports] == ["essex-police-2007-10"]
    pdf_graph = Graph().parse(tmp_path / "pdf" / "graph.ttl")
    from_text = extract_report(read_document(ESSEX_2007)).findings_of("recommendation")
    assert len(recommendations(pdf_graph)) == 11
    assert recommendations(pdf_graph) == {(f.number, _norm(f.text)) for f in from_text}
    assert {int(p) for p in pdf_graph.objects(None, HMIC.page)} >= {1, 30}


def test_a_glyph_without_a_character_is_a_bullet_at_a_line_start_and_dropped_elsewhere() -> None:
    from hmic_graph.ingest.pdf import unmapped_glyphs
    from hmic_graph.ingest.unwrap import is_item

    line = unmapped_glyphs("(cid:127) The force, supported by the police authority, has decided")
    assert line == "• The force, supported by the police authority, has decided" and is_item(line)
    assert unmapped_glyphs("a (cid:3)word") == "a word"
    assert unmapped_glyphs("no glyphs here (cid is a word)") == "no glyphs here (cid is a word)"


@pytest.mark.parametrize("valign", ["BOTTOM", "TOP"])  # MIDDLE: see README
def test_a_wrapped_table_cell_stays_in_its_cell(tmp_path: Path, valign: str) -> None:
    """A glossary whose expansions wrap in a narrow column: the cell's other lines are rows of
    their own, above the abbreviation (bottom-aligned) or below it (top-aligned). They were
    read as lines apart: 'ACPO (TAM)' → 'allied matters)', 'ICIPD' → 'Programme'."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    from hmic_graph.ingest.pdf import read_pdf

    entries = [("ACPO", "Association of Chief Police Officers"),
               ("ACPO (TAM)", "Association of Chief Police Officers (terrorist and allied matters)"),
               ("ICIPD", "Initial Crime Investigators' Development Programme"),
               ("ICT", "information and communications technology")]
    style = ParagraphStyle("cell", fontName="Helvetica", fontSize=10, leading=12.5)
    table = Table([[Paragraph(a, style), Paragraph(e, style)] for a, e in entries], colWidths=[80, 190])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), valign)]))
    body = [Paragraph("Glossary of the terms used in this report, one per row of the table below.", style),
            table, Paragraph("The report ends here, after the glossary.", style)]
    SimpleDocTemplate(str(tmp_path / "glossary.pdf"), pagesize=A4).build(body)
    lines = [ln.text for ln in read_pdf(tmp_path / "glossary.pdf").lines if ln.text.strip()]
    assert [tuple(t.split("\t")) for t in lines if "\t" in t] == entries
    assert lines[0].startswith("Glossary of the terms") and lines[-1] == "The report ends here, after the glossary."
