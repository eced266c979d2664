"""Text ingest: decoding, line cleaning, page furniture, paragraphs."""

from __future__ import annotations

import pytest

from hmic_graph.ingest.text import clean_line, decode, document_from_bytes, lines_from_text, paragraphs
from hmic_graph.model import HmicError, Span


def test_decode_utf8_bom_and_cp1252() -> None:
    assert decode("Essex – Police".encode("utf-8"), "x") == "Essex – Police"
    assert decode(b"\xef\xbb\xbfHMIC", "x") == "HMIC"
    assert decode("Police’s".encode("cp1252"), "x") == "Police’s"


@pytest.mark.parametrize("data, problem", [
    (b"   \n\n", "empty file"),
    (b"%PDF\x00\x01binary", "binary file, not text (contains NUL bytes)"),
])
def test_decode_rejects_bad_input(data: bytes, problem: str) -> None:
    with pytest.raises(HmicError) as err:
        decode(data, "bad.txt")
    assert err.value.problem == problem


def test_clean_line() -> None:
    assert clean_line("ef\ufb01cient\u00a0and\u200b **bold**  ") == "efficient and bold"
    assert clean_line("GOOD**National grade distribution**") == "GOODNational grade distribution"
    assert clean_line("GRADE\tFAIR") == "GRADE\tFAIR"  # tabs separate table cells


def test_cover_date_kept_later_dates_are_furniture() -> None:
    text = "HMIC Inspection Report\n\nOctober 2007\n\nBody text\n\nOctober 2007\n\nMore text\n12\n"
    lines = lines_from_text(text)
    assert [ln.number for ln in lines if ln.furniture] == [7, 10]
    assert lines[2].text == "October 2007" and not lines[2].furniture


def test_first_lone_date_far_from_the_cover_is_furniture() -> None:
    # A cover that fuses the date into its title ('... Norfolk Constabulary October 2007')
    # leaves no lone date on the cover: the first one is deep in the body, between pages.
    body = ["HMIC Inspection Report Norfolk Constabulary October 2007"] + ["x"] * 100
    body[80] = "October 2007"
    lines = lines_from_text("\n".join(body) + "\n")
    assert lines[80].furniture


def test_running_headers_are_furniture() -> None:
    header = "Norfolk Constabulary – HMIC Inspection Report"
    text = "\n".join(["Title"] + [f"para {i}.\n{header}" for i in range(5)]) + "\n"
    lines = lines_from_text(text)
    assert all(ln.furniture for ln in lines if ln.text == header)
    assert not any(ln.furniture for ln in lines if ln.text.startswith("para"))


def test_paragraphs_rejoin_across_page_furniture() -> None:
    text = ("October 2007\n\nThe unit is\n\nOctober 2007\n\n12\n\ncommanded by a DCI.\n\n"
            "Next paragraph.\nSecond line.\n")
    paras = paragraphs(lines_from_text(text))
    assert [(p.text, p.span) for p in paras] == [
        ("October 2007", Span(1, 1)),  # the cover date
        ("The unit is commanded by a DCI.", Span(3, 9)),
        ("Next paragraph. Second line.", Span(11, 12)),
    ]


def test_document_keeps_original_line_numbers_and_hash() -> None:
    data = "\n\nfirst\r\nsecond\n".encode()
    doc = document_from_bytes(data, "r.txt")
    assert [(ln.number, ln.text) for ln in doc.lines] == [(1, ""), (2, ""), (3, "first"), (4, "second")]
    assert doc.size == len(data) and len(doc.sha256) == 64
