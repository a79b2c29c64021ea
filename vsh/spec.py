"""The one declaration of a command: name, group, help and options.

It mirrors virsh's command tables: an option is a boolean flag, a string, a number,
required data, or the trailing argument list; any non-boolean option that is not
`named_only` may also be given positionally, in declaration order.  Parsing, help,
completion and the man page are all derived from these records.
"""
from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable, NamedTuple
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
                 "hidden", "schema", "_table")

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
        self._table: OptionTable | None = None

    @property
    def table(self) -> OptionTable:
        """The options arranged for parsing and running, worked out when first needed."""
        if self._table is None:
            self._table = OptionTable(self.opts)
        return self._table

    def option(self, name: str) -> Opt | None:
        return self.table.by_name.get(name)

    @property
    def visible_opts(self) -> tuple[Opt, ...]:
        """The options a body receives: all but the aliases."""
        return self.table.visible


class OptionTable:
    """A command's options as the grammar and the session look them up, for every run of it.

    A batch or a REPL runs the same commands over and over: what their declarations say
    (names, positional slots, required options, body parameters) is worked out once per
    command instead of once per run.  A one-shot run builds the table of its one command.
    """

    __slots__ = ("by_name", "positional", "required", "visible", "params", "_order", "_unset", "_lists")

    def __init__(self, opts: list[Opt]) -> None:
        self.by_name: dict[str, Opt] = {}
        for opt in opts:
            self.by_name.setdefault(opt.name, opt)
        self.positional = tuple(o for o in opts if o.positional)
        self.required = tuple(o for o in opts if o.required)
        self.visible = tuple(o for o in opts if o.type != ALIAS)
        #: The body's keyword for each option it receives.
        self.params = {o.name: o.param for o in self.visible}
        self._order = {o.name: n for n, o in enumerate(self.visible)}
        # What a body receives for an option not given: False for a flag, an empty list for the
        # trailing list, None for anything else and for what the body converts itself (late).
        self._unset: dict[str, Any] = {o.param: False if o.type == BOOL and not o.late else None
                                       for o in self.visible}
        self._lists = tuple(o.param for o in self.visible if o.type == ARGV and not o.late)

    def unset(self) -> dict[str, Any]:
        """The body's keywords, each with its value for an option not given (lists made anew)."""
        values = dict(self._unset)
        for param in self._lists:
            values[param] = []
        return values

    def in_order(self, names: Iterable[str]) -> list[str]:
        """Names of options a body receives, in declaration order (the order in which their
        values are converted, so that the first bad one is the one reported)."""
        return sorted(names, key=self._order.__getitem__)
