"""Virsh itself, virsh's 'virsh' group: help, echo, cd, pwd, connect, quit, exit, and the hidden
`complete`, the completion engine for the shell completion scripts.

`vsh [-c URI] [-r] complete -- WORDS...` prints one candidate per line; WORDS are the
words after `vsh` (global options included) and the last one is the word being
completed.  Like virsh's own `complete`, it is left out of the `help` listings.
"""
from __future__ import annotations

import os

from vsh import registry
from vsh.errors import Quit, VshError
from vsh.output import is_terminal
from vsh.registry import command
from vsh.schema import single
from vsh.session import Session
from vsh.spec import Alias, Argv, Flag, GROUPS, Str
from vsh.values import split_list
from vsh.xmlbuild import buffer_escape


@command("help", group="virsh", help="print help", connect=False, json=False,
         desc="Prints global help, command specific help, or help for a\n    group of related commands",
         opts=[Str("command", "Prints global help, command specific help, or help for a group of related commands",
                   complete="command", empty_ok=True)])
def cmd_help(ctx: Session, command: str | None) -> None:
    from vsh import helptext

    # virsh reads --command quietly: an empty one is no command at all.
    if not command:
        from vsh.usercmds import report_problems

        report_problems(ctx.out)
        ctx.out.write(helptext.group_listing())
        return
    if command in GROUPS:
        specs = registry.by_group().get(command, [])
        ctx.out.write(helptext.group_block(command, specs))
        return
    spec = registry.get(command)
    if spec is None:
        raise VshError(f"command or command group '{command}' doesn't exist")
    if spec.click is not None:
        from vsh.usercmds import help_text

        ctx.out.write(help_text(spec))
        return
    ctx.out.write(helptext.command_help(spec))
    if ctx.out.json or is_terminal(ctx.out.out):
        # The shape of the command's JSON: on a terminal and under --json, never in virsh's piped bytes.
        ctx.out.write(helptext.json_help(spec))


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
            raise VshError(f"command '{command}' doesn't exist")
        if spec.schema is None:
            raise VshError(f"command '{spec.name}' prints no JSON data")
        doc = document(spec.schema, spec.name)
    else:
        doc = {s.name: document(s.schema, s.name) for s in registry.all_specs() if s.schema is not None}
    ctx.out.data(doc, json.dumps(doc, indent=2) + "\n")


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
        pieces = split_list(arg) if split else [arg]
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
    if not text:
        return
    if err:
        ctx.out.error([text])
    else:
        ctx.out.write(text)


@command("cd", group="virsh", help="change the current directory", connect=False, json=False,
         desc="Change the current directory.",
         opts=[Str("dir", "directory to switch to (default: home or else root)", complete="dir", late=True)])
def cmd_cd(ctx: Session, dir: str | None) -> None:
    if not ctx.interactive:
        raise VshError("cd: command valid only in interactive mode")
    # Read only now: virsh refuses cd outside interactive mode before it looks at --dir.
    dir = ctx.late("dir", dir)
    target = dir if dir is not None else (os.environ.get("HOME") or "/")
    try:
        os.chdir(target)
    except OSError as err:
        raise VshError(f"cd: {err.strerror}: {target}") from None


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


@command("complete", group="virsh", help="internal command for autocompletion", desc="internal use only",
         opts=[Argv("string", "partial string to autocomplete")], connect=False, json=False, hidden=True)
def cmd_complete(ctx: Session, string: list[str]) -> None:
    from vsh import completion

    connector = completion.Connector(ctx.connection)
    # One shot: wait for the names (a shell waits for its completion function anyway).
    cache = completion.NameCache(connector.get, wait=30.0)
    try:
        found = completion.complete_argv(string, cache.names)
        for cand in found:
            ctx.out.print(cand.text)
    finally:
        connector.close()
    if not any(cand.text for cand in found):
        raise VshError("")  # nothing to offer: virsh's `complete` fails, silently
