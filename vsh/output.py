"""The printer: virsh's text layouts, JSON, and colour on a terminal.

Commands hand it plain data; it decides how that data looks.  Text output is byte for
byte what virsh prints; colour is added only when stdout is a terminal and neither
NO_COLOR nor --no-color is set; `--json` replaces the text with one JSON document per
command on stdout.
"""
from __future__ import annotations

import os
import sys
from typing import IO, Any, Callable, Iterable, NamedTuple, Sequence

_STATE_COLOURS = {
    "running": "32", "idle": "32", "active": "32", "yes": "32",
    "paused": "33", "pmsuspended": "33", "in shutdown": "33", "building": "33",
    "shut off": "2", "inactive": "2", "no": "2",
    "crashed": "31", "blocked": "31", "inaccessible": "31", "degraded": "31",
}


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


class Column(NamedTuple):
    """A table column: the JSON key, the header text, how a value is shown as text."""

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
                 quiet: bool = False, json_mode: bool = False, no_color: bool = False) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.quiet = quiet
        self.json = json_mode
        self.color = colour_wanted(self.out, no_color) and not json_mode
        self.color_err = colour_wanted(self.err, no_color)

    # plain text -------------------------------------------------------------------
    def write(self, text: str) -> None:
        """Text exactly as given (no newline added); nothing in JSON mode."""
        if not self.json:
            self.out.write(text)

    def print(self, text: str = "") -> None:
        """One line of data."""
        if not self.json:
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
        if self.json and obj is not None:
            import json

            self.err.write(json.dumps(obj) + "\n")
            return
        for line in lines:
            prefix = "\x1b[1;31merror:\x1b[0m " if self.color_err else "error: "
            self.err.write(prefix + line + "\n")
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
        """Print a VshError: its lines, its JSON form, its hint."""
        self.error(err.lines(), err.as_json(), err.hint)

    def warn(self, text: str) -> None:
        self.err.write(f"warning: {text}\n")

    # structured -------------------------------------------------------------------
    def data(self, obj: Any, text: str | None = None) -> None:
        """A result: `obj` as JSON, or `text` (printed as given) otherwise."""
        if self.json:
            import json

            self.out.write(json.dumps(obj, indent=2, default=str) + "\n")
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
        cells = ([[c.title for c in columns]] if header else []) + [
            [table_text(_cell(c, r.get(c.key))) for c in columns] for r in rows]
        if not cells:
            return
        widths = [max(display_width(row[i]) for row in cells) for i in range(len(columns))]
        lines = []
        for n, row in enumerate(cells):
            parts = []
            for i, text in enumerate(row):
                shown = self._paint(columns[i], text, header=(header and n == 0))
                if i < len(row) - 1:
                    shown += " " * (widths[i] - display_width(text) + 3)
                parts.append(shown)
            lines.append(" " + "".join(parts))
            if header and n == 0:
                lines.append("-" * sum(w + 3 for w in widths))
        self.out.write("\n".join(lines) + "\n")

    def kv(self, items: Sequence[tuple[str, str, Any, str]], width: int = 15, sep: str = " ") -> None:
        """A key/value block: (json key, label, typed value, text) per line, label padded."""
        if self.json:
            self.data({k: v for k, _label, v, _text in items})
            return
        lines = []
        for _key, label, _value, text in items:
            lines.append(f"{label:<{width}}{sep}{self._paint_value(text)}")
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
    def _paint(self, col: Column, text: str, header: bool) -> str:
        if not self.color:
            return text
        if header:
            return f"\x1b[1m{text}\x1b[0m"
        if col.state and text in _STATE_COLOURS:
            return f"\x1b[{_STATE_COLOURS[text]}m{text}\x1b[0m"
        return text

    def _paint_value(self, text: str) -> str:
        if self.color and text in _STATE_COLOURS:
            return f"\x1b[{_STATE_COLOURS[text]}m{text}\x1b[0m"
        return text
