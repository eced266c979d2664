"""The four bundled 2007 reports, extracted once per test session (helper for test_hmic2007_*)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from hmic_graph.extract.hmic2007 import extract_hmic2007
from hmic_graph.ingest import read_document
from hmic_graph.ingest.text import document_from_bytes
from hmic_graph.model import Report
from hmic_graph.resources import SAMPLE_REPORTS_DIR

FILES = {
    "essex": "000_88c9294f686cd83b.txt",
    "hertfordshire": "002_6d76f0ff05c3221f.txt",
    "cheshire": "003_18cc7ca3fc4b65df.txt",
    "norfolk": "004_b58d774295a081e0.txt",
}
FIXTURES = Path(__file__).resolve().parent / "data" / "hmic2007"


@lru_cache(maxsize=None)
def sample(name: str) -> Report:
    return extract_hmic2007(read_document(SAMPLE_REPORTS_DIR / FILES[name]))


@lru_cache(maxsize=None)
def fixture(name: str) -> Report:
    return extract_hmic2007(read_document(FIXTURES / name))


def fixture_text(name: str = "grade_tab.txt") -> str:
    """A synthetic fixture's text, to derive a variant from."""
    return (FIXTURES / name).read_text(encoding="utf-8")


def extract_text(text: str, source: str) -> Report:
    return extract_hmic2007(document_from_bytes(text.encode("utf-8"), source))
