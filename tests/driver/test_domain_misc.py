"""domrename, metadata, inject-nmi, send-key, send-process-signal, launch security, domxml-*,
qemu-attach and lxc-enter-namespace on the test driver, compared with virsh.

The test driver implements domrename, metadata, inject-nmi, send-key and
send-process-signal; the rest fail there as in virsh (their successful paths need QEMU,
see tests/qemu/test_qemu_native.py).  send-key's names come from vsh.keycodes; every
name of every codeset is sent through both programs.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from util import host_uri, same, vsh

URI = "test:///default"

COMMANDS = ["domrename", "metadata", "inject-nmi", "send-key", "send-process-signal", "domlaunchsecinfo",
            "domsetlaunchsecstate", "domxml-from-native", "domxml-to-native", "qemu-attach",
            "lxc-enter-namespace"]


@pytest.mark.parametrize("cmd", COMMANDS)
def test_help_matches_virsh(cmd: str) -> None:
    same("help", cmd)


# domrename -----------------------------------------------------------------------------------

RENAME = [
    "domrename test x",  # running
    "domrename nosuch x",
    "domrename test ''",
    "domrename ''",
    "domrename test",
    "destroy test; domrename test renamed; list --all --name; domname 6695eb01-f6a4-8304-79aa-97f2502e193f",
    "destroy test; domrename --domain 6695eb01-f6a4-8304-79aa-97f2502e193f --new-name other; domstate other",
    "destroy test; domrename test test",
    "destroy test; domrename test ''",
    "-q destroy test; domrename test quiet",
]


@pytest.mark.parametrize("line", RENAME)
def test_domrename_matches_virsh(line: str) -> None:
    same(*(["-q", "-c", URI, line[3:]] if line.startswith("-q ") else ["-c", URI, line]))


def test_domrename_on_a_node_file() -> None:
    """A host with a running domain `web` and a shut-off one `db` (fixed UUIDs)."""
    same("-c", host_uri("web_db"), "domrename db db2; list --all --name; domrename web w; domrename db2 web")


# metadata -------------------------------------------------------------------------------------

METADATA = [
    "metadata test http://x",
    "metadata test http://x --set '<a/>'",
    "metadata test http://x --key k --set '<a/>'; metadata test http://x; metadata test --uri http://x --live",
    "metadata test http://x --key k --set '<a b=\"1\"><c>text</c></a>' --config; metadata test http://x --config;"
    " metadata test http://x --live",
    "metadata test http://x --key k --set '<a/>' --live --config; metadata test http://x --config",
    "metadata test http://x --key k --set '<a/>'; metadata test http://x --remove; metadata test http://x",
    "metadata test http://x --remove",
    "metadata test http://x --key k --set '<a'",
    "metadata test http://x --key k --set 'plain text'",
    "metadata test '' --key k --set '<a/>'",
    "metadata test x --key k --set '<a/>'",
    "metadata test http://x --key '' --set '<a/>'",
    "metadata test http://x --key k --set ''",
    "metadata test http://x --edit --set a",
    "metadata test http://x --remove --set a",
    "metadata test http://x --remove --edit",
    "metadata test http://x --current --live",
    "metadata test http://x --current --config",
    "metadata test http://x --edit",
    "metadata nosuch http://x",
    "metadata test",
    "metadata test http://x extra",
    "-q metadata test http://x --key k --set '<a/>'; metadata test http://x --remove",
]


@pytest.mark.parametrize("line", METADATA)
def test_metadata_matches_virsh(line: str) -> None:
    same(*(["-q", "-c", URI, line[3:]] if line.startswith("-q ") else ["-c", URI, line]))


def editor(tmp_path: Path, body: str) -> dict[str, str]:
    path = tmp_path / "ed.sh"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    tmp = tmp_path / "tmp"
    tmp.mkdir(exist_ok=True)
    return {"EDITOR": str(path), "TMPDIR": str(tmp), "VISUAL": str(path)}


def test_metadata_edit_sets_then_finds_it_unchanged(tmp_path: Path) -> None:
    seen = tmp_path / "seen"
    env = editor(tmp_path, f"cat \"$1\" >> {seen}; printf %s '<foo>bar</foo>' > \"$1\"\n")
    res = same("-c", URI, "metadata test http://x --key k --edit; metadata test http://x; "
               "metadata test http://x --key k --edit --config; metadata test http://x --key k --edit", env=env)
    assert res.out.startswith("Metadata modified\n\n<foo>bar</foo>\n\n")
    assert res.out.endswith("Metadata not changed\n")  # virsh prints it without a newline
    # Each editor run saw virsh's empty document or the element: the same for both programs.
    text = seen.read_text()
    assert text[:len(text) // 2] == text[len(text) // 2:] and text.startswith("\n")
    assert list((tmp_path / "tmp").iterdir()) == []


def test_metadata_edit_unchanged_and_json(tmp_path: Path) -> None:
    env = editor(tmp_path, ":\n")
    assert same("-c", URI, "metadata test http://x --key k --edit", env=env).out == "Metadata not changed\n"
    assert same("-q", "-c", URI, "metadata test http://x --key k --edit", env=env).out == ""
    res = vsh("--json", "-c", URI, "metadata test http://x --key k --edit", env=env)
    assert res.rc == 0 and json.loads(res.out) == {"uri": "http://x", "metadata": None, "changed": False}


def test_metadata_edit_keeps_broken_text(tmp_path: Path) -> None:
    env = editor(tmp_path, "echo '<foo>' > \"$1\"\n")
    res = vsh("-c", URI, "metadata test http://x --key k --edit", env=env)
    [kept] = list((tmp_path / "tmp").iterdir())
    assert res.rc == 1 and res.out == "\n"
    assert res.err.startswith("error: Failed.\nerror: (metadata_xml):2: Premature end of data in tag foo")
    assert res.err.endswith(f"error: your changes are kept in {kept}\n")
    assert kept.read_text() == "<foo>\n"


def test_metadata_json() -> None:
    res = vsh("--json", "-c", URI, "metadata test http://x --key k --set '<a/>'; metadata test http://x")
    assert res.rc == 0
    assert json.loads(res.out) == {"uri": "http://x", "metadata": "<a/>", "changed": None}


# inject-nmi, send-process-signal ---------------------------------------------------------------

SIGNALS = [
    "inject-nmi test", "inject-nmi nosuch", "inject-nmi ''", "inject-nmi", "inject-nmi test x",
    "send-process-signal test 1 sigterm", "send-process-signal test 1 SIG_KILL", "send-process-signal test 1 Hup",
    "send-process-signal test 1 15", "send-process-signal test 1 ' 15'", "send-process-signal test 1 +9",
    "send-process-signal test 1 0", "send-process-signal test 1 nop", "send-process-signal test 1 rt32",
    "send-process-signal test 1 sigrt0", "send-process-signal test 1 64", "send-process-signal test 1 65",
    "send-process-signal test 1 -5", "send-process-signal test 1 bogus", "send-process-signal test 1 sig",
    "send-process-signal test 1 sig_", "send-process-signal test 1 15x", "send-process-signal test 1 99999999999",
    "send-process-signal test 1 ''", "send-process-signal test abc 1", "send-process-signal test '' 1",
    "send-process-signal test -1 1", "send-process-signal test 2 1", "send-process-signal test 99999999999 1",
    "send-process-signal test 99999999999999999999 1", "send-process-signal nosuch 1 1",
    "send-process-signal test 1", "send-process-signal --domain test --pid 1 --signame usr1",
]


@pytest.mark.parametrize("line", SIGNALS)
def test_nmi_and_signals_match_virsh(line: str) -> None:
    same("-c", URI, line)


# send-key ---------------------------------------------------------------------------------------

KEYS = [
    "send-key test KEY_A", "send-key test KEY_LEFTCTRL KEY_LEFTALT KEY_DELETE", "send-key test key_a",
    "send-key test --codeset linux 30 0x1e 036 +30 ' 30'", "send-key test 08", "send-key test 0x",
    "send-key test 0xffff", "send-key test 0x10000", "send-key test 1000", "send-key test -- -1",
    "send-key test --codeset xt 30", "send-key test --codeset xt KEY_A", "send-key test --codeset xt_kbd 1",
    "send-key test --codeset atset1 1", "send-key test --codeset atset2 1", "send-key test --codeset atset3 1",
    "send-key test --codeset usb 4", "send-key test --codeset usb 0", "send-key test --codeset qnum 30",
    "send-key test --codeset rfb 30", "send-key test --codeset os_x ANSI_A Escape F13 Help",
    "send-key test --codeset os_x 183", "send-key test --codeset win32 VK_A VK_LSHIFT VK_ZOOM",
    "send-key test --codeset win32 None", "send-key test --codeset bogus 1", "send-key test --codeset '' KEY_A",
    "send-key test --codeset LINUX 1",
    "send-key test 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16",
    "send-key test 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
    "send-key test 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 bad 17",
    "send-key test --holdtime 100 KEY_A", "send-key test --holdtime -1 1", "send-key test --holdtime x 1",
    "send-key test --holdtime '' 1", "send-key nosuch --holdtime x 1", "send-key test", "send-key test --codeset",
    "send-key --domain test --keycode KEY_A --keycode KEY_B",
]


@pytest.mark.parametrize("line", KEYS)
def test_send_key_matches_virsh(line: str) -> None:
    same("-c", URI, line)


@pytest.mark.parametrize("codeset", ["linux", "os_x", "win32"])
def test_every_key_name_is_accepted_as_by_virsh(codeset: str) -> None:
    from vsh.keycodes import NAMES

    names = list(NAMES[codeset])
    lines = [f"send-key test --codeset {codeset} " + " ".join(names[i:i + 16]) for i in range(0, len(names), 16)]
    res = same("-c", URI, "; ".join(lines))
    assert res.rc == 0 and res.err == ""


def test_completion_of_codesets_keys_and_signals() -> None:
    def words(*args: str) -> list[str]:
        return vsh("complete", "--", *args).out.split()

    assert words("send-key", "test", "--codeset", "") == ["linux", "xt", "atset1", "atset2", "atset3", "os_x",
                                                          "xt_kbd", "usb", "win32", "qnum"]
    assert words("send-key", "test", "KEY_LEFTS") == ["KEY_LEFTSHIFT"]
    assert words("send-key", "test", "--codeset", "win32", "VK_LS") == ["VK_LSHIFT"]
    assert words("send-key", "test", "--codeset", "xt", "KEY") == []
    assert words("send-process-signal", "test", "1", "us") == ["usr1", "usr2"]


# launch security, native formats, other drivers' pass-through ---------------------------------------

OTHERS = [
    "domlaunchsecinfo test", "domlaunchsecinfo nosuch", "domlaunchsecinfo",
    "domsetlaunchsecstate test", "domsetlaunchsecstate test --secret /etc/hostname",
    "domsetlaunchsecstate test --secret /etc/hostname --secrethdr /etc/hostname",
    "domsetlaunchsecstate test --secret /etc/hostname --secrethdr /etc/hostname --set-address 4096",
    "domsetlaunchsecstate test --secret /etc/hostname --secrethdr /etc/hostname 4096",
    "domsetlaunchsecstate test --secret /nonexistent --secrethdr /etc/hostname",
    "domsetlaunchsecstate test --secret /etc/hostname --secrethdr /nonexistent",
    "domsetlaunchsecstate test --secret /etc/hostname --secrethdr /etc/hostname --set-address abc",
    "domsetlaunchsecstate test --secret /etc/hostname --secrethdr /etc/hostname --set-address -1",
    "domsetlaunchsecstate test --secret '' --secrethdr /etc/hostname",
    "domsetlaunchsecstate test --secret /etc/hostname --secrethdr ''",
    "domsetlaunchsecstate test --secret /etc --secrethdr /etc/hostname",
    "domsetlaunchsecstate nosuch --secret /nonexistent",
    "domxml-from-native qemu-argv /etc/hostname", "domxml-from-native qemu-argv /nonexistent",
    "domxml-from-native '' /etc/hostname", "domxml-from-native qemu-argv ''", "domxml-from-native qemu-argv",
    "domxml-to-native qemu-argv --domain test", "domxml-to-native qemu-argv", "domxml-to-native qemu-argv --domain x",
    "domxml-to-native qemu-argv --domain test --xml x", "domxml-to-native qemu-argv /etc/hostname",
    "domxml-to-native qemu-argv --xml /nonexistent", "domxml-to-native '' --domain test",
    "domxml-to-native qemu-argv --domain ''", "domxml-to-native qemu-argv --xml ''",
    "domxml-to-native qemu-argv --domain nosuch --xml ''",
    "qemu-attach 1", "qemu-attach abc", "qemu-attach -1", "qemu-attach ''", "qemu-attach",
    "qemu-attach 99999999999",
    "lxc-enter-namespace test /bin/true", "lxc-enter-namespace test --noseclabel -- /bin/true -x",
    "lxc-enter-namespace nosuch /bin/true", "lxc-enter-namespace test",
]


@pytest.mark.parametrize("line", OTHERS)
def test_other_commands_fail_as_in_virsh(line: str) -> None:
    same("-c", URI, line)
