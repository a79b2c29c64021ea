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
from vsh.output import OutputError, Printer
from vsh.schema import tabular
from vsh.spec import BOOL
from vsh.values import convert

def note_debug(debug: int, level: int, text: str, out: Printer) -> None:
    """virsh's vshDebug: shown when -d was given and `level` (0 debug .. 4 error) reaches it,
    and logged (-l) when it reaches the debug level (ERROR without -d)."""
    if 0 <= debug <= level:
        out.out.write(text + "\n")
        out.out.flush()
    if out.log is not None:
        from vsh.logfile import DEFAULT_LEVEL

        if level >= (debug if debug >= 0 else DEFAULT_LEVEL):
            out.log(level, text)


def note_parsed(debug: int, inv: grammar.Invocation, out: Printer) -> None:
    """The line virsh's parser prints at -d 0/1 for every option of a parsed command."""
    if not 0 <= debug <= 1:
        return
    for name, value in inv.values.items():
        opt = inv.spec.option(name)
        if opt is None or inv.spec.click is not None:
            continue
        for item in value if isinstance(value, list) else [value]:
            if opt.type == BOOL:
                note_debug(debug, 1, f"{inv.spec.name}: {name}(bool): (none)", out)
            else:
                note_debug(debug, 1, f"{inv.spec.name}: {name}(optdata): {item}", out)


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
        self.connection.note = self.debug_note
        self.lookup.note = lambda level, text: self.debug_note(
            level, f"{self.spec.name if self.spec is not None else ''}: {text}")
        self.last_ok = True
        # Failed commands so far (a batch fails when any did); `stop_on_error` (--on-error=stop)
        # ends a command string or batch at the first failure, also inside one line.
        self.failures = 0
        self.stop_on_error = False
        self.spec: Any = None  # the command running now
        # How one command's words become an invocation: virsh's grammar, or the Click tree
        # (vsh.tree) in the REPL and under VSH_TREE=1; both end in grammar.parse.
        self.parser: Callable[[list[str]], grammar.Invocation] = grammar.parse

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

    # -d: virsh's debug lines --------------------------------------------------------------
    def debug_note(self, level: int, text: str) -> None:
        """One of virsh's `-d LEVEL` lines; virsh writes them to stdout, as vsh does."""
        note_debug(self.debug, level, text, self.out)

    # running -----------------------------------------------------------------------------
    def run_line(self, line: str, parse: Callable[[list[str]], grammar.Invocation] | None = None) -> bool:
        """Parse a whole command string, then run each command; the last status wins.

        `parse` is how one command's words become an invocation: virsh's grammar straight
        away, or through the Click tree (vsh.tree), which ends in the same grammar.
        """
        from vsh.lexer import split_words

        try:
            invocations = [(parse or self.parser)(words) for words in split_words(line)]
        except VshError as err:
            self.failures += 1
            self.report(err)
            return False
        for inv in invocations:
            note_parsed(self.debug, inv, self.out)
        return self.run_all(invocations)

    def run_argv(self, words: list[str], parse: Callable[[list[str]], grammar.Invocation] | None = None) -> bool:
        """One command given as separate words: no ';' splitting, no quote processing."""
        try:
            invocation = (parse or self.parser)(words)
        except VshError as err:
            self.report(err)
            return False
        note_parsed(self.debug, invocation, self.out)
        return self.run_all([invocation])

    def run_all(self, invocations: list[grammar.Invocation]) -> bool:
        for inv in invocations:
            for note in inv.notes:
                self.report(VshError(note))
        ok = True
        for inv in invocations:
            try:
                if inv.context is None:
                    ok = self.run(inv)
                else:
                    # Parsed through the Click tree: dispatch through it too (it ends in self.run).
                    inv.context.find_root().obj = self
                    ok = inv.context.command.invoke(inv.context)
            except Quit:
                ok = True
                raise
            if not ok:
                self.failures += 1
                if self.stop_on_error:
                    return False
        return ok

    def run(self, inv: grammar.Invocation) -> bool:
        """Run one parsed command; report its failure; print what follows every command."""
        spec = self.spec = inv.spec
        start = time.monotonic()
        ok = True
        mode = self.out.mode
        if inv.output:
            self.out.set_mode(inv.output)  # `list --json`: this command only
        self.out.text_kept = not spec.json
        self.out.schema = spec.schema
        try:
            if self.out.mode == "csv" and spec.json and spec.schema is not None and not tabular(spec.schema):
                raise VshError(f"command '{spec.name}' prints no table; use --json for its data")
            kwargs = self._values(inv)
            if spec.connect:
                self.get_conn()
            spec.func(self, **kwargs)  # type: ignore[misc]
        except (Quit, OutputError, BrokenPipeError):
            raise  # stdout itself failed: the program reports that once and stops (vsh.cli)
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
        elif self.out.text_kept and not self.out.quiet:
            self.out.write("\n")  # a text-only command's text ends as in text mode
        self.out.text_kept = False
        self.out.flush()
        self.out.schema = None
        if self.out.mode != mode:
            self.out.set_mode(mode)
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
