"""Event commands on the in-process test driver: listing, option checks, empty waits.

Events themselves need a second client; those tests live in tests/daemon/test_events.py.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.util import VIRSH, VSH, clean_env, need_virsh, same, vsh

DEFAULT = "test:///default"
COMMANDS = ["event", "net-event", "pool-event", "nodedev-event", "secret-event"]


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    same("help", name)


def test_help_group() -> None:
    same("help", "events")


@pytest.mark.parametrize("line", [
    "event --list", "net-event --list", "pool-event --list", "nodedev-event --list", "secret-event --list",
    "event --list --timeout abc", "event --list --domain ''", "pool-event --list --event nosuch",
    "pool-event --list --pool ''",
])
def test_list(line: str) -> None:
    same("-c", DEFAULT, line)


@pytest.mark.parametrize("line", [
    "event", "event --event foo", "event --list --all", "event --list --event lifecycle",
    "event --all --event lifecycle", "net-event", "pool-event --event foo", "nodedev-event", "secret-event",
    "event --all --timeout 0", "event --all --timeout -1", "event --all --timeout abc",
    "event --all --timeout ''", "event --all --timeout 3000000", "event --event lifecycle --domain '' --timeout x",
    "event --all --domain nosuch --timeout 1", "event --all --domain '' --timeout 1",
    "nodedev-event --event lifecycle --device nosuch --timeout 1",
    "nodedev-event --event lifecycle --device '' --timeout 1",
])
def test_option_errors(line: str) -> None:
    same("-c", DEFAULT, line)


@pytest.mark.parametrize("line", [
    "event --all --timeout 1",
    "event test lifecycle 1 --loop --timestamp",
    "pool-event --event refresh --loop --timeout 1",
    "pool-event --event lifecycle --pool nosuch --timeout 1",
    "pool-event --event lifecycle --pool '' --timeout 1",
    "net-event --event lifecycle --network nosuch --timeout 1; net-event --event lifecycle --timeout 1",
    "secret-event --event lifecycle --secret nosuch --timeout 1",
    "event --all --timeout 1; echo next",
])
def test_nothing_happens(line: str) -> None:
    """With no other client nothing changes: the wait times out and the command fails quietly."""
    need_virsh()
    # Both wait out the same timeout, so run them side by side.
    procs = [subprocess.Popen([*prog, "-c", DEFAULT, line], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=clean_env(None)) for prog in ([VIRSH], VSH)]
    expected, got = ((*p.communicate(timeout=60), p.returncode) for p in procs)
    assert got == expected


def test_json() -> None:
    assert json.loads(vsh("--json", "-c", DEFAULT, "event --list").out)[:2] == [{"name": "lifecycle"},
                                                                               {"name": "reboot"}]
    result = vsh("--json", "-c", DEFAULT, "event --all --timeout 1")
    assert [json.loads(line) for line in result.out.splitlines()] == [{"end": "timeout", "received": 0}]
    assert result.rc == 1
