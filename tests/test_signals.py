"""A build stopped by a signal: 'kill PID' (SIGTERM) stops it as Ctrl-C does, and when the
build is killed outright (SIGKILL) its worker processes do not outlive it."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthetic reports (bench/generate.py): enough work to be stopped half way."""
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_generate", generate)  # its dataclasses look their module up
    spec.loader.exec_module(generate)
    out = tmp_path_factory.mktemp("corpus")
    generate.generate(40, out)
    return out


def _children(pid: int) -> set[int]:
    try:
        found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except FileNotFoundError:
        pytest.skip("pgrep is not installed")
    return {int(p) for p in found.split()}


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def _build_with_workers(corpus: Path, out: Path) -> tuple[subprocess.Popen, set[int]]:
    proc = subprocess.Popen([sys.executable, "-m", "hmic_graph.cli", "build", str(corpus), "--out", str(out),
                             "--no-validate", "--from-scratch"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        workers = _children(proc.pid)
        if len(workers) >= 2 or proc.poll() is not None:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the build ended before its workers were seen: " + proc.stderr.read()
    time.sleep(0.5)  # well into the work
    return proc, workers


def _wait_gone(pids: set[int], seconds: float) -> set[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(map(_alive, pids)):
        time.sleep(0.1)
    return {p for p in pids if _alive(p)}


def test_sigterm_stops_a_build_as_ctrl_c_does(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc, workers = _build_with_workers(corpus, out)
    proc.send_signal(signal.SIGTERM)
    try:
        # communicate, not wait and read: workers left behind would hold stderr open for ever
        _, stderr = proc.communicate(timeout=60)
    finally:
        for pid in [proc.pid, *workers]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    assert proc.returncode == 143, stderr
    assert stderr.strip().splitlines()[-1] == f"{out}: terminated; nothing half-written was left"
    assert "Traceback" not in stderr
    assert _wait_gone(workers, 10) == set()
    left = sorted(p.name for p in out.iterdir()) if out.exists() else []
    assert [name for name in left if name.startswith(".") and name not in (".cache", ".build.lock")] == []
    assert "graph.ttl" not in left and "store" not in left  # a first build: nothing was put in place


def test_workers_end_when_the_build_is_killed_outright(corpus: Path, tmp_path: Path) -> None:
    """SIGKILL gives the build no chance to stop its pool: the workers, waiting on a pipe their
    siblings also hold, stayed for ever; they now watch their parent and exit."""
    proc, workers = _build_with_workers(corpus, tmp_path / "out")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    try:
        assert _wait_gone(workers, 10) == set()
    finally:
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
