"""The printer: virsh's text layouts, JSON, and colour on a terminal.

Commands hand it plain data; it decides how that data looks.  Text output is byte for
byte what virsh prints; colour is added only when stdout is a terminal and neither
NO_COLOR nor --no-color is set; `--json` replaces the text with one JSON document per
command on stdout (pretty on a terminal, else one compact line: JSON Lines), and `--csv`
turns a table into CSV whose header is the JSON keys.
"""
from __future__ import annotations

import os
import sys

from vsh.i18n import _, pad_label, shown, translating

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, IO, Iterable, NamedTuple, Sequence
else:
    from vsh.records import NamedTuple

_STATE_COLOURS = {
    "running": "32", "idle": "32", "active": "32", "yes": "32",
    "paused": "33", "pmsuspended": "33", "in shutdown": "33", "building": "33",
    "shut off": "2", "inactive": "2", "no": "2",
    "crashed": "31", "blocked": "31", "inaccessible": "31", "degraded": "31",
}


def _state_colour(text: str) -> str | None:
    """The colour of a state name, also when it is shown in the user's language."""
    colour = _STATE_COLOURS.get(text)
    if colour is None and translating():
        colour = {_(name): code for name, code in _STATE_COLOURS.items()}.get(text)
    return colour


def display_width(text: str) -> int:
    """Columns a string takes on a terminal (wide characters count two), as virsh pads."""
    if text.isascii():
        return len(text)
    import unicodedata

    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _utf8_locale() -> bool:
    import locale

    try:
        codeset = locale.nl_langinfo(locale.CODESET)
    except (AttributeError, ValueError):
        return True
    return codeset.upper().replace("-", "") == "UTF8"


def table_text(text: str) -> str:
    """A table cell as virsh's vshTableSafeEncode writes it.

    Control characters and a backslash that starts `\\x` become `\\xNN`.  A byte that is
    not a printable character in the locale's charset becomes `\\xff` whatever its value:
    virsh formats the signed char into a 5-byte buffer.  So in the C locale every
    non-ASCII byte shows as `\\xff`; in a UTF-8 locale printable characters stay as they are.
    """
    if text.isascii() and text.isprintable() and "\\x" not in text:
        return text
    data = text.encode("utf-8", "surrogateescape")
    utf8 = _utf8_locale()
    out: list[str] = []
    i, n = 0, len(data)
    while i < n:
        byte = data[i]
        if byte < 0x20 or byte == 0x7F or (byte == 0x5C and data[i + 1:i + 2] == b"x"):
            out.append(f"\\x{byte:02x}")
            i += 1
            continue
        if byte < 0x80:
            out.append(chr(byte))
            i += 1
            continue
        size = 2 if byte >> 5 == 0b110 else 3 if byte >> 4 == 0b1110 else 4 if byte >> 3 == 0b11110 else 0
        try:
            char = data[i:i + size].decode("utf-8") if utf8 and size else ""
        except UnicodeDecodeError:
            char = ""
        if not char:
            out.append("\\xff")
            i += 1
            continue
        import unicodedata

        out.append("\\xff" * size if unicodedata.category(char) in ("Cc", "Cn", "Cs") else char)
        i += size
    return "".join(out)


class OutputError(Exception):
    """stdout cannot take the output (closed, full, an I/O error): vsh says so once and exits 1.

    A reader that went away (EPIPE, `| head -1`) is not one: that stays a quiet BrokenPipeError.
    """

    def __init__(self, err: OSError) -> None:
        super().__init__(err.strerror or str(err))
        self.strerror = err.strerror or str(err)


class GuardedStream:
    """A text stream whose write failures become OutputError, so no layer mistakes them for
    a command's own failure; everything else is the wrapped stream's."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as err:
            raise OutputError(err) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as err:
            raise OutputError(err) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _ClosedStream:
    """What stdout is when the program was started with it closed (`>&-`): every write fails."""

    def write(self, text: str) -> int:
        import errno

        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        import errno

        raise OSError(errno.EBADF, os.strerror(errno.EBADF))


def guard_std_streams() -> None:
    """Prepare stdin, stdout and stderr for any input and any output, once at start-up.

    A closed descriptor 0, 1 or 2 is held by /dev/null, so no file or socket opened later
    takes its number; a closed stdout then fails every write (one `error: cannot write
    output` line); bytes that are not UTF-8 pass through as given (surrogate escapes).
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            held = os.open(os.devnull, os.O_RDWR)
            if held != fd:
                os.dup2(held, fd)
                os.close(held)
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="surrogateescape")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass
    sys.stdout = GuardedStream(sys.stdout if sys.stdout is not None else _ClosedStream())


def lose_stdout() -> None:
    """Send whatever stdout still holds to /dev/null, so the exit flush cannot fail again."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.close(null)
    except OSError:
        pass


def is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def json_text(obj: Any, pretty: bool) -> str:
    """One JSON document and its newline: indented for a person, one line for a program."""
    import json

    if pretty:
        return json.dumps(obj, indent=2, default=str) + "\n"
    return json.dumps(obj, separators=(",", ":"), default=str) + "\n"


def csv_cell(value: Any) -> Any:
    """A JSON value as a CSV field: null is empty, booleans are true/false, lists and objects JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, separators=(",", ":"), default=str)
    return value


def csv_columns(rows: Sequence[Any], schema: dict[str, Any] | None) -> list[str]:
    """The header: the schema's row keys in declaration order, then keys only the rows have."""
    keys: list[str] = []
    items = (schema or {}).get("items") or {}
    keys.extend(items.get("properties") or {})
    for row in rows:
        if isinstance(row, dict):
            keys.extend(k for k in row if k not in keys)
    return keys


def csv_text(obj: Any, schema: dict[str, Any] | None) -> str:
    """A list of row objects as CSV: a header line of the JSON keys, RFC 4180 quoting."""
    import csv
    import io

    rows = obj if isinstance(obj, list) else [obj]
    keys = csv_columns(rows, schema)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(keys)
    for row in rows:
        if not isinstance(row, dict):
            row = {keys[0] if keys else "value": row}
        writer.writerow([csv_cell(row.get(k)) for k in keys])
    return buf.getvalue()


class Column(NamedTuple):
    """A table column: the JSON key, the header text (virsh's msgid: shown in the user's
    language), how a value is shown as text."""

    key: str
    title: str
    text: Callable[[Any], str] | None = None
    state: bool = False  # coloured by value on a terminal


def _cell(col: Column, value: Any) -> str:
    if col.text is not None:
        return col.text(value)
    if value is None:
        return "-"
    return str(value)


def colour_wanted(stream: IO[str], disabled: bool) -> bool:
    """Colour only on a terminal, and never with NO_COLOR or --no-color."""
    if disabled or "NO_COLOR" in os.environ:
        return False
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


class Printer:
    """Writes one command's output; `quiet` hides informational lines as virsh's -q does."""

    def __init__(self, out: IO[str] | None = None, err: IO[str] | None = None, *,
                 quiet: bool = False, json_mode: bool = False, no_color: bool = False,
                 csv_mode: bool = False) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.quiet = quiet
        self.no_color = no_color
        #: The run's format ("text", "json" or "csv"); one command may ask for another (`list --json`).
        self.default_mode = "csv" if csv_mode else "json" if json_mode else "text"
        self.mode = self.default_mode
        self.json = self.mode != "text"  # a data format: no informational lines, errors as JSON
        self.color = colour_wanted(self.out, no_color) and not self.json
        self.color_err = colour_wanted(self.err, no_color)
        #: The JSON Schema of the running command's output (vsh.schema): CSV takes its header from it.
        self.schema: dict[str, Any] | None = None
        self.no_color_setting = no_color  # --no-color, `color = false` or `set color off`
        # The REPL's pager command for output taller than the terminal (vsh.pager); None: no pager.
        self.pager: str | None = None
        # The REPL's did-you-mean for an error without a hint of its own (object names).
        self.suggest: Callable[[Any], str] | None = None
        # Set while a text-only command (help, echo: `json=False`) runs: its text is its
        # output, so --json keeps it (errors stay JSON objects).
        self.text_kept = False
        # The -l log (vsh.logfile): it receives every error line and virsh's debug lines.
        self.log: Callable[[int, str], None] | None = None

    def set_mode(self, mode: str) -> None:
        """Switch the output format ("text", "json", "csv"), for one command or the session."""
        self.mode = mode
        self.json = mode != "text"
        self.color = colour_wanted(self.out, self.no_color_setting) and not self.json

    # plain text -------------------------------------------------------------------
    def write(self, text: str) -> None:
        """Text exactly as given (no newline added); nothing in JSON mode but for text-only commands."""
        if not self.json or self.text_kept:
            self.out.write(text)

    def print(self, text: str = "") -> None:
        """One line of data."""
        if not self.json or self.text_kept:
            self.out.write(text + "\n")

    def extra(self, text: str = "", end: str = "\n") -> None:
        """An informational line: hidden by -q and in JSON mode."""
        if not self.quiet and not self.json:
            self.out.write(text + end)

    def flush(self) -> None:
        self.out.flush()

    # errors -----------------------------------------------------------------------
    def error(self, lines: Iterable[str], obj: dict[str, Any] | None = None, hint: str = "") -> None:
        """`error:` lines on stderr (a JSON object instead under --json).

        A hint (what to do next) is shown only when stderr is a terminal, so that
        scripts see exactly virsh's lines.
        """
        self.out.flush()
        lines = list(lines)
        if self.log is not None:
            from vsh.logfile import ERROR

            for line in lines:
                self.log(ERROR, shown(line))
        if self.json and obj is not None:
            import json

            if isinstance(obj.get("error"), dict) and "source" not in obj["error"]:
                obj = {"error": {**obj["error"], "source": "vsh"}}  # not from libvirt: vsh's own
            self.err.write(json.dumps(obj) + "\n")
            return
        prefix = _("error: ")
        if self.color_err:
            word = prefix.rstrip()
            prefix = f"\x1b[1;31m{word}\x1b[0m{prefix[len(word):]}"
        for line in lines:
            self.err.write(prefix + shown(line) + "\n")
        if hint and self.hints:
            self.err.write(("\x1b[2mhint:\x1b[0m " if self.color_err else "hint: ") + hint + "\n")
        self.err.flush()

    @property
    def hints(self) -> bool:
        try:
            return self.err.isatty()
        except (AttributeError, ValueError):
            return False

    def report(self, err: Any) -> None:
        """Print a VshError: its lines, its JSON form, its hint (and a bug's traceback, when asked for)."""
        hint = err.hint or (self.suggest(err) if self.suggest is not None and self.hints else "")
        self.error(err.lines(), err.as_json(), hint)
        trailer = getattr(err, "trailer", "")
        if trailer:
            self.err.write(trailer)

    def warn(self, text: str) -> None:
        self.err.write(f"warning: {text}\n")

    # structured -------------------------------------------------------------------
    def data(self, obj: Any, text: str | None = None) -> None:
        """A result: `obj` as JSON (or CSV), or `text` (printed as given) otherwise.

        On a terminal a JSON document is indented; elsewhere it is one compact line, so
        any number of commands in a run make a stream of JSON Lines.
        """
        if self.mode == "csv":
            self.out.write(csv_text(obj, self.schema))
        elif self.json:
            self.out.write(json_text(obj, pretty=is_terminal(self.out)))
        elif text is not None:
            self.out.write(text)

    def table(self, columns: Sequence[Column], rows: Sequence[dict[str, Any]],
              json_obj: Any = None) -> None:
        """virsh's table: a leading space, columns three spaces apart, a dash rule."""
        if self.json:
            self.data(json_obj if json_obj is not None else list(rows))
            return
        # Under -q virsh leaves out the header and its rule, and sizes the columns by the rows alone.
        header = not self.quiet
        cells = ([[_(c.title) for c in columns]] if header else []) + [
            [table_text(_cell(c, r.get(c.key))) for c in columns] for r in rows]
        if not cells:
            return
        sizes = [[display_width(text) for text in row] for row in cells]
        widths = [max(column) for column in zip(*sizes)]
        last = len(columns) - 1
        lines = []
        for n, (row, size) in enumerate(zip(cells, sizes)):
            parts = []
            for i, text in enumerate(row):
                if self.color:
                    text = self._paint(columns[i], text, header=(header and n == 0))
                if i < last:
                    text += " " * (widths[i] - size[i] + 3)
                parts.append(text)
            lines.append(" " + "".join(parts))
            if header and n == 0:
                lines.append("-" * sum(w + 3 for w in widths))
        self.out.write("\n".join(lines) + "\n")

    def kv(self, items: Sequence[tuple[str, str, Any, str]], width: int = 15, sep: str = " ") -> None:
        """A key/value block: (json key, label, typed value, text) per line.

        The label is virsh's msgid, shown in the user's language and padded as printf's
        `%-15s` pads: by bytes, so a label with non-ASCII letters comes out misaligned, as in virsh.
        """
        if self.json:
            self.data({k: v for k, _label, v, _text in items})
            return
        lines = []
        for _key, label, _value, text in items:
            if self.color:
                text = self._paint_value(text)
            lines.append(pad_label(_(label), width) + sep + text)
        self.out.write("\n".join(lines) + ("\n" if lines else ""))

    def xml(self, text: str) -> None:
        """An XML document; highlighted on a terminal, a JSON string under --json."""
        if self.json:
            self.data({"xml": text})
        elif self.color:
            from vsh.highlight import highlight_xml

            self.out.write(highlight_xml(text))
        else:
            self.out.write(text)

    # colour -----------------------------------------------------------------------
    # (Called only when self.color is set: a table or a report pays nothing for colour without it.)
    def _paint(self, col: Column, text: str, header: bool) -> str:
        if header:
            return f"\x1b[1m{text}\x1b[0m"
        colour = _state_colour(text) if col.state else None
        return f"\x1b[{colour}m{text}\x1b[0m" if colour else text

    def _paint_value(self, text: str) -> str:
        colour = _state_colour(text)
        return f"\x1b[{colour}m{text}\x1b[0m" if colour else text
