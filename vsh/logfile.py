"""`-l FILE`: a log of the commands a session runs and the errors it reports."""
from __future__ import annotations

import os
import time
from typing import Callable


def open_log(path: str) -> Callable[[str, str], None]:
    """A function appending a timestamped line (level, text) to `path`; raises OSError."""
    fh = open(path, "a", encoding="utf-8")
    pid = os.getpid()

    def log(level: str, text: str) -> None:
        stamp = time.strftime("%Y.%m.%d %H:%M:%S")
        fh.write(f"[{stamp} vsh {pid}] {level} {text}\n")
        fh.flush()

    return log
