"""The *-as XML builders, as exact strings (each checked against virsh 9.0 --print-xml)."""
from __future__ import annotations

import pytest

from vsh.errors import VshError
from vsh.xmlbuild import pool_xml, volume_xml

def test_pool_xml_minimal() -> None:
    assert pool_xml("p", "dir", {}) == "<pool type='dir'>\n  <name>p</name>\n</pool>\n"


def test_pool_xml_every_source_option_in_virsh_order() -> None:
    opts = dict(source_host="h", source_path="/p", source_dev="/d", source_name="n", target="/t",
                source_format="f", auth_type="chap", auth_username="u", secret_uuid="1234", adapter_name="a",
                adapter_wwnn="n1", adapter_wwpn="p1", adapter_parent="par", source_protocol_ver="4",
                source_initiator="iqn.x", secret_usage=None)
    assert pool_xml("p", "iscsi", opts) == """<pool type='iscsi'>
  <name>p</name>
  <source>
    <host name='h'/>
    <dir path='/p'/>
    <device path='/d'/>
    <initiator>
      <iqn name='iqn.x'/>
    </initiator>
    <adapter type='fc_host' parent='par' wwnn='n1' wwpn='p1'/>
    <auth type='chap' username='u'>
      <secret uuid='1234'/>
    </auth>
    <format type='f'/>
    <name>n</name>
    <protocol ver='4'/>
  </source>
  <target>
    <path>/t</path>
  </target>
</pool>
"""


@pytest.mark.parametrize("opts, adapter", [
    (dict(adapter_parent_wwnn="pn", adapter_parent_wwpn="pp", adapter_parent_fabric_wwn="fw"),
     "<adapter type='fc_host' parent_wwnn='pn' parent_wwpn='pp' wwnn='n1' wwpn='p1'/>"),
    (dict(adapter_parent_wwnn="pn", adapter_parent_fabric_wwn="fw"),
     "<adapter type='fc_host' parent_fabric_wwn='fw' wwnn='n1' wwpn='p1'/>"),
    (dict(), "<adapter type='fc_host' wwnn='n1' wwpn='p1'/>"),
])
def test_pool_xml_fc_host_parents(opts: dict[str, str], adapter: str) -> None:
    xml = pool_xml("p", "scsi", dict(opts, adapter_wwnn="n1", adapter_wwpn="p1"))
    assert xml == f"<pool type='scsi'>\n  <name>p</name>\n  <source>\n    {adapter}\n  </source>\n</pool>\n"


def test_pool_xml_without_source_options_drops_auth_and_protocol() -> None:
    opts = dict(auth_type="chap", auth_username="u", secret_usage="s", source_protocol_ver="3", adapter_wwnn="x")
    assert pool_xml("p", "iscsi", opts) == "<pool type='iscsi'>\n  <name>p</name>\n</pool>\n"


def test_pool_xml_copies_values_verbatim_like_virsh() -> None:
    xml = pool_xml("a<b&'c", "dir", {"source_host": 'h"x', "target": "/x"})
    assert xml == ("<pool type='dir'>\n  <name>a<b&'c</name>\n  <source>\n    <host name='h\"x'/>\n"
                   "  </source>\n  <target>\n    <path>/x</path>\n  </target>\n</pool>\n")


def test_volume_xml() -> None:
    assert volume_xml("v", 1048576) == "<volume>\n  <name>v</name>\n  <capacity>1048576</capacity>\n</volume>\n"
    assert volume_xml("s", 1073741824, 0, "qcow2", "/p/disk1.img", "qcow2") == """<volume>
  <name>s</name>
  <capacity>1073741824</capacity>
  <allocation>0</allocation>
  <target>
    <format type='qcow2'/>
  </target>
  <backingStore>
    <path>/p/disk1.img</path>
    <format type='qcow2'/>
  </backingStore>
</volume>
"""


def test_builders_refuse_characters_xml_cannot_hold() -> None:
    with pytest.raises(VshError):
        volume_xml("a\x01b", 1)
