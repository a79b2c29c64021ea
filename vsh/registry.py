"""The command tree: the @command decorator, lazy loading per module, and check_specs().

A one-shot command imports only the module that declares it, found through the
generated index in vsh/commands/_index.py (``python -m vsh.docgen --write`` refreshes
it; a test fails when it is stale).  Listing all commands imports every module.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable, Iterable

from vsh.spec import ARGV, BOOL, DATA, GROUPS, CommandSpec, Opt

_SPECS: dict[str, CommandSpec] = {}
_USER: dict[str, CommandSpec] = {}
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
    importlib.import_module(f"vsh.commands.{module}")


#: The module (or package) under vsh.commands that is each group's home, named after the group
#: as virsh's virsh-*.c files are; the 'filter' group keeps virsh's name, nwfilter.
GROUP_HOMES: dict[str, str] = {g: g for g in GROUPS if g not in ("filter", "user")}
GROUP_HOMES["filter"] = "nwfilter"


def get(name: str) -> CommandSpec | None:
    """The spec of a command by name: a built-in, else a user command (vsh.usercmds)."""
    spec = get_builtin(name)
    if spec is not None:
        return spec
    return user_spec(name)


def user_spec(name: str) -> CommandSpec | None:
    """A user command's declaration; looking for one loads the user's command files once."""
    from vsh import usercmds

    spec = _USER.get(name)
    if spec is None:
        found = usercmds.find(name)
        if found is None:
            return None
        spec = _USER[name] = usercmds.spec_for(found)
    return spec


def user_specs() -> list[CommandSpec]:
    """Every user command, sorted by name."""
    from vsh import usercmds

    for found in usercmds.discover().commands.values():
        user_spec(found.name)
    return [_USER[k] for k in sorted(_USER)]


#: virsh's command aliases (VSH_CMD_FLAG_ALIAS): the old name runs, and `help` shows, the new
#: command; like virsh, listings and completion leave the alias out.
COMMAND_ALIASES: dict[str, str] = {"nodedev-dettach": "nodedev-detach"}


def get_builtin(name: str) -> CommandSpec | None:
    """The spec of a built-in command by name, importing only its module when the index knows it."""
    name = COMMAND_ALIASES.get(name, name)
    spec = _SPECS.get(name)
    if spec is not None:
        return spec
    try:
        from vsh.commands._index import INDEX
    except ImportError:  # the index is generated; a fresh tree may not have it yet
        INDEX = {}
    module = INDEX.get(name)
    if module is not None:
        try:
            _load(module)
        except ImportError:
            pass
        spec = _SPECS.get(name)
        if spec is not None:
            return spec
    load_all()
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


def listed_specs() -> list[CommandSpec]:
    """What `help` and command-name completion offer: the built-ins, then the user's own commands."""
    return [s for s in all_specs() + user_specs() if not s.hidden]


def by_group(users: str = "all") -> dict[str, list[CommandSpec]]:
    """Listed commands per group in virsh's group order; hidden commands and empty groups are left out.

    `users` says which user commands join (in the "user" group): "all", "packaged" (those
    from installed packages, for a man page) or "none" (the committed man page).
    """
    from vsh.helporder import RANK

    if users == "none":
        listed = [s for s in all_specs() if not s.hidden]
    else:
        listed = listed_specs()
        if users == "packaged":
            from vsh import usercmds

            found = usercmds.discover().commands
            listed = [s for s in listed if s.click is None or found[s.name].packaged]
    groups: dict[str, list[CommandSpec]] = {g: [] for g in GROUPS}
    for spec in sorted(listed, key=lambda s: (RANK.get(s.name, len(RANK)), s.name)):
        groups[spec.group].append(spec)
    return {g: cmds for g, cmds in groups.items() if cmds}


def module_of(name: str) -> str:
    """The module declaring a built-in command, dotted below vsh.commands ("domain.lifecycle")."""
    spec = get(name)
    assert spec is not None and spec.func is not None
    return spec.func.__module__.removeprefix("vsh.commands.")


def check_specs() -> list[str]:
    """Problems in the declarations (virsh's self-test); an empty list means all is well."""
    from vsh.completion import known_completers

    completers = known_completers()
    problems: list[str] = []
    for spec in all_specs():
        where = f"command '{spec.name}'"
        if not spec.help:
            problems.append(f"{where}: empty help")
        seen_optional = False
        names = set()
        for i, opt in enumerate(spec.opts):
            if opt.name in names:
                problems.append(f"{where}: option --{opt.name} declared twice")
            names.add(opt.name)
            if opt.type == "alias":
                if spec.option(opt.target.split("=")[0]) is None:
                    problems.append(f"{where}: alias --{opt.name} points nowhere")
                continue
            if not opt.help:
                problems.append(f"{where}: option --{opt.name} has empty help")
            if opt.type == BOOL and opt.required:
                problems.append(f"{where}: flag --{opt.name} cannot be required")
            if opt.type == ARGV and i != len(spec.opts) - 1:
                problems.append(f"{where}: list option --{opt.name} must come last")
            if opt.type == DATA and not opt.required:
                problems.append(f"{where}: data option --{opt.name} must be required")
            if opt.positional:
                if opt.required and seen_optional and opt.type != ARGV:
                    problems.append(f"{where}: required --{opt.name} after an optional one")
                if not opt.required:
                    seen_optional = True
            elif opt.type == BOOL:
                seen_optional = True
            if opt.complete and opt.complete not in completers:
                problems.append(f"{where}: option --{opt.name} names unknown completer '{opt.complete}'")
            if opt.comma and not (opt.complete or opt.choices):
                problems.append(f"{where}: list option --{opt.name} has nothing to complete its items from")
            if (opt.type != BOOL and opt.name in ("domain", "network", "pool", "vol", "interface", "secret")
                    and not opt.complete):
                problems.append(f"{where}: object option --{opt.name} has no completer")
        for group in spec.exclusive + [tuple(r) for r in spec.requires]:
            for n in group:
                if spec.option(n) is None:
                    problems.append(f"{where}: constraint names unknown option --{n}")
        if spec.func is None:
            problems.append(f"{where}: no body")
        elif spec.group in GROUP_HOMES and spec.func.__module__.startswith("vsh.commands."):
            # Only vsh.commands is searched for commands, so a declaration elsewhere (a test's) is no stray.
            home = spec.func.__module__.removeprefix("vsh.commands.").split(".")[0]
            if home != GROUP_HOMES[spec.group]:
                problems.append(f"{where}: declared in vsh.commands.{home}, not in its group's home "
                                f"vsh.commands.{GROUP_HOMES[spec.group]}")
    return problems
