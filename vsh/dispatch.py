"""One command's words -> what the session runs, by the cheapest road.

A built-in goes through virsh's grammar alone (vsh.grammar): no Click, no look for user
commands.  A name no built-in has may be a user command, which only the Click tree
(vsh.tree) parses and runs; the REPL and `VSH_TREE=1` send every command through the tree.
When no command has the name, this is where the error gets its details: the user-command
files that failed to load (reported once) and a "did you mean" hint.
"""
from __future__ import annotations


from vsh import grammar

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def parse(words: list[str], through_tree: bool = False) -> Any:
    """A parsed command (a grammar.Invocation or a tree.Call); grammar errors raise VshError."""
    try:
        if not through_tree:
            try:
                return grammar.parse(words)
            except grammar.UnknownCommand:
                from vsh import usercmds

                if usercmds.find(words[0]) is None:
                    raise
        from vsh.tree import TREE

        return TREE.parse(words)
    except grammar.UnknownCommand as err:
        raise _detailed(err) from None


def parse_in_tree(words: list[str]) -> Any:
    """Every command through the Click tree, as the REPL runs them."""
    return parse(words, through_tree=True)


def _detailed(err: grammar.UnknownCommand) -> grammar.GrammarErrors:
    from vsh import registry, usercmds

    names = [s.name for s in registry.all_specs() if not s.hidden] + list(usercmds.discover().commands)
    hint = grammar.suggest(err.name, names, "") or "'help' lists the commands"
    return grammar.GrammarErrors(usercmds.take_problems() + err.lines(), hint=hint)
