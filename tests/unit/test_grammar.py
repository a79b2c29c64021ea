"""virsh's grammar (vsh.grammar) in-process, against what virsh 9.0 parses and prints for the same words.

virsh's `-d 0` prints every option it parsed (`CMD: NAME(optdata): VALUE`, `CMD: NAME(bool): (none)`),
so the values vsh's parser finds are compared with virsh's own, and grammar errors with virsh's
`error:` lines.  Each virsh run is one short process; vsh's side runs here.
"""
from __future__ import annotations

import re
from typing import Any

import pytest

from util import virsh
from vsh import grammar, registry
from vsh.errors import VshError

URI = "test:///default"


def virsh_parsed(words: list[str]) -> dict[str, list[Any]]:
    """The options virsh parsed from one command given as separate words: name -> values (True for a flag)."""
    res = virsh("-d", "0", "-c", URI, *words)
    line = re.compile(rf"^{re.escape(words[0])}: ([a-z0-9-]+)\((optdata|bool)\): (.*)$")
    found: dict[str, list[Any]] = {}
    for text in res.out.splitlines():
        match = line.match(text)
        if match:
            name, kind, value = match.groups()
            found.setdefault(name, []).append(True if kind == "bool" else value)
    return found


def vsh_parsed(words: list[str]) -> dict[str, list[Any]]:
    inv = grammar.parse(list(words))
    assert inv.spec.name == words[0]
    return {name: list(value) if isinstance(value, list) else [value] for name, value in inv.values.items()}


def vsh_errors(words: list[str]) -> str:
    """vsh's `error:` lines for words its parser rejects, as virsh prints them."""
    with pytest.raises(VshError) as info:
        grammar.parse(list(words))
    return "".join(f"error: {line}\n" for line in info.value.lines())


PARSED = [
    # positional slots fill in declaration order (pool, name, capacity, allocation)
    ["vol-create-as", "default-pool", "v1", "1M"],
    ["vol-create-as", "default-pool", "v1", "1M", "512K", "--print-xml"],
    # an option given by name leaves its slot to the next positional word
    ["vol-create-as", "--name", "v1", "default-pool", "1M", "--print-xml"],
    ["vol-create-as", "--capacity=1M", "default-pool", "v1", "--print-xml"],
    # --opt=value, an empty value, a value that looks like an option
    ["domstate", "--domain=test", "--reason"],
    ["domstate", "--domain="],
    ["domstate", "--domain", "--reason"],
    # `--` ends options: what follows is data, even `--reason`
    ["domstate", "--", "--reason"],
    ["echo", "--", "--xyzzy", "a"],
    # the trailing list takes every remaining word; a single dash, `---x` and `--=x` are data
    ["echo", "a", "--shell", "b", "-x", "---y", "--=x", "-"],
    # aliases: one for an option (its value follows), one for an option=value
    ["setmaxmem", "nosuch", "--kilobytes", "1024", "--config"],
    ["attach-disk", "nosuch", "/a", "vdb", "--shareable"],
    ["domif-getlink", "nosuch", "vnet0", "--persistent"],
]


@pytest.mark.parametrize("words", PARSED, ids=" ".join)
def test_values_are_virshs(words: list[str]) -> None:
    assert vsh_parsed(words) == virsh_parsed(words)


REJECTED = [
    # every missing required option is named, <data> and --option alike
    ["vol-create-as"],
    ["vol-create-as", "default-pool"],
    ["define"],
    ["domstate"],
    # unknown options, no abbreviations
    ["domstate", "test", "--xyzzy"],
    ["domstate", "--dom", "test"],
    # an option given twice, also through its alias or its slot
    ["domstate", "--domain", "a", "--domain", "b"],
    ["domstate", "test", "--reason", "--reason"],
    ["domstate", "test", "--domain", "test"],
    ["setmaxmem", "nosuch", "--size", "5", "--kilobytes", "1024"],
    ["attach-disk", "nosuch", "/a", "vdb", "--shareable", "--mode", "x"],
    # a flag takes no `=`, nor does an option=value alias
    ["domstate", "test", "--reason=yes"],
    ["attach-disk", "nosuch", "/a", "vdb", "--shareable=1"],
    # a valued option at the end, a string and a number
    ["domstate", "--domain"],
    ["vol-create-as", "default-pool", "v1", "1M", "--allocation"],
    ["setmaxmem", "test", "--size"],
    # more words than slots
    ["domstate", "test", "extra"],
    ["echo", "--xyzzy"],
    ["nosuch-command", "x"],
    # `--help` does not stop the parse: what follows it must parse too
    ["domstate", "x", "--help", "--xyzzy"],
    ["domstate", "--help", "x", "extra"],
    ["domstate", "--help", "--domain"],
    ["domstate", "--help", "--reason=1"],
]


@pytest.mark.parametrize("words", REJECTED, ids=" ".join)
def test_errors_are_virshs(words: list[str]) -> None:
    expected = virsh("-c", URI, *words)
    assert expected.rc == 1 and expected.out == ""
    assert vsh_errors(words) == expected.err


@pytest.mark.parametrize("words", [["domstate", "x", "--help"], ["domstate", "--help"],
                                   ["domstate", "--help", "--help", "x"], ["domstate", "--help", "--", "--xyzzy"]],
                         ids=" ".join)
def test_help_anywhere_is_the_commands_help(words: list[str]) -> None:
    """`--help` anywhere, even with a required option missing, makes `help CMD` (virsh prints that help)."""
    inv = grammar.parse(words)
    assert (inv.spec.name, inv.values) == ("help", {"command": "domstate"})
    assert virsh("-c", URI, *words).out == virsh("help", "domstate").out


def test_repeated_option_of_help_is_noted_and_skipped() -> None:
    """virsh reports it and still prints the help; vsh keeps the report as a note of the invocation."""
    inv = grammar.parse(["help", "--command", "domstate", "--command", "list"])
    expected = virsh("help", "--command", "domstate", "--command", "list")
    assert inv.values == {"command": "domstate"}
    assert "".join(f"error: {n}\n" for n in inv.notes) == expected.err
    assert expected.out == virsh("help", "domstate").out


def test_is_option() -> None:
    assert grammar.is_option("--a") and grammar.is_option("--9=x")
    assert not any(grammar.is_option(w) for w in ("--", "-a", "---a", "--=a", "--\u00e9", "a--b"))


def test_tolerant_walk_skips_what_strict_parsing_rejects() -> None:
    """Completion walks a half-typed line: unknown and repeated options, surplus words are skipped."""
    spec = registry.get("domstate")
    assert spec is not None
    walk = grammar.walk_words(spec, ["--xyzzy", "test", "extra", "--reason", "--reason", "--domain"],
                              tolerant=True)
    assert walk.values == {"domain": "test", "reason": True}
    assert walk.pending is not None and walk.pending.name == "domain"
    assert walk.slots == []
    with pytest.raises(VshError):
        grammar.walk_words(spec, ["--xyzzy"])


def test_tolerant_walk_keeps_free_slots_and_sees_the_double_dash() -> None:
    spec = registry.get("vol-create-as")
    assert spec is not None
    walk = grammar.walk_words(spec, ["--name", "v1", "default-pool", "--"], tolerant=True)
    assert walk.values == {"name": "v1", "pool": "default-pool"}
    assert [o.name for o in walk.slots][:2] == ["capacity", "allocation"]
    assert walk.data_only and walk.pending is None
