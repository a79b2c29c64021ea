"""virsh's command-line grammar: quoting, escapes, ';' and newlines, '#' comments.

The rules follow virsh's string parser exactly (its `echo` command is the test bench):
double quotes and backslashes escape as in a shell, single quotes quote literally, an
unterminated single quote is accepted while an unterminated double quote is an error,
and an argument starting with '#' comments out the rest of the line.  The tolerant mode
never fails and records each token's span, for completion of a half-typed line.
"""
from __future__ import annotations


from vsh.errors import VshError
from vsh.i18n import msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator, NamedTuple
else:
    from vsh.records import NamedTuple

_BLANK = " \t"
_ENDS = " \t;\n"
# What makes a line more than words between blanks, `;` and line breaks: quotes, escapes, comments.
_QUOTING = frozenset("'\"\\#")


class Token(NamedTuple):
    """One argument: its unquoted text and the span [start, end) it covers in the line."""

    text: str
    start: int
    end: int
    open_quote: str = ""  # the quote left open at the end of the line (tolerant mode)


class LexError(VshError):
    """A dangling backslash or a missing `"`; `partial` are the words of the command read before it
    (virsh reads a command string word by word, so an error in those words comes first)."""

    def __init__(self, message: str, partial: list[str]) -> None:
        super().__init__(message)
        self.partial = partial


def split_line(line: str, tolerant: bool = False) -> list[list[Token]]:
    """Split a command string into commands, each a list of tokens.

    Empty commands (as in ``;;``) are dropped.  In strict mode a dangling backslash or a
    missing closing double quote raises LexError with virsh's wording.
    """
    return list(iter_commands(line, tolerant))


def iter_commands(line: str, tolerant: bool = False) -> Iterator[list[Token]]:
    """The commands of a line one at a time, each as soon as it is read (see split_line)."""
    if _QUOTING.isdisjoint(line):
        yield from _plain_commands(line)
        return
    current: list[Token] = []
    pos, n = 0, len(line)
    while True:
        while pos < n and (line[pos] in _BLANK or (line[pos] == "\\" and line.startswith("\n", pos + 1))):
            pos += 2 if line[pos] == "\\" else 1
        if pos >= n:
            break
        ch = line[pos]
        if ch in ";\n":
            pos += 1
            if current:
                yield current
                current = []
            continue
        if ch == "#":
            nl = line.find("\n", pos)
            pos = n if nl < 0 else nl + 1
            if current:
                yield current
                current = []
            continue
        try:
            token, pos = _read_token(line, pos, tolerant)
            if not current and token.text.startswith("#"):
                # A command word that is `#` only after quote removal ('#x', \#x) comments out
                # its command up to the next `;` or line end; its words are read but never fail.
                pos = _skip_command(line, pos, tolerant)
                continue
        except VshError as err:
            raise LexError(err.message, [t.text for t in current]) from None
        current.append(token)
    if current:
        yield current


def _plain_words(line: str) -> list[list[str]]:
    """The words of each command of a line without quotes, backslashes or `#` (most lines, and
    every line of a typical batch): what blanks, `;` and line breaks leave, which str.split
    finds at once where the general reader goes character by character.  (Such a line has
    no error to meet half-way, so it is split whole.)"""
    commands = []
    for part in line.replace("\n", ";").split(";"):
        words = list(filter(None, part.replace("\t", " ").split(" ")))
        if words:
            commands.append(words)
    return commands


def _plain_commands(line: str) -> Iterator[list[Token]]:
    """iter_commands for a line _plain_words can split: its words with their spans."""
    pos = 0
    for words in _plain_words(line):
        tokens = []
        for word in words:
            pos = line.find(word, pos)  # only blanks, `;` and line breaks lie before it
            tokens.append(Token(word, pos, pos + len(word)))
            pos += len(word)
        yield tokens


def _skip_command(line: str, pos: int, tolerant: bool) -> int:
    """Where the rest of a commented-out command ends (at its `;` or line break).

    virsh reads its words without reporting a missing `"`, but a dangling backslash
    still rejects the string."""
    n = len(line)
    while pos < n:
        ch = line[pos]
        if ch in _BLANK or (ch == "\\" and line.startswith("\n", pos + 1)):
            pos += 2 if ch == "\\" else 1
        elif ch in ";\n":
            return pos
        elif ch == "#":
            nl = line.find("\n", pos)
            return n if nl < 0 else nl
        else:
            try:
                pos = _read_token(line, pos, tolerant)[1]
            except VshError as err:
                if err.message != 'missing "':
                    raise
                return n
    return pos


def _read_token(line: str, pos: int, tolerant: bool) -> tuple[Token, int]:
    start, n = pos, len(line)
    out: list[str] = []
    single = double = False
    while pos < n:
        ch = line[pos]
        if not single and not double and ch in _ENDS:
            break
        if not double and ch == "'":
            single = not single
            pos += 1
            continue
        if not single and ch == "\\":
            pos += 1
            if pos >= n:
                if tolerant:
                    break
                raise VshError(msg("dangling \\"))
            if line[pos] == "\n":
                pos += 1
                continue
        elif not single and ch == '"':
            double = not double
            pos += 1
            continue
        out.append(line[pos])
        pos += 1
    if double and not tolerant:
        raise VshError(msg('missing "'))
    quote = '"' if double else "'" if single else ""
    return Token("".join(out), start, pos, quote), pos


def split_words(line: str) -> list[list[str]]:
    """Strict split into plain words per command: what the command runner consumes."""
    return list(iter_words(line))


def iter_words(line: str) -> Iterator[list[str]]:
    """The plain words of each command, one command at a time (strict)."""
    if _QUOTING.isdisjoint(line):
        return iter(_plain_words(line))
    return ([t.text for t in cmd] for cmd in iter_commands(line))


_SHELL_SPECIAL = frozenset("\r\t\n !\"#$&'()*;<>?[\\]^`{|}~")


def quote(word: str) -> str:
    """Quote a word the way `echo --shell` does, so a shell (and this lexer) reads it back whole."""
    if word and not any(c in _SHELL_SPECIAL for c in word):
        return word
    return "'" + word.replace("'", "'\\''") + "'"
