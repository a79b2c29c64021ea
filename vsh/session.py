"""A session: the connection, printer and working state that outlive single commands.

It runs parsed commands the way virsh does: convert option values, check exclusive and
required-together options, call the body, report failures as `error:` lines, and print
the blank line (or the timing) that follows every command.
"""
from __future__ import annotations

import os
import time
from typing import Any, Callable

from vsh import grammar
from vsh.connection import Connection, default_uri
from vsh.errors import Quit, VshError, from_libvirt
from vsh.lookup import Lookup
from vsh.output import Printer
from vsh.spec import BOOL
from vsh.values import convert

class Session:
    """What a command body receives as `ctx`."""

    def __init__(self, printer: Printer, uri: str | None = None, readonly: bool = False,
                 timing: bool = False, escape: str = "^]", keepalive: tuple[int, int] = (5, 6),
                 keepalive_forced: bool = False, debug: int = -1, interactive: bool = False) -> None:
        self.out = printer
        self.timing = timing
        self.escape = escape
        self.debug = debug
        self.interactive = interactive
        self.connection = Connection(default_uri(uri), readonly, keepalive, keepalive_forced,
                                     report=lambda msg: self.out.error([msg], {"error": {"message": msg}}))
        self.lookup = Lookup(self.get_conn)
        self.last_ok = True
        self.spec: Any = None  # the command running now
        self.log: Callable[[str, str], None] | None = None

    # state used by command bodies --------------------------------------------------------
    @property
    def conn(self) -> Any:
        return self.get_conn()

    def get_conn(self) -> Any:
        return self.connection.get()

    @property
    def readonly(self) -> bool:
        return self.connection.readonly

    @staticmethod
    def flags(**pairs: Any) -> int:
        """OR together the libvirt flags whose options are true: flags(live=(True, FLAG))."""
        value = 0
        for given, flag in pairs.values():
            if given:
                value |= flag
        return value

    # running -----------------------------------------------------------------------------
    def run_line(self, line: str) -> bool:
        """Parse a whole command string, then run each command; the last status wins."""
        from vsh.lexer import split_words

        try:
            invocations = grammar.parse_all(split_words(line))
        except VshError as err:
            self.report(err)
            return False
        return self.run_all(invocations)

    def run_argv(self, words: list[str]) -> bool:
        """One command given as separate words: no ';' splitting, no quote processing."""
        try:
            invocation = grammar.parse(words)
        except VshError as err:
            self.report(err)
            return False
        return self.run_all([invocation])

    def run_all(self, invocations: list[grammar.Invocation]) -> bool:
        for inv in invocations:
            for note in inv.notes:
                self.report(VshError(note))
        ok = True
        for inv in invocations:
            try:
                ok = self.run(inv)
            except Quit:
                ok = True
                raise
        return ok

    def run(self, inv: grammar.Invocation) -> bool:
        """Run one parsed command; report its failure; print what follows every command."""
        spec = self.spec = inv.spec
        if self.log:
            self.log("INFO", "command " + " ".join(inv.words))
        start = time.monotonic()
        ok = True
        try:
            kwargs = self._values(inv)
            if spec.connect:
                self.get_conn()
            spec.func(self, **kwargs)  # type: ignore[misc]
        except Quit:
            raise
        except VshError as err:
            ok = False
            self.report(err)
        except KeyboardInterrupt:
            ok = False
            self.report(VshError("interrupted"))
        except Exception as err:  # noqa: BLE001 - libvirt and OS errors become error lines
            ok = False
            self.report(self._wrap(err))
        if self.timing:
            # virsh prints the timing even under -q; under --json it goes to stderr.
            text = f"\n(Time: {(time.monotonic() - start) * 1000:.3f} ms)\n\n"
            (self.out.err if self.out.json else self.out.out).write(text)
        elif not self.out.json:
            self.out.extra("")
        self.out.flush()
        self.last_ok = ok
        return ok

    def _values(self, inv: grammar.Invocation) -> dict[str, Any]:
        spec = inv.spec
        for group in spec.exclusive:
            given = [n for n in group if inv.given(n)]
            if len(given) > 1:
                raise VshError(f"Options --{given[0]} and --{given[1]} are mutually exclusive")
        for opt_name, needed in spec.requires:
            if inv.given(opt_name) and not inv.given(needed):
                raise VshError(f"Option --{needed} is required by option --{opt_name}")
        kwargs: dict[str, Any] = {}
        for opt in spec.visible_opts:
            raw = inv.values.get(opt.name)
            if opt.late:
                kwargs[opt.param] = raw
                continue
            kwargs[opt.param] = convert(opt, raw) if raw is not None or opt.type == BOOL else (
                [] if opt.type == "argv" else None)
        return kwargs

    def late(self, name: str, raw: Any) -> Any:
        """Convert a `late` option of the running command where virsh reads it (after a lookup)."""
        opt = self.spec.option(name) if self.spec is not None else None
        assert opt is not None, name
        return convert(opt, raw) if raw is not None else None

    def _wrap(self, err: Exception) -> VshError:
        import sys

        libvirt = sys.modules.get("libvirt")
        if libvirt is not None and isinstance(err, libvirt.libvirtError):
            # A lost connection is noticed by the close callback alone: virsh's own check after
            # a failed command sets a flag its reconnect logic never reads.
            return from_libvirt(err)
        if isinstance(err, OSError):
            return VshError(f"{err.strerror or err}" + (f": {err.filename}" if err.filename else ""))
        return VshError(f"{type(err).__name__}: {err}")

    def report(self, err: VshError) -> None:
        if not err.lines():
            # Some virsh failures are silent (ttyconsole without a tty, an empty --xpath); text
            # mode stays silent, while JSON readers still get an error object.
            if self.out.json:
                self.out.error([], {"error": {"message": "failed (virsh reports no reason)"}})
            return
        if self.log:
            for line in err.lines():
                self.log("ERROR", line)
        self.out.report(err)

    def close(self) -> None:
        self.connection.close()

    # files -------------------------------------------------------------------------------
    def read_file(self, path: str, limit: int = 10 * 1024 * 1024, stdin_dash: bool = False) -> str:
        """A file's text as virsh reads XML files (virFileReadAll): over `limit` bytes is refused.

        `-` is a file named `-`, as in virsh, unless `stdin_dash` asks for stdin.
        A directory opens but fails to read, as with open(2) and read(2).
        """
        import sys

        if path == "-" and stdin_dash:
            return sys.stdin.read()
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError as err:
            raise VshError(f"Failed to open file '{path}': {err.strerror}") from None
        chunks: list[bytes] = []
        size = 0
        try:
            while size <= limit:
                chunk = os.read(fd, min(65536, limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        except OSError as err:
            raise VshError(f"Failed to read file '{path}': {err.strerror}") from None
        finally:
            os.close(fd)
        if size > limit:
            raise VshError(f"Failed to read file '{path}': {os.strerror(75)}")
        return b"".join(chunks).decode("utf-8", "surrogateescape")
