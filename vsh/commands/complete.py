"""The hidden `complete` command: the completion engine for the shell completion scripts.

`vsh [-c URI] [-r] complete -- WORDS...` prints one candidate per line; WORDS are the
words after `vsh` (global options included) and the last one is the word being
completed.  Like virsh's own `complete`, it is left out of the `help` listings.
"""
from __future__ import annotations

from vsh.registry import command
from vsh.session import Session
from vsh.spec import Argv


@command("complete", group="virsh", help="internal command for autocompletion", desc="internal use only",
         opts=[Argv("string", "partial string to autocomplete")], connect=False, json=False, hidden=True)
def cmd_complete(ctx: Session, string: list[str]) -> None:
    from vsh import completion

    connector = completion.Connector(ctx.connection)
    # One shot: wait for the names (a shell waits for its completion function anyway).
    cache = completion.NameCache(connector.get, wait=30.0)
    try:
        for cand in completion.complete_argv(string, cache.names):
            ctx.out.print(cand.text)
    finally:
        connector.close()
