"""The QEMU driver, compared with virsh: domxml-to-native (qemu-argv; -from-native is gone from
libvirt 9.0's QEMU driver), launch security without SEV, domrename, metadata, send-key,
inject-nmi, qemu-attach and lxc-enter-namespace.

One guest of its own (`vsh-misc`, so it never shares a cgroup with other tests' guests)
is defined for the offline cases and started for send-key and inject-nmi.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.support import guest
from tests.support.libvirtd import QemuDaemon
from util import same, vsh

NAME = "vsh-misc"
UUID = "5f0e5b1c-9a1d-4c49-9f7a-000000000042"

ARGV = ("LC_ALL=C PATH=/bin HOME=/root USER=root /usr/bin/qemu-system-x86_64 -name fromargv -machine pc "
        "-accel tcg -m 64 -smp 1 -nographic -drive file=/dev/null,format=raw,if=ide -net none\n")


@pytest.fixture(scope="module")
def misc_guest(qemu_daemon: QemuDaemon, guest_image: Path,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("misc")
    xml = folder / "guest.xml"
    # A fixed UUID: domxml-to-native of a file shows it, and a random one would differ between runs.
    xml.write_text(guest.domain_xml(guest_image, NAME).replace(
        f"<name>{NAME}</name>", f"<name>{NAME}</name>\n  <uuid>{UUID}</uuid>", 1))
    (folder / "argv.txt").write_text(ARGV)
    uri = qemu_daemon.qemu_uri
    res = vsh("-c", uri, f"define {xml}")
    assert res.rc == 0, res.err
    try:
        yield uri, folder
    finally:
        vsh("-c", uri, f"destroy {NAME}; undefine {NAME}")


def test_native_formats_match_virsh(misc_guest: tuple[str, Path]) -> None:
    uri, folder = misc_guest
    res = same("-c", uri, f"domxml-to-native qemu-argv --domain {NAME}")
    assert "-name guest=vsh-misc" in res.out and res.rc == 0
    same("-c", uri, f"domxml-to-native qemu-argv {folder}/guest.xml")
    same("-c", uri, f"domxml-to-native --format qemu-argv --xml {folder}/guest.xml")
    # libvirt 9.0's QEMU driver no longer parses a QEMU command line.
    res = same("-c", uri, f"domxml-from-native qemu-argv {folder}/argv.txt")
    assert res.err == "error: this function is not supported by the connection driver: virConnectDomainXMLFromNative\n"
    for line in ["domxml-to-native bogus --domain " + NAME, f"domxml-from-native bogus {folder}/argv.txt",
                 f"domxml-from-native qemu-argv {folder}/guest.xml", f"domxml-to-native qemu-argv {folder}/argv.txt",
                 "domxml-to-native qemu-argv --domain nosuch", f"domxml-from-native qemu-argv {folder}/nosuch"]:
        same("-c", uri, line)


def test_native_json(misc_guest: tuple[str, Path]) -> None:
    import json

    uri, _folder = misc_guest
    res = vsh("--json", "-c", uri, f"domxml-to-native qemu-argv --domain {NAME}")
    assert res.rc == 0 and "-name guest=vsh-misc" in json.loads(res.out)["native"]


def test_offline_commands_match_virsh(misc_guest: tuple[str, Path]) -> None:
    uri, folder = misc_guest
    secret = folder / "secret"
    secret.write_text("c2VjcmV0\n")
    for line in [
        f"domlaunchsecinfo {NAME}",
        f"domsetlaunchsecstate {NAME} --secrethdr {secret} --secret {secret}",
        f"domsetlaunchsecstate {NAME} --secrethdr {secret} --secret {secret} --set-address 4096",
        f"inject-nmi {NAME}", f"send-key {NAME} KEY_A", f"send-process-signal {NAME} 1 term",
        f"domrename {NAME} vsh-misc2; domrename vsh-misc2 {NAME}; domstate {NAME}",
        f"metadata {NAME} http://vsh/ --key v --set '<x>1</x>' --config; metadata {NAME} http://vsh/ --config; "
        f"metadata {NAME} http://vsh/ --remove --config; metadata {NAME} http://vsh/",
        "qemu-attach 1", "qemu-attach 4294967295",
        f"lxc-enter-namespace {NAME} /bin/true",
    ]:
        same("-c", uri, line)


def test_running_guest_takes_keys_and_nmi(misc_guest: tuple[str, Path]) -> None:
    uri, _folder = misc_guest
    assert vsh("-c", uri, f"start {NAME}").rc == 0
    try:
        for line in [
            f"send-key {NAME} KEY_LEFTCTRL KEY_LEFTALT KEY_F1", f"send-key {NAME} --codeset xt --holdtime 10 30",
            f"send-key {NAME} --codeset usb 4", f"send-key {NAME} --codeset win32 VK_A",
            f"send-key {NAME} --codeset os_x ANSI_A", f"send-key {NAME} --codeset atset3 1",
            f"inject-nmi {NAME}", f"send-process-signal {NAME} 1 term",
            f"domlaunchsecinfo {NAME}", f"domrename {NAME} other",
            f"domsetlaunchsecstate {NAME} --secrethdr /etc/hostname --secret /etc/hostname",
            f"metadata {NAME} http://vsh/ --key v --set '<y/>' --live; metadata {NAME} http://vsh/ --live",
        ]:
            res = same("-c", uri, line)
            if line.startswith(("send-key", "inject-nmi", "metadata")) and "atset3" not in line:
                assert res.rc == 0, res.err
    finally:
        vsh("-c", uri, f"destroy {NAME}")


CONTAINER = """<domain type='lxc'>
  <name>vsh-ct</name>
  <memory unit='MiB'>64</memory>
  <os><type>exe</type><init>/bin/sleep</init><initarg>600</initarg></os>
</domain>
"""


def test_lxc_enter_namespace_reaches_the_lxc_driver(qemu_daemon: QemuDaemon, tmp_path: Path) -> None:
    # The same daemon serves lxc://; a container cannot start here (no cgroup v1 hierarchy),
    # so the LXC driver's own refusal of a shut-off container is compared.
    uri = qemu_daemon.qemu_uri.replace("qemu+tcp:", "lxc+tcp:", 1)
    xml = tmp_path / "ct.xml"
    xml.write_text(CONTAINER)
    assert vsh("-c", uri, f"define {xml}").rc == 0
    try:
        for line in ["lxc-enter-namespace vsh-ct /bin/true", "lxc-enter-namespace vsh-ct --noseclabel /bin/echo hi",
                     "lxc-enter-namespace nosuch /bin/true", "qemu-attach 1",
                     "domxml-to-native qemu-argv --domain vsh-ct"]:
            res = same("-c", uri, line)
            assert res.rc == 1
    finally:
        vsh("-c", uri, "undefine vsh-ct")
