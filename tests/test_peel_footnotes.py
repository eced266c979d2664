"""PEEL footnotes are marked on their paragraphs (Paragraph.footnote) by the layout, and
organisation recognition and issue tagging skip them. Lines read by hand from the Essex
PEEL 2016 sample."""

from __future__ import annotations

import pytest

from hmic_graph.extract.organisations import report_paragraphs
from hmic_graph.extract.peel import extract_peel
from hmic_graph.ingest.text import document_from_bytes, read_text
from hmic_graph.link.tagging import split_sentences
from hmic_graph.model import Report
from hmic_graph.resources import SAMPLE_REPORTS_DIR

PEEL_SAMPLE = SAMPLE_REPORTS_DIR / "001_615ec939449919b1.txt"


@pytest.fixture(scope="module")
def essex() -> Report:
    return extract_peel(read_text(PEEL_SAMPLE))


def _flags(report: Report) -> dict[int, bool]:
    return {p.span.start: p.footnote for s in report.sections for p in s.paragraphs}


def test_footnotes_are_marked_and_body_text_is_not(essex: Report) -> None:
    flags = _flags(essex)
    assert flags[310] is True  # '⁷ PEEL: Police effectiveness 2015 – An inspection of Essex Police ...'
    assert flags[322] is True  # '⁻ Pursue - prosecuting and disrupting people ...' (a note's list item)
    assert flags[945] is True  # '⁵⁰ The SPR is issued annually by the Home Secretary ...'
    assert flags[947] is True  # its URL, on a line of its own
    assert flags[308] is False  # 'In this inspection, we found that Essex Police has made ...'
    assert flags[943] is False  # 'The assistant chief constable responsible for this area ...'
    # 50 numbered notes, 8 '⁻' list items inside notes, 2 '^{*}' table notes, 2 lone URL lines
    assert sum(flags.values()) == 62


def test_plain_numbered_footnote_is_marked_only_where_it_cuts_a_sentence() -> None:
    cover = "PEEL: Police effectiveness 2016\n\nAn inspection of Kent Police\n\nMarch 2017\n\n"
    question = "How effective is the force at tackling serious and organised crime?"
    doc = document_from_bytes(
        (cover + f"{question}\n\nThe force works with partners such as\n\n12 Partners include local authorities.\n\n"
         "local councils to disrupt gangs.\n\n1 January 2016 saw a new approach.\n").encode("utf-8"),
        "generated.txt",
    )
    flags = _flags(extract_peel(doc))
    assert flags[11] is True  # '12 Partners include ...' between the halves of a cut sentence
    assert flags[9] is False  # the re-joined sentence
    assert flags[15] is False  # a body paragraph opening with a number is not a footnote


def test_organisation_recognition_skips_marked_footnotes(essex: Report) -> None:
    starts = {p.span.start for p in report_paragraphs(essex)}
    assert 322 not in starts and 947 not in starts  # no superscript number: only the mark says so
    assert 308 in starts


def test_tagging_marks_footnote_sentences_from_the_layout(essex: Report) -> None:
    # '⁻ Protect - increasing protection against serious and organised crime; and'
    unmarked = {s.span.start: s.footnote for s in split_sentences(essex.document)}
    marked = {s.span.start: s.footnote for s in split_sentences(essex.document, None, essex.footnote_lines())}
    assert unmarked[326] is False and marked[326] is True
    assert marked[310] is True and marked[308] is False
