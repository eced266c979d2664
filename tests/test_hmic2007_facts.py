"""Force context facts of the 2007 reports (read by hand)."""

from __future__ import annotations

from hmic_graph.model import Span

from hmic2007_samples import extract_text, fixture_text, sample


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


def test_workforce_and_other_facts_in_a_fixture() -> None:
    text = fixture_text().replace(
        "Surrey Police covers 642 square miles and serves a population of 1.1 million people.",
        "Surrey Police covers 1,663 square kilometres. The force employs 1,950 police officers, "
        "1,700 police staff, 237 PCSOs and 220 special constables in two BCUs.")
    report = extract_text(text, "facts.txt")
    assert [(f.label, f.value, f.unit) for f in report.facts] == [
        ("area", 1663.0, "square kilometres"), ("police officers", 1950.0, None),
        ("police staff", 1700.0, None), ("PCSOs", 237.0, None), ("special constables", 220.0, None),
        ("BCUs", 2.0, None)]
    assert report.facts[1].text == ("The force employs 1,950 police officers, 1,700 police staff, "
                                    "237 PCSOs and 220 special constables in two BCUs.")
    assert report.facts[0].span == Span(27, 27)
