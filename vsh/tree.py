"""The command tree in Click: one lazy ``click.Group`` over the declarations and the user's commands.

Each built-in is a ``click.Command`` made from its declaration when first asked for: an
option virsh also takes by position is a ``click.Argument``, a flag or a named-only option
a ``click.Option``, so Click's introspection (a synopsis, documentation tools) sees the real
command.  Its ``parse_args`` is virsh's grammar (``vsh.grammar``), which fills ``ctx.params``
with the values as virsh reads them; its ``invoke`` hands them to the session (``ctx.obj``),
which converts them where virsh does, at run time, and runs the body: the same code a
one-shot run reaches without importing Click.

The user's own commands (``vsh.usercmds``) are plain Click commands and plain children of
the group.  While a command string is checked they are parsed with ``resilient_parsing``
(nothing eager such as ``--help`` acts before the whole string is known to be good); when
their turn comes they are parsed again and invoked in a context whose parent is the
group's and whose object is the session.

Listing the tree imports no command module: names come from the generated index.
"""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from vsh import grammar, registry, usercmds
from vsh.errors import VshError
from vsh.spec import ARGV, BOOL, INT, CommandSpec, Opt

if TYPE_CHECKING:
    from vsh.session import Session

#: Where a built-in keeps the invocation that runs instead of it (`CMD --help` is `help CMD`).
_INSTEAD = "vsh.instead"
_NOTES = "vsh.notes"
_OUTPUT = "vsh.output"


def _param(opt: Opt) -> click.Parameter:
    """The Click parameter of one declared option (virsh's grammar, not Click's, parses the words)."""
    metavar = "<number>" if opt.type == INT else "<string>"
    if opt.positional:
        # virsh also accepts `--name value` for a positional slot; Click documents the slot.
        many = opt.type == ARGV
        return click.Argument([opt.param], required=opt.required, nargs=-1 if many else 1,
                              metavar=f"[--{opt.name}] {metavar}" + ("..." if many else ""))
    if opt.type == BOOL:
        return click.Option([f"--{opt.name}", opt.param], is_flag=True, help=opt.help)
    return click.Option([f"--{opt.name}", opt.param], required=opt.required, metavar=metavar, help=opt.help)


class BuiltinCommand(click.Command):
    """A built-in command of the tree, made from its declaration."""

    def __init__(self, spec: CommandSpec) -> None:
        super().__init__(spec.name, params=[_param(o) for o in spec.visible_opts], help=spec.desc or spec.help,
                         short_help=spec.help, add_help_option=False, hidden=spec.hidden)
        self.spec = spec

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """virsh's grammar over the words fills ctx.params; a grammar error rejects the whole line (VshError)."""
        inv = grammar.parse([self.spec.name, *args])
        if inv.spec is not self.spec:
            ctx.meta[_INSTEAD] = inv
        ctx.meta[_NOTES] = inv.notes
        ctx.meta[_OUTPUT] = inv.output
        for opt in self.spec.visible_opts:
            ctx.params[opt.param] = inv.values.get(opt.name, False if opt.type == BOOL else None)
        ctx.args = []
        return ctx.args

    def invocation(self, ctx: click.Context) -> grammar.Invocation:
        """The parsed command as the session runs it, read back from ctx.params."""
        instead = ctx.meta.get(_INSTEAD)
        if instead is not None:
            return instead
        values = {}
        for opt in self.spec.visible_opts:
            value = ctx.params[opt.param]
            if value is not None and value is not False:
                values[opt.name] = value
        return grammar.Invocation(self.spec, values, [self.spec.name], ctx.meta.get(_NOTES),
                                  ctx.meta.get(_OUTPUT, ""))

    def invoke(self, ctx: click.Context) -> bool:
        """Hand the values to the session (the context's object), which converts them and runs the body."""
        return bool(ctx.obj.run(self.invocation(ctx)))

    def get_help(self, ctx: click.Context) -> str:
        from vsh.helptext import command_help

        return command_help(self.spec).rstrip("\n")


class Call:
    """One command of a line, parsed through the tree; `run` invokes it inside its context."""

    def __init__(self, tree: Tree, name: str, args: list[str], ctx: click.Context, notes: list[str],
                 output: str = "") -> None:
        self.tree, self.name, self.args, self.context, self.notes = tree, name, args, ctx, notes
        self.output = output  # a user command's `--json`/`--csv` (vsh.grammar.user_output)

    def debug_lines(self) -> list[str]:
        cmd = self.context.command
        return cmd.invocation(self.context).debug_lines() if isinstance(cmd, BuiltinCommand) else []

    def run(self, session: Session) -> bool:
        root = self.context.parent
        assert root is not None
        root.obj = self.context.obj = session
        if isinstance(self.context.command, BuiltinCommand):
            with self.context:
                return self.context.command.invoke(self.context)
        if session.fleet is not None:
            return bool(session.fleet.run_user(self))  # --hosts: on every host (vsh.fleet)
        return session.run_body(None, self.name, True, lambda: _run_user(self.context.command, self.name,
                                                                         self.args, root), self.output)


def _run_user(cmd: click.Command, name: str, args: list[str], root: click.Context) -> None:
    """A user command's turn: Click parses its words again, for real, and invokes it."""
    try:
        with cmd.make_context(name, list(args), parent=root) as ctx:
            result = cmd.invoke(ctx)
    except click.exceptions.Exit as done:
        if done.exit_code:
            raise VshError("") from None
        return
    except click.exceptions.Abort:
        raise KeyboardInterrupt from None
    except click.ClickException as err:
        raise VshError(err.format_message()) from None
    finally:
        try:
            sys.stdout.flush()
        except (OSError, ValueError):
            pass
    # As Click's main() would report it: a non-zero number returned is a failure.
    if isinstance(result, int) and not isinstance(result, bool) and result != 0:
        raise VshError("")


class Tree(click.Group):
    """vsh's command tree; commands are made lazily, one module imported per built-in used."""

    def __init__(self) -> None:
        super().__init__("vsh", help="A virtualization shell on libvirt: a drop-in for virsh.")
        self._made: dict[str, click.Command] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        try:
            from vsh.commands._index import INDEX
        except ImportError:  # a fresh tree before `python -m vsh.docgen --write`
            INDEX = {spec.name: "" for spec in registry.all_specs()}
        return sorted(set(INDEX) | set(usercmds.discover().commands))

    def get_command(self, ctx: click.Context | None, name: str) -> click.Command | None:
        made = self._made.get(name)
        if made is not None:
            return made
        spec = registry.get(name)
        if spec is not None:
            made = self._made[name] = BuiltinCommand(spec)
            return made
        found = usercmds.find(name)
        return found.command if found is not None else None

    def root(self) -> click.Context:
        """The group's context, the parent of every command's.  It has no name, so a user
        command's usage line names the command alone, as a one-shot vsh prints it.  The session
        becomes its object when a command runs: nothing may connect before a whole string parses."""
        return click.Context(self, info_name=None)

    def parse(self, words: list[str]) -> Call:
        """One command's words, parsed in its own context (a child of the group's)."""
        name, args = words[0], list(words[1:])
        cmd = self.get_command(None, name)
        if cmd is None:
            raise grammar.UnknownCommand(name)
        root = self.root()
        if isinstance(cmd, BuiltinCommand):
            ctx = cmd.make_context(name, args, parent=root)
            return Call(self, name, args, ctx, ctx.meta.get(_NOTES, []))
        args, output = grammar.user_output(cmd, args)
        try:
            ctx = cmd.make_context(name, list(args), parent=root, resilient_parsing=True)
        except click.ClickException:
            ctx = click.Context(cmd, info_name=name, parent=root)  # its own turn reports the error
        return Call(self, name, args, ctx, usercmds.take_problems(), output)


#: The tree.  Building it costs nothing: commands are made when asked for.
TREE = Tree()
