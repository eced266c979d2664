"""Bad inputs end in one readable line (HmicError), never a traceback or a half-written file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hmic_graph.extract import extract_report
from hmic_graph.ingest import DEFAULT_MAX_BYTES, read_document
from hmic_graph.ingest.text import document_from_bytes
from hmic_graph.model import HmicError
from hmic_graph.resources import SAMPLE_REPORTS_DIR

sys.path.insert(0, str(Path(__file__).parent))
from pdf_render import render_report_pdf  # noqa: E402

ESSEX_2007 = SAMPLE_REPORTS_DIR / "000_88c9294f686cd83b.txt"


def problem_of(path: Path, **kw) -> str:
    with pytest.raises(HmicError) as info:
        read_document(path, **kw)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(info.value.source))
    return info.value.problem


def test_missing_file(tmp_path: Path) -> None:
    assert problem_of(tmp_path / "nowhere.txt") == "no such file"
    assert problem_of(tmp_path / "nowhere.pdf") == "no such file"


def test_a_broken_or_looping_link_among_the_inputs_is_not_called_missing(tmp_path: Path) -> None:
    from hmic_graph.pipeline import expand_inputs

    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    (tmp_path / "broken.txt").symlink_to(tmp_path / "gone.txt")
    files, problems = expand_inputs([tmp_path / "loop.txt", tmp_path / "broken.txt", tmp_path / "none.txt"])
    assert files == []
    assert [(Path(o.source).name, o.problem) for o in problems] == [
        ("loop.txt", "a symbolic link to nothing (broken or looping)"),
        ("broken.txt", "a symbolic link to nothing (broken or looping)"),
        ("none.txt", "no such file")]


def test_directory_is_not_a_report(tmp_path: Path) -> None:
    assert "directory" in problem_of(tmp_path)


def test_a_device_or_socket_is_refused_not_read(tmp_path: Path) -> None:
    """Only regular files are reports (/dev/zero or a named pipe would be read forever; here
    devices and sockets that a regression would read or fail on at once; pipes and /dev/zero
    through the command line below, under a timeout)."""
    import socket

    from hmic_graph.cache import file_sha256

    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(tmp_path / "socket.txt"))
        for path in (Path("/dev/null"), tmp_path / "socket.txt"):
            assert problem_of(path) == "not a regular file (a device, pipe or socket), not a report file"
            with pytest.raises(HmicError, match="not a regular file"):
                file_sha256(path, DEFAULT_MAX_BYTES)


def test_empty_and_blank_files(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b" \n\n\t\n")
    assert problem_of(tmp_path / "empty.txt") == "empty file"
    assert problem_of(tmp_path / "blank.txt") == "empty file"


def test_binary_file(tmp_path: Path) -> None:
    (tmp_path / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert "binary" in problem_of(tmp_path / "photo.txt")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_report_saved_as_utf16_is_read_like_its_utf8(tmp_path: Path, encoding: str) -> None:
    """With or without a byte-order mark; its zero bytes made it 'binary'."""
    text = ESSEX_2007.read_text(encoding="utf-8")
    (tmp_path / "essex.txt").write_bytes(text.encode(encoding))
    from_utf16 = extract_report(read_document(tmp_path / "essex.txt"))
    from_utf8 = extract_report(read_document(ESSEX_2007))
    assert [f.text for f in from_utf16.findings] == [f.text for f in from_utf8.findings]
    assert from_utf16.info.report_id == "essex-police-2007-10"


def test_nul_bytes_anywhere_make_a_file_binary(tmp_path: Path) -> None:
    """Only the first 4 kB were looked at: NULs deep inside reached the graph as \\u0000."""
    data = ESSEX_2007.read_bytes()
    (tmp_path / "nul.txt").write_bytes(data[:50_000] + b"\x00\x00\x00" + data[50_000:])
    assert problem_of(tmp_path / "nul.txt") == "binary file, not text (contains NUL bytes)"


def test_an_unreadable_directory_among_the_inputs_is_reported_not_skipped(tmp_path: Path, monkeypatch) -> None:
    """rglob passed over a directory it could not list without a word (exit 0, its reports
    silently missing). (Root lists any directory: the refusal is simulated.)"""
    from hmic_graph.pipeline import expand_inputs

    (tmp_path / "in" / "locked").mkdir(parents=True)
    (tmp_path / "in" / "a.txt").write_text("report a")
    (tmp_path / "in" / "locked" / "b.txt").write_text("report b")
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(path) == tmp_path / "in" / "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    files, problems = expand_inputs([tmp_path / "in"])
    assert files == [tmp_path / "in" / "a.txt"]
    assert [(o.source, o.problem) for o in problems] == [
        (str(tmp_path / "in" / "locked"), "cannot read this directory (Permission denied)")]
    _, only_locked = expand_inputs([tmp_path / "in" / "locked"])
    assert [o.problem for o in only_locked] == ["cannot read this directory (Permission denied)"]


def test_corrupt_pdf(tmp_path: Path) -> None:
    (tmp_path / "junk.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(4000))
    assert "corrupt or unreadable PDF" in problem_of(tmp_path / "junk.pdf")


def test_truncated_pdf_is_an_error_or_a_document(tmp_path: Path) -> None:
    whole = render_report_pdf(ESSEX_2007.read_text(encoding="utf-8"), tmp_path / "whole.pdf",
                              "Essex Police – HMIC Inspection Report", "October 2007", max_lines=120)
    data = whole.read_bytes()
    for cut in (len(data) // 3, len(data) // 2, len(data) - 200):
        part = tmp_path / f"cut{cut}.pdf"
        part.write_bytes(data[:cut])
        try:
            doc = read_document(part)
        except HmicError as exc:
            assert "PDF" in exc.problem
        else:  # pdfminer rebuilt the cross-reference table: what it read is kept with pages
            assert all(ln.page for ln in doc.lines)


def test_encrypted_pdf(tmp_path: Path) -> None:
    render_report_pdf("HMIC Inspection Report\n\nEssex Police\n", tmp_path / "locked.pdf",
                      "header", "footer", encrypt_password="secret")
    assert "encrypted" in problem_of(tmp_path / "locked.pdf")


def _pdf_with_page_contents(path: Path, contents: list[bytes]) -> Path:
    """A minimal PDF whose pages' content streams are ``contents``, deflated."""
    import zlib

    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(len(contents)))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(contents)} >>".encode())
    for i, content in enumerate(contents):
        packed = zlib.compress(content, 9)
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {4 + 2 * i} 0 R >>".encode())
        objects.append(f"<< /Length {len(packed)} /Filter /FlateDecode >>\nstream\n".encode() + packed
                       + b"\nendstream")
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


def test_a_pdf_that_unpacks_to_far_more_than_a_report_is_refused_at_once(tmp_path: Path) -> None:
    """A 20 kB file can hold 20 MB of drawing instructions, which pdfminer lays out for half
    a minute and 600 MB: refused by their size, counted as they unpack."""
    from hmic_graph.ingest.pdf import MAX_PAGE_CONTENT

    text = b"BT /F1 10 Tf 72 720 Td (Essex Police) Tj ET\n"
    bomb = _pdf_with_page_contents(tmp_path / "bomb.pdf", [text, b"0 0 m\n" * (MAX_PAGE_CONTENT // 6 + 1)])
    assert bomb.stat().st_size < 100_000
    assert problem_of(bomb) == "PDF page 2 unpacks to over 8 MB of drawing instructions: not a page of a report"
    many = _pdf_with_page_contents(tmp_path / "many.pdf", [b"0 0 m\n" * 200_000] * 6)  # 1.2 MB a page
    assert problem_of(many, max_bytes=5 * 2**20) == (
        "PDF pages unpack to over 5 MB of drawing instructions (--max-size)")


def test_pdf_without_text(tmp_path: Path) -> None:
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(tmp_path / "scan.pdf"))
    canvas.rect(100, 100, 300, 500, fill=1)  # a 'scanned page': drawing, no text
    canvas.showPage()
    canvas.save()
    assert "no extractable text" in problem_of(tmp_path / "scan.pdf")


@pytest.mark.parametrize("suffix,head", [(".txt", b"HMIC"), (".pdf", b"%PDF-1.7\n")])
def test_oversized_file_is_refused_with_its_size(tmp_path: Path, suffix: str, head: bytes) -> None:
    big = tmp_path / f"huge{suffix}"
    with big.open("wb") as fh:  # sparse: 200 MB on paper, nothing on disk
        fh.write(head)
        fh.truncate(200 * 1024 * 1024)
    problem = problem_of(big)
    assert "200 MB" in problem and "50 MB limit" in problem and "--max-size" in problem
    assert DEFAULT_MAX_BYTES == 50 * 1024 * 1024


def test_size_limit_is_configurable(tmp_path: Path) -> None:
    assert "limit" in problem_of(ESSEX_2007, max_bytes=10_000)
    assert read_document(ESSEX_2007, max_bytes=10_000_000).lines


def test_text_that_is_not_a_report(tmp_path: Path) -> None:
    doc = document_from_bytes(b"Minutes of the parish council\n\nItem 1: potholes.\n" * 20, "minutes.txt")
    with pytest.raises(HmicError, match="not a recognised HMIC report layout"):
        extract_report(doc)


def _with_unknown_force(text: str) -> str:
    return text.replace("Essex Police", "Atlantis Constabulary").replace("Essex", "Atlantis")


def test_report_whose_force_cannot_be_found() -> None:
    text = ESSEX_2007.read_text(encoding="utf-8")
    # No force of the gazetteer named anywhere: the one the report is about is unknown.
    text = _with_unknown_force(text).replace("Kent Police", "a neighbour").replace("Kent", "a neighbour")
    with pytest.raises(HmicError, match="police force"):
        extract_report(document_from_bytes(text.encode("utf-8"), "atlantis.txt"))


def test_unknown_force_is_not_replaced_by_a_neighbour_it_mentions() -> None:
    text = _with_unknown_force(ESSEX_2007.read_text(encoding="utf-8"))  # still mentions Kent Police
    with pytest.raises(HmicError, match="police force"):
        extract_report(document_from_bytes(text.encode("utf-8"), "atlantis.txt"))


# --- through the command line: one line on stderr, a non-zero exit, nothing half-written ----

def run_cli(*args: str) -> subprocess.CompletedProcess:
    # A timeout: a regression that reads a pipe or device would otherwise hang the suite.
    return subprocess.run([sys.executable, "-m", "hmic_graph.cli", *args], capture_output=True, text=True,
                          timeout=300)


def assert_one_line_failure(proc: subprocess.CompletedProcess, expected: str) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert expected in proc.stderr
    assert any(expected in line for line in proc.stderr.splitlines())


def test_cli_build_of_missing_file_and_empty_directory(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert_one_line_failure(run_cli("build", str(tmp_path / "nowhere.txt"), "--out", str(out), "--no-validate"),
                            "no such file")
    empty = tmp_path / "empty-dir"
    empty.mkdir()
    assert_one_line_failure(run_cli("build", str(empty), "--out", str(out), "--no-validate"),
                            "no .txt or .pdf report files")
    assert not (out / "graph.ttl").exists()


def test_cli_build_refuses_an_oversized_file_with_the_configured_limit(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_cli("build", str(ESSEX_2007), "--out", str(out), "--no-validate", "--max-size", "0.05")
    assert_one_line_failure(proc, "MB, over the 0.05 MB limit (--max-size)")
    assert not (out / "graph.ttl").exists()


def test_cli_build_of_bad_files_among_good_ones_builds_the_good_ones(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "empty.txt").write_bytes(b"")
    (inputs / "junk.pdf").write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 100)
    (inputs / "essex.txt").write_bytes(ESSEX_2007.read_bytes())
    os.mkfifo(tmp_path / "pipe.txt")  # named as an input (a directory's walk takes regular files only)
    out = tmp_path / "out"
    proc = run_cli("build", str(inputs), "/dev/zero", str(tmp_path / "pipe.txt"), "--out", str(out), "--no-validate")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "/dev/zero: not a regular file" in proc.stderr and "pipe.txt: not a regular file" in proc.stderr
    assert "empty.txt: empty file" in proc.stderr
    assert "junk.pdf: corrupt or unreadable PDF" in proc.stderr
    assert (out / "graph.ttl").exists() and "essex-police-2007-10" in (out / "graph.ttl").read_text()


def test_the_size_refusal_shows_the_file_over_the_limit() -> None:
    """'file is 0.12 MB, over the 0.12 MB limit' said nothing: enough digits to tell them apart."""
    from hmic_graph.ingest.text import size_problem

    assert size_problem(60 * 2**20, 50 * 2**20) == "file is 60 MB, over the 50 MB limit (--max-size)"
    assert size_problem(125_900, 125_829) == "file is 0.1201 MB, over the 0.12 MB limit (--max-size)"
    assert size_problem(2**20 + 1, 2**20) == "file is 1,048,577 bytes, over the limit of 1,048,576 bytes (--max-size)"
