"""virsh's `self-test` for vsh: problems in the command declarations, found before anything runs.

It reads the declarations (vsh.registry) and the completer names (vsh.completion); neither
of those reads it, so no import circle runs through it.
"""
from __future__ import annotations

from vsh import registry
from vsh.completion import known_completers
from vsh.spec import ARGV, BOOL, DATA


def check_specs() -> list[str]:
    """Problems in the declarations (virsh's self-test); an empty list means all is well."""
    completers = known_completers()
    problems: list[str] = []
    for spec in registry.all_specs():
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
        elif spec.group in registry.GROUP_HOMES and spec.func.__module__.startswith("vsh.commands."):
            # Only vsh.commands is searched for commands, so a declaration elsewhere (a test's) is no stray.
            home = spec.func.__module__.removeprefix("vsh.commands.").split(".")[0]
            if home != registry.GROUP_HOMES[spec.group]:
                problems.append(f"{where}: declared in vsh.commands.{home}, not in its group's home "
                                f"vsh.commands.{registry.GROUP_HOMES[spec.group]}")
    return problems
