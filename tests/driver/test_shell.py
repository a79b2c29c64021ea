"""The shell's own commands and virsh's grammar, compared with virsh."""
from __future__ import annotations

import pytest

from util import same, virsh, virsh_view, vsh

URI = "test:///default"

GRAMMAR_CASES = [
    'echo a "b c" \'d e\' f\\ g',
    'echo --shell "" "a b" "it\'s" \\$x',
    'echo --xml "<&\\"\'>"',
    'echo --split "a,,b,c" d',
    'echo --err x',
    "echo --shell --xml a",
    "echo --xml --split a",
    'echo "a',
    "echo 'a",
    "echo a\\",
    "echo a #b c; echo d\necho e",
    ";;echo x;;",
    "echo -- --shell a",
    "echo --string=x",
    "echo a; nosuch; echo b",
    "dominfo x; echo hi",
    "list --foo; list",
    "start",
    "start --domain=x --domain=y",
    "start test --domain x",
    "list --all=1",
    "dominfo --domain",
    'dominfo --domain ""',
    "help start",
    "start --help x",
    "list --foo --help",
    "help --foo list",
    "help list domain",
    "help nosuch",
    "help virsh",
    "quit; echo hi",
    "dominfo x; quit; echo hi",
    "pwd",
    "cd /tmp",
    # A command word that is '#' only after quote removal comments out its command.
    "'#x' y; echo z",
    "echo a; '#x' y; echo z",
    "'#x' y\necho z",
    '"#" y; echo z',
    "\\#x y; echo z",
    "'#x' 'y; echo z'",
    "'#x' \"y; echo z",
    "'#x' #y; echo z",
    "'#x' y\\",
    "'#x' y; nosuch",
    "echo '#x' y",
    # --help takes no value.
    "echo --help=data",
    "list --foo --help=x",
    # virsh's hidden self-test of its command tables.
    "self-test",
    "help self-test",
    "self-test x",
    # The first error in reading order: a bad command or option before a later missing quote.
    'nosuch "a',
    'echo --xml --xml "a',
    "list --foo a\\",
    'echo a; nosuch b "c',
    'dominfo a b "c',
    'dominfo --domain "c',
]


@pytest.mark.parametrize("line", GRAMMAR_CASES)
def test_command_string_matches_virsh(line: str) -> None:
    same("-c", URI, line)


@pytest.mark.parametrize("seed", range(0, 300, 50))
def test_generated_grammar_matches_virsh(seed: int) -> None:
    """Seeded strings of quotes, escapes, comments, separators and options: the same bytes, and
    the first error in reading order (a bad command before a later missing quote)."""
    from support.scripts import grammar_line

    problems = []
    for line in map(grammar_line, range(seed, seed + 50)):
        want, got = virsh("-c", URI, line), vsh("-c", URI, line)
        got = got._replace(out=virsh_view(got.out))
        if want != got:
            problems.append(f"{line!r}: virsh {want!r}, vsh {got!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("argv", [["echo", "a;", "b"], ["list", ";"], ["echo", "--", "--x"], ["echo", "a b"],
                                  ["#x", "y"], ["#"]])
def test_argv_words_match_virsh(argv: list[str]) -> None:
    same("-c", URI, *argv)


@pytest.mark.parametrize("opts", [["-q", "echo", "a"], ["-x"], ["--foo"], ["-k", "x", "uri"],
                                  ["-k", "-1", "uri"], ["-c"], ["-d", "x", "uri"]])
def test_global_options_match_virsh(opts: list[str]) -> None:
    same(*opts)


def test_batch_from_stdin_has_no_banner_and_fails_on_error() -> None:
    res = vsh("-c", URI, stdin="echo a\ndominfo nosuch\necho b\n")
    assert res.out == "a\n\nb\n"
    assert res.err == "error: failed to get domain 'nosuch'\n"
    assert res.rc == 1


def test_batch_on_error_stop() -> None:
    res = vsh("-c", URI, "--on-error=stop", stdin="echo a\ndominfo nosuch\necho b\n")
    assert res.out == "a\n\n" and res.rc == 1


def _filtered_virsh_help(implemented: set[str]) -> str:
    """virsh's grouped listing with the commands vsh lacks (and then-empty groups) left out."""
    blocks = virsh("help").out.split("\n\n")
    out = []
    for block in blocks:
        lines = block.split("\n")
        if not lines[0].startswith(" ") or "help keyword" not in lines[0]:
            out.append(block)
            continue
        kept = [ln for ln in lines[1:] if ln.split()[0] in implemented]
        if kept:
            out.append("\n".join([lines[0], *kept]))
    return "\n\n".join(out)


def test_help_listing_is_virshs_restricted_to_implemented_commands() -> None:
    from vsh import registry

    implemented = {s.name for s in registry.all_specs()}
    assert virsh_view(vsh("help").out) == _filtered_virsh_help(implemented)


@pytest.mark.parametrize("line,hint", [("lst", "hint: did you mean 'list'?"),
                                       ("list --al", "hint: did you mean '--all'?"),
                                       ("xyzzy", "hint: 'help' lists the commands")])
def test_hints_on_a_terminal_only(line: str, hint: str) -> None:
    pexpect = pytest.importorskip("pexpect")
    import os
    import sys

    env = {**os.environ, "NO_COLOR": "1"}
    child = pexpect.spawn(sys.executable, ["-m", "vsh", "-c", URI, line], env=env, encoding="utf-8", timeout=20)
    child.expect(pexpect.EOF)
    child.close()
    assert hint in child.before and child.exitstatus == 1
    piped = vsh("-c", URI, line)
    assert "hint:" not in piped.err and piped.rc == 1
