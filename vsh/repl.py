"""The interactive shell: a prompt_toolkit loop over the same command tree and parser.

Each line goes through `Session.run_line` with the Click tree (vsh.tree, through
vsh.dispatch) as its parser, so built-in and user commands are dispatched alike; the grammar
is the one a command string uses.  What the
REPL adds: persistent history, completion while typing from vsh.completion (object names from a
background-refreshed cache), backslash continuation lines, Ctrl-C to cancel a line or
interrupt a command, and a bottom toolbar with the URI, read-only state and last status;
vsh.replui supplies the highlighting, Ctrl-X Ctrl-E, the prompt format and the object-name
hints, vsh.pager the pager, vsh.config the settings (vi mode, history size).
"""
from __future__ import annotations

import os
from typing import Any, Callable

from vsh import completion
from vsh.errors import Bug, Quit, VshError, interrupted
from vsh.session import Session

BANNER = ("Welcome to vsh, the virtualization interactive terminal.\n\n"
          "Type:  'help' for help with commands\n"
          "       'quit' to quit\n")


def history_path() -> str:
    """$XDG_STATE_HOME/vsh/history; XDG says to ignore a relative XDG_STATE_HOME."""
    base = os.environ.get("XDG_STATE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "vsh", "history")


def open_history(path: str, size: int = 10000) -> Any:
    """A FileHistory whose file is private (0600, in a 0700 folder): commands may hold secrets.

    Only the newest `size` entries are loaded (the `history_size` setting)."""
    from prompt_toolkit.history import InMemoryHistory

    from vsh.replui import sized_history

    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    except OSError:
        return InMemoryHistory()
    return sized_history(path, size)


class State:
    """What the toolbar shows, updated between commands (never by the renderer, which must not do RPCs)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.last: bool | None = None
        self.uri = ""
        self._conn: Any = self  # not a connection: the first refresh always reads the URI
        self.refresh()

    def refresh(self) -> bool:
        """Update the URI; True when the connection changed since the last call."""
        conn = self.session.connection.conn
        changed = conn is not self._conn
        if changed:
            self._conn = conn
            uri = self.session.connection.uri
            if conn is not None:
                try:
                    uri = conn.getURI()
                except Exception:  # noqa: BLE001 - the toolbar shows what it knows
                    pass
            self.uri = uri or "default URI"
        return changed


def make_prompt(session: Session, state: State | None = None) -> Callable[[], Any]:
    """`vsh # `, or `vsh > ` on a read-only connection, as virsh (or the `prompt` setting);
    coloured only where colour is allowed."""
    from vsh.replui import prompt_text

    def prompt() -> Any:
        readonly = session.readonly
        text = prompt_text(session, state.uri if state is not None else (session.connection.uri or ""))
        if session.out.color:
            return [("class:prompt.readonly" if readonly else "class:prompt", text)]
        return text

    return prompt


def make_toolbar(state: State) -> Callable[[], Any]:
    """The bottom toolbar: URI, read-only or not, and how the last command went."""

    def toolbar() -> Any:
        status = {None: "-", True: "ok", False: "failed"}[state.last]
        mode = "read-only" if state.session.readonly else "read-write"
        return [("class:bottom-toolbar", f" {state.uri} | {mode} | last: "),
                ("class:status-failed" if state.last is False else "class:bottom-toolbar", status),
                ("class:bottom-toolbar", " ")]

    return toolbar


def continues(text: str) -> bool:
    """A line ending in an odd number of backslashes goes on on the next line."""
    return (len(text) - len(text.rstrip("\\"))) % 2 == 1


def make_key_bindings() -> Any:
    """Enter after an odd number of trailing backslashes starts a continuation line."""
    from prompt_toolkit.filters import Condition
    from prompt_toolkit.key_binding import KeyBindings

    bindings = KeyBindings()

    @Condition
    def backslash_at_end() -> bool:
        from prompt_toolkit.application.current import get_app

        buffer = get_app().current_buffer
        return buffer.document.is_cursor_at_the_end and continues(buffer.text)

    @bindings.add("enter", filter=backslash_at_end)
    def _(event: Any) -> None:
        # The lexer joins a backslash-newline pair, so the buffer can keep both.
        event.current_buffer.insert_text("\n")

    return bindings


def make_completer(names: completion.Names) -> Any:
    """A prompt_toolkit completer over vsh.completion, run on a thread so typing never waits."""
    from prompt_toolkit.completion import Completer, Completion, ThreadedCompleter

    from vsh.lexer import quote

    from vsh.replui import vsh_words

    class VshCompleter(Completer):
        def get_completions(self, document: Any, _event: Any) -> Any:
            text = document.text_before_cursor
            start, found = completion.complete_text(text, names)
            word = text.lstrip()
            if not any(ch in word for ch in " \t;\n"):  # on the command word: aliases and vsh's own too
                found = found + vsh_words(word)
            for cand in found:
                yield Completion(quote(cand.text), start_position=start - len(text),
                                 display=cand.text, display_meta=cand.meta)

    return ThreadedCompleter(VshCompleter())


def _command_names(line: str) -> list[str]:
    """The commands a line runs (aliases expanded), to know whether its output may be paged."""
    from vsh.config import expand_aliases
    from vsh.lexer import split_words

    try:
        return [words[0] for words in expand_aliases(split_words(line)) if words]
    except VshError:
        return []


def run_repl(session: Session, *, input: Any = None, output: Any = None, history: Any = None) -> int:
    """Read and run lines until `quit`, `exit` or Ctrl-D; the status is 0.

    `input`, `output` (prompt_toolkit's) and `history` default to the terminal and the
    history file; tests pass a pipe input and an in-memory history.
    """
    from prompt_toolkit import PromptSession
    from prompt_toolkit.output import ColorDepth
    from prompt_toolkit.styles import Style

    from vsh import config, dispatch, pager, replui

    session.parser = dispatch.parse_in_tree
    session.connection.in_shell = True  # the connection hint names `connect URI`
    out = session.out
    out.extra(BANNER)
    out.flush()
    state = State(session)
    connector = completion.Connector(session.connection)
    cache = completion.NameCache(connector.get)
    colour = out.color
    cfg = config.current()
    if history is None:
        history = open_history(history_path(), cfg.get("history_size"))
    out.suggest = replui.object_hint(cache)
    cache.warm()
    from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
    from prompt_toolkit.key_binding import merge_key_bindings

    prompt_session: Any = PromptSession(
        message=make_prompt(session, state), history=history,
        input=input, output=output,
        completer=make_completer(cache.names), complete_while_typing=True,
        auto_suggest=AutoSuggestFromHistory(), vi_mode=cfg.get("editing_mode") == "vi",
        lexer=replui.make_lexer(replui.known_commands),
        key_bindings=merge_key_bindings([make_key_bindings(), replui.comfort_bindings()]),
        bottom_toolbar=make_toolbar(state),
        prompt_continuation=replui.continuation(replui.wrap_marker(getattr(out.out, "encoding", None))),
        enable_history_search=False,
        style=Style.from_dict({"prompt": "bold ansigreen", "prompt.readonly": "bold ansiyellow",
                               "status-failed": "bold ansired" if colour else "bold", **replui.STYLES}),
        color_depth=None if colour else ColorDepth.MONOCHROME,
    )
    try:
        while True:
            running = False
            try:
                line = prompt_session.prompt()
                if not line.strip():
                    continue
                running = True
                with pager.paging(out, _command_names(line)):
                    state.last = session.run_line(line)
            except EOFError:
                out.out.write("\n")
                return 0
            except Quit:
                return 0
            except KeyboardInterrupt:
                # At the prompt Ctrl-C cancels the line; a command it stops is a failure.
                if running:
                    session.report(interrupted())
                    state.last = False
            except Exception as err:  # noqa: BLE001 - a bug outside any command must not end the shell
                session.report(Bug(err))
                state.last = False
            try:
                if state.refresh():
                    cache.clear()
                else:
                    cache.invalidate()
                cache.warm()
            except KeyboardInterrupt:
                pass
    finally:
        out.flush()
        connector.close()
