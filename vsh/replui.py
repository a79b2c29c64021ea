"""The REPL's comforts, as small factories: highlighting, key bindings, prompt, hints, history size.

- `InputLexer` colours the line being typed: the command word (red when no command or
  alias has that name), options, values, quoted text, `;` and comments.
- `comfort_bindings` adds Ctrl-X Ctrl-E (edit the line in $VISUAL/$EDITOR; the edited text
  comes back to the prompt, to run with Enter) to the REPL's own bindings.
- `prompt_text` renders the `prompt` setting ({uri}, {host}, {driver}, {mark}, {ro}).
- `object_hint` is a did-you-mean for a mistyped object name, from the names already
  cached for completion (it never asks libvirt).
- `SizedHistory` loads at most `history_size` entries.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from vsh import completion, config

#: Styles of the input line (prompt_toolkit style classes).
STYLES = {
    "input.command": "bold ansigreen",
    "input.unknown": "bold ansired",
    "input.option": "ansicyan",
    "input.value": "",
    "input.string": "ansiyellow",
    "input.separator": "bold",
    "input.comment": "italic ansibrightblack",
}


_KNOWN: set[str] = set()


def known_commands() -> set[str]:
    """Every name a line may start with: built-ins, user commands, aliases, vsh's own words (read once)."""
    from vsh import registry, usercmds

    if _KNOWN:
        return _KNOWN
    names = {s.name for s in registry.all_specs() + usercmds.entries()} | set(registry.COMMAND_ALIASES)
    _KNOWN.update(names | set(config.current().aliases) | {"set", "config", "complete"})
    return _KNOWN


def line_styles(text: str, known: set[str]) -> list[str]:
    """A style class per character of `text` (the whole input, continuation lines included)."""
    from vsh.lexer import split_line

    styles = [""] * len(text)
    for i, ch in enumerate(text):
        if ch == ";":
            styles[i] = "class:input.separator"
    for cmd in split_line(text, tolerant=True):
        for n, token in enumerate(cmd):
            raw = text[token.start:token.end]
            if n == 0:
                style = "class:input.command" if token.text in known else "class:input.unknown"
            elif raw[:1] in "'\"":
                style = "class:input.string"
            elif token.text.startswith("-") and n > 0:
                style = "class:input.option"
            else:
                style = "class:input.value"
            for i in range(token.start, min(token.end, len(text))):
                styles[i] = "class:input.string" if raw[:1] not in "'\"" and text[i] in "'\"" else style
    # A word starting with '#' comments out the rest of its line.
    for found in re.finditer(r"(^|[ \t;])(#[^\n]*)", text):
        for i in range(found.start(2), found.end(2)):
            styles[i] = "class:input.comment"
    return styles


def make_lexer(known: Callable[[], set[str]]) -> Any:
    """A prompt_toolkit Lexer over `line_styles`."""
    from prompt_toolkit.lexers import Lexer

    class InputLexer(Lexer):
        def lex_document(self, document: Any) -> Any:
            text = document.text
            try:
                styles = line_styles(text, known())
            except Exception:  # noqa: BLE001 - colouring must never break typing
                styles = [""] * len(text)
            starts = [0]
            for i, ch in enumerate(text):
                if ch == "\n":
                    starts.append(i + 1)

            def get_line(number: int) -> list[tuple[str, str]]:
                if number >= len(starts):
                    return []
                begin = starts[number]
                end = starts[number + 1] - 1 if number + 1 < len(starts) else len(text)
                return [(styles[i], text[i]) for i in range(begin, end)]

            return get_line

    return InputLexer()


def comfort_bindings() -> Any:
    """Ctrl-X Ctrl-E edits the line in the editor (vi mode: `v`, prompt_toolkit's own)."""
    from prompt_toolkit.filters import emacs_mode, has_selection, vi_navigation_mode
    from prompt_toolkit.key_binding import KeyBindings

    bindings = KeyBindings()

    @bindings.add("c-x", "c-e", filter=emacs_mode & ~has_selection)
    def _(event: Any) -> None:
        # The edited text comes back to the prompt (bash would run it at once): look, then Enter.
        event.current_buffer.open_in_editor(validate_and_handle=False)

    @bindings.add("v", filter=vi_navigation_mode)
    def _(event: Any) -> None:
        event.current_buffer.open_in_editor(validate_and_handle=False)

    return bindings


def prompt_text(session: Any, uri: str) -> str:
    """The prompt from the `prompt` setting (default `vsh # `, `vsh > ` read-only, as virsh)."""
    fmt = config.current().get("prompt")
    try:
        return str(fmt.format(**config.prompt_fields(uri, session.readonly)))
    except (KeyError, IndexError, ValueError):
        return "vsh > " if session.readonly else "vsh # "


def continuation(wrap_marker: str) -> Callable[[int, int, int], str]:
    """`> ` before a line continued with `\\`; a different marker before a soft-wrapped line."""

    def prefix(width: int, _line: int, wrap_count: int) -> str:
        return (wrap_marker if wrap_count else "> ").rjust(width)

    return prefix


def wrap_marker(encoding: str | None) -> str:
    return "\u21aa " if (encoding or "").lower().replace("-", "") == "utf8" else "+ "


_LOOKUP_FAILED = re.compile(r"failed to get (domain|network|pool|vol|interface|secret|nwfilter) '(.*)'")
_KINDS = {"vol": "volume", "nwfilter": "nwfilter"}


def object_hint(cache: completion.NameCache) -> Callable[[Any], str]:
    """A did-you-mean for `failed to get domain 'tset'`, from names completion already holds."""
    import difflib

    def suggest(err: Any) -> str:
        found = _LOOKUP_FAILED.match(getattr(err, "message", "") or "")
        if not found:
            return ""
        names = cache.cached(_KINDS.get(found.group(1), found.group(1)))
        close = difflib.get_close_matches(found.group(2), names, n=3, cutoff=0.6)
        return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?" if close else ""

    return suggest


def vsh_words(prefix: str) -> list[completion.Candidate]:
    """What the REPL adds to command names: aliases and `set`, `config` (hidden from virsh's lists)."""
    aliases = config.current().aliases
    words = [completion.Candidate(name, f"alias: {body}") for name, body in aliases.items()]
    words += [completion.Candidate("set", "show or change a setting of this session"),
              completion.Candidate("config", "print the settings in effect and where each came from")]
    return [w for w in words if w.text.startswith(prefix)]


def sized_history(path: str, size: int) -> Any:
    """The history file, of which only the newest `size` entries are loaded."""
    from prompt_toolkit.history import FileHistory

    class SizedHistory(FileHistory):
        def load_history_strings(self) -> Any:
            import itertools

            return list(itertools.islice(super().load_history_strings(), size))

    return SizedHistory(path)
