"""`help` and `help GROUP` compared with virsh byte for byte.

`help` lists every command of every group, so it matches only once every virsh command
exists in vsh; `help GROUP` of the host, interface, node device and network filter groups
must match already.  Command aliases (`nodedev-dettach`) are listed by neither.
"""
from __future__ import annotations

import pytest

from util import same, vsh


def test_help_lists_every_command_as_virsh() -> None:
    same("help")


def test_help_lists_vshs_own_commands_last() -> None:
    out = vsh("help").out
    block = out[out.index(" Live Views and Waiting (help keyword 'live'):\n"):]
    assert block.splitlines()[1:3] == ["    top                            live view of the domains' CPU, memory, block and network use",
                                       "    wait                           wait until a domain reaches a state, has an address or its agent answers"]
    assert vsh("help", "live").out.startswith(" Live Views and Waiting (help keyword 'live'):\n")


@pytest.mark.parametrize("group", ["host", "interface", "nodedev", "filter"])
def test_help_group_matches_virsh(group: str) -> None:
    same("help", group)


@pytest.mark.parametrize("group", ["host", "interface", "nodedev", "filter"])
def test_help_group_as_command_option_matches_virsh(group: str) -> None:
    same("help --command " + group)
