"""Where the project's first-class files live (ontology, shapes, queries, sample reports).

They sit at the top of the repository; the package reaches them through
``hmic_graph/data/*`` symlinks, which setuptools copies into wheels, so the same
paths work from a checkout, an editable install and a plain ``pip install``.
"""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
ONTOLOGY_DIR = DATA / "ontology"
SHAPES_DIR = DATA / "shapes"
QUERIES_DIR = DATA / "queries"
SAMPLE_REPORTS_DIR = DATA / "reports"


def sample_reports() -> list[Path]:
    """The bundled sample corpus, in a stable order."""
    return sorted(p for p in SAMPLE_REPORTS_DIR.iterdir() if p.suffix.lower() in {".txt", ".pdf"})


def ontology_files() -> list[Path]:
    return sorted(ONTOLOGY_DIR.glob("*.ttl"))


def shape_files() -> list[Path]:
    return sorted(SHAPES_DIR.glob("*.ttl"))
