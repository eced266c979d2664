"""Import rules between the stages (DESIGN: files → ingest → layouts → extract → link → rdf →
store → queries/export/...; cli on top). Read from the source with ``ast``, imports inside
functions included, so a rule stays true however the import is written."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "hmic_graph"

# Everything that works on a built graph or a store, or drives the whole build.
STORE_AND_ABOVE = ("store", "validate", "reason", "queries", "export", "network", "site", "serve",
                   "trace", "pipeline", "cache", "docs", "cli")

# stage → the hmic_graph modules it must not import (a name covers its submodules).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "model": ("ingest", "layouts", "extract", "link", "rdf", *STORE_AND_ABOVE),
    "vocab": ("ingest", "layouts", "extract", "link", "rdf", *STORE_AND_ABOVE),
    "ingest": ("layouts", "extract", "link", "rdf", *STORE_AND_ABOVE),
    "layouts": ("extract", "link", "rdf", *STORE_AND_ABOVE),
    "extract": ("link", "rdf", *STORE_AND_ABOVE),
    "link": ("rdf", *STORE_AND_ABOVE),
    "rdf": STORE_AND_ABOVE,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, is_package: bool = False) -> set[str]:
    """Absolute names of the hmic_graph modules a module's source imports, relative imports
    resolved; ``from . import x`` counts as importing ``package.x``."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "hmic_graph" or name.startswith("hmic_graph.")}


def package_imports() -> dict[str, set[str]]:
    return {module_name(p): imported_modules(p.read_text(encoding="utf-8"), module_name(p),
                                             p.name == "__init__.py")
            for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def _within(name: str, top: str) -> bool:
    full = f"hmic_graph.{top}"
    return name == full or name.startswith(full + ".")


def violations(imports: dict[str, set[str]]) -> list[str]:
    found = []
    for module, targets in sorted(imports.items()):
        for stage, forbidden in FORBIDDEN.items():
            if not _within(module, stage):
                continue
            found += [f"{module} imports {t}" for t in sorted(targets) for f in forbidden if _within(t, f)]
        if not _within(module, "cli"):
            found += [f"{module} imports {t} (only the CLI sits on top)" for t in sorted(targets)
                      if _within(t, "cli")]
    return found


def test_every_stage_imports_only_what_comes_before_it():
    imports = package_imports()
    assert "hmic_graph.extract.hmic2007" in imports and "hmic_graph.rdf.report" in imports
    assert violations(imports) == []


@pytest.mark.parametrize("module, source, is_package, bad", [
    ("hmic_graph.extract.findings", "from ..rdf import report_graph", False, "hmic_graph.rdf"),
    ("hmic_graph.extract.findings", "def f():\n    from hmic_graph.store import select", False,
     "hmic_graph.store"),
    ("hmic_graph.rdf.report", "from .. import store", False, "hmic_graph.store"),
    ("hmic_graph.rdf", "from . import report\nfrom ..queries import run_named", True, "hmic_graph.queries"),
    ("hmic_graph.export", "import hmic_graph.cli", False, "hmic_graph.cli"),
])
def test_a_forbidden_import_is_found_however_it_is_written(module, source, is_package, bad):
    found = violations({module: imported_modules(source, module, is_package)})
    assert found and all(bad in line for line in found)


def test_imports_in_the_right_direction_are_allowed():
    assert violations({"hmic_graph.rdf.report": imported_modules(
        "from ..model import Report\nfrom .. import vocab\nfrom ..link.followup import x", "hmic_graph.rdf.report")}) == []
    assert violations({"hmic_graph.cli": imported_modules("from .store import open_store", "hmic_graph.cli")}) == []
    # 'storefront' is not 'store': names match whole module paths only
    assert violations({"hmic_graph.rdf": {"hmic_graph.storefront"}}) == []
