"""Process pools whose workers end with the process that started them.

A pool's workers wait on a pipe that their siblings hold open too: when the parent is killed
(SIGKILL, or a SIGTERM that ends it before its pool shuts down) they never see it close and
stay behind for ever, holding the pipes of whoever started the build. Each worker watches
its parent instead and exits when it is gone.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
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
