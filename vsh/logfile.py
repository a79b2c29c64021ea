"""`-l FILE` (or VIRSH_LOG_FILE): virsh's log of a session, its debug lines and its errors.

As virsh's vshOutputLogFile: a line per message, `[YYYY.MM.DD HH:MM:SS PROG PID] LEVEL text`.
Errors are always logged; a debug line is logged when its level reaches the debug level
(-d, VIRSH_DEBUG; ERROR when neither is given), whether or not it is also printed.
"""
from __future__ import annotations

import os
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable

LEVELS = ("DEBUG", "INFO", "NOTICE", "WARNING", "ERROR")
ERROR = 4
#: The debug level when neither -d nor VIRSH_DEBUG gives one (virsh's VSH_DEBUG_DEFAULT).
DEFAULT_LEVEL = ERROR


def open_log(path: str) -> Callable[[int, str], None]:
    """A function appending a timestamped line (level 0-4, text) to `path`; raises OSError."""
    fh = open(path, "a", encoding="utf-8", errors="surrogateescape")
    pid = os.getpid()

    def log(level: int, text: str) -> None:
        stamp = time.strftime("%Y.%m.%d %H:%M:%S")
        fh.write(f"[{stamp} vsh {pid}] {LEVELS[level]} {text}\n")
        fh.flush()

    return log
