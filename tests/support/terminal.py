"""A child's screen as a terminal shows it (pyte), for tests of full-screen views through a pseudo-terminal.

pexpect and pyte are test dependencies; a test module that uses this calls
`pytest.importorskip` for both first.
"""
from __future__ import annotations

import re
import time
from typing import Any


class Term:
    """The child's screen, whatever escape codes curses chose to draw it."""

    def __init__(self, child: Any, rows: int = 30, cols: int = 160) -> None:
        import pyte

        self.child = child
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.Stream(self.screen)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def wait_for(self, pattern: str, timeout: float = 15) -> str:
        """Feed output to the screen until `pattern` (a regular expression) is on it."""
        import pexpect

        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.text()):
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} not on the screen:\n{self.text()}")
            try:
                self.stream.feed(self.child.read_nonblocking(65536, timeout=0.2))
            except pexpect.TIMEOUT:
                pass
        return self.text()

    def resize(self, rows: int, cols: int) -> None:
        self.screen.resize(rows, cols)
        self.child.setwinsize(rows, cols)
