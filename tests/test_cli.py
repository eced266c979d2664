"""The command line through typer's CliRunner: build and extract, errors as one line."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hmic_graph.cli import app
from hmic_graph.resources import SAMPLE_REPORTS_DIR

from test_build import fake_extract, use_fake_extractor, write_inputs

runner = CliRunner()


@pytest.fixture
def fake_extractor(monkeypatch):
    use_fake_extractor(monkeypatch)


def test_build_writes_graph_and_store(tmp_path, fake_extractor):
    inputs = write_inputs(tmp_path / "in")
    result = runner.invoke(app, ["build", str(inputs), "--out", str(tmp_path / "out"), "--no-validate"])
    assert result.exit_code == 0, result.output
    assert "essex-police-2007-10" in result.stdout
    assert (tmp_path / "out" / "graph.ttl").is_file()
    assert (tmp_path / "out" / "store").is_dir()


def test_build_with_a_bad_file_exits_non_zero_with_one_line(tmp_path, fake_extractor):
    inputs = write_inputs(tmp_path / "in")
    (inputs / "c_bad.txt").write_text("garbage\n")
    result = runner.invoke(app, ["build", str(inputs), "--out", str(tmp_path / "out"), "--no-validate"])
    assert result.exit_code == 1
    assert f"{inputs / 'c_bad.txt'}: not a recognised HMIC report layout" in result.stderr
    assert "Traceback" not in result.output
    assert "kent-police-2007-10" in result.stdout  # the good ones were still built


def test_build_of_nothing_fails(tmp_path):
    result = runner.invoke(app, ["build", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "nope.txt: no such file" in result.stderr


def test_extract_json_and_table(tmp_path, monkeypatch):
    monkeypatch.setattr("hmic_graph.extract.extract_report", fake_extract)
    inputs = write_inputs(tmp_path / "in")
    result = runner.invoke(app, ["extract", str(inputs / "b_kent.txt"), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["report_id"] == "kent-police-2007-10"
    assert data["findings"][0]["number"] == 1
    assert "lines" not in data["document"] or isinstance(data["document"]["lines"], int)
    table = runner.invoke(app, ["extract", str(inputs / "b_kent.txt")])
    assert table.exit_code == 0
    assert "Child abuse" in table.stdout and "Findings" in table.stdout


def test_extract_shows_force_contacts_personal_data_only_when_asked():
    """Like the graph: a contact's role always, its name, phone and e-mail with --include-contacts."""
    from hmic_graph.resources import SAMPLE_REPORTS_DIR

    personal = 0
    for sample in sorted(SAMPLE_REPORTS_DIR.glob("*.txt")):
        asked = runner.invoke(app, ["extract", str(sample), "-f", "json", "--include-contacts"])
        plain = runner.invoke(app, ["extract", str(sample), "-f", "json"])
        assert asked.exit_code == plain.exit_code == 0, asked.output + plain.output
        contacts = [c for p in json.loads(asked.stdout)["practices"] for c in p["contacts"]]
        kept = [c for p in json.loads(plain.stdout)["practices"] for c in p["contacts"]]
        assert [c["role"] for c in kept] == [c["role"] for c in contacts]
        assert all(c["name"] is c["phone"] is c["email"] is None for c in kept)
        for value in (v for c in contacts for v in (c["name"], c["phone"], c["email"]) if v):
            assert value not in plain.stdout
            personal += 1
    assert personal > 5  # the samples print several contacts' names and numbers


def test_extract_bad_file_is_one_line(tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_text("")
    result = runner.invoke(app, ["extract", str(bad)])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"{bad}: empty file"


def test_build_that_does_not_conform_exits_non_zero_with_the_reason(tmp_path, monkeypatch):
    def off_scale(doc):
        report = fake_extract(doc)
        report.judgements[0].grade = "Requires improvement"  # a PEEL grade in a 2007 report
        return report

    monkeypatch.setattr("hmic_graph.extract.extract_report", off_scale)
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "kent.txt").write_text("kent\n" + "line\n" * 60)
    result = runner.invoke(app, ["build", str(inputs), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    assert "does not conform to the SHACL shapes" in result.stderr
    assert "Requires improvement" in result.stderr or "grade" in result.stderr.lower()
    assert (tmp_path / "out" / "validation.txt").is_file()


@pytest.mark.parametrize("args", [
    ["build", "--out", "{file}", "--no-validate"],
    ["export", "-f", "ttl", "-o", "{file}/graph.ttl", "-b", "{build}"],
    ["export", "-f", "csv", "-o", "{file}", "-b", "{build}"],
    ["validate", "{build}/graph.ttl", "--out", "{file}/checked"],
    ["network", "-o", "{file}/network", "-b", "{build}"],
    ["site", "-o", "{file}/site", "-b", "{build}"],
], ids=["build", "export-ttl", "export-csv", "validate", "network", "site"])
def test_an_output_path_under_a_file_is_one_line(tmp_path, sample_build_dir, args):
    """The system's refusals (here: a directory wanted where a file is) end in one line naming
    the path, like the errors the modules check for, not in a traceback."""
    file = tmp_path / "taken"
    file.write_text("not a directory\n")
    result = runner.invoke(app, [a.format(file=file, build=sample_build_dir) for a in args])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == f"{file}: is a file, not a directory"
    assert file.read_text() == "not a directory\n"


@pytest.mark.parametrize("option", ["--output", "--out", "-o"])
def test_an_export_onto_a_directory_is_one_line_naming_it(tmp_path, sample_build_dir, option):
    """Refused before the file is written (the rename after it named the temporary file),
    with the option spelt as the other output commands spell it too (--out)."""
    target = tmp_path / "exports"
    target.mkdir()
    result = runner.invoke(app, ["export", "-f", "ttl", option, str(target), "-b", str(sample_build_dir)])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == f"{target}: is a directory, not a file"
    assert list(target.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["exports"]


def test_an_unwritable_output_names_the_file_asked_for(tmp_path, sample_build_dir, monkeypatch):
    """atomic_file writes a temporary file beside the output: when the system refuses it, the
    one line names the output asked for, not the temporary name."""
    import tempfile

    def refused(prefix, suffix, dir):
        raise PermissionError(13, "Permission denied", str(Path(dir) / f"{prefix}x1y2{suffix}"))

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    target = tmp_path / "graph.nt"
    result = runner.invoke(app, ["export", "-f", "nt", "-o", str(target), "-b", str(sample_build_dir)])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == f"{target}: Permission denied"


def test_an_interrupted_build_says_what_it_left(tmp_path, monkeypatch):
    import hmic_graph.pipeline as pipeline

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "build", interrupted)
    result = runner.invoke(app, ["build", "--out", str(tmp_path / "out"), "--no-validate"])
    assert result.exit_code == 130
    assert result.stderr.strip() == f"{tmp_path / 'out'}: interrupted; nothing half-written was left"


@pytest.mark.parametrize("fmt", ["nt", "ttl"])
def test_export_to_standard_output_gives_the_file_s_bytes_alone(tmp_path, sample_build_dir, fmt, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where a file named '-' would land
    to_file = runner.invoke(app, ["export", "-f", fmt, "-o", str(tmp_path / f"graph.{fmt}"), "-b", str(sample_build_dir)])
    to_stdout = runner.invoke(app, ["export", "-f", fmt, "-o", "-", "-b", str(sample_build_dir)])
    assert to_file.exit_code == 0 and to_stdout.exit_code == 0, to_stdout.output
    assert to_stdout.stdout_bytes == (tmp_path / f"graph.{fmt}").read_bytes()
    assert not (tmp_path / "-").exists()


def test_csv_export_to_standard_output_is_refused_in_one_line(sample_build_dir):
    result = runner.invoke(app, ["export", "-f", "csv", "-o", "-", "-b", str(sample_build_dir)])
    assert result.exit_code == 1
    assert result.stderr.strip() == "-: csv export writes several tables: give a directory, not standard output"


def test_output_piped_into_a_reader_that_stops_ends_quietly(sample_build_dir):
    """`hmic-graph export -o - | head`: the broken pipe ends the command with 141 (the
    shell's code for SIGPIPE) and no message or traceback."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "hmic_graph.cli", "export", "-f", "nt", "-o", "-",
                             "-b", str(sample_build_dir)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline().startswith(b"<")
    proc.stdout.close()  # the reader stops; the samples' export is far larger than a pipe's buffer
    assert proc.wait(timeout=120) == 141
    assert proc.stderr.read() == b""


def test_query_parameters_without_a_query_name_are_refused(sample_build_dir):
    """They listed the queries with exit 0, as if the parameters had been used."""
    result = runner.invoke(app, ["query", "--param", "force=essex-police", "-b", str(sample_build_dir)])
    assert result.exit_code == 2
    assert result.stderr.strip() == "--param needs a query name: hmic-graph query NAME --param ... (names: --list)"
    listed = runner.invoke(app, ["query", "-b", str(sample_build_dir)])
    assert listed.exit_code == 0 and "followup" in listed.stdout


@pytest.mark.parametrize("args", [
    ["export", "-f", "xml", "-o", "{tmp}/x.xml"],
    ["query", "grades-matrix", "-f", "xml"],
    ["trace", "essex-police", "-f", "xml"],
])
def test_an_unknown_format_is_a_usage_error_for_every_command(tmp_path, sample_build_dir, args):
    result = runner.invoke(app, [a.format(tmp=tmp_path) for a in args] + ["-b", str(sample_build_dir)])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().startswith("--format: expected ") and result.stderr.strip().endswith("not 'xml'")
    assert list(tmp_path.iterdir()) == []


def test_an_unreadable_report_among_good_ones_is_one_line_and_the_others_build(tmp_path, monkeypatch):
    """The argument parser checked readability itself (os.access): one unreadable report made
    the whole build a usage error, exit 2, nothing built. Now the build reads each file and
    reports the one it cannot read. (Root reads any file: the refusal is simulated.)"""
    import builtins
    import io

    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    shutil.copy(SAMPLE_REPORTS_DIR / "004_b58d774295a081e0.txt", good)
    shutil.copy(SAMPLE_REPORTS_DIR / "000_88c9294f686cd83b.txt", bad)
    real_access, real_open = os.access, builtins.open
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: Path(p) != bad and real_access(p, mode, **kw))

    def refusing_open(file, *args, **kwargs):
        if isinstance(file, (str, Path)) and Path(file) == bad:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refusing_open)
    monkeypatch.setattr(io, "open", refusing_open)  # Path.read_bytes opens by io.open
    result = runner.invoke(app, ["build", str(good), str(bad), "--out", str(tmp_path / "out"), "--no-validate"])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == f"{bad}: cannot read (Permission denied)"
    assert (tmp_path / "out" / "graph.ttl").exists()
    for command in (["extract", str(bad)], ["validate", str(bad)]):
        refused = runner.invoke(app, command)
        assert refused.exit_code == 1 and refused.stderr.strip() == f"{bad}: cannot read (Permission denied)"
