"""The session runner (vsh.session) in-process: a real Session on test:///default printing into
StringIO, against virsh run on the same command strings.

Value conversion, exclusive and required-together options, the blank line or timing after each
command, a grammar error rejecting the whole string, and the status of a string of commands.
"""
from __future__ import annotations

import io
import json
import re
from typing import Any, Iterator

import pytest

from util import Result, virsh
from vsh.grammar import Invocation
from vsh.output import Printer
from vsh.session import Session
from vsh.spec import Argv, CommandSpec, Data, Flag, Int, Str

URI = "test:///default"


@pytest.fixture(autouse=True, scope="module")
def _quiet_libvirt() -> None:
    """libvirt-python prints every error on the process's stderr unless told not to (as vsh's cli does)."""
    from vsh.connection import silence_libvirt

    silence_libvirt()


def run(line: str, *, timing: bool = False, json_mode: bool = False, stop_on_error: bool = False) -> Result:
    """One command string through a fresh Session, as `vsh -c test:///default LINE` runs it."""
    out, err = io.StringIO(), io.StringIO()
    session = Session(Printer(out, err, json_mode=json_mode), uri=URI, timing=timing)
    session.stop_on_error = stop_on_error
    try:
        ok = session.run_line(line)
    finally:
        session.close()
    return Result(out.getvalue(), err.getvalue(), 0 if ok else 1)


LINES = [
    # the last command's status is the string's
    "domstate test; echo hi",
    "domstate nosuch; domstate test",
    "domstate test; domstate nosuch",
    # a grammar error anywhere rejects the whole string before anything runs
    "echo a; domstate --xyzzy; echo b",
    "echo a; domstate test extra",
    # a bad value fails its command at run time; the others run
    "echo a; freecell --cellno abc; echo b",
    "freecell --cellno 99999999999999999999",
    "freecell --cellno +0",
    "setmaxmem test 1Q --config",
    "setmaxmem test 1M --config; dumpxml test --inactive --xpath //memory",
    "domstate ''",
    # exclusive options, options that need another
    "setvcpus test 2 --config --live --current",
    "setvcpus test 2 --maximum",
    "setvcpus test 2 --guest --config",
    "domtime test --now --sync",
]


@pytest.mark.parametrize("line", LINES)
def test_command_strings_run_as_in_virsh(line: str) -> None:
    assert run(line) == virsh("-c", URI, line)


_TIME = re.compile(r"\(Time: [0-9]+\.[0-9]{3} ms\)")


def test_timing_follows_every_command_as_in_virsh() -> None:
    line = "domstate test; echo hi; domstate nosuch"
    got, expected = run(line, timing=True), virsh("-t", "-c", URI, line)
    assert _TIME.findall(got.out) and len(_TIME.findall(got.out)) == len(_TIME.findall(expected.out)) == 3
    assert _TIME.sub("(Time)", got.out) == _TIME.sub("(Time)", expected.out)
    assert (got.err, got.rc) == (expected.err, expected.rc)


def test_timing_goes_to_stderr_under_json() -> None:
    got = run("domstate test", timing=True, json_mode=True)
    assert json.loads(got.out) == {"state": "running", "reason": "unknown"}
    assert _TIME.fullmatch(got.err.strip()) and got.err.startswith("\n(Time: ")


def test_stop_on_error_ends_the_string_at_the_first_failure() -> None:
    """Without it the string goes on, as in virsh; with it (--on-error=stop) nothing runs after a failure."""
    line = "domstate nosuch; echo after"
    assert run(line) == virsh("-c", URI, line)
    assert run(line, stop_on_error=True) == Result("\n", "error: failed to get domain 'nosuch'\n", 1)


def _probe() -> tuple[CommandSpec, list[dict[str, Any]]]:
    """A command of the test's own: its body records what it receives."""
    calls: list[dict[str, Any]] = []
    spec = CommandSpec("probe", "virsh", "a probe", "", [
        Data("name", "a name"), Int("count", "a number"), Str("size", "a size", conv="scaled", scale=1024),
        Int("big", "a big number", conv="ulong"), Str("text", "some text"), Flag("force", "a flag"),
        Flag("alone", "another flag"), Argv("rest", "more words")],
        func=lambda ctx, **values: calls.append(values), connect=False,
        exclusive=[("force", "alone")], requires=[("count", "name")])
    return spec, calls


@pytest.fixture
def session() -> Iterator[tuple[Session, io.StringIO, io.StringIO]]:
    out, err = io.StringIO(), io.StringIO()
    s = Session(Printer(out, err), uri=URI)
    yield s, out, err
    s.close()


def test_values_are_converted_before_the_body_runs(session: tuple[Session, io.StringIO, io.StringIO]) -> None:
    s, out, err = session
    spec, calls = _probe()
    inv = Invocation(spec, {"name": "x", "count": "+5", "size": "2M", "big": "18446744073709551615",
                            "force": True, "rest": ["a", "b"]}, ["probe"])
    assert s.run(inv)
    assert calls == [{"name": "x", "count": 5, "size": 2 * 1024**2, "big": 2**64 - 1, "text": None,
                      "force": True, "alone": False, "rest": ["a", "b"]}]
    assert (out.getvalue(), err.getvalue()) == ("\n", "")
    # A size without a unit is in the option's own unit (KiB here).
    assert s.run(Invocation(spec, {"name": "x", "size": "3"}, ["probe"]))
    assert calls[-1]["size"] == 3 * 1024 and calls[-1]["rest"] == [] and calls[-1]["count"] is None


@pytest.mark.parametrize("values, message", [
    ({"name": "x", "count": "abc"}, "Numeric value 'abc' for <count> option is malformed or out of range"),
    ({"name": "x", "count": "2147483648"}, "Numeric value '2147483648' for <count> option is malformed or out of range"),
    ({"name": "x", "big": "18446744073709551616"},
     "Numeric value '18446744073709551616' for <big> option is malformed or out of range"),
    ({"name": "x", "size": "1Q"}, "Scaled numeric value '1Q' for <size> option is malformed or out of range"),
    ({"name": "x", "text": ""}, "Failed to get option 'text': Option argument is empty"),
    ({"name": "x", "force": True, "alone": True}, "Options --force and --alone are mutually exclusive"),
    ({"count": "1"}, "Option --name is required by option --count"),
])
def test_a_bad_value_fails_the_command_and_the_body_never_runs(
        session: tuple[Session, io.StringIO, io.StringIO], values: dict[str, Any], message: str) -> None:
    s, out, err = session
    spec, calls = _probe()
    assert not s.run(Invocation(spec, values, ["probe"]))
    assert calls == []
    assert err.getvalue().startswith(f"error: {message}\n")
    assert out.getvalue() == "\n" and not s.last_ok


def test_run_all_counts_failures_and_the_last_status_wins(session: tuple[Session, io.StringIO, io.StringIO]) -> None:
    s, out, err = session
    spec, calls = _probe()
    bad, good = Invocation(spec, {"name": "x", "count": "x"}, ["probe"]), Invocation(spec, {"name": "y"}, ["probe"])
    assert s.run_all([bad, good]) and s.failures == 1 and len(calls) == 1
    assert not s.run_all([good, bad]) and s.failures == 2 and len(calls) == 2
    s.stop_on_error = True
    assert not s.run_all([bad, good]) and s.failures == 3 and len(calls) == 2


def test_a_body_that_raises_becomes_an_error_line(session: tuple[Session, io.StringIO, io.StringIO]) -> None:
    s, out, err = session

    def body(ctx: Any, **_values: Any) -> None:
        raise OSError(2, "No such file or directory", "/nonexistent")

    spec = CommandSpec("probe", "virsh", "a probe", "", [], func=body, connect=False)
    assert not s.run(Invocation(spec, {}, ["probe"]))
    assert err.getvalue() == "error: No such file or directory: /nonexistent\n"


@pytest.mark.parametrize("traceback", [False, True])
def test_an_unexpected_error_is_reported_as_a_bug_and_fails_only_its_command(
        session: tuple[Session, io.StringIO, io.StringIO], monkeypatch: pytest.MonkeyPatch, traceback: bool) -> None:
    s, out, err = session
    if traceback:
        monkeypatch.setenv("VSH_TRACEBACK", "1")
    else:
        monkeypatch.delenv("VSH_TRACEBACK", raising=False)

    def body(ctx: Any, **_values: Any) -> None:
        raise KeyError("surprise")

    broken = CommandSpec("probe", "virsh", "a probe", "", [], func=body, connect=False)
    spec, calls = _probe()
    assert s.run_all([Invocation(broken, {}, ["probe"]), Invocation(spec, {"name": "x"}, ["probe"])])
    assert len(calls) == 1 and s.failures == 1
    lines = err.getvalue().splitlines()
    assert lines[:2] == ["error: internal error: KeyError: 'surprise'",
                         "error: this is a bug in vsh; run with VSH_TRACEBACK=1 to see where it happened"]
    assert (lines[2:3] == ["Traceback (most recent call last):"]) == traceback
    assert lines[-1:] == (["KeyError: 'surprise'"] if traceback else lines[1:2])
    assert out.getvalue() == "\n\n"
