"""A session: the connection, printer and working state that outlive single commands.

It runs parsed commands the way virsh does: convert option values, check exclusive and
required-together options, call the body, report failures as `error:` lines, and print
the blank line (or the timing) that follows every command.  It is the one boundary for
errors inside a command: vsh's own (VshError) and libvirt's are the command's failure,
anything else is reported as a bug (vsh.errors.Bug) and fails only that command.
"""
from __future__ import annotations

import os
import time

from vsh import binding, grammar
from vsh.config import expand_aliases
from vsh.connection import Connection, default_uri
from vsh.errors import Bug, Quit, Reported, VshError, from_libvirt, interrupted
from vsh.lookup import Lookup
from vsh.output import OutputError, Printer
from vsh.schema import tabular
from vsh.values import convert
from vsh.i18n import fmt, msg, system_error

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Protocol

    class Parsed(Protocol):
        """A parsed command: a built-in through virsh's grammar (grammar.Invocation) or a command
        of the Click tree (tree.Call).  `notes` are error lines to print before anything runs."""

        notes: list[str]

        def debug_lines(self) -> list[str]: ...

        def run(self, session: Session) -> bool: ...


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


def note_parsed(debug: int, parsed: Parsed, out: Printer) -> None:
    """The lines virsh's parser prints at -d 0/1 for every option of a parsed command."""
    if 0 <= debug <= 1:
        for line in parsed.debug_lines():
            note_debug(debug, 1, line, out)


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
        self.lookup = Lookup(self.connection.get)
        self.connection.note = self.debug_note
        self.lookup.note = self._lookup_note
        self.last_ok = True
        # Failed commands so far (a batch fails when any did); `stop_on_error` (--on-error=stop)
        # ends a command string or batch at the first failure, also inside one line.
        self.failures = 0
        self.stop_on_error = False
        self.spec: Any = None  # the built-in running now (None for a user command)
        self.name = ""  # the name of the command running now
        self.values: dict[str, Any] = {}  # its converted option values, by parameter name
        # How one command's words are parsed: virsh's grammar for built-ins; vsh.dispatch (set
        # by vsh.cli and the REPL) adds the user's commands and the Click tree.
        self.parser: Callable[[list[str]], Parsed] = grammar.parse
        # --hosts: the hosts every command that needs a connection runs on (vsh.fleet.Fleet).
        self.fleet: Any = None
        # A host's session under --hosts (set by vsh.fleet): `stop` (a threading.Event) asks its
        # command to end as Ctrl-C ends a single one; `file_suffix` (`.HOST`) ends its local files.
        self.stop: Any = None
        self.file_suffix = ""

    # state used by command bodies --------------------------------------------------------
    @property
    def conn(self) -> Any:
        return self.connection.get()

    def get_conn(self) -> Any:
        return self.connection.get()

    @property
    def readonly(self) -> bool:
        return self.connection.readonly

    def flags(self, **bits: int) -> int:
        """The libvirt flags of the running command's options that are set, OR'ed together.

        Keywords are the body's parameter names (a trailing `_` is dropped, so `async_=` stands
        for --async): ``ctx.flags(config=VIR_DOMAIN_AFFECT_CONFIG, live=VIR_DOMAIN_AFFECT_LIVE)``.
        Each reads the value the body received, so the option is named once.
        """
        value = 0
        for name, bit in bits.items():
            if self.values[name.removesuffix("_")]:
                value |= bit
        return value

    # -d: virsh's debug lines --------------------------------------------------------------
    def debug_note(self, level: int, text: str) -> None:
        """One of virsh's `-d LEVEL` lines; virsh writes them to stdout, as vsh does."""
        note_debug(self.debug, level, text, self.out)

    def _lookup_note(self, level: int, text: str) -> None:
        """A lookup's debug line, named after the running command (each lookup makes a few:
        without -d or -l nothing more is done)."""
        if self.debug >= 0 or self.out.log is not None:
            self.debug_note(level, f"{self.name}: {text}")

    # running -----------------------------------------------------------------------------
    def run_line(self, line: str, parse: Callable[[list[str]], Parsed] | None = None) -> bool:
        """Parse a whole command string, then run each command; the last status wins.

        `parse` is how one command's words are parsed (the session's parser by default).
        """
        try:
            invocations = grammar.parse_line(line, parse or self.parser, expand_aliases)
        except VshError as err:
            self.failures += 1
            self.report(err)
            return False
        for inv in invocations:
            note_parsed(self.debug, inv, self.out)
        return self.run_all(invocations)

    def run_argv(self, words: list[str], parse: Callable[[list[str]], Parsed] | None = None) -> bool:
        """One command given as separate words: no ';' splitting, no quote processing."""
        try:
            invocations = [(parse or self.parser)(cmd) for cmd in expand_aliases([words])]
        except VshError as err:
            self.report(err)
            return False
        for invocation in invocations:
            note_parsed(self.debug, invocation, self.out)
        return self.run_all(invocations)

    def run_all(self, invocations: list[Parsed]) -> bool:
        for inv in invocations:
            for note in inv.notes:
                self.report(VshError(note))
        ok = True
        for inv in invocations:
            try:
                ok = inv.run(self)
            except Quit:
                ok = True
                raise
            finally:
                binding.release()
            if not ok:
                self.failures += 1
                if self.stop_on_error:
                    return False
        return ok

    def run(self, inv: grammar.Invocation) -> bool:
        """Run one parsed built-in: convert its values, connect if it needs to, call its body."""
        spec = inv.spec
        fleet = self.fleet
        if spec.connect and fleet is not None and not fleet.whole(spec.name):
            return bool(fleet.run(inv))  # on every host at once, output merged
        func = spec.func
        assert func is not None, spec.name

        def body() -> None:
            kwargs = self.values = self._values(inv)
            if spec.connect and fleet is None:  # (a command taking the hosts as a whole opens them itself)
                self.connection.get()
            func(self, **kwargs)

        return self.run_body(spec, spec.name, spec.json, body, inv.output)

    def run_body(self, spec: Any, name: str, json: bool, body: Callable[[], None], output: str = "") -> bool:
        """Run one command's body; report its failure; print what follows every command.

        `json` says whether the command prints JSON under --json (otherwise its text is kept);
        `output` is the format asked for after the command ("json", "csv"), for it alone.
        """
        self.spec, self.name = spec, name
        start = time.monotonic()
        ok = True
        mode = self.out.mode
        if output:
            self.out.set_mode(output)  # `list --json`: this command only
        self.out.text_kept = not json
        self.out.schema = spec.schema if spec is not None else None
        try:
            schema = self.out.schema
            if self.out.mode == "csv" and json and schema is not None and not tabular(schema):
                raise VshError(f"command '{name}' prints no table; use --json for its data")  # vsh's own
            body()
        except (Quit, OutputError, BrokenPipeError):
            raise  # stdout itself failed: the program reports that once and stops (vsh.cli)
        except VshError as err:
            ok = False
            self.report(err)
        except KeyboardInterrupt:
            ok = False
            self.report(interrupted())
        except Exception as err:  # noqa: BLE001 - the boundary: libvirt's errors, then bugs
            ok = False
            self.report(self._failure(err))
        if self.timing:
            # virsh prints the timing even under -q; under --json it goes to stderr.
            text = fmt("\n(Time: %.3f ms)\n\n", (time.monotonic() - start) * 1000)
            (self.out.err if self.out.json else self.out.out).write(text)
        elif not self.out.json:
            self.out.extra("")
        elif self.out.text_kept and not self.out.quiet:
            self.out.write("\n")  # a text-only command's text ends as in text mode
        self.out.text_kept = False
        self.out.flush()
        self.out.schema = None
        if output:
            self.out.set_mode(mode)  # back to the run's format after `list --json`
        self.last_ok = ok
        return ok

    def _values(self, inv: grammar.Invocation) -> dict[str, Any]:
        """The body's keywords: virsh's checks of exclusive and required-together options, then
        each value given converted (in declaration order, so the first bad one is reported)."""
        spec, given = inv.spec, inv.values
        for group in spec.exclusive if len(given) > 1 else ():
            both = [n for n in group if n in given]
            if len(both) > 1:
                raise VshError(msg("Options --%s and --%s are mutually exclusive", both[0], both[1]))
        for opt_name, needed in spec.requires:
            if opt_name in given and needed not in given:
                raise VshError(msg("Option --%s is required by option --%s", needed, opt_name))
        table = spec.table
        kwargs = table.unset()
        for name in table.in_order(given):
            opt, raw = table.by_name[name], given[name]
            kwargs[table.params[name]] = raw if opt.late else convert(opt, raw)
        return kwargs

    def late(self, name: str, raw: Any) -> Any:
        """Convert a `late` option of the running command where virsh reads it (after a lookup)."""
        opt = self.spec.option(name) if self.spec is not None else None
        assert opt is not None, name
        return convert(opt, raw) if raw is not None else None

    def _failure(self, err: Exception) -> VshError:
        """A libvirt error a body let through is the command's failure, reported as virsh's
        vshReportError reports the last error; an OS error likewise, as errno's words; anything
        else is a bug."""
        import sys

        libvirt = sys.modules.get("libvirt")
        if libvirt is not None and isinstance(err, libvirt.libvirtError):
            # A lost connection is noticed by the close callback alone: virsh's own check after
            # a failed command sets a flag its reconnect logic never reads.
            return from_libvirt(err)
        if isinstance(err, OSError):
            return VshError(f"{err.strerror or err}" + (f": {err.filename}" if err.filename else ""))
        return Bug(err)

    def report(self, err: VshError) -> None:
        if isinstance(err, Reported):
            return
        if not err.lines():
            # Some virsh failures are silent (ttyconsole without a tty, an empty --xpath); text
            # mode stays silent, while JSON readers still get an error object.
            if self.out.json:
                self.out.error([], {"error": {"message": "failed (virsh reports no reason)"}})
            return
        self.out.report(err)

    def close(self) -> None:
        if self.fleet is not None:
            self.fleet.close()
        self.connection.close()

    # files -------------------------------------------------------------------------------
    def local_file(self, path: str) -> str:
        """The name of a file vsh writes on this machine (vol-download, screenshot).

        Under --hosts each host writes PATH.HOST (pdsh's rpdcp convention), so one host's file
        does not overwrite another's; an existing file that is not a regular one (/dev/null, a
        FIFO, a directory) is used as given.
        """
        if not self.file_suffix:
            return path
        import stat

        try:
            mode = os.stat(path).st_mode
        except OSError:
            return path + self.file_suffix
        return path + self.file_suffix if stat.S_ISREG(mode) else path

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
            raise VshError(system_error(msg("Failed to open file '%s'", path), err.strerror or str(err))) from None
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
            raise VshError(system_error(msg("Failed to read file '%s'", path), err.strerror or str(err))) from None
        finally:
            os.close(fd)
        if size > limit:
            raise VshError(system_error(msg("Failed to read file '%s'", path), os.strerror(75)))
        return b"".join(chunks).decode("utf-8", "surrogateescape")
