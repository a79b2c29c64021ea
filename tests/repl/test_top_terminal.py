"""top on a terminal (a pseudo-terminal): the full-screen view, its keys, resizing, and the
terminal given back in its old state on every way out."""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

pexpect = pytest.importorskip("pexpect")
pytest.importorskip("pyte")

from tests.support.terminal import Term  # noqa: E402 - after the dependencies are known to be there

ROOT = Path(__file__).resolve().parents[2]
URI = "test:///default"


def spawn(command: str) -> Any:
    """`vsh top ...` run by a shell that prints the terminal's settings once vsh has ended."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRSH_DEFAULT_CONNECT_URI", "LIBVIRT_DEFAULT_URI")}
    env.update(TERM="xterm", PYTHONPATH=str(ROOT), LANG="C.UTF-8")
    # The shell outlives a Ctrl-C (a trap, not an ignore: vsh gets the default SIGINT back).
    script = f"trap 'true' INT; stty -a > settings.before; {sys.executable} -m vsh -c {URI} {command}; echo rc=$?; stty -a > settings.after"
    return pexpect.spawn("/bin/sh", ["-c", script], env=env, encoding="utf-8", timeout=20, dimensions=(30, 160))


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def restored() -> bool:
    """The terminal's modes (echo, canonical input, ...) as before; its size may have changed."""
    def modes(name: str) -> list[str]:
        return Path(name).read_text().splitlines()[1:]

    return modes("settings.before") == modes("settings.after")


def test_keys_views_and_quit() -> None:
    child = spawn("top --delay 0.3")
    term = Term(child)
    term.wait_for(r"Sorted by cpu; view: domains")
    screen = term.wait_for(r"\n *1 test +running")
    assert screen.startswith("vsh top - ")
    assert "Domains: 1 total, 1 running" in screen
    child.send("h")
    term.wait_for("vsh top keys")
    child.send(" ")  # any key returns
    term.wait_for("Sorted by cpu")
    for key, shown in (("N", "Sorted by name"), ("M", "Sorted by mem"), ("T", "Sorted by time"),
                       ("B", "Sorted by block"), ("P", "Sorted by cpu"), ("2", "view: network interfaces"),
                       ("3", "view: block devices"), ("1", "view: host CPUs"), ("0", "view: domains")):
        child.send(key)
        term.wait_for(shown)
    child.send("q")
    child.expect_exact("rc=0")
    child.expect(pexpect.EOF)
    assert restored()


def test_sparkline_where_it_fits_and_resize_redraws() -> None:
    child = spawn("top --delay 0.2")
    term = Term(child)
    term.wait_for(r"TIME\(s\) +CPU")
    term.wait_for(r"running .* ▁")  # the %CPU history, one bar per sample
    term.resize(30, 88)
    child.kill(signal.SIGWINCH)
    screen = term.wait_for(r"TIME\(s\)\n")  # no room for the sparkline now
    assert screen.splitlines()[5].endswith("TIME(s)")
    child.send("q")
    child.expect_exact("rc=0")
    child.expect(pexpect.EOF)
    assert restored()


def test_iterations_end_it() -> None:
    child = spawn("top --delay 0.2 --iterations 2")
    child.expect_exact("rc=0")
    child.expect(pexpect.EOF)
    assert restored()


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_interrupted_gives_the_terminal_back(how: str) -> None:
    child = spawn("top --delay 0.3")
    Term(child).wait_for("view: domains")
    if how == "ctrl-c":
        child.sendintr()
    else:
        # The shell is the child; vsh is its child: signal vsh itself.
        import subprocess

        pids = subprocess.run(["pgrep", "-P", str(child.pid)], capture_output=True, text=True).stdout.split()
        assert pids
        os.kill(int(pids[0]), signal.SIGTERM)
    child.expect(r"rc=(\d+)")
    child.expect(pexpect.EOF)
    assert restored()
    assert "Traceback" not in (child.before or "")


def test_stream_on_a_terminal_is_plain_text() -> None:
    child = spawn("top --stream --delay 0.2 --iterations 1")
    child.expect_exact("vsh top - ")
    child.expect_exact("rc=0")
    text = child.before
    assert "\x1b[" not in text
    child.expect(pexpect.EOF)
