"""Glossary entries of the 2007 reports (read by hand)."""

from __future__ import annotations

from hmic_graph.model import Span

from hmic2007_samples import extract_text, fixture_text, sample


def entries(name: str) -> dict[str, str]:
    return {g.abbreviation: g.expansion for g in sample(name).glossary}


def test_essex_glossary() -> None:
    gl = entries("essex")
    assert len(gl) == 63
    assert gl["ACC (TP)"] == "assistant chief constable (territorial policing)"
    assert gl["ViSOR"] == "Violent and Sex Offenders Register"
    assert gl["FIR"] == "force immigration room"  # printed so, a misprint kept as printed
    first = sample("essex").glossary[0]
    assert (first.abbreviation, first.span) == ("AA", Span(1228, 1228))


def test_space_separated_entries_hertfordshire() -> None:
    gl = entries("hertfordshire")
    assert len(gl) == 65
    assert gl["ACC (O)"] == "Assistant Chief Constable (Operations)"  # tab
    assert gl["MSBCU"] == "Most Similar Basic Command Unit"  # space
    assert gl["SMART"] == "Specific, Measurable, Achievable, Realistic and Timely"


def test_cheshire_glossary() -> None:
    gl = entries("cheshire")
    assert len(gl) == 60
    assert gl["Form 40a"] == "Vulnerable Person Notification Report"
    assert gl["T&CG"] == "Tasking and Co-ordination Group"
    assert "I" not in gl and "K" not in gl  # 'I<tab>' letter headings


def test_look_alike_letter_headings_are_skipped_norfolk() -> None:
    gl = entries("norfolk")
    assert len(gl) == 60
    # Headings printed as Greek 'Α', Cyrillic 'В', 'Н', 'Т', Greek 'Ρ', Arabic-Indic '٧', digit '0'.
    assert not ({"Α", "В", "Н", "Т", "Ρ", "٧", "0"} & set(gl))
    assert gl["MoPI"] == "Management of Police Information"
    assert gl["IMPACT"] == "Intelligence management, prioritisation, analysis, co-ordination and tasking"


def test_wrapped_expansion_and_entries_in_a_fixture() -> None:
    text = fixture_text() + (
        "ACPO (TAM)\tAssociation of Chief Police Officers\n(terrorist and allied matters)\n\nВ\n\n"
        "BCU basic command unit\nCID\n")
    glossary = extract_text(text, "g.txt").glossary
    assert [(g.abbreviation, g.expansion, g.span) for g in glossary] == [
        ("ACPO", "Association of Chief Police Officers", Span(104, 104)),
        ("ACPO (TAM)", "Association of Chief Police Officers (terrorist and allied matters)", Span(105, 106)),
        ("BCU", "basic command unit", Span(110, 110)),  # 'CID' alone has no expansion: skipped
    ]
