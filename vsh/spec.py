"""The one declaration of a command: name, group, help and options.

It mirrors virsh's command tables: an option is a boolean flag, a string, a number,
required data, or the trailing argument list; any non-boolean option that is not
`named_only` may also be given positionally, in declaration order.  Parsing, help,
completion and the man page are all derived from these records.
"""
from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, NamedTuple
else:
    from vsh.records import NamedTuple

BOOL = "bool"
STRING = "string"
INT = "int"
DATA = "data"
ARGV = "argv"
ALIAS = "alias"

#: Groups in virsh's order: keyword -> title shown by `help`.
GROUPS: dict[str, str] = {
    "domain": "Domain Management",
    "monitor": "Domain Monitoring",
    "events": "Domain Events",
    "host": "Host and Hypervisor",
    "checkpoint": "Checkpoint",
    "interface": "Interface",
    "filter": "Network Filter",
    "network": "Networking",
    "nodedev": "Node Device",
    "secret": "Secret",
    "snapshot": "Snapshot",
    "backup": "Backup",
    "pool": "Storage Pool",
    "volume": "Storage Volume",
    "virsh": "Virsh itself",
    "live": "Live Views and Waiting",
    "user": "User Commands",
}


class Opt(NamedTuple):
    """One option of a command.

    `conv` names how the value is converted before the command body sees it
    ("int", "uint", "ulong", "scaled", ...; see vsh.values); conversion errors fail the
    command at run time, as in virsh, while grammar errors reject the whole line.
    `complete` names the completer for the value ("domain", "network", "pool", "file"...).
    `late` options are converted by the body (ctx.late) where virsh reads them.
    `choices` are the fixed words completion offers for the value (an enum such as --mode).
    `comma`: the value is a comma-separated list, completed item by item as virsh does.
    `own`: an option of vsh's own that virsh's command lacks (such as --wait); never positional,
    so virsh's grammar of the command is unchanged; the differential tests leave it out.
    """

    name: str
    type: str
    help: str = ""
    required: bool = False
    named_only: bool = False
    conv: str | None = None
    complete: str | None = None
    empty_ok: bool = False
    target: str = ""  # for ALIAS: "name" or "name=value"
    scale: int = 1  # default unit for conv="scaled"
    # virsh reads the option only after looking up the command's object, so a bad value must
    # not fail first: the body gets the raw text and checks it with ctx.late(name, value).
    late: bool = False
    # Values completion offers for an enum-like option (virsh's completers of fixed words).
    choices: tuple[str, ...] = ()
    comma: bool = False
    own: bool = False

    @property
    def positional(self) -> bool:
        return self.type not in (BOOL, ALIAS) and not self.named_only and not self.own

    @property
    def takes_value(self) -> bool:
        return self.type not in (BOOL, ALIAS)

    @property
    def param(self) -> str:
        """The Python keyword the command body receives."""
        return self.name.replace("-", "_")


def Flag(name: str, help: str) -> Opt:
    return Opt(name, BOOL, help)


def Str(name: str, help: str, **kw: Any) -> Opt:
    return Opt(name, STRING, help, **kw)


def Int(name: str, help: str, conv: str | None = "int", **kw: Any) -> Opt:
    return Opt(name, INT, help, conv=conv, **kw)


def Data(name: str, help: str, **kw: Any) -> Opt:
    kw.setdefault("required", True)
    return Opt(name, DATA, help, **kw)


def Argv(name: str, help: str, **kw: Any) -> Opt:
    return Opt(name, ARGV, help, **kw)


def Alias(name: str, target: str) -> Opt:
    return Opt(name, ALIAS, target=target)


class CommandSpec:
    """A command: metadata plus the body that runs it.

    `connect` is False for commands that need no hypervisor (help, echo...); `json`
    says whether --json changes its output; `hidden` keeps an internal command (virsh's
    `complete`) out of the group listings, the man page and command-name completion.
    `schema` is the JSON Schema of what a data command prints under --json (vsh.schema);
    None for a command that only acts.
    """

    __slots__ = ("name", "group", "help", "desc", "opts", "func", "connect", "exclusive", "requires", "json",
                 "hidden", "schema")

    def __init__(self, name: str, group: str, help: str, desc: str, opts: list[Opt],
                 func: Callable[..., Any] | None = None, connect: bool = True,
                 exclusive: list[tuple[str, ...]] | None = None,
                 requires: list[tuple[str, str]] | None = None, json: bool = True,
                 hidden: bool = False, schema: dict[str, Any] | None = None) -> None:
        self.name, self.group, self.help, self.desc, self.opts = name, group, help, desc, opts
        self.func, self.connect, self.json, self.hidden = func, connect, json, hidden
        self.exclusive = exclusive or []
        self.requires = requires or []
        self.schema = schema

    def option(self, name: str) -> Opt | None:
        for opt in self.opts:
            if opt.name == name:
                return opt
        return None

    @property
    def visible_opts(self) -> list[Opt]:
        return [o for o in self.opts if o.type != ALIAS]
