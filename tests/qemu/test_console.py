"""vsh's interactive console against a real guest, through a pseudo-terminal, compared with virsh."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pexpect
import pytest

from tests.support import guest
from tests.support.libvirtd import QemuDaemon, unavailable
from util import same

ROOT = Path(__file__).resolve().parents[2]
VSH = [sys.executable, "-m", "vsh"]
POLKIT = (b"Authorization not available. Check if polkit service is running or see debug message "
          b"for more information.\r\n")
ESCAPE_LINE = rb"Escape character is [^\r\n]*\r\n"


def _virsh(uri: str, *args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("virsh") is None:
        unavailable("virsh (libvirt-clients) is not installed")
    return subprocess.run(["virsh", "-c", uri, *args], capture_output=True, text=True, timeout=60)


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRSH_DEFAULT_CONNECT_URI", "LIBVIRT_DEFAULT_URI")}
    env.update(LC_ALL="C", NO_COLOR="1", TERM="xterm")
    return env


def spawn(prog: str, *args: str) -> pexpect.spawn:
    """virsh or vsh on a fresh pseudo-terminal; the whole output is kept in `.transcript`."""
    import io

    cmd = ["virsh"] if prog == "virsh" else VSH
    child = pexpect.spawn(cmd[0], [*cmd[1:], *args], timeout=30, env=clean_env(), cwd=str(ROOT))
    child.logfile_read = io.BytesIO()
    return child


def transcript(child: pexpect.spawn) -> bytes:
    """What the terminal showed, without virsh's polkit notice."""
    return child.logfile_read.getvalue().replace(POLKIT, b"")


def attached(child: pexpect.spawn, banner: bool = True) -> None:
    """Wait for the banner, then for the terminal to turn raw (no echo): from then on typed
    bytes go to the guest (before, the terminal itself would echo them or turn ^C into SIGINT)."""
    if banner:
        child.expect(ESCAPE_LINE)
    assert child.waitnoecho(timeout=10)


def finish(child: pexpect.spawn) -> int | None:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


@pytest.fixture(scope="module")
def console_guest(qemu_daemon: QemuDaemon, guest_image: Path, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[tuple[str, str]]:
    """(uri, name) of a running guest of this module, already echoing (it got a byte), plus a
    defined but shut-off twin named NAME-off."""
    uri = qemu_daemon.qemu_uri
    name = f"vshc-con-{os.getpid()}"
    folder = tmp_path_factory.mktemp("console")
    image = folder / "disk.img"
    shutil.copyfile(guest_image, image)
    for dom_name in (name, f"{name}-off"):
        xml = folder / f"{dom_name}.xml"
        xml.write_text(guest.domain_xml(image, name=dom_name, vnc=False))
        result = _virsh(uri, "define", str(xml))
        assert result.returncode == 0, result.stderr
    try:
        result = _virsh(uri, "start", name)
        assert result.returncode == 0, result.stderr
        wake(uri, name)
        yield uri, name
    finally:
        for dom_name in (name, f"{name}-off"):
            _virsh(uri, "destroy", dom_name)
            _virsh(uri, "undefine", dom_name)


def wake(uri: str, name: str) -> None:
    """Get the guest's banner through virsh and send it a byte: later sessions start in echo mode."""
    child = spawn("virsh", "-c", uri, "console", name)
    child.expect(guest.BANNER)
    child.send("wake\r")
    child.expect("wake\r\n")
    child.send("\x1d")
    assert finish(child) == 0


def echo_session(prog: str, uri: str, name: str, *global_opts: str, escape: str = "\x1d") -> tuple[bytes, int]:
    child = spawn(prog, *global_opts, "-c", uri, "console", name)
    attached(child)
    child.send("hello\r")
    child.expect("hello\r\n")
    child.send(escape)
    rc = finish(child)
    return transcript(child), rc


def test_console_banner_echo_and_escape_as_virsh(console_guest: tuple[str, str]) -> None:
    uri, name = console_guest
    got, rc = echo_session("vsh", uri, name)
    assert got == (f"Connected to domain '{name}'\r\nEscape character is ^] (Ctrl + ])\r\n"
                   "hello\r\n\r\n").encode()
    assert rc == 0
    assert echo_session("virsh", uri, name) == (got, rc)


def test_console_escape_option_changes_the_escape_character(console_guest: tuple[str, str]) -> None:
    uri, name = console_guest
    got = echo_session("vsh", uri, name, "-e", "^a", escape="\x01")
    assert got[0].startswith(f"Connected to domain '{name}'\r\nEscape character is ^a (Ctrl + a)\r\n".encode())
    assert got[1] == 0
    assert echo_session("virsh", uri, name, "-e", "^a", escape="\x01") == got
    # A plain character as escape: no "(Ctrl + x)" part.
    got = echo_session("vsh", uri, name, "-e", "~", escape="~")
    assert b"Escape character is ~\r\n" in got[0] and got[1] == 0


def test_console_quiet_hides_the_banner(console_guest: tuple[str, str]) -> None:
    uri, name = console_guest
    child = spawn("vsh", "-q", "-c", uri, "console", name)
    attached(child, banner=False)
    child.send("quiet\r")
    child.expect("quiet\r\n")
    child.send("\x1d")
    assert finish(child) == 0
    assert transcript(child) == b"quiet\r\n"


def test_console_is_raw_and_restores_the_terminal(console_guest: tuple[str, str]) -> None:
    """Ctrl-C goes to the guest (no signal in raw mode); the terminal modes are back afterwards,
    after the escape character and after SIGTERM."""
    uri, name = console_guest
    vsh = " ".join(VSH)
    script = (f"stty -g; echo BEFORE-DONE; {vsh} -c {uri} console {name}; echo RC=$?; stty -g; "
              f"{vsh} -c {uri} console {name}; echo RC=$?; stty -g")
    child = pexpect.spawn("bash", ["--norc", "--noprofile", "-c", script], timeout=30, env=clean_env(), cwd=str(ROOT))
    child.expect(r"([^\r\n]+)\r\nBEFORE-DONE\r\n")
    before = child.match.group(1)
    assert b":" in before  # stty -g's colon-separated modes

    attached(child)
    child.send("\x03")  # Ctrl-C: a byte for the guest, echoed back, the session stays
    child.expect("\x03")
    child.send("x\r")
    child.expect("x\r\n")
    child.send("\x1d")
    child.expect(rb"RC=0\r\n([^\r\n]+)\r\n")
    assert child.match.group(1) == before

    attached(child)
    pids = subprocess.run(["pgrep", "-P", str(child.pid)], capture_output=True, text=True).stdout.split()
    assert len(pids) == 1, pids
    os.kill(int(pids[0]), signal.SIGTERM)
    child.expect(rb"RC=(\d+)\r\n([^\r\n]+)\r\n")
    assert child.match.group(1) == str(128 + signal.SIGTERM).encode()
    assert child.match.group(2) == before
    assert finish(child) == 0


def test_console_from_the_repl_then_the_repl_goes_on(console_guest: tuple[str, str]) -> None:
    """The REPL hands the terminal to the console and takes it back after the escape character."""
    uri, name = console_guest
    child = spawn("vsh", "-c", uri)
    child.expect("vsh")
    child.send(f"console {name}\r")
    attached(child)
    child.send("repl\r")
    child.expect("repl\r\n")
    child.send("\x1d")
    child.expect("vsh")
    child.send("uri\r")
    child.expect(re.escape(uri))
    child.send("quit\r")
    assert finish(child) == 0


def test_console_without_a_tty_fails_as_virsh(console_guest: tuple[str, str]) -> None:
    uri, name = console_guest
    result = same("-c", uri, "console", name)
    assert result.err == "error: Cannot run interactive console without a controlling TTY\n"
    assert result.rc == 1


def test_console_of_a_shut_off_domain_fails_as_virsh(console_guest: tuple[str, str]) -> None:
    uri, name = console_guest
    result = same("-c", uri, f"console {name}-off; console --devname serial0 --force --safe {name}-off")
    assert result.err == "error: The domain is not running\n" * 2
    assert same("-c", uri, "console", "vshc-no-such-domain").err == "error: failed to get domain 'vshc-no-such-domain'\n"
    # On a terminal too: the check comes before the banner.
    child = spawn("vsh", "-c", uri, "console", f"{name}-off")
    assert finish(child) == 1
    assert transcript(child) == b"error: The domain is not running\r\n\r\n"


def test_console_unknown_device_fails_after_the_banner_as_virsh(console_guest: tuple[str, str]) -> None:
    uri, name = console_guest
    outputs = []
    for prog in ("vsh", "virsh"):
        child = spawn(prog, "-c", uri, "console", "--devname", "nosuch", name)
        rc = finish(child)
        outputs.append((transcript(child), rc))
    assert outputs[0] == outputs[1]
    assert outputs[0] == ((f"Connected to domain '{name}'\r\nEscape character is ^] (Ctrl + ])\r\n"
                           "error: internal error: cannot find character device nosuch\r\n\r\n").encode(), 1)


def test_console_busy_force_and_guest_going_away_as_virsh(console_guest: tuple[str, str]) -> None:
    """A second session is refused; --force takes over (the first ends with virsh's I/O error); a
    destroyed guest ends the session with status 0.  The guest is started again afterwards."""
    uri, name = console_guest
    banner = f"Connected to domain '{name}'\r\nEscape character is ^] (Ctrl + ])\r\n".encode()
    results = {}
    for prog in ("vsh", "virsh"):
        first = spawn(prog, "-c", uri, "console", name)
        attached(first)
        second = spawn(prog, "-c", uri, "console", name)
        second_rc = finish(second)
        third = spawn(prog, "-c", uri, "console", "--force", name)
        attached(third)
        first_rc = finish(first)
        third.send("again\r")
        third.expect("again\r\n")
        assert _virsh(uri, "destroy", name).returncode == 0
        third_rc = finish(third)
        results[prog] = [(transcript(second), second_rc), (transcript(first), first_rc),
                         (transcript(third), third_rc)]
        assert _virsh(uri, "start", name).returncode == 0
        wake(uri, name)
    assert results["vsh"] == results["virsh"]
    assert results["vsh"] == [
        (banner + b"error: operation failed: Active console session exists for this domain\r\n\r\n", 1),
        (banner + b"error: stream had I/O failure\r\n\r\n", 1),
        (banner + b"again\r\n\r\n", 0),
    ]


@pytest.mark.parametrize("escape, byte, second_line", [
    ("^]", 0x1D, "Escape character is ^] (Ctrl + ])"),
    ("^a", 0x01, "Escape character is ^a (Ctrl + a)"),
    ("^A", 0x01, "Escape character is ^A (Ctrl + A)"),
    ("^?", 0x7F, "Escape character is ^? (Ctrl + ?)"),
    ("~", 0x7E, "Escape character is ~"),
])
def test_escape_character_forms(escape: str, byte: int, second_line: str) -> None:
    """`^X` is Ctrl-X whatever the case of X (virsh's CONTROL(toupper(X))); anything else is itself."""
    from vsh.console import banner, escape_byte

    assert escape_byte(escape) == byte
    assert banner("d", escape) == ["Connected to domain 'd'", second_line]
