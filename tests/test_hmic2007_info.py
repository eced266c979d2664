"""Report metadata of the 2007 reports: values read by hand from each cover."""

from __future__ import annotations

import dataclasses
import json

import pytest

from hmic_graph.extract import extract_report
from hmic_graph.extract.hmic2007 import extract_hmic2007
from hmic_graph.ingest import read_document
from hmic_graph.model import HmicError, Span
from hmic_graph.resources import SAMPLE_REPORTS_DIR

from hmic2007_samples import FILES, FIXTURES, extract_text, fixture_text, sample


@pytest.mark.parametrize("name, force_id, force_name, isbn", [
    ("essex", "essex-police", "Essex Police", "978-1-84726-456-5"),
    ("hertfordshire", "hertfordshire-constabulary", "Hertfordshire Constabulary", "978-1-84726-461-9"),
    ("cheshire", "cheshire-constabulary", "Cheshire Constabulary", "978-1-84726-448-0"),
    ("norfolk", "norfolk-constabulary", "Norfolk Constabulary", "978-1-84726-469-5"),
])
def test_force_date_isbn_programme(name: str, force_id: str, force_name: str, isbn: str) -> None:
    info = sample(name).info
    assert (info.force_id, info.force_name, info.isbn) == (force_id, force_name, isbn)
    assert (info.year, info.month, info.day) == (2007, 10, None)
    assert info.report_id == f"{force_id}-2007-10"
    assert (info.programme, info.programme_label) == ("hmic-2007", "HMIC inspection 2007")
    assert info.assessment_period == "April 2006 to July 2007"
    assert info.title == f"{force_name} – HMIC Inspection Report"


def test_info_spans_point_at_the_cover() -> None:
    # Essex: force on line 7, ISBN on line 17; Norfolk fuses title, force and date on line 5.
    assert sample("essex").info.span == Span(7, 17)
    assert sample("norfolk").info.span == Span(5, 11)


def test_dispatcher_reaches_the_2007_extractor() -> None:
    report = extract_report(read_document(SAMPLE_REPORTS_DIR / FILES["cheshire"]))
    assert report.info.programme == "hmic-2007"
    assert len(report.judgements) == 6


def test_unknown_force_is_one_readable_error() -> None:
    with pytest.raises(HmicError) as err:
        extract_hmic2007(read_document(FIXTURES / "unknown_force.txt"))
    assert err.value.problem == "cannot find the police force this report is about"
    assert str(err.value) == "unknown_force.txt: cannot find the police force this report is about"


def test_report_serialises_with_asdict() -> None:
    data = dataclasses.asdict(sample("essex"))
    text = json.dumps(data, default=str)
    assert '"isbn": "978-1-84726-456-5"' in text
    assert data["findings"][0]["span"] == {"start": 386, "end": 388}


def test_extraction_is_deterministic() -> None:
    doc = read_document(SAMPLE_REPORTS_DIR / FILES["norfolk"])
    first, second = extract_hmic2007(doc), extract_hmic2007(doc)
    assert dataclasses.asdict(first) == dataclasses.asdict(second)


def test_unknown_force_is_not_filed_under_a_neighbour_it_mentions() -> None:
    with pytest.raises(HmicError, match="cannot find the police force"):
        extract_hmic2007(read_document(FIXTURES / "unknown_force_mentions_neighbours.txt"))


def test_force_from_running_header_when_the_cover_lacks_it() -> None:
    header = "Surrey Police – HMIC Inspection Report"
    body = fixture_text().replace("Surrey Police", "The force")
    pages = body.split("\n\n")
    text = "\n\n".join(p + (f"\n\n{header}" if i % 10 == 5 else "") for i, p in enumerate(pages))
    report = extract_text(text, "no-cover-force.txt")
    assert report.info.force_id == "surrey-police"


def test_cover_without_a_month_gives_the_year_only() -> None:
    text = fixture_text().replace(
        "October 2007\n", "FIRST PUBLISHED 2007\n", 1).replace(
        "April 2006 to July 2007", "April 2006 – July 2007")
    info = extract_text(text, "year.txt").info
    assert (info.year, info.month, info.report_id) == (2007, None, "surrey-police-2007")
    assert info.assessment_period == "April 2006 to July 2007"


def test_cover_without_any_date_is_one_readable_error() -> None:
    text = fixture_text().replace("October 2007\n", "\n", 1)
    with pytest.raises(HmicError, match="publication date"):
        extract_text(text, "nodate.txt")
