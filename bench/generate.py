"""Synthetic corpus for the benchmark: realistic reports for many forces and years.

    python bench/generate.py N [--out bench/corpus/N] [--seed 7]

Each synthetic report is one of the bundled sample reports with its force replaced by
another of the 43 forces (full name and place name), its publication month and year moved,
its grades permuted consistently (section grade lines and the force summary table together)
and its large figures (populations, budgets, counts with thousands separators) rescaled,
and, for the 2007 programme, some area sections swapped in from another 2007 sample.
Force × date pairs are unique, so every file is a distinct report, and each force gets
several reports of both programmes (follow-up has something to link).

The output is benchmark data only: bench/corpus/ is git-ignored and must never be shipped
or cited as real inspection data.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hmic_graph.extract import extract_report  # noqa: E402
from hmic_graph.extract.forces import force_names  # noqa: E402
from hmic_graph.ingest import read_document  # noqa: E402
from hmic_graph.resources import sample_reports  # noqa: E402

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
GRADES_2007 = ["Excellent", "Good", "Fair", "Poor"]
_BIG_NUMBER = re.compile(r"\b\d{1,3}(?:,\d{3})+\b")
_DATE = re.compile(rf"\b({'|'.join(MONTHS)}) (20\d\d)\b")
_GRADE_CELL = re.compile(rf"^(GRADE\t|[A-Z][A-Za-z ]+\t)({'|'.join(GRADES_2007)}|{'|'.join(g.upper() for g in GRADES_2007)})$")
_AREA_HEADING = re.compile(r"^Protecting Vulnerable People – [A-Z][a-z]+(?: [A-Za-z]+)?$")


@dataclass
class Template:
    text: str
    programme: str
    force_name: str
    place: str  # 'Essex' in 'Essex Police'
    date: str  # the cover date as printed, e.g. 'October 2007'


def load_templates() -> list[Template]:
    templates = []
    for path in sample_reports():
        report = extract_report(read_document(path))
        info = report.info
        place = re.sub(r"\s+(Police|Constabulary)$", "", info.force_name)
        date = f"{MONTHS[(info.month or 1) - 1]} {info.year}"
        templates.append(Template(path.read_text(encoding="utf-8"), info.programme, info.force_name, place, date))
    return templates


def forces() -> list[tuple[str, str]]:
    """(full name, place name) of every force in the gazetteer, in a stable order."""
    names = sorted({name for _id, name in force_names().values()})
    return [(n, re.sub(r"\s+(Police|Constabulary|Police Service)$", "", n)) for n in names]


def area_sections(text: str) -> dict[str, str]:
    """2007 'Protecting Vulnerable People – X' sections (heading to next such heading)."""
    lines = text.split("\n")
    starts = [i for i, ln in enumerate(lines) if _AREA_HEADING.match(ln.strip())]
    # The contents page lists the headings too; a section has body text under it.
    starts = [i for i in starts if i + 2 < len(lines) and len(lines[i + 2]) > 200 or
              (i + 4 < len(lines) and lines[i + 2].startswith("GRADE"))]
    sections = {}
    for a, b in zip(starts, starts[1:] + [len(lines)]):
        sections[lines[a].strip()] = "\n".join(lines[a:b])
    return sections


def synthesise(template: Template, donor: Template | None, force: tuple[str, str], month: int,
               year: int, rnd: random.Random) -> str:
    text = template.text
    if donor is not None:
        # Swap one or two area sections in from another 2007 report (its own force renamed).
        mine, theirs = area_sections(text), area_sections(donor.text)
        for heading in rnd.sample(sorted(set(mine) & set(theirs)), k=min(2, len(set(mine) & set(theirs)))):
            swapped = theirs[heading].replace(donor.force_name, template.force_name).replace(donor.place, template.place)
            text = text.replace(mine[heading], swapped, 1)
    name, place = force
    text = text.replace(template.force_name, name).replace(template.place, place)
    # Publication date: the cover date and its running repeats move together.
    old_month, old_year = template.date.split()
    text = text.replace(template.date, f"{MONTHS[month - 1]} {year}")
    text = re.sub(rf"\b{old_year}/(\d\d)\b", lambda m: f"{year}/{(year + 1) % 100:02d}", text)
    if template.programme == "hmic-2007":
        permutation = dict(zip(GRADES_2007, rnd.sample(GRADES_2007, k=4)))

        def regrade(m: re.Match) -> str:
            grade = m.group(2)
            new = permutation[grade.title()]
            return m.group(1) + (new.upper() if grade.isupper() else new)

        text = "\n".join(_GRADE_CELL.sub(regrade, ln) for ln in text.split("\n"))
    factor = rnd.uniform(0.6, 1.6)
    text = _BIG_NUMBER.sub(lambda m: f"{round(int(m.group(0).replace(',', '')) * factor):,}", text)
    return text


def generate(count: int, out: Path, seed: int = 7) -> list[Path]:
    rnd = random.Random(seed)
    templates = load_templates()
    hmic2007 = [t for t in templates if t.programme == "hmic-2007"]
    others = [t for t in templates if t.programme != "hmic-2007"]
    all_forces = forces()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for i in range(count):
        force = all_forces[i % len(all_forces)]
        slot = i // len(all_forces)  # the force's n-th report: alternate programmes, later dates
        if slot % 2 == 0 or not others:
            template = rnd.choice(hmic2007)
            donor = rnd.choice([t for t in hmic2007 if t is not template] or [None])
            year, month = 2006 + (slot // 2) // 12, 1 + (slot // 2) % 12
        else:
            template, donor = rnd.choice(others), None
            year, month = 2015 + (slot // 2) // 12, 1 + (slot // 2) % 12
        text = synthesise(template, donor, force, month, year, rnd)
        path = out / f"{i:05d}.txt"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("count", type=int)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    out = args.out or ROOT / "bench" / "corpus" / str(args.count)
    paths = generate(args.count, out, args.seed)
    print(f"{len(paths)} synthetic reports → {out}")


if __name__ == "__main__":
    main()
