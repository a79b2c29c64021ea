"""nodedev-detach (and its alias nodedev-dettach), nodedev-reattach, nodedev-reset and
nodedev-autostart, compared with virsh.

The test driver refuses all four, after virsh's lookups; the node device driver of the
private root libvirtd (`full_uri`) is given only the `computer` device and missing names:
detaching or resetting a real PCI device would take it from the host, so no test ever
names one.  No mediated device can be defined here, so autostart is compared on its refusal.
"""
from __future__ import annotations

import pytest

from util import same, virsh, vsh

URI = "test:///default"

CASES = [
    "nodedev-detach computer",
    "nodedev-detach computer --driver vfio",
    "nodedev-detach --device computer --driver ''",
    "nodedev-detach nosuch",
    "nodedev-detach ''",
    "nodedev-detach",
    "nodedev-detach a,b",
    "nodedev-dettach computer",
    "nodedev-dettach",
    "nodedev-dettach --foo",
    "nodedev-dettach --help",
    "help nodedev-dettach",
    "nodedev-reattach computer",
    "nodedev-reattach nosuch",
    "nodedev-reattach",
    "nodedev-reset computer",
    "nodedev-reset --device nosuch",
    "nodedev-reset ''",
    "nodedev-autostart computer",
    "nodedev-autostart computer --disable",
    "nodedev-autostart nosuch",
    "nodedev-autostart a,b",
    "nodedev-autostart 0x1,0x2",
    "nodedev-autostart",
]


@pytest.mark.parametrize("line", CASES)
def test_nodedev_assignment_on_test_driver_matches_virsh(line: str) -> None:
    same("-c", URI, line)


@pytest.mark.parametrize("cmd", ["nodedev-detach", "nodedev-dettach", "nodedev-reattach", "nodedev-reset",
                                 "nodedev-autostart"])
def test_nodedev_assignment_help_matches_virsh(cmd: str) -> None:
    same("help", cmd)


@pytest.mark.parametrize("words", [["nodedev-detach", "x", "--driver", ""], ["nodedev-reset", "--device", "c"],
                                   ["nodedev-dett"], ["nodedev-autostart", "--device", ""]])
def test_nodedev_assignment_completion_matches_virsh(words: list[str]) -> None:
    expected = virsh("-c", URI, "complete", "--", *words)
    got = vsh("-c", URI, "complete", "--", *words)
    assert sorted(got.out.split()) == sorted(expected.out.split())


def test_nodedev_dettach_is_not_listed() -> None:
    res = vsh("help", "nodedev")
    assert "nodedev-detach" in res.out and "nodedev-dettach" not in res.out


FULL_CASES = [
    "nodedev-detach computer",
    "nodedev-dettach computer --driver vfio",
    "nodedev-detach computer --driver xen",
    "nodedev-reattach computer",
    "nodedev-reset computer",
    "nodedev-autostart computer; nodedev-autostart --disable computer",
    "nodedev-detach nosuch; nodedev-reattach nosuch; nodedev-reset nosuch; nodedev-autostart nosuch",
]


@pytest.mark.parametrize("line", FULL_CASES)
def test_nodedev_assignment_on_a_full_daemon_matches_virsh(full_uri: str, line: str) -> None:
    same("-c", full_uri, line)
