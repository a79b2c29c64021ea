"""`help` and `help GROUP` compared with virsh byte for byte.

`help` lists every command of every group, so it matches only once every virsh command
exists in vsh; `help GROUP` of the host, interface, node device and network filter groups
must match already.  Command aliases (`nodedev-dettach`) are listed by neither.
"""
from __future__ import annotations

import pytest

from util import same


def test_help_lists_every_command_as_virsh() -> None:
    same("help")


@pytest.mark.parametrize("group", ["host", "interface", "nodedev", "filter"])
def test_help_group_matches_virsh(group: str) -> None:
    same("help", group)


@pytest.mark.parametrize("group", ["host", "interface", "nodedev", "filter"])
def test_help_group_as_command_option_matches_virsh(group: str) -> None:
    same("help --command " + group)
