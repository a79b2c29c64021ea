"""virsh's argument grammar: one command's words -> the values of its options.

Rules (virsh 9.0): `--opt value` and `--opt=value`; flags take no `=`; non-flag options
not marked named-only fill positional slots in declaration order, and an option given
by name leaves its slot; `--` ends options; the trailing list option takes every
remaining positional word; `--help` anywhere turns the command into its help.
Every error here rejects the whole command string before anything runs.
"""
from __future__ import annotations

from typing import Any

from vsh import registry
from vsh.errors import VshError
from vsh.spec import ALIAS, ARGV, BOOL, DATA, INT, CommandSpec, Opt


class Invocation:
    """A parsed command: its spec and the raw option values (str, list of str, or True).

    `notes` are error lines the parser reported without rejecting the command (virsh
    does that only for `help`, whose bad options it skips).
    """

    __slots__ = ("spec", "values", "words", "notes")

    def __init__(self, spec: CommandSpec, values: dict[str, Any], words: list[str],
                 notes: list[str] | None = None) -> None:
        self.spec, self.values, self.words = spec, values, words
        self.notes = notes or []

    def given(self, name: str) -> bool:
        return name in self.values


class GrammarErrors(VshError):
    """Several `error:` lines from one parse (virsh names every missing required option)."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(messages[0])
        self.messages = messages

    def lines(self) -> list[str]:
        return list(self.messages)


def parse(words: list[str]) -> Invocation:
    """Parse one command (its name first) against its declaration."""
    name = words[0]
    spec = registry.get(name)
    if spec is None:
        raise VshError(f"unknown command: '{name}'", hint=_suggest(name, [s.name for s in registry.all_specs()
                                                                          if not s.hidden], "") or
                       "'help' lists the commands")
    values: dict[str, Any] = {}
    notes: list[str] = []
    slots = [o for o in spec.opts if o.positional]
    data_only = False
    i = 1
    while i < len(words):
        word = words[i]
        i += 1
        if not data_only and word.startswith("--"):
            if word == "--":
                data_only = True
                continue
            if word == "--help":
                return help_for(spec.name, words)
            optname, eq, optval = word[2:].partition("=")
            inline: str | None = optval if eq else None
            try:
                opt = _find(spec, optname, values)
            except VshError as err:
                if spec.name != "help":
                    raise
                # virsh reports a repeated option of `help`, skips it and still runs the command.
                notes.append(err.message)
                continue
            if opt is None:
                if spec.name == "help":
                    continue
                raise VshError(f"command '{spec.name}' doesn't support option --{optname}",
                               hint=_suggest(optname, [o.name for o in spec.visible_opts], "--") or
                               f"'help {spec.name}' lists its options")
            if opt.type == ALIAS:
                target, teq, tval = opt.target.partition("=")
                if teq:
                    if inline is not None:
                        raise VshError(f"invalid '=' after option --{opt.name}")
                    inline = tval
                opt = _find(spec, target, values)
                assert opt is not None
            if opt.type == BOOL:
                if inline is not None:
                    raise VshError(f"invalid '=' after option --{opt.name}")
                values[opt.name] = True
                continue
            if inline is None:
                if i >= len(words):
                    kind = "number" if opt.type == INT else "string"
                    raise VshError(f"expected syntax: --{opt.name} <{kind}>")
                inline = words[i]
                i += 1
            _store(values, opt, inline)
            if opt.type != ARGV and opt in slots:
                slots.remove(opt)
        else:
            if not slots:
                if spec.name == "help" and "command" in values:
                    continue
                raise VshError(f"unexpected data '{word}'")
            opt = slots[0]
            if opt.type != ARGV:
                slots.pop(0)
            _store(values, opt, word)
    missing = []
    for opt in spec.opts:
        if opt.required and opt.name not in values:
            if opt.type in (DATA, ARGV):
                missing.append(f"command '{spec.name}' requires <{opt.name}> option")
            else:
                missing.append(f"command '{spec.name}' requires --{opt.name} option")
    if missing:
        raise GrammarErrors(missing)
    return Invocation(spec, values, list(words), notes)


def _find(spec: CommandSpec, name: str, values: dict[str, Any]) -> Opt | None:
    opt = spec.option(name)
    if opt is None:
        return None
    if opt.type not in (ARGV, ALIAS) and opt.name in values:
        raise VshError(f"option --{name} already seen")
    return opt


def _store(values: dict[str, Any], opt: Opt, value: str) -> None:
    if opt.type == ARGV:
        values.setdefault(opt.name, []).append(value)
    else:
        values[opt.name] = value


def help_for(name: str, words: list[str] | None = None) -> Invocation:
    """`CMD --help` is `help --command CMD`."""
    spec = registry.get("help")
    assert spec is not None
    return Invocation(spec, {"command": name}, words or ["help", name])


def parse_all(commands: list[list[str]]) -> list[Invocation]:
    """Parse every command of a string before any runs, as virsh does."""
    return [parse(words) for words in commands]


def _suggest(word: str, names: list[str], prefix: str) -> str:
    """A "did you mean" hint for a mistyped command or option name (shown on a terminal only)."""
    import difflib

    close = difflib.get_close_matches(word, names, n=3, cutoff=0.6)
    if not close:
        return ""
    return "did you mean " + " or ".join(f"'{prefix}{c}'" for c in close) + "?"
