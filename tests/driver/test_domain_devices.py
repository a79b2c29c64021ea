"""Device commands (attach-device, detach-device, attach-disk, detach-disk, attach-interface,
detach-interface), compared with virsh on the test driver.

The test driver cannot hot-plug, so the successful paths that reach libvirt end in its
"not supported" error; option handling, lookups, files and --print-xml are compared in full.
"""
from __future__ import annotations

import json

import pytest

from util import host_uri, same, vsh

URI = "test:///default"

DISK = """<disk type='file' device='disk'>
  <source file='/tmp/foo.img'/>
  <target dev='vdb' bus='virtio'/>
</disk>
"""

NIC = """<interface type='network'>
  <mac address='52:54:00:11:22:33'/>
  <source network='default'/>
</interface>
"""


@pytest.fixture()
def node() -> str:
    """Two disks (file, block) and four interfaces: two share a MAC, one is a bridge."""
    return host_uri("domain_devices")


@pytest.fixture()
def files(tmp_path):
    (tmp_path / "disk.xml").write_text(DISK)
    (tmp_path / "nic.xml").write_text(NIC)
    (tmp_path / "bad.xml").write_text("<bogus")
    return tmp_path


@pytest.mark.parametrize("name", ["attach-device", "detach-device", "detach-disk", "detach-interface",
                                  "detach-device-alias"])
def test_help(name: str) -> None:
    same("help", name)


@pytest.mark.parametrize("verb", ["attach", "detach"])
def test_device(files, verb: str) -> None:
    d, n, b = files / "disk.xml", files / "nic.xml", files / "bad.xml"
    cmd = f"{verb}-device"
    same("-c", URI, f"{cmd} test {d}; {cmd} test {n} --persistent; {cmd} test {n} --config; {cmd} test {b}; "
                    f"{cmd} test /nonexist; {cmd} nope {d}; {cmd} nope /nonexist; {cmd} test {d} --persistent --current; "
                    f"{cmd} test {d} --current --live; {cmd} test {d} --current --config; {cmd} test {d} --live --persistent; "
                    f"{cmd} test ''; {cmd} nope ''; {cmd} test {d} --current; {cmd} test {files}; "
                    f"destroy test; {cmd} test {d} --persistent; {cmd} test --file {d} --domain test")
    same("-r", "-c", URI, f"{cmd} test {d}; {cmd} test {d} --config")
    r = vsh("--json", "-c", URI, f"{cmd} test {d}")
    assert r.out == "" and json.loads(r.err)["error"]["message"] == f"Failed to {verb} device from {d}"


def test_detach_disk() -> None:
    same("-c", URI, "detach-disk nope ''; detach-disk test vda --print-xml; detach-disk test /guest/diskimage1 --print-xml; "
                    "detach-disk test vdz; detach-disk test vda; detach-disk test vda --config; detach-disk nope vda; "
                    "detach-disk test ''; detach-disk test vda --print-xml --persistent --current; "
                    "detach-disk test vda --persistent; detach-disk test vda --live; detach-disk test vda --current; "
                    "destroy test; detach-disk test vda --persistent; detach-disk test vda --config --print-xml")
    same("-r", "-c", URI, "detach-disk test vda; detach-disk test vda --print-xml")
    same("-q", "-c", URI, "detach-disk test vda --print-xml")
    r = vsh("--json", "-c", URI, "detach-disk test vda --print-xml")
    assert json.loads(r.out)["xml"].startswith('<disk type="file" device="disk">')


def test_detach_interface() -> None:
    same("-c", URI, "detach-interface test network; detach-interface test network --print-xml; "
                    "detach-interface test bridge --print-xml; "
                    "detach-interface test network --mac aa:bb:cc:dd:ee:ff --print-xml; "
                    "detach-interface test network --mac AA:BB:CC:DD:EE:FF --print-xml; "
                    "detach-interface test network --mac a:bb:cc:dd:ee:ff --print-xml; "
                    "detach-interface test network --mac 11:22:33:44:55:66; detach-interface test network --mac xyz; "
                    "detach-interface test foo; detach-interface nope network; detach-interface test ''; "
                    "detach-interface test network --mac ''; detach-interface test network --config; "
                    "detach-interface test network --persistent; detach-interface test '' --print-xml; "
                    "detach-interface test network --mac 11:22:33:44:55:66 --print-xml; "
                    "detach-interface test network --persistent --current; detach-interface test network --current")
    same("-r", "-c", URI, "detach-interface test network; detach-interface test network --print-xml")
    r = vsh("--json", "-c", URI, "detach-interface test network --print-xml")
    assert json.loads(r.out)["xml"].startswith('<interface type="network">')


def test_devices_on_custom_host(node: str) -> None:
    same("-c", node, "detach-interface vm network; detach-interface vm network --print-xml; "
                     "detach-interface vm bridge --print-xml; "
                     "detach-interface vm network --mac 52:54:00:00:00:01 --print-xml; "
                     "detach-interface vm network --mac 52:54:00:00:00:02 --print-xml; "
                     "detach-interface vm network --mac 52:54:00:00:00:02; detach-interface vm bridge; "
                     "detach-interface vm bridge --persistent; detach-interface vm bridge --live; "
                     "detach-disk vm /dev/sdz --print-xml; detach-disk vm sdb; detach-disk vm sdb --persistent; "
                     "start vm; detach-interface vm bridge --persistent; detach-disk vm sdb --persistent; "
                     "detach-disk vm /var/a.img --config --print-xml")


def test_attach_interface() -> None:
    same("help", "attach-interface")
    same("-c", URI, "attach-interface test network default --print-xml; "
                    "attach-interface test bridge br0 --target vnet5 --mac 52:54:00:aa:bb:cc --script /bin/true "
                    "--model virtio --alias ua-x --inbound 100,200,300,400 --outbound 10,20,30 --print-xml --managed; "
                    "attach-interface test bridge br0 --source-mode bridge --print-xml; "
                    "attach-interface test hostdev 0000:00:19.0 --print-xml --managed; "
                    "attach-interface test direct eth0 --source-mode vepa --print-xml; "
                    "attach-interface test direct eth0 --print-xml; attach-interface test user foo --print-xml; "
                    "attach-interface test foo bar --print-xml; attach-interface test udp x --print-xml; "
                    "attach-interface test ethernet x --print-xml; "
                    "attach-interface test vhostuser /tmp/sock --print-xml; "
                    "attach-interface test vhostuser /tmp/sock --source-mode client --print-xml; "
                    "attach-interface test vhostuser /tmp/sock --source-mode server --print-xml --model virtio; "
                    "attach-interface test hostdev 0x1:2:1f.7 --print-xml; attach-interface test hostdev 1:2:3 --print-xml; "
                    "attach-interface test hostdev 1:2:3.4x --print-xml; attach-interface test hostdev -1:2:3.4 --print-xml; "
                    "attach-interface test hostdev xyz --print-xml; attach-interface test network default --managed --print-xml")
    same("-c", URI, "attach-interface test network default --mac xyz --print-xml; "
                    "attach-interface test network default --inbound abc --print-xml; "
                    "attach-interface test network default --inbound 0 --print-xml; "
                    "attach-interface test network default --outbound 1,,3 --print-xml; "
                    "attach-interface test network default --inbound ,,,5 --print-xml; "
                    "attach-interface test network default --inbound 1,2,3,4,5 --print-xml; "
                    "attach-interface test network default --outbound 1,2,3,4 --print-xml; "
                    "attach-interface test network default --outbound ,2 --print-xml; "
                    "attach-interface test network default --outbound 0 --print-xml; "
                    "attach-interface test network default --inbound -1 --print-xml; "
                    "attach-interface test network default --inbound ' 7' --print-xml; "
                    "attach-interface test network default --inbound '' --print-xml; "
                    "attach-interface test network default --target '' --print-xml; "
                    "attach-interface test network \"a'b<c\" --print-xml; "
                    "attach-interface test network default --outbound 1, --print-xml")
    same("-c", URI, "attach-interface test network default; attach-interface test network default --config; "
                    "attach-interface nope network default; attach-interface test network ''; attach-interface test '' x; "
                    "attach-interface test network default --persistent --current --print-xml; "
                    "attach-interface nope foo bar; attach-interface nope network default --inbound abc; "
                    "attach-interface nope network default --source-mode foo; attach-interface nope hostdev xyz; "
                    "attach-interface nope vhostuser x; attach-interface nope network default --print-xml; "
                    "attach-interface '' network default --print-xml; attach-interface '' network default; "
                    "attach-interface nope network default --current; attach-interface test bridge br0 --persistent; "
                    "destroy test; attach-interface test bridge br0 --persistent")
    same("-r", "-c", URI, "attach-interface test bridge br0; attach-interface test bridge br0 --print-xml")
    same("-q", "-c", URI, "attach-interface test bridge br0 --print-xml")
    r = vsh("--json", "-c", URI, "attach-interface test network default --print-xml")
    assert json.loads(r.out) == {"xml": "<interface type='network'>\n  <source network='default'/>\n</interface>\n"}


ATTACH_DISK = [
    'attach-disk test /tmp/a.img vdb --print-xml',
    'attach-disk test /tmp/a.img vdb --targetbus virtio --driver qemu --subdriver qcow2 --iothread 1 --cache none --io native --type cdrom --mode readonly --sourcetype file --serial abc --wwn 0x5000c50015ea71ac --alias ua-d --rawio --print-xml',
    'attach-disk test /dev/sda sdb --print-xml',
    'attach-disk test img vdc --sourcetype network --source-protocol nbd --source-host-name h:1 --print-xml',
    'attach-disk test /tmp/a.img vdb --address pci:0000:00:05.0 --multifunction --print-xml',
    'attach-disk test /tmp/a.img vdb --mode foo --print-xml',
    'attach-disk nope /tmp/a.img vdb',
    'attach-disk test /tmp/a.img vdb',
    'attach-disk test /tmp/a.img vdb --config',
    'attach-disk test /tmp/a.img vdb --persistent',
    'attach-disk test /tmp/a.img vdb --sourcetype none --print-xml',
    'attach-disk test /tmp/a.img vdb --sourcetype volume --print-xml',
    'attach-disk test /tmp/a.img vdb --sourcetype block --print-xml',
    'attach-disk test /tmp/a.img vdb --sourcetype network --print-xml',
    'attach-disk test /tmp/a.img vdb --source-protocol nbd --print-xml',
    'attach-disk test /tmp/a.img vdb --source-host-name x --print-xml',
    'attach-disk test /tmp/a.img vdb --source-host-socket x --source-protocol nbd --print-xml',
    'attach-disk test /tmp/a.img vdb --source-host-socket x --source-host-name y --source-protocol nbd --source-host-transport unix --print-xml',
    'attach-disk test img vdb --source-protocol nbd --source-host-transport unix --source-host-socket /s --print-xml',
    'attach-disk test img vdb --source-protocol nbd --source-host-transport tcp --source-host-name h --print-xml',
    'attach-disk test /tmp/a.img vdb --wwn 123 --print-xml',
    'attach-disk test /tmp/a.img vdb --wwn 5000c50015ea71ac --print-xml',
    'attach-disk test /tmp/a.img vdb --wwn 0x5000c50015ea71a --print-xml',
    'attach-disk test /tmp/a.img vdb --mode shareable --print-xml',
    'attach-disk test "/tmp/a\'b&<.img" "v\'db" --serial "a<b\'" --alias "a\'l" --driver "q\'" --type "c\'d" --targetbus "b\'" --print-xml',
    'attach-disk test /tmp/a.img vdb --driver file --print-xml',
    "attach-disk test '' vdb --print-xml",
    'attach-disk nope /tmp/a.img vdb --print-xml',
    'attach-disk test /tmp/a.img vdb --address pci:1.2.3.4 --print-xml --multifunction --persistent --current',
    "attach-disk test /tmp/a.img vdb --sourcetype '' --print-xml",
    'attach-disk test /dev/loop0 vdb --print-xml',
    'attach-disk test /dev/loop0 vdb --driver tap --print-xml',
    'attach-disk test /dev/loop0 vdb --sourcetype file --print-xml',
    'attach-disk test /tmp/a.img vdb --source-host-name y --source-host-socket x',
    "attach-disk test /tmp/a.img vdb --source-host-name 'a:b:c' --source-protocol nbd --print-xml",
    "attach-disk test '' '' --print-xml",
    "attach-disk test x vdb --mode '' --print-xml",
    'attach-disk test /tmp/a.img vdb --address foo --mode bar --print-xml',
    'attach-disk test /tmp/a.img vdb --wwn 0x5000c50015ea71ac --print-xml --mode foo',
    'attach-disk test /tmp/a.img vdb --source-host-transport x --source-protocol p --sourcetype file --print-xml',
    "attach-disk '' /tmp/a.img vdb --print-xml",
    'attach-disk test /tmp/a.img vdb --current',
    "attach-disk test /tmp/a.img vdb --source-host-name y --source-host-socket x --driver ''",
    "attach-disk test /tmp/a.img vdb --source-host-socket x --source-protocol nbd --source-host-transport unix --driver '' --print-xml",
]

ADDRESSES = [
    'PCI:1.2.3.4',
    'ccw:0.0.1234',
    'ccw:1.2.3',
    'ccw:100.1.1',
    'ccw:1:2:3',
    'ccw:ff.ff.ffff',
    'foo:1',
    'ide:0.0.1',
    'ide:1.2.3.4',
    'pci',
    'pci: 1.2.3.4',
    'pci:-1.2.3.4',
    'pci:0000.00.05.0',
    'pci:0000:00:05.0',
    'pci:0x.1.2.3',
    'pci:0x1.0x2.0x3.0x4',
    'pci:1..2.3',
    'pci:1.2',
    'pci:1.2.3',
    'pci:1.2.3.4.5',
    'pci:1.2.3.4x',
    'pci:1.2.3.8',
    'pci:1.2.3:4',
    'pci:10000.300.40.9',
    'pci:1:2:3.4',
    'pci:1;2;3;4',
    'pci:zz.1.2.3',
    'pcix:1.2.3.4',
    'sata:0.0.1',
    'sata:1.2',
    'scsi:0.0.1',
    'scsi:0x10.0.1',
    'scsi:1.2.3x',
    'scsi:10.0.12',
    'scsi:1:2:3',
    'scsi:4294967296.1.1',
    'scsi:a.0.1',
    'usb:1',
    'usb:1.',
    'usb:1.2',
    'usb:1.2.3',
    'usb:1:2',
]


def test_attach_disk() -> None:
    same("help", "attach-disk")
    same("-c", URI, "; ".join(ATTACH_DISK))
    same("-c", URI, "; ".join(f"attach-disk test /tmp/a.img {t} --address '{a}' --multifunction --print-xml"
                              for a in ADDRESSES for t in ("vdb", "sdb", "hdb", "xdb")))
    same("-r", "-c", URI, "attach-disk test /tmp/a.img vdb; attach-disk test /tmp/a.img vdb --print-xml")
    same("-c", URI, "destroy test; attach-disk test /tmp/a.img vdb --persistent; attach-disk test /tmp/a.img vdb --live")
    r = vsh("--json", "-c", URI, "attach-disk test /tmp/a.img vdb --print-xml")
    assert json.loads(r.out) == {"xml": "<disk type='file'>\n  <source file='/tmp/a.img'/>\n  <target dev='vdb'/>\n"
                                        "</disk>\n"}


def test_detach_device_alias() -> None:
    same("-c", URI, "detach-device-alias test ua-x; detach-device-alias test ua-x --config; detach-device-alias nope x; "
                    "detach-device-alias test ''; detach-device-alias test x --current --live; "
                    "detach-device-alias test x --current; detach-device-alias nope ''; "
                    "detach-device-alias test x --live --config")
    same("-r", "-c", URI, "detach-device-alias test ua-x")


def test_positional_options() -> None:
    # Every string option without virsh's "named only" mark may be given by position.
    same("-c", URI, "detach-interface test network 52:54:00:00:00:01 --print-xml; "
                    "attach-disk test a vdb virtio --print-xml; attach-interface test network default vnet9 --print-xml; "
                    "attach-disk test a vdb virtio qemu qcow2 1 none native cdrom readonly file ser 0x5000c50015ea71ac "
                    "al pci:1.2.3.4 nbd h transp sock --print-xml")
