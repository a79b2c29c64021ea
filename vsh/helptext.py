"""Help text in virsh's layout, rendered from the command declarations."""
from __future__ import annotations

from vsh import registry
from vsh.spec import ALIAS, ARGV, BOOL, DATA, GROUPS, INT, STRING, CommandSpec, Opt


def shortopt_flags(spec: CommandSpec) -> list[bool]:
    """Per option: whether an earlier option could be given positionally (virsh's `shortopt`)."""
    seen, out = False, []
    for opt in spec.opts:
        out.append(seen)
        if opt.type in (INT, STRING, DATA) and not opt.named_only:
            seen = True
    return out


def synopsis_part(opt: Opt, shortopt: bool) -> str:
    if opt.type == BOOL:
        return f"[--{opt.name}]"
    if opt.type == INT:
        return f"<{opt.name}>" if opt.required else f"[--{opt.name} <number>]"
    if opt.type == STRING:
        return f"[--{opt.name} <string>]"
    if opt.type == DATA:
        return f"<{opt.name}>" if opt.required else f"[<{opt.name}>]"
    if opt.type == ARGV:
        if shortopt:
            return f"{{[--{opt.name}] <string>}}..." if opt.required else f"[[--{opt.name}] <string>]..."
        return f"<{opt.name}>..." if opt.required else f"[<{opt.name}>]..."
    return ""


def option_label(opt: Opt, shortopt: bool) -> str:
    if opt.type == BOOL:
        return f"--{opt.name}"
    if opt.type == INT:
        return f"[--{opt.name}] <number>" if opt.required else f"--{opt.name} <number>"
    if opt.type == STRING:
        return f"--{opt.name} <string>"
    if opt.type == DATA:
        return f"[--{opt.name}] <string>"
    return f"[--{opt.name}] <string>" if shortopt else f"<{opt.name}>"


def command_help(spec: CommandSpec) -> str:
    """`help COMMAND`, byte for byte as virsh prints it (without the trailing blank line)."""
    flags = shortopt_flags(spec)
    parts = [f"  NAME\n    {spec.name} - {spec.help}\n", "\n  SYNOPSIS\n    " + spec.name]
    for opt, short in zip(spec.opts, flags):
        if opt.type != ALIAS:
            parts.append(" " + synopsis_part(opt, short))
    parts.append("\n")
    if spec.desc:
        parts.append(f"\n  DESCRIPTION\n    {spec.desc}\n")
    visible = [(o, s) for o, s in zip(spec.opts, flags) if o.type != ALIAS]
    if visible:
        parts.append("\n  OPTIONS\n")
        for opt, short in visible:
            parts.append(f"    {option_label(opt, short):<15}  {opt.help}\n")
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
    colon = ":" if keyword_colon else ""
    lines = [f" {GROUPS[group]} (help keyword '{group}'){colon}\n"]
    lines += [f"    {s.name:<30} {s.help}\n" for s in specs]
    return "".join(lines)


def group_listing(header: bool = True, keyword_colon: bool = True) -> str:
    """`help` with no argument: every group with its commands."""
    out = ["Grouped commands:\n\n"] if header else []
    for group, specs in registry.by_group().items():
        out.append(group_block(group, specs, keyword_colon) + "\n")
    return "".join(out)
