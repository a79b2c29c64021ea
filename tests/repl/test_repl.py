"""The interactive shell: prompt_toolkit pipe input in process, and the real binary in a pseudo-terminal."""
from __future__ import annotations

import io
import os
import stat
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from util import finish_pty as finish
from vsh import registry, repl
from vsh.output import Printer
from vsh.session import Session
from vsh.spec import CommandSpec

ROOT = Path(__file__).resolve().parent.parent.parent
URI = "test:///default"
BANNER = ("Welcome to vsh, the virtualization interactive terminal.\r\n\r\n"
          "Type:  'help' for help with commands\r\n"
          "       'quit' to quit\r\n\r\n")
# prompt_toolkit draws the prompt's trailing space as a cursor move.
PROMPT = "vsh #"
RO_PROMPT = "vsh >"


# factories and files ---------------------------------------------------------------------

def session(readonly: bool = False) -> tuple[Session, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return Session(Printer(out, err), uri=URI, readonly=readonly), out, err


def test_prompt_says_read_only_like_virsh() -> None:
    assert repl.make_prompt(session()[0])() == "vsh # "
    assert repl.make_prompt(session(readonly=True)[0])() == "vsh > "


def test_prompt_is_styled_only_where_colour_is_allowed() -> None:
    s = session()[0]
    s.out.color = True
    assert repl.make_prompt(s)() == [("class:prompt", "vsh # ")]
    s = session(readonly=True)[0]
    s.out.color = True
    assert repl.make_prompt(s)() == [("class:prompt.readonly", "vsh > ")]


def test_toolbar_shows_uri_mode_and_last_status() -> None:
    s = session(readonly=True)[0]
    state = repl.State(s)
    bar = repl.make_toolbar(state)
    text = "".join(part[1] for part in bar())
    assert URI in text and "read-only" in text and "last: -" in text
    state.last = False
    assert "last: failed" in "".join(part[1] for part in bar())
    s.connection.open()
    assert state.refresh() and state.uri == URI
    assert not state.refresh()
    s.close()


def test_continuation_rule() -> None:
    assert repl.continues("echo a\\")
    assert not repl.continues("echo a\\\\")
    assert repl.continues("echo a\\\\\\")
    assert not repl.continues("echo a")


def test_history_path_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert repl.history_path() == str(tmp_path / "vsh" / "history")
    monkeypatch.setenv("XDG_STATE_HOME", "relative/path")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert repl.history_path() == str(tmp_path / ".local" / "state" / "vsh" / "history")
    monkeypatch.delenv("XDG_STATE_HOME")
    assert repl.history_path() == str(tmp_path / ".local" / "state" / "vsh" / "history")


def test_history_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "state" / "vsh" / "history"
    history = repl.open_history(str(path))
    from prompt_toolkit.history import FileHistory

    assert isinstance(history, FileHistory)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_history_falls_back_to_memory_when_it_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert type(repl.open_history(str(blocker / "vsh" / "history"))).__name__ == "InMemoryHistory"


def test_completer_quotes_names_and_replaces_the_word() -> None:
    from prompt_toolkit.document import Document

    def names(kind: str, given: dict) -> list[str]:
        return ["my dom", "other"] if kind == "domain" else []

    spec = next(s for s in registry.all_specs() if [o.complete for o in s.opts if o.positional][:1] == ["domain"])
    completer = repl.make_completer(names)
    found = list(completer.get_completions(Document(f"{spec.name} my"), None))
    assert [(c.text, c.start_position, c.display_text) for c in found] == [("'my dom'", -2, "my dom")]
    found = list(completer.get_completions(Document(f"{spec.name} --domain=o"), None))
    assert [(c.text, c.start_position) for c in found] == [("--domain=other", -len("--domain=o"))]


def test_completer_offers_json_and_csv_after_a_tables_options() -> None:
    from prompt_toolkit.document import Document

    completer = repl.make_completer(lambda kind, given: [])
    found = [c.text for c in completer.get_completions(Document("list --all --"), None)]
    assert found[-2:] == ["--json", "--csv"] and "--all" not in found
    assert [c.text for c in completer.get_completions(Document("domstate x --j"), None)] == ["--json"]
    assert [c.text for c in completer.get_completions(Document("domstate x --c"), None)] == []


# the loop, through a pipe ----------------------------------------------------------------

def drive(keys: str, s: Session | None = None) -> tuple[int, str, str]:
    from prompt_toolkit.history import InMemoryHistory
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    out, err = io.StringIO(), io.StringIO()
    if s is None:
        s = Session(Printer(out, err), uri=URI, interactive=True)
    else:
        s.out.out, s.out.err = out, err
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        pipe.close()
        rc = repl.run_repl(s, input=pipe, output=DummyOutput(), history=InMemoryHistory())
    s.close()
    return rc, out.getvalue(), err.getvalue()


def test_lines_run_through_the_session() -> None:
    rc, out, err = drive("echo one\recho two; echo three\rnosuch\r")
    assert rc == 0
    # `echo` ends with the one newline virsh prints after every command; Ctrl-D adds one.
    assert out == repl.BANNER + "\n" + "one\ntwo\nthree\n" + "\n"
    assert err == "error: unknown command: 'nosuch'\n"


def test_quit_and_exit_leave_with_status_0() -> None:
    rc, out, _err = drive("nosuch\rquit\recho never\r")
    assert rc == 0 and "never" not in out
    rc, out, _err = drive("exit\recho never\r")
    assert rc == 0 and "never" not in out


def test_backslash_continues_the_line() -> None:
    rc, out, _err = drive("echo a\\\rb c\\\r\rquit\r")
    assert out.endswith("\nab c\n") and rc == 0


def test_ctrl_c_cancels_the_line() -> None:
    rc, out, _err = drive("echo cancelled\x03echo kept\r")
    assert "cancelled" not in out and "kept\n" in out and rc == 0


def test_ctrl_c_interrupts_a_command_not_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    def body(ctx: Any) -> None:
        raise KeyboardInterrupt

    spec = CommandSpec("t-slow", "virsh", "a command the user interrupts", "", [], func=body, connect=False)
    monkeypatch.setitem(registry._SPECS, spec.name, spec)
    rc, out, err = drive("t-slow\recho still here\r")
    assert err == "error: interrupted\n"
    assert "still here\n" in out and rc == 0


def test_quiet_hides_the_banner() -> None:
    out, err = io.StringIO(), io.StringIO()
    s = Session(Printer(out, err, quiet=True), uri=URI)
    rc, text, _err = drive("echo x\r", s)
    assert text == "x\n" and rc == 0


# the real binary in a pseudo-terminal ----------------------------------------------------

pexpect = pytest.importorskip("pexpect")


@pytest.fixture
def state_home(tmp_path: Path) -> Path:
    return tmp_path / "state"


def spawn(state_home: Path, *args: str) -> Any:
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRSH_DEFAULT_CONNECT_URI", "LIBVIRT_DEFAULT_URI")}
    env.update(XDG_STATE_HOME=str(state_home), TERM="xterm", NO_COLOR="1", PROMPT_TOOLKIT_NO_CPR="1",
               PYTHONPATH=str(ROOT))
    return pexpect.spawn(sys.executable, ["-m", "vsh", *args], cwd=str(ROOT), env=env, encoding="utf-8",
                         timeout=20, dimensions=(30, 120))


@pytest.fixture
def child(state_home: Path) -> Iterator[Any]:
    proc = spawn(state_home, "-c", URI)
    proc.expect_exact(BANNER)
    proc.expect_exact(PROMPT)
    yield proc
    proc.close(force=True)


def history(state_home: Path) -> list[str]:
    path = state_home / "vsh" / "history"
    return [line[1:] for line in path.read_text().splitlines() if line.startswith("+")]


def test_banner_prompt_and_command_output(child: Any) -> None:
    child.sendline("uri")
    child.expect_exact("test:///default\r\n\r\n")
    child.expect_exact(PROMPT)
    assert finish(child) == 0


def test_failed_command_keeps_the_shell(child: Any) -> None:
    child.sendline("nosuch")
    child.expect_exact("error: unknown command: 'nosuch'\r\n")
    child.expect_exact(PROMPT)
    child.sendline("quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_tab_completes_a_command(child: Any, state_home: Path) -> None:
    child.send("ech")
    child.send("\t")
    child.expect_exact("o")  # the rest of "echo", drawn after what was typed
    child.send(" completed\r")
    child.expect_exact("completed\r\n")
    child.expect_exact(PROMPT)
    assert finish(child) == 0
    assert history(state_home) == ["echo completed"]


def test_tab_completes_a_domain_name(child: Any, state_home: Path) -> None:
    child.send("dominfo te")
    child.send("\t")
    child.expect_exact("st")
    child.send("\r")
    child.expect_exact(PROMPT)
    assert finish(child) == 0
    assert history(state_home) == ["dominfo test"]


def test_ctrl_c_cancels_the_line_being_typed(child: Any, state_home: Path) -> None:
    child.send("echo cancelled")
    child.send("\x03")
    child.expect_exact(PROMPT)
    child.sendline("echo kept")
    child.expect_exact("kept\r\n")
    child.expect_exact(PROMPT)
    assert finish(child) == 0
    assert history(state_home) == ["echo kept"]


def test_continuation_line(child: Any) -> None:
    child.send("echo a\\\r")
    child.send("b\r")
    child.expect_exact("ab\r\n")
    child.expect_exact(PROMPT)
    assert finish(child) == 0


def test_history_file_is_created_private(child: Any, state_home: Path) -> None:
    child.sendline("echo remembered")
    child.expect_exact(PROMPT)
    assert finish(child) == 0
    path = state_home / "vsh" / "history"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert history(state_home) == ["echo remembered"]


def test_history_persists_across_runs(state_home: Path) -> None:
    first = spawn(state_home, "-c", URI)
    first.expect_exact(PROMPT)
    first.sendline("echo from-before")
    first.expect_exact(PROMPT)
    assert finish(first) == 0
    second = spawn(state_home, "-c", URI)
    second.expect_exact(PROMPT)
    second.send("\x1b[A")  # up arrow recalls the previous run's line
    second.send("\r")
    second.expect_exact("from-before\r\n")
    second.expect_exact(PROMPT)
    assert finish(second) == 0


def test_ctrl_d_exits_0(child: Any) -> None:
    assert finish(child) == 0


def test_read_only_prompt(state_home: Path) -> None:
    proc = spawn(state_home, "-r", "-c", URI)
    proc.expect_exact(BANNER)
    proc.expect_exact(RO_PROMPT)
    proc.sendline("uri")
    proc.expect_exact("test:///default\r\n")
    proc.expect_exact(RO_PROMPT)
    assert finish(proc) == 0
