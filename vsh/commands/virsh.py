"""Virsh itself, virsh's 'virsh' group: help, echo, cd, pwd, connect, quit, exit, and the hidden
`complete`, the completion engine for the shell completion scripts, and `self-test`.

`vsh [-c URI] [-r] complete -- WORDS...` prints one candidate per line; WORDS are the
words after `vsh` (global options included) and the last one is the word being
completed.  Like virsh's own `complete`, it is left out of the `help` listings.
"""
from __future__ import annotations

import os

from vsh import config, registry
from vsh.errors import Quit, VshError
from vsh.output import is_terminal
from vsh.registry import command
from vsh.schema import array, obj, single
from vsh.session import Session
from vsh.settings import SETTINGS, settings_help
from vsh.spec import ARGV, DATA, GROUPS, STRING, Alias, Argv, Flag, Str
from vsh.values import split_list
from vsh.xmlbuild import buffer_escape
from vsh.i18n import msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@command("help", group="virsh", help="print help", connect=False, json=False,
         desc="Prints global help, command specific help, or help for a\n    group of related commands",
         opts=[Str("command", "Prints global help, command specific help, or help for a group of related commands",
                   complete="command", empty_ok=True)])
def cmd_help(ctx: Session, command: str | None) -> None:
    from vsh import helptext, usercmds

    # Without user commands the listings are the generated index's text: no command module loads.
    index = _index() if not usercmds.discover().commands and not usercmds.discover().problems else None
    # virsh reads --command quietly: an empty one is no command at all.
    if not command:
        usercmds.report_problems(ctx.out)
        ctx.out.write(index.LISTING if index is not None else helptext.group_listing())
        ctx.out.write(_alias_listing())
        return
    if index is not None and command in index.GROUP_BLOCKS:
        ctx.out.write(index.GROUP_BLOCKS[command])
        return
    if command in GROUPS:
        specs = registry.by_group(usercmds.entries()).get(command, [])
        ctx.out.write(helptext.group_block(command, specs))
        return
    spec = registry.get(command)
    aliases = config.current().aliases
    if spec is not None:
        ctx.out.write(helptext.command_help(spec))
        if ctx.out.json or is_terminal(ctx.out.out):
            # The shape of the command's JSON: on a terminal and under --json, never in virsh's piped bytes.
            ctx.out.write(helptext.json_help(spec))
    elif command in aliases:
        ctx.out.write(f"  NAME\n    {command} - an alias from {config.current().path}\n\n"
                      f"  EXPANSION\n    {aliases[command]}\n\n")
    elif usercmds.find(command) is not None:
        ctx.out.write(usercmds.help_text(command))
    else:
        raise VshError(msg("command or command group '%s' doesn't exist", command))


# vsh's own command: hidden like `complete`, so that `help` lists exactly virsh's commands.
@command("schema", group="virsh", help="print the JSON Schema of a command's --json output", connect=False,
         hidden=True,
         schema={"type": "object"},
         desc="Prints the JSON Schema (draft 2020-12) that a command's --json output follows;\n"
              "    without a command, an object of every data command's schema by name.",
         opts=[Str("command", "a command that reports data", complete="command")])
def cmd_schema(ctx: Session, command: str | None) -> None:
    import json

    from vsh.schema import document

    if command:
        spec = registry.get(command)
        if spec is None:
            raise VshError(f"command '{command}' doesn't exist")  # vsh's own: English
        if spec.schema is None:
            raise VshError(f"command '{spec.name}' prints no JSON data")
        doc = document(spec.schema, spec.name)
    else:
        doc = {s.name: document(s.schema, s.name) for s in registry.all_specs() if s.schema is not None}
    ctx.out.data(doc, json.dumps(doc, indent=2) + "\n")


def _index() -> Any:
    """The generated index (vsh/commands/_index.py), or None in a tree where it is not generated yet
    or where help is shown in the user's language (the index holds the English text)."""
    from vsh.i18n import translating

    if translating():
        return None
    try:
        from vsh.commands import _index as index
    except ImportError:
        return None
    return index if hasattr(index, "LISTING") else None


@command("echo", group="virsh", help="echo arguments. Used for internal testing.", connect=False, json=False,
         desc="Echo back arguments, possibly with quoting. Used for internal testing.",
         opts=[Flag("shell", "escape for shell use"), Flag("xml", "escape for XML use"),
               Flag("split", "split each argument on ','; ',,' is an escape sequence"),
               Flag("err", "output to stderr"), Alias("str", "string"), Alias("hi", "string=hello"),
               Argv("string", "arguments to echo")],
         exclusive=[("shell", "xml"), ("shell", "split"), ("xml", "split")])
def cmd_echo(ctx: Session, shell: bool, xml: bool, split: bool, err: bool, string: list[str]) -> None:
    from vsh.lexer import quote

    out = []
    for arg in string:
        # vshStringToArray gives no piece at all for an empty word.
        pieces = (split_list(arg) if arg else []) if split else [arg]
        for piece in pieces:
            if xml:
                piece = buffer_escape(piece)
            elif shell:
                piece = quote(piece)
            out.append(piece + ("\n" if split else ""))
        out.append(" ")
    # virsh trims one separator, not every trailing blank: `echo '' a ''` prints " a ".
    text = "".join(out)
    text = text[:-1] if text.endswith(" ") else text
    if err and string:
        # virsh reports even an empty text of some words: `echo --err ""` prints `error: `.
        ctx.out.error([text])
    elif text:
        ctx.out.write(text)


@command("cd", group="virsh", help="change the current directory", connect=False, json=False,
         desc="Change the current directory.",
         opts=[Str("dir", "directory to switch to (default: home or else root)", complete="dir", late=True)])
def cmd_cd(ctx: Session, dir: str | None) -> None:
    if not ctx.interactive:
        raise VshError(msg("cd: command valid only in interactive mode"))
    # Read only now: virsh refuses cd outside interactive mode before it looks at --dir.
    dir = ctx.late("dir", dir)
    target = dir if dir is not None else (os.environ.get("HOME") or "/")
    try:
        os.chdir(target)
    except OSError as err:
        raise VshError(msg("cd: %s: %s", err.strerror, target)) from None


@command("pwd", schema=single("cwd"),
         group="virsh", help="print the current directory", connect=False,
         desc="Print the current directory.")
def cmd_pwd(ctx: Session) -> None:
    cwd = os.getcwd()
    ctx.out.data({"cwd": cwd}, cwd + "\n")


@command("quit", group="virsh", help="quit this interactive terminal", connect=False, json=False)
def cmd_quit(ctx: Session) -> None:
    raise Quit()


@command("exit", group="virsh", help="quit this interactive terminal", connect=False, json=False)
def cmd_exit(ctx: Session) -> None:
    raise Quit()


@command("connect", group="virsh", help="(re)connect to hypervisor", connect=False, json=False,
         desc="Connect to local hypervisor. This is built-in command after shell start up.",
         opts=[Str("name", "hypervisor connection URI", complete="uri", empty_ok=True),
               Flag("readonly", "read-only connection")])
def cmd_connect(ctx: Session, name: str | None, readonly: bool) -> None:
    ctx.connection.reconnect(name, readonly, force=True)
    if ctx.fleet is not None:
        # From several hosts (--hosts) back to one.
        ctx.fleet.close()
        ctx.fleet = None


def _alias_listing() -> str:
    """`help` ends with the config file's aliases, when it has any (virsh has none)."""
    aliases = config.current().aliases
    if not aliases:
        return ""
    lines = [f" Aliases (from {config.current().path}):\n"]
    lines += [f"    {name:<30} {body}\n" for name, body in aliases.items()]
    return "".join(lines) + "\n"


@command("set", group="virsh", help="show or change a setting of this session", connect=False, json=False,
         hidden=True,
         desc="Without arguments, list the settings; with a name, show one; with a value, change it\n"
              "    for this session (the config file is never written). Settings:\n    " + settings_help(),
         opts=[Str("name", "the setting", choices=tuple(SETTINGS)),
               Str("value", "on, off, or (pager) a command", choices=("on", "off"))])
def cmd_set(ctx: Session, name: str | None, value: str | None) -> None:
    from vsh.settings import change

    for key, now in change(ctx, name, value):
        shown = "on" if now is True else "off" if now is False else now
        ctx.out.print(f"{key:<8} {shown}")


@command("config", group="virsh", help="print the settings in effect and where each came from", connect=False,
         hidden=True,
         desc="Prints the effective settings as TOML, each with the place it came from: the config\n"
              "    file and line, a command-line option, the environment, `set`, or the default;\n"
              "    then the aliases and host groups of the config file.",
         schema=obj(file="string?", chosen_by="string",
                    settings=obj(extra=obj(value="string|integer|boolean?", source="string")),
                    aliases=obj(extra="string"), groups=obj(extra=array("string"))))
def cmd_config(ctx: Session) -> None:
    from vsh.settings import report

    obj, text = report(ctx)
    ctx.out.data(obj, text)


@command("complete", group="virsh", help="internal command for autocompletion", desc="internal use only",
         opts=[Argv("string", "partial string to autocomplete")], connect=False, json=False, hidden=True)
def cmd_complete(ctx: Session, string: list[str]) -> None:
    from vsh import completion

    connector = completion.Connector(ctx.connection)
    # One shot: wait for the names (a shell waits for its completion function anyway).
    cache = completion.NameCache(connector.get, wait=30.0)
    try:
        # virsh's `complete` offers virsh's words; vsh's shell scripts ask for --json/--csv too.
        found = completion.complete_argv(string, cache.names, formats=os.environ.get("VSH_COMPLETE_OWN") == "1")
        for cand in found:
            ctx.out.print(cand.text)
    finally:
        connector.close()
    if not any(cand.text for cand in found):
        raise VshError("")  # nothing to offer: virsh's `complete` fails, silently


@command("self-test", group="virsh", help="internal command for testing virt shells", desc="internal use only",
         opts=[Flag("completers-missing", "output the list of options which are missing completers")],
         connect=False, json=False, hidden=True)
def cmd_self_test(ctx: Session, completers_missing: bool) -> None:
    """virsh's check of its command tables, run over vsh's declarations (vsh.selftest).

    With --completers-missing it lists, per command, the valued options that have nothing to
    complete their values from (vsh completes more than virsh, so its list is shorter).
    """
    from vsh.selftest import check_specs

    problems = check_specs()
    if problems:
        raise VshError(problems[0])
    if not completers_missing:
        return
    for spec in registry.all_specs():
        missing = [opt.name for opt in spec.opts if opt.type in (STRING, DATA, ARGV)
                   and not opt.complete and not opt.choices]
        if missing:
            ctx.out.print(f"{spec.name}: {', '.join(missing)}")
