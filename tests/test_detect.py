"""Programme detection reads the content, never the file name."""

from pathlib import Path

import pytest

from hmic_graph.ingest.text import document_from_bytes
from hmic_graph.layouts import detect_programme
from hmic_graph.model import HmicError
from hmic_graph.resources import sample_reports

PEEL_FIXTURES = Path(__file__).parent / "data" / "peel"


def _doc(path: Path, name: str = "renamed.txt"):
    # A neutral name proves the file name plays no part.
    return document_from_bytes(path.read_bytes(), name)


def test_sample_reports_are_recognised_whatever_their_name():
    found = sorted(detect_programme(_doc(p)) for p in sample_reports())
    assert found == ["hmic-2007"] * 4 + ["peel-effectiveness"]


def test_a_peel_legitimacy_report_uses_the_peel_layout():
    doc = _doc(PEEL_FIXTURES / "legitimacy_2016_no_contents.txt")
    assert detect_programme(doc) == "peel-effectiveness"


def test_unrelated_text_is_refused_with_the_file_name():
    doc = document_from_bytes(b"Minutes of the parish council.\n\nApologies were received.\n", "minutes.txt")
    with pytest.raises(HmicError, match=r"^minutes.txt: not a recognised HMIC report layout$"):
        detect_programme(doc)


def test_a_report_that_only_mentions_peel_once_is_not_enough():
    text = b"This paper discusses PEEL and HMIC inspection reports in general.\n"
    with pytest.raises(HmicError):
        detect_programme(document_from_bytes(text, "essay.txt"))
