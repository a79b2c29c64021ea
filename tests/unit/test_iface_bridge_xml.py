"""The definitions iface-bridge and iface-unbridge send to libvirt, as exact strings.

Neither the test driver nor the udev interface backend lets virsh bridge for real (see
tests/driver/test_interface_bridge.py), so the transformation is checked here: it is
virsh's cmdInterfaceBridge/cmdInterfaceUnbridge step by step.
"""
from __future__ import annotations

import pytest

from vsh.commands.interface import bridged_xml, unbridged_xml
from vsh.errors import VshError

ETH = ("<interface type='ethernet' name='eth0'><start mode='onboot'/><mac address='52:54:00:aa:bb:cc'/>"
       "<protocol family='ipv4'><dhcp/></protocol><vlan tag='42'/></interface>")
BRIDGED = ('<interface type="bridge" name="br0"><start mode="onboot"/><protocol family="ipv4"><dhcp/></protocol>'
           '<bridge stp="on" delay="0"><interface type="ethernet" name="eth0"><mac address="52:54:00:aa:bb:cc"/>'
           '<vlan tag="42"/></interface></bridge></interface>')


def test_bridging_moves_mac_bond_and_vlan_into_the_attached_interface() -> None:
    assert bridged_xml(ETH, "eth0", "br0", True, 0) == BRIDGED


def test_bridging_without_stp_has_no_delay_and_a_wrapped_delay_is_signed() -> None:
    assert '<bridge stp="off">' in bridged_xml(ETH, "eth0", "br0", False, 9)
    assert '<bridge stp="on" delay="-1">' in bridged_xml(ETH, "eth0", "br0", True, 2**32 - 1)


def test_unbridging_moves_them_back_and_keeps_the_bridge_element() -> None:
    name, xml = unbridged_xml(BRIDGED, "br0")
    assert name == "eth0"
    assert xml == ('<interface type="ethernet" name="eth0"><start mode="onboot"/><protocol family="ipv4"><dhcp/>'
                   '</protocol><bridge stp="on" delay="0"><interface type="ethernet" name="eth0"/></bridge>'
                   '<mac address="52:54:00:aa:bb:cc"/><vlan tag="42"/></interface>')


@pytest.mark.parametrize(("xml", "message"), [
    ("<interface name='eth0'/>", "Existing device eth0 has no type"),
    ("<interface type='bridge' name='eth0'/>", "Existing device eth0 is already a bridge"),
    ("<interface type='ethernet' name='eth1'/>",
     "Interface name from config eth1 doesn't match given supplied name eth0"),
    ("<interface type='ethernet'/>", "Interface name from config (null) doesn't match given supplied name eth0"),
    ("<interface", "Failed to parse configuration of eth0"),
])
def test_bridging_refuses_as_virsh(xml: str, message: str) -> None:
    with pytest.raises(VshError) as err:
        bridged_xml(xml, "eth0", "br0", True, 0)
    assert err.value.lines() == [message]


@pytest.mark.parametrize(("xml", "message"), [
    ("<interface name='br0'/>", "Existing device br0 has no type"),
    ("<interface type='ethernet' name='br0'/>", "Device br0 is not a bridge"),
    ("<interface type='bridge' name='br1'/>", "Interface name from config br1 doesn't match given supplied name br0"),
    ("<interface type='bridge' name='br0'/>", "No bridge node in xml document"),
    ("<interface type='bridge' name='br0'><bridge><interface type='ethernet' name='a'/>"
     "<interface type='ethernet' name='b'/></bridge></interface>", "Multiple interfaces attached to bridge"),
    ("<interface type='bridge' name='br0'><bridge/></interface>", "No interface attached to bridge"),
    ("<interface type='bridge' name='br0'><bridge><interface type='ethernet'/></bridge></interface>",
     "Device attached to bridge br0 has no name"),
    ("<interface type='bridge' name='br0'><bridge><interface name='a'/></bridge></interface>",
     "Attached device a has no type"),
])
def test_unbridging_refuses_as_virsh(xml: str, message: str) -> None:
    with pytest.raises(VshError) as err:
        unbridged_xml(xml, "br0")
    assert err.value.lines() == [message]
