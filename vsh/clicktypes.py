"""Click types for user commands: arguments that name a domain, network, pool or volume.

A user command that declares such an argument gets vsh's completion of object names in
the REPL and in shell completion, from the same background-refreshed cache as the
built-ins:

    from vsh.clicktypes import DOMAIN

    @click.command("vm-ips")
    @click.argument("domain", type=DOMAIN)

`complete_names("network")` is the same completion for `shell_complete=` of a parameter
that keeps its own type.  Values are passed on as given (strings); look them up with
`session.lookup`.
"""
from __future__ import annotations

from typing import Any, Callable

import click


def _names(kind: str, ctx: click.Context, incomplete: str) -> list[Any]:
    from click.shell_completion import CompletionItem

    from vsh import completion

    source = completion.USER_NAMES
    if source is None:
        return []
    given = {k: v for k, v in ctx.params.items() if isinstance(v, str)}
    try:
        found = source(kind, given)
    except Exception:  # noqa: BLE001 - completion must never break typing
        return []
    return [CompletionItem(n) for n in sorted(set(found)) if n.startswith(incomplete)]


class ObjectName(click.ParamType):
    """A libvirt object's name (or ID/UUID), completed from the connection's names of `kind`."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.name = kind

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return value

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        return _names(self.kind, ctx, incomplete)


def complete_names(kind: str) -> Callable[[click.Context, click.Parameter, str], list[Any]]:
    """A `shell_complete=` callback offering object names of `kind` ("domain", "network", "pool", "volume")."""

    def complete(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[Any]:
        return _names(kind, ctx, incomplete)

    return complete


DOMAIN = ObjectName("domain")
NETWORK = ObjectName("network")
POOL = ObjectName("pool")
#: Volumes of the pool given in the command's `pool` parameter (by key or path otherwise).
VOLUME = ObjectName("volume")
