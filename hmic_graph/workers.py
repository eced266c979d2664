"""How long-running work stops: process pools whose workers end with the process that
started them, and SIGTERM ('kill PID') turned into an interruption like Ctrl-C's.

A pool's workers wait on a pipe that their siblings hold open too: when the parent is killed
(SIGKILL, or a SIGTERM that ends it before its pool shuts down) they never see it close and
stay behind for ever, holding the pipes of whoever started the build. Each worker watches
its parent instead and exits when it is gone.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing.context import BaseContext

PARENT_CHECK_SECONDS = 0.5


def worker_pool(max_workers: int, mp_context: BaseContext | None = None) -> ProcessPoolExecutor:
    """A ProcessPoolExecutor whose workers exit when this process has gone."""
    return ProcessPoolExecutor(max_workers=max_workers, mp_context=mp_context,
                               initializer=_exit_with_parent, initargs=(os.getpid(),))


def _exit_with_parent(parent: int) -> None:
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)  # orphaned: nobody will read what this worker makes

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: a KeyboardInterrupt, so what cleans up after Ctrl-C cleans up after it."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Within the block, SIGTERM raises Terminated (by default it ends Python at once, and no
    finally block runs: temporary files and child processes stayed behind)."""
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
