"""The declarations: the @command decorator and lazy loading per module.

A one-shot command imports only the module that declares it, found through the
generated index in vsh/commands/_index.py (``python -m vsh.docgen --write`` refreshes
it; a test fails when it is stale).  Listing all commands imports every module.
"""
from __future__ import annotations


from vsh.spec import GROUPS, CommandSpec, Opt

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable

_SPECS: dict[str, CommandSpec] = {}
_ALL_LOADED = False


def command(
    name: str,
    group: str,
    help: str,
    desc: str = "",
    opts: Iterable[Opt] = (),
    connect: bool = True,
    exclusive: Iterable[tuple[str, ...]] = (),
    requires: Iterable[tuple[str, str]] = (),
    json: bool = True,
    hidden: bool = False,
    schema: dict[str, Any] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a command; the decorated function is its body.

    The body is called as ``fn(ctx, **values)`` with one keyword per option (dashes
    become underscores); options not given are None (False for flags, [] for lists).
    `exclusive` lists option groups of which at most one may be given, `requires`
    pairs (option, needed option), both checked before the body runs, as virsh does.
    `hidden` commands run and have `help CMD`, but no group listing shows them.
    `schema` is the JSON Schema of the command's --json output (built with vsh.schema).
    """

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        if group not in GROUPS:
            raise ValueError(f"unknown group {group!r} for {name}")
        _SPECS[name] = CommandSpec(
            name=name, group=group, help=help, desc=desc, opts=list(opts), func=fn,
            connect=connect, exclusive=list(exclusive), requires=list(requires), json=json,
            hidden=hidden, schema=schema,
        )
        return fn

    return deco


def command_modules() -> list[str]:
    """Every module under vsh.commands that may declare commands, as dotted names below it
    ("monitor", "domain.lifecycle"); packages (one per large group) are walked into."""
    import pkgutil

    import vsh.commands

    prefix = "vsh.commands."
    names = (m.name.removeprefix(prefix) for m in pkgutil.walk_packages(vsh.commands.__path__, prefix) if not m.ispkg)
    return sorted(n for n in names if n != "common" and not any(p.startswith("_") for p in n.split(".")))


def _load(module: str) -> None:
    __import__(f"vsh.commands.{module}")  # not importlib: its import is start-up time


#: The module (or package) under vsh.commands that is each group's home, named after the group
#: as virsh's virsh-*.c files are; the 'filter' group keeps virsh's name, nwfilter.
GROUP_HOMES: dict[str, str] = {g: g for g in GROUPS if g not in ("filter", "user")}
GROUP_HOMES["filter"] = "nwfilter"


#: virsh's command aliases (VSH_CMD_FLAG_ALIAS): the old name runs, and `help` shows, the new
#: command; like virsh, listings and completion leave the alias out.
COMMAND_ALIASES: dict[str, str] = {"nodedev-dettach": "nodedev-detach"}


def get(name: str) -> CommandSpec | None:
    """A built-in command's declaration by name, importing only the module the index names.

    The generated index is the truth (a test keeps it fresh), so a name it does not know
    is no built-in and costs no import; only a tree without an index loads every module.
    """
    name = COMMAND_ALIASES.get(name, name)
    spec = _SPECS.get(name)
    if spec is not None:
        return spec
    try:
        from vsh.commands._index import INDEX
    except ImportError:  # the index is generated; a fresh tree may not have it yet
        load_all()
        return _SPECS.get(name)
    module = INDEX.get(name)
    if module is not None:
        _load(module)
    return _SPECS.get(name)


def load_all() -> None:
    global _ALL_LOADED
    if not _ALL_LOADED:
        for module in command_modules():
            _load(module)
        _ALL_LOADED = True


def all_specs() -> list[CommandSpec]:
    """All built-in commands, sorted by name."""
    load_all()
    return [_SPECS[k] for k in sorted(_SPECS)]


def by_group(extra: Iterable[CommandSpec] = ()) -> dict[str, list[CommandSpec]]:
    """Listed commands per group in virsh's group order; hidden commands and empty groups are left out.

    `extra` are more entries to list, the user's own commands (vsh.usercmds.entries()).
    """
    from vsh.helporder import RANK

    listed = [s for s in all_specs() if not s.hidden] + list(extra)
    groups: dict[str, list[CommandSpec]] = {g: [] for g in GROUPS}
    for spec in sorted(listed, key=lambda s: (RANK.get(s.name, len(RANK)), s.name)):
        groups[spec.group].append(spec)
    return {g: cmds for g, cmds in groups.items() if cmds}


def module_of(name: str) -> str:
    """The module declaring a built-in command, dotted below vsh.commands ("domain.lifecycle")."""
    spec = get(name)
    assert spec is not None and spec.func is not None
    return spec.func.__module__.removeprefix("vsh.commands.")
