"""Guest-agent commands against a real qemu-guest-agent (tests.support.linuxguest): vsh prints what virsh
prints, and fails as virsh fails on a guest whose agent is absent or not configured."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.support import guest, linuxguest
from tests.support.libvirtd import QemuDaemon, unavailable

ROOT = Path(__file__).resolve().parents[2]
D = linuxguest.AGENT_GUEST_NAME
ABSENT = "vsh-agent-absent"  # the boot-sector guest with an agent channel and nothing behind it
NO_CHANNEL = "vsh-agent-none"  # the boot-sector guest without an agent channel


def _run(prog: list[str], uri: str, line: str, *opts: str) -> tuple[str, str, int]:
    proc = subprocess.run([*prog, "-c", uri, *opts, line], capture_output=True, text=True, timeout=120,
                          cwd=str(ROOT))
    return proc.stdout, proc.stderr, proc.returncode


def virsh(uri: str, line: str, *opts: str) -> tuple[str, str, int]:
    if shutil.which("virsh") is None:
        unavailable("virsh (libvirt-clients) is not installed")
    return _run(["virsh"], uri, line, *opts)


def vsh(uri: str, line: str, *opts: str) -> tuple[str, str, int]:
    return _run([sys.executable, "-m", "vsh"], uri, line, *opts)


def same(uri: str, line: str, mask: str | None = None, opts: tuple[str, ...] = ()) -> tuple[str, str, int]:
    """Run `line` through virsh and vsh (global options `opts` first); stdout, stderr and status must agree
    (after replacing what `mask` matches)."""
    expected, got = virsh(uri, line, *opts), vsh(uri, line, *opts)
    if mask is not None:
        expected = (re.sub(mask, "#", expected[0]), expected[1], expected[2])
        got = (re.sub(mask, "#", got[0]), got[1], got[2])
    assert got == expected, line
    return got


@pytest.fixture(scope="module")
def uri(agent_guest: linuxguest.Running) -> str:
    return agent_guest.uri


@pytest.mark.parametrize("line", [
    f"guestinfo {D}", f"guestinfo {D} --user", f"guestinfo {D} --os", f"guestinfo {D} --timezone",
    f"guestinfo {D} --hostname", f"guestinfo {D} --filesystem", f"guestinfo {D} --disk",
    f"guestinfo {D} --interface", f"guestinfo {D} --os --hostname --disk", "guestinfo nosuch",
    f"domfsinfo {D}",
    f"domfsfreeze {D}; domfsthaw {D}",
    f"domfsfreeze {D} /mnt/data; domfsthaw {D} --mountpoint /mnt/data; domfsthaw {D}",
    f"domfsfreeze {D} --mountpoint /nosuch; domfsthaw {D}", f"domfsthaw {D}",
    f"domfstrim {D}", f"domfstrim {D} --minimum 4096", f"domfstrim {D} --minimum -1",
    f"domfstrim {D} --mountpoint /mnt/data", f"domfstrim {D} --mountpoint ''",
    f"guestvcpus {D}", f"guestvcpus {D} --cpulist 0", f"guestvcpus {D} --enable",
    f"guestvcpus {D} --cpulist 0 --enable --disable", f"guestvcpus {D} --cpulist '' --enable",
    f"guest-agent-timeout {D} --timeout 30", f"guest-agent-timeout {D}", f"guest-agent-timeout {D} --timeout x",
    f"guest-agent-timeout {D} 30",
    f"set-user-password {D} root secret", f"set-user-password {D} root secret --encrypted",
    f"set-user-password {D} '' secret", "set-user-password nosuch root ''",
    f"domtime {D} --now", f"domtime {D} --sync", f"domtime {D} --time 1800000000; domtime {D} --now",
    f"domtime {D} --time x", f"domtime {D} --now --sync", f"domtime {D} --time 1 --now",
    f"domifaddr {D} --source agent", f"domifaddr {D} --source agent --full",
    f"domifaddr {D} eth0 --source agent", f"domifaddr {D} lo --source agent",
    f"get-user-sshkeys {D} ''", f"set-user-sshkeys {D} root", f"set-user-sshkeys {D} root --remove",
    f"set-user-sshkeys {D} root --remove --reset", f"set-user-sshkeys {D} root --file /nonexistent",
    f"qemu-agent-command {D} '{{\"execute\":\"guest-ping\"}}'",
    f"qemu-agent-command {D} --pretty '{{\"execute\":\"guest-ping\"}}'",
    f"qemu-agent-command {D} --pretty '{{\"execute\":\"guest-get-fsinfo\"}}'",
    f"qemu-agent-command {D} --block '{{\"execute\":\"guest-get-host-name\"}}'",
    f"qemu-agent-command {D} --timeout 10 '{{\"execute\":\"guest-get-host-name\"}}'",
    f"qemu-agent-command {D} --timeout 0 '{{\"execute\":\"guest-ping\"}}'",
    f"qemu-agent-command {D} --async --block '{{\"execute\":\"guest-ping\"}}'",
    f"qemu-agent-command {D} '{{\"execute\":\"guest-no-such-command\"}}'",
    f"qemu-agent-command {D} not json",
])
def test_agent_commands(uri: str, line: str) -> None:
    same(uri, line)


@pytest.mark.parametrize("opts", [(), ("-q",)])
@pytest.mark.parametrize("line", [f"domtime {D}", f"domtime {D} --pretty"])
def test_domtime(uri: str, line: str, opts: tuple[str, ...]) -> None:
    """The guest's clock moves between the two calls: the numbers are masked."""
    out = same(uri, line, mask=r"[0-9]+", opts=opts)[0]
    assert out.startswith("Time: #")


@pytest.mark.parametrize("line", [f"domfsinfo {D}", f"domfsfreeze {D}; domfsthaw {D}",
                                  f"set-user-password {D} root secret", f"guestinfo {D} --hostname"])
def test_quiet(uri: str, line: str) -> None:
    same(uri, line, opts=("-q",))


def test_sshkeys_round_trip(uri: str, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA one@vsh\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB two@vsh\n")
    one = tmp_path / "one"
    one.write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA one@vsh\n")
    empty = tmp_path / "empty"
    empty.write_text("")
    line = (f"set-user-sshkeys {D} root --reset --file {keys}; get-user-sshkeys {D} root; "
            f"set-user-sshkeys {D} root --remove --file {one}; get-user-sshkeys {D} root; "
            f"set-user-sshkeys {D} root --file {empty}; set-user-sshkeys {D} root --reset; "
            f"get-user-sshkeys {D} root")
    out = same(uri, line)[0]
    assert "two@vsh" in out


def test_json(uri: str) -> None:
    out, err, rc = vsh(uri, f"guestinfo {D} --hostname --os --filesystem", "--json")
    assert rc == 0, err
    info = _valid("guestinfo", out)
    assert info["hostname"] == linuxguest.GUEST_HOSTNAME and info["fs_0_mountpoint"] == "/mnt/data"
    assert isinstance(info["fs_count"], int)
    out, err, rc = vsh(uri, f"guestinfo {D} --timezone --interface --user", "--json")
    assert rc == 0, err
    info = _valid("guestinfo", out)
    # The agent's fields under the vocabulary's keys: a MAC is `mac`, units named.
    assert info["if_count"] >= 1 and any(k.startswith("if_") and k.endswith("_mac") for k in info)
    assert "timezone_offset_seconds" in info
    assert not [k for k in info if k.endswith(("hwaddr", "login_time", "_offset"))]
    out, err, rc = vsh(uri, f"domfsinfo {D}", "--json")
    assert _valid("domfsinfo", out) == [{"mountpoint": "/mnt/data", "name": "vda", "type": "ext2", "targets": ["vda"]}]
    out, err, rc = vsh(uri, f"domtime {D}", "--json")
    assert isinstance(_valid("domtime", out)["time_seconds"], int)
    out, err, rc = vsh(uri, f"domfsfreeze {D}; domfsthaw {D}", "--json")
    assert rc == 0 and [json.loads(doc) for doc in out.replace("}\n{", "}\0{").split("\0")] == [
        {"count": 1}, {"count": 1}]
    out, err, rc = vsh(uri, f"qemu-agent-command {D} '{{\"execute\":\"guest-get-host-name\"}}'", "--json")
    assert json.loads(out) == {"return": {"host-name": linuxguest.GUEST_HOSTNAME}}
    out, err, rc = vsh(uri, f"guestvcpus {D}", "--json")
    assert set(_valid("guestvcpus", out)) == {"vcpus", "online", "offlinable"}


def _valid(command: str, out: str) -> Any:
    """The document, checked against the schema the command declares."""
    import jsonschema

    from vsh import registry
    from vsh.schema import document

    doc = json.loads(out)
    jsonschema.validate(doc, document(registry.get(command).schema, command))  # type: ignore[union-attr]
    return doc


@pytest.fixture(scope="module")
def no_agent(qemu_daemon: QemuDaemon, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Two boot-sector guests: one with an agent channel nobody answers on, one without a channel."""
    from lxml import etree

    uri = qemu_daemon.qemu_uri
    folder = tmp_path_factory.mktemp("noagent")
    for name, channel in ((ABSENT, True), (NO_CHANNEL, False)):
        # Each guest its own copy of the disk: QEMU locks an image it writes to.
        image = guest.build_image(folder / f"{name}.img")
        root = etree.fromstring(guest.domain_xml(image, name=name, vnc=False).encode())
        if channel:
            chan = etree.SubElement(root.find("devices"), "channel", type="unix")
            etree.SubElement(chan, "target", type="virtio", name=linuxguest.AGENT_CHANNEL)
        path = folder / f"{name}.xml"
        path.write_bytes(etree.tostring(root))
        out, err, rc = virsh(uri, f"create {path}")
        assert rc == 0, err
    try:
        yield uri
    finally:
        virsh(uri, f"destroy {ABSENT}; destroy {NO_CHANNEL}")


@pytest.mark.parametrize("name", [ABSENT, NO_CHANNEL])
@pytest.mark.parametrize("line", [
    "guestinfo {}", "guestinfo {} --hostname", "domfsinfo {}", "domfsfreeze {}", "domfsthaw {}", "domfstrim {}",
    "guestvcpus {}", "domtime {}", "domtime {} --now", "set-user-password {} root secret",
    "get-user-sshkeys {} root", "domifaddr {} --source agent", "qemu-agent-command {} '{{\"execute\":\"guest-ping\"}}'",
    "guest-agent-timeout {} --timeout 5",
])
def test_agent_missing(no_agent: str, name: str, line: str) -> None:
    _out, err, rc = same(no_agent, line.format(name))
    if "guest-agent-timeout" not in line:
        assert rc == 1 and "agent" in err


@pytest.mark.parametrize("words", [("domfsfreeze", D, "--mountpoint", ""), ("domfsthaw", D, "/m"),
                                   ("domfstrim", D, "--mountpoint", "/mnt/")])
def test_complete_mountpoints(uri: str, words: tuple[str, ...]) -> None:
    """Mount points complete from the agent's report, as virsh's completer offers them."""
    if shutil.which("virsh") is None:
        unavailable("virsh (libvirt-clients) is not installed")
    runs = [subprocess.run([*prog, "-c", uri, "complete", "--", *words], capture_output=True, text=True,
                           timeout=60, cwd=str(ROOT)) for prog in (["virsh"], [sys.executable, "-m", "vsh"])]
    assert (runs[1].stdout, runs[1].stderr, runs[1].returncode) == (runs[0].stdout, runs[0].stderr,
                                                                     runs[0].returncode)
    assert "/mnt/data" in runs[1].stdout
