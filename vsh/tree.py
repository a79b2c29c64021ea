"""The command tree in Click: one lazy ``click.Group`` over the declarations and the user's commands.

Each built-in is a ``click.Command`` made from its declaration when first asked for: its
Click parameters mirror the declared options (names, help, required, flag or value), so
Click's introspection (help, completion, documentation tools) sees the real command,
while its parsing is virsh's grammar (``vsh.grammar``) and its invocation is the
session's (``Session.run``), the very code a one-shot run uses without importing Click.
User commands (``vsh.usercmds``) are plain Click commands; they sit in the same tree and
run through the same session, so help, completion, ``--help`` and errors treat both alike.

Listing the tree imports no command module: names come from the generated index.
"""
from __future__ import annotations


import click

from vsh import grammar, registry
from vsh.session import Session
from vsh.spec import ARGV, BOOL, INT, CommandSpec, Opt

#: Where a built-in keeps its parsed invocation in the Click context.
INVOCATION = "vsh.invocation"


def _param(opt: Opt) -> click.Parameter:
    """The Click mirror of one declared option (virsh's grammar, not Click's, parses the words)."""
    names = [f"--{opt.name}", opt.param]
    if opt.type == BOOL:
        return click.Option(names, is_flag=True, help=opt.help)
    metavar = "<number>" if opt.type == INT else "<string>"
    return click.Option(names, required=opt.required, multiple=opt.type == ARGV, metavar=metavar,
                        help=opt.help)


class SpecCommand(click.Command):
    """A built-in command of the tree, made from its declaration."""

    def __init__(self, spec: CommandSpec) -> None:
        super().__init__(spec.name, params=[_param(o) for o in spec.visible_opts], help=spec.desc or spec.help,
                         short_help=spec.help, add_help_option=False, hidden=spec.hidden,
                         context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                                           "allow_interspersed_args": True})
        self.spec = spec

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """virsh's grammar over the words; a grammar error rejects the whole line (VshError)."""
        ctx.meta[INVOCATION] = grammar.parse([self.spec.name, *args])
        return []

    def invoke(self, ctx: click.Context) -> bool:
        return session_of(ctx).run(ctx.meta[INVOCATION])

    def get_help(self, ctx: click.Context) -> str:
        from vsh.helptext import command_help

        return command_help(self.spec).rstrip("\n")


class UserCommand(click.Command):
    """A user's own command in the tree: its words go to the user's Click command when it runs.

    Parsing waits until then, so an eager option such as ``--help`` of one command in a
    line cannot act while the line is still being checked.
    """

    def __init__(self, spec: CommandSpec) -> None:
        inner = spec.click
        super().__init__(spec.name, params=list(inner.params), help=inner.help, short_help=inner.short_help,
                         add_help_option=False, context_settings={"ignore_unknown_options": True,
                                                                  "allow_extra_args": True})
        self.spec = spec

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[INVOCATION] = grammar.parse([self.spec.name, *args])
        return []

    def invoke(self, ctx: click.Context) -> bool:
        return session_of(ctx).run(ctx.meta[INVOCATION])

    def get_help(self, ctx: click.Context) -> str:
        return self.spec.click.get_help(ctx)


def session_of(ctx: click.Context) -> Session:
    session = ctx.find_object(Session)
    if session is None:
        raise click.UsageError("vsh commands run inside a vsh session")
    return session


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
        return sorted(set(INDEX) | {spec.name for spec in registry.user_specs()})

    def get_command(self, ctx: click.Context | None, name: str) -> click.Command | None:  # type: ignore[override]
        made = self._made.get(name)
        if made is not None:
            return made
        spec = registry.get(name)
        if spec is None:
            return None
        made = self._made[name] = UserCommand(spec) if spec.click is not None else SpecCommand(spec)
        return made

    def context(self, session: Session | None) -> click.Context:
        """The root context of a command: the session is every command's context object.

        A command string is parsed before the session exists (nothing may connect before
        the whole string is known to be good); the runner sets the object then.
        """
        return click.Context(self, info_name="vsh", obj=session)

    def parse(self, session: Session | None, words: list[str]) -> grammar.Invocation:
        """One command's words -> its invocation, parsed in its Click context (which it keeps)."""
        cmd = self.get_command(None, words[0])
        if cmd is None:
            return grammar.parse(words)  # raises virsh's "unknown command" error
        ctx = cmd.make_context(words[0], list(words[1:]), parent=self.context(session))
        inv: grammar.Invocation = ctx.meta[INVOCATION]
        inv.context = ctx
        return inv

    def attach(self, session: Session) -> None:
        """Make the session parse every command through this tree (the REPL does)."""
        session.parser = lambda words: self.parse(session, words)


#: The tree.  Building it costs nothing: commands are made when asked for.
TREE = Tree()
