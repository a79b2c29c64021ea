"""Object lookups (vsh.lookup) in-process on a real test:///default connection, against virsh.

The hosts get objects whose names look like another object's ID or UUID, so the order of the
tries shows: virsh's commands print what they found (a UUID, a name, an ID, a key) or fail
with their `error:` lines, and vsh's Lookup must find the same object or fail with the same lines.
"""
from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from util import virsh
from vsh.errors import VshError
from vsh.lookup import Lookup

URI = "test:///default"
TEST_UUID = "6695eb01-f6a4-8304-79aa-97f2502e193f"  # the domain `test`, ID 1
NET_UUID = "dd8fe884-6c02-601e-7551-cca97df1c5df"  # the network `default`
POOL_UUID = "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566"  # the pool `default-pool`

# Shut-off domains named like test's ID and UUID, and one named like a number libvirt cannot take as an ID.
DOMAINS = {
    "one": ("1", "11111111-0000-0000-0000-000000000001"),
    "uuid": (TEST_UUID, "11111111-0000-0000-0000-000000000002"),
    "big": ("2147483648", "11111111-0000-0000-0000-000000000003"),
}
SETUP = [
    *(f"define {{{key}}}" for key in DOMAINS),
    "net-define {net}", "pool-define {pool}",
    "vol-create-as default-pool v1 1M",
    "pool-define-as off dir --target /off",
    "pool-create-as other dir --target /other",
]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root: Path = tmp_path_factory.mktemp("lookup")
    out: dict[str, str] = {}
    for key, (name, uuid) in DOMAINS.items():
        out[key] = str(root / f"{key}.xml")
        Path(out[key]).write_text(f"<domain type='test'><name>{name}</name><uuid>{uuid}</uuid>"
                                  "<memory>8192</memory><os><type>hvm</type></os></domain>")
    out["net"] = str(root / "net.xml")
    Path(out["net"]).write_text(f"<network><name>{NET_UUID}</name><uuid>22222222-0000-0000-0000-000000000001</uuid>"
                                "<bridge name='vshbr9'/></network>")
    out["pool"] = str(root / "pool.xml")
    Path(out["pool"]).write_text(f"<pool type='dir'><name>{POOL_UUID}</name>"
                                 "<uuid>33333333-0000-0000-0000-000000000001</uuid>"
                                 "<target><path>/named-like-a-uuid</path></target></pool>")
    return out


@pytest.fixture(scope="module")
def lookup(files: dict[str, str]) -> Iterator[Lookup]:
    """The same objects as virsh's runs set up, on one in-process connection."""
    import libvirt

    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    conn = libvirt.open(URI)
    for key in DOMAINS:
        conn.defineXML(Path(files[key]).read_text())
    conn.networkDefineXML(Path(files["net"]).read_text())
    conn.storagePoolDefineXML(Path(files["pool"]).read_text())
    conn.storagePoolLookupByName("default-pool").createXML(
        "<volume><name>v1</name><capacity>1048576</capacity></volume>")
    conn.storagePoolDefineXML("<pool type='dir'><name>off</name><target><path>/off</path></target></pool>")
    conn.storagePoolCreateXML("<pool type='dir'><name>other</name><target><path>/other</path></target></pool>")
    yield Lookup(lambda: conn)
    conn.close()


def virsh_says(files: dict[str, str], command: str) -> tuple[str, str]:
    """What virsh prints for one command after the set-up: (stdout stripped, stderr).

    (An empty word never reaches a lookup: option conversion refuses it first.)
    """
    setup = "; ".join(step.format(**files) for step in SETUP)
    res = virsh("-q", "-c", URI, f"{setup}; {command}")
    return res.out.strip(), res.err


def vsh_says(find: Callable[[], Any], show: Callable[[Any], Any]) -> tuple[str, str]:
    try:
        found = find()
    except VshError as err:
        return "", "".join(f"error: {line}\n" for line in err.lines())
    return str(show(found)), ""


DOMAIN_WORDS = ["1", " 1", "+1", "01", "-0", "0", "-1", "2", "1x", "2147483648", "test", "TEST", "one",
                TEST_UUID, TEST_UUID.upper(), TEST_UUID.replace("-", ""), "11111111-0000-0000-0000-000000000001",
                "nosuch"]


@pytest.mark.parametrize("word", DOMAIN_WORDS)
def test_domain_by_id_uuid_then_name(files: dict[str, str], lookup: Lookup, word: str) -> None:
    """dumpxml looks a domain up by ID, UUID and name; each of domuuid, domname, domid skips one."""
    quoted = shlex.quote(word)
    assert vsh_says(lambda: lookup.domain(word), lambda d: d.UUIDString()) == \
        virsh_says(files, f"dumpxml {quoted} --xpath //uuid/text()")
    assert vsh_says(lambda: lookup.domain(word, by_uuid=False), lambda d: d.UUIDString()) == \
        virsh_says(files, f"domuuid {quoted}")
    assert vsh_says(lambda: lookup.domain(word, by_name=False), lambda d: d.name()) == \
        virsh_says(files, f"domname {quoted}")
    assert vsh_says(lambda: lookup.domain(word, by_id=False), lambda d: d.ID() if d.ID() >= 0 else "-") == \
        virsh_says(files, f"domid {quoted}")


@pytest.mark.parametrize("word", [NET_UUID, NET_UUID.upper(), "default", "Default", "22222222-0000-0000-0000-000000000001",
                                  "nosuch"])
def test_network_by_uuid_then_name(files: dict[str, str], lookup: Lookup, word: str) -> None:
    quoted = shlex.quote(word)
    assert vsh_says(lambda: lookup.network(word), lambda n: n.UUIDString()) == \
        virsh_says(files, f"net-dumpxml {quoted} --xpath //uuid/text()")
    assert vsh_says(lambda: lookup.network(word, by_uuid=False), lambda n: n.UUIDString()) == \
        virsh_says(files, f"net-uuid {quoted}")
    assert vsh_says(lambda: lookup.network(word, by_name=False), lambda n: n.name()) == \
        virsh_says(files, f"net-name {quoted}")


@pytest.mark.parametrize("word", [POOL_UUID, "default-pool", "33333333-0000-0000-0000-000000000001", "nosuch"])
def test_pool_by_uuid_then_name(files: dict[str, str], lookup: Lookup, word: str) -> None:
    quoted = shlex.quote(word)
    assert vsh_says(lambda: lookup.pool(word), lambda p: p.UUIDString()) == \
        virsh_says(files, f"pool-dumpxml {quoted} --xpath //uuid/text()")
    assert vsh_says(lambda: lookup.pool(word, by_uuid=False), lambda p: p.UUIDString()) == \
        virsh_says(files, f"pool-uuid {quoted}")
    assert vsh_says(lambda: lookup.pool(word, by_name=False), lambda p: p.name()) == \
        virsh_says(files, f"pool-name {quoted}")


@pytest.mark.parametrize("word, pool", [
    ("v1", "default-pool"), ("v1", None), ("/default-pool/v1", None), ("/default-pool/v1", "default-pool"),
    ("/default-pool/v1", "other"), ("v1", "other"), ("v1", "off"), ("v1", "nosuch"), ("nosuch", None),
])
def test_volume_by_name_in_pool_then_key_then_path(files: dict[str, str], lookup: Lookup, word: str,
                                                   pool: str | None) -> None:
    command = f"vol-key {shlex.quote(word)}" + (f" --pool {pool}" if pool else "")
    assert vsh_says(lambda: lookup.volume(word, pool), lambda v: v.key()) == virsh_says(files, command)


def test_volume_without_a_pool_option_has_no_hint(files: dict[str, str], lookup: Lookup) -> None:
    """vol-pool has no --pool, so its failure does not suggest one."""
    assert vsh_says(lambda: lookup.volume("nosuch", pool_opt=None), lambda v: v.key()) == \
        virsh_says(files, "vol-pool nosuch")
