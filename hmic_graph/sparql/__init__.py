"""The SPARQL of the output commands (export, network, site), kept as .rq files beside this module.

Named queries for users live in queries/; these are the fixed reads the outputs make.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

SPARQL_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def load(name: str) -> str:
    """The text of ``<name>.rq``."""
    return (SPARQL_DIR / f"{name}.rq").read_text(encoding="utf-8")
