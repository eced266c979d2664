"""Force context facts of the 2007 reports (read by hand)."""

from __future__ import annotations

from hmic2007_samples import sample

from hmic_graph.model import Span


def facts(name: str) -> list[tuple[str, float, str | None]]:
    return [(f.label, f.value, f.unit) for f in sample(name).facts]


def test_essex_facts() -> None:
    assert facts("essex") == [("area", 1404.0, "square miles"), ("population", 1_600_000.0, "people")]
    area = sample("essex").facts[0]
    assert area.span == Span(161, 161) and area.text.startswith("Essex Police covers 1,404 square miles")


def test_other_forces_facts() -> None:
    assert ("area", 1643.0, "square kilometres") in facts("hertfordshire")
    assert ("population", 1_041_000.0, "people") in facts("hertfordshire")
    assert ("BCUs", 3.0, None) in facts("hertfordshire")
    assert facts("cheshire") == [("area", 946.0, "square miles"), ("population", 1_000_000.0, "people")]
    assert facts("norfolk") == [
        ("BCUs", 3.0, None), ("area", 2068.0, "square miles"), ("coastline", 90.0, "miles"),
        ("population", 824_240.0, "people"), ("households", 356_267.0, None)]


def test_numbers_outside_the_force_overview_are_not_force_facts() -> None:
    # Essex 'Force developments since 2006': '7 police officers and 8 police staff' of one unit.
    assert not [f for f in sample("essex").facts if f.label in ("police officers", "police staff")]
