"""The user's language, as virsh speaks it: libvirt's message catalog and the locale's numbers.

virsh calls `setlocale(LC_ALL, "")` and looks its messages up in libvirt's catalog (text
domain `libvirt`); libvirt's own error messages follow the same locale.  vsh does the same
through the C library: `import libvirt` runs virInitialize, which binds the text domain to
libvirt's compiled-in locale directory, and `locale.dgettext` then finds exactly the
translation virsh finds (LANGUAGE, LC_ALL, LC_MESSAGES, LANG read by the same code).

Every message virsh also prints goes through `_` (or `fmt`) with virsh's exact msgid,
often printf-style (`"Domain '%s' started\\n"`); `fmt` fills it as C's printf does: numbers
with the locale's decimal point, `%-15s` padded by bytes.  vsh's own messages stay English.
In the C or POSIX locale (the usual case of a script) nothing is loaded at all.
"""
from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _plain(name: str) -> bool:
    """The C locale, however spelt (C, POSIX, C.UTF-8, unset): no translation, '.' for numbers."""
    return name.split(".")[0] in ("", "C", "POSIX")


_translating = False  # messages go through the catalog
_decimal = "."  # the locale's decimal point


def setup() -> None:
    """At start-up, before anything is printed: take the locale from the environment as
    virsh does (setlocale(LC_ALL, "")), unless it names the C locale, which costs nothing."""
    global _translating, _decimal
    if all(_plain(value) for name, value in os.environ.items() if name.startswith("LC_") or name == "LANG"):
        return
    import locale

    try:
        locale.setlocale(locale.LC_ALL, "")
    except locale.Error:
        # One category names a locale that is not installed: glibc then keeps the C locale
        # for every category, and virsh says so (its perror) and goes on in English.
        import errno
        import sys

        sys.stderr.write(f"setlocale: {os.strerror(errno.ENOENT)}\n")
        return
    _decimal = locale.localeconv()["decimal_point"] or "."
    messages = locale.setlocale(locale.LC_MESSAGES)
    _translating = not _plain(messages)
    if _translating:
        import libvirt  # noqa: F401 - virInitialize binds the text domain to libvirt's locale directory


def english_messages() -> None:
    """Messages in English from here on (vsh's --json: keys, values and libvirt's details)."""
    global _translating
    if not _translating:
        return
    import locale

    locale.setlocale(locale.LC_MESSAGES, "C")
    _translating = False


def translating() -> bool:
    """True when messages are looked up in a catalog (the locale's language is not C)."""
    return _translating


def _(msgid: str) -> str:
    """virsh's message `msgid` in the user's language (itself where the catalog lacks it)."""
    if not _translating or not msgid:
        return msgid
    import locale

    return locale.dgettext("libvirt", msgid)


def printf(template: str, *args: Any) -> str:
    """`template` filled as C's printf fills it in the current locale.

    `%s` is padded and cut by bytes (so a non-ASCII label comes out misaligned, as in
    virsh); floating-point numbers use the locale's decimal point; length modifiers
    (`%llu`, `%zu`) and argument numbers (`%2$s`) are understood.
    """
    if not args and "%%" not in template:
        return template
    pieces = _PIECES.get(template)
    if pieces is None:
        pieces = _pieces(template)
        if len(_PIECES) < 4096:  # templates are virsh's messages; a bound all the same
            _PIECES[template] = pieces
    out: list[str] = []
    pos = 0
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
            continue
        number, flags, width, precision, conv = piece
        if conv == "%":
            out.append("%")
            continue
        if width == "*":
            width, pos = str(args[pos]), pos + 1
        if precision == "*":
            precision, pos = str(args[pos]), pos + 1
        if number:
            value = args[int(number) - 1]
        else:
            value, pos = args[pos], pos + 1
        out.append(_convert(value, flags, width, precision, conv))
    return "".join(out)


def _convert(value: Any, flags: str, width: str | None, precision: str | None, conv: str) -> str:
    """One conversion of printf, its flags, width and precision already known."""
    if conv == "s":
        return _pad_bytes(str(value), flags, width, precision)
    if conv == "u":
        conv = "d"
    spec = "%" + flags + (width or "") + ("." + precision if precision is not None else "") + conv
    if conv == "c":
        return spec % (chr(value) if isinstance(value, int) else value)
    try:
        text = spec % value
    except TypeError:
        # A number that came as text (a word the user typed): shown as given, as %s would.
        return _pad_bytes(str(value), flags, width, None)
    if conv in "eEfFgG" and _decimal != ".":
        text = text.replace(".", _decimal, 1)
    return text


# A template cut into literal text and conversions: (number, flags, width, precision, conversion).
_PIECES: dict[str, list[Any]] = {}
_DIGITS = "0123456789"
_LENGTHS = ("hh", "h", "ll", "l", "L", "q", "j", "z", "t")


def _pieces(template: str) -> list[Any]:
    """The template's literal text and its conversion specifications, in order.  A `%` that
    starts no valid specification stays literal text, as printf prints it.  (Not a regular
    expression: `re` is a third of the start-up of a run that prints help.)"""
    pieces: list[Any] = []
    literal = scan = 0
    while True:
        at = template.find("%", scan)
        if at < 0:
            break
        found = _spec_at(template, at + 1)
        if found is None:
            scan = at + 1
            continue
        if at > literal:
            pieces.append(template[literal:at])
        end, spec = found
        pieces.append(spec)
        literal = scan = end
    if literal < len(template):
        pieces.append(template[literal:])
    return pieces


def _spec_at(text: str, k: int) -> tuple[int, tuple[str | None, str, str | None, str | None, str]] | None:
    """The specification after a `%` at k-1: where it ends and its parts, or None."""
    def digits(i: int) -> int:
        while i < len(text) and text[i] in _DIGITS:
            i += 1
        return i

    number = width = precision = None
    d = digits(k)
    if d > k and text[d:d + 1] == "$":
        number, k = text[k:d], d + 1
    f = k
    while f < len(text) and text[f] in "-+ #0'":
        f += 1
    flags, k = text[k:f].replace("'", ""), f
    if text[k:k + 1] == "*":
        width, k = "*", k + 1
    elif (d := digits(k)) > k:
        width, k = text[k:d], d
    if text[k:k + 1] == ".":
        k += 1
        if text[k:k + 1] == "*":
            precision, k = "*", k + 1
        else:
            d = digits(k)
            precision, k = text[k:d], d
    for length in _LENGTHS:
        if text.startswith(length, k):
            k += len(length)
            break
    if k < len(text) and text[k] in "diouxXeEfFgGcs%":
        return k + 1, (number, flags, width, precision, text[k])
    return None


def _pad_bytes(text: str, flags: str, width: str | None, precision: str | None) -> str:
    if precision is not None:
        text = text.encode("utf-8", "surrogateescape")[:int(precision or 0)].decode("utf-8", "surrogateescape")
    pad = " " * (int(width or 0) - byte_length(text))
    return text + pad if "-" in flags else pad + text


def byte_length(text: str) -> int:
    """The bytes `text` takes (in UTF-8, surrogate escapes as the bytes they stand for): what
    printf's widths count."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogateescape"))


def pad_label(label: str, width: int) -> str:
    """`label` padded to `width` as printf's `%-*s` pads it: by bytes, so a label with non-ASCII
    letters comes out misaligned, as in virsh.  The key/value blocks print many labels; this is
    printf's result for that one template without reading the template each time."""
    return label + " " * (width - byte_length(label))


def fmt(msgid: str, *args: Any) -> str:
    """virsh's message `msgid`, translated, then filled as printf fills it."""
    return printf(_(msgid), *args)


class Message(str):
    """An English message that knows its msgid and arguments, so that it can be shown in the
    user's language while its English text serves --json and the -l log."""

    msgid: str
    args: tuple[Any, ...]
    localized: bool

    def __new__(cls, msgid: str, *args: Any, translate: bool = True) -> Message:
        self = super().__new__(cls, printf(msgid, *args))
        self.msgid = msgid
        self.args = args
        self.localized = translate
        return self

    def shown(self) -> str:
        """The message in the user's language."""
        args = [shown(arg) if isinstance(arg, str) else arg for arg in self.args]
        return fmt(self.msgid, *args) if self.localized else printf(self.msgid, *args)


def msg(msgid: str, *args: Any) -> Message:
    """virsh's message `msgid` filled with `args`: English as a str, translated when shown."""
    return Message(msgid, *args)


def system_error(message: str, detail: str) -> Message:
    """libvirt's form of a failed system call: its message, then the error's own text
    (strerror, already in the user's language), joined by an untranslated ": "."""
    return Message("%s: %s", message, detail, translate=False)


def shown(text: str) -> str:
    """A message as the user sees it: a Message translated, any other text as it is."""
    return text.shown() if isinstance(text, Message) else text
