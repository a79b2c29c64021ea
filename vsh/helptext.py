"""Help text in virsh's layout, rendered from the command declarations."""
from __future__ import annotations

from vsh import registry
from vsh.i18n import _, fmt, printf
from vsh.spec import ALIAS, ARGV, BOOL, DATA, GROUPS, INT, STRING, CommandSpec, Opt


def shortopt_flags(spec: CommandSpec) -> list[bool]:
    """Per option: whether an earlier option could be given positionally (virsh's `shortopt`)."""
    seen, out = False, []
    for opt in spec.opts:
        out.append(seen)
        if opt.type in (INT, STRING, DATA) and not opt.named_only:
            seen = True
    return out


# virsh's msgids for an option, by type, as (required, optional): in the synopsis and in OPTIONS.
_SYNOPSIS = {BOOL: ("[--%s]", "[--%s]"), INT: ("<%s>", "[--%s <number>]"), STRING: ("[--%s <string>]",) * 2,
             DATA: ("<%s>", "[<%s>]")}
_LABEL = {BOOL: ("--%s",) * 2, INT: ("[--%s] <number>", "--%s <number>"), STRING: ("--%s <string>",) * 2,
          DATA: ("[--%s] <string>",) * 2}


def synopsis_part(opt: Opt, shortopt: bool) -> str:
    """One option in the synopsis; virsh translates the forms its catalog holds."""
    if opt.type == ARGV:
        forms = ("{[--%s] <string>}...", "[[--%s] <string>]...") if shortopt else ("<%s>...", "[<%s>]...")
    elif opt.type in _SYNOPSIS:
        forms = _SYNOPSIS[opt.type]
    else:
        return ""
    return fmt(forms[0] if opt.required else forms[1], opt.name)


def option_label(opt: Opt, shortopt: bool) -> str:
    if opt.type in _LABEL:
        return fmt(_LABEL[opt.type][0 if opt.required else 1], opt.name)
    return fmt("[--%s] <string>" if shortopt else "<%s>", opt.name)


def command_help(spec: CommandSpec) -> str:
    """`help COMMAND`, byte for byte as virsh prints it (without the trailing blank line)."""
    flags = shortopt_flags(spec)
    parts = [_("  NAME\n"), f"    {spec.name} - {_(spec.help)}\n", _("\n  SYNOPSIS\n"), "    " + spec.name]
    for opt, short in zip(spec.opts, flags):
        if opt.type != ALIAS:
            parts.append(" " + synopsis_part(opt, short))
    parts.append("\n")
    if spec.desc:
        parts.append(_("\n  DESCRIPTION\n") + f"    {_(spec.desc)}\n")
    visible = [(o, s) for o, s in zip(spec.opts, flags) if o.type != ALIAS]
    if visible:
        parts.append(_("\n  OPTIONS\n"))
        for opt, short in visible:
            parts.append(printf("    %-15s  %s\n", option_label(opt, short), _(opt.help)))
    parts.append("\n")
    return "".join(parts)


def json_help(spec: CommandSpec) -> str:
    """The JSON section `help COMMAND` adds on a terminal or under --json: the output's shape."""
    if spec.schema is None:
        return ""
    from vsh.schema import shape_lines, tabular

    csv = " and --csv" if tabular(spec.schema) else ""
    lines = shape_lines(spec.schema, 4)
    return (f"  JSON (--json{csv}; 'schema {spec.name}' prints the JSON Schema)\n" +
            "".join(line + "\n" for line in lines) + "\n")


def group_block(group: str, specs: list[CommandSpec], keyword_colon: bool = True) -> str:
    # virsh leaves the group titles in English.
    lines = [fmt(" %s (help keyword '%s'):\n" if keyword_colon else " %s (help keyword '%s')\n", GROUPS[group], group)]
    lines += [printf("    %-30s %s\n", s.name, _(s.help)) for s in specs]
    return "".join(lines)


def group_listing(header: bool = True, keyword_colon: bool = True, users: bool = True) -> str:
    """`help` with no argument: every group with its commands (the user's own too, unless `users` is False)."""
    out = [_("Grouped commands:\n\n")] if header else []
    from vsh import usercmds

    for group, specs in registry.by_group(usercmds.entries() if users else ()).items():
        out.append(group_block(group, specs, keyword_colon) + "\n")
    return "".join(out)
