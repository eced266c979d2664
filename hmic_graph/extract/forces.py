"""Resolve a force name as printed to its canonical gazetteer entry (ontology/forces.ttl)."""

from __future__ import annotations

import re
from functools import lru_cache

from rdflib import Graph
from rdflib.namespace import RDFS, SKOS

from ..resources import ONTOLOGY_DIR

FORCE_BASE = "https://w3id.org/hmic-graph/id/force/"


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _key(name: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", name.lower().replace("&", " and ")).split())


@lru_cache(maxsize=1)
def force_names() -> dict[str, tuple[str, str]]:
    """Normalised label → (force id, canonical name), for every label and alt label."""
    g = Graph()
    g.parse(ONTOLOGY_DIR / "forces.ttl", format="turtle")
    out: dict[str, tuple[str, str]] = {}
    for s, label in g.subject_objects(RDFS.label):
        fid = str(s)[len(FORCE_BASE):]
        out[_key(str(label))] = (fid, str(label))
    for s, alt in g.subject_objects(SKOS.altLabel):
        fid = str(s)[len(FORCE_BASE):]
        out.setdefault(_key(str(alt)), (fid, str(g.value(s, RDFS.label))))
    return out


def resolve_force(name: str) -> tuple[str, str] | None:
    """'Essex Police' → ('essex-police', 'Essex Police'); None when unknown."""
    return force_names().get(_key(name))


def find_force_in(text: str) -> tuple[str, str] | None:
    """The first known force named anywhere in ``text`` (longest name wins at a position)."""
    names = force_names()
    pattern = _force_pattern()
    m = pattern.search(_key(text))
    return names[m.group(0)] if m else None


@lru_cache(maxsize=1)
def _force_pattern() -> re.Pattern[str]:
    keys = sorted(force_names(), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(k) for k in keys) + r")\b")
