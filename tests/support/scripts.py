"""Seeded stateful command strings for the test driver, run through virsh and vsh and compared.

A script is a list of commands that change the host's state and read it back (`start`,
`undefine`, `setmem`, `snapshot-create-as`, `vol-create-as`, `desc`, ...).  The generator keeps
a small model of the host (`Host`: which domains, networks, pools, volumes and snapshots exist
and in which state) so that most commands name existing objects in states where they make
sense; about one in eight names an object that does not exist, and states are chosen with no
regard to what a command needs, so failures are exercised too.

`compare` runs the script as one command string (`virsh -c test:///default 'a; b; ...'`, and
the same through vsh), with marker commands between the script's commands so that stdout and
stderr can be cut per command; the exit status is the last command's.  `shrink` takes a
script whose runs differ and drops commands while the runs still differ: a minimal reproducer.
Both programs run in the same fresh folder holding the XML files the scripts define objects from.
`save`, `managedsave` and `dump` are left out: virsh 9.0 now and then hangs in them on the test
driver (its job-watching loop misses the end of the job).
VSH_SCRIPTS_LANG (a locale such as uk_UA.UTF-8) runs both programs in that locale.
"""
from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import Callable, Iterator

from util import VIRSH, VSH, Result, run

URI = "test:///default"
#: The locale both programs run in (the C locale unless VSH_SCRIPTS_LANG names another).
LANG = os.environ.get("VSH_SCRIPTS_LANG", "C")
MARK = "==8<=="
_OUT_MARK = re.compile(rf"^{MARK} (\d+)\n", re.M)
_ERR_MARK = re.compile(rf"^[^\n]*: {MARK} (\d+)\n", re.M)  # "error: " in the locale's words

TEST_UUID = "6695eb01-f6a4-8304-79aa-97f2502e193f"

# Objects the scripts may define, each from a file written into the run's folder.
_DOMAIN_XML = """<domain type='test'>
  <name>{name}</name>
  <uuid>{uuid}</uuid>
  <memory unit='KiB'>1048576</memory>
  <currentMemory unit='KiB'>524288</currentMemory>
  <vcpu placement='static' current='1'>2</vcpu>
  <os><type arch='i686'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><source file='/guest/{name}.img'/><target dev='vdb' bus='virtio'/></disk>
    <interface type='network'><mac address='52:54:00:00:00:{mac}'/><source network='default'/></interface>
  </devices>
</domain>
"""
_NETWORK_XML = """<network>
  <name>{name}</name>
  <uuid>{uuid}</uuid>
  <bridge name='virbr{n}'/>
  <ip address='192.168.{n}.1' netmask='255.255.255.0'/>
</network>
"""
_POOL_XML = """<pool type='dir'>
  <name>{name}</name>
  <uuid>{uuid}</uuid>
  <target><path>/{name}</path></target>
</pool>
"""
_BARE_XML = """<domain type='test'>
  <name>{name}</name>
  <uuid>{uuid}</uuid>
  <memory unit='KiB'>1048576</memory>
  <os><type>hvm</type></os>
</domain>
"""
DOMAINS = {"vm1": "11111111-2222-3333-4444-000000000001", "vm2": "11111111-2222-3333-4444-000000000002",
           "bare": "11111111-2222-3333-4444-000000000003"}  # bare: no devices at all
NETWORKS = {"net1": "11111111-2222-3333-4444-100000000001"}
POOLS = {"pool1": "11111111-2222-3333-4444-200000000001"}
UUIDS = {"default": "dd8fe884-6c02-601e-7551-cca97df1c5df", "default-pool": "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566",
         **NETWORKS, **POOLS}


def write_files(folder: str) -> None:
    """The XML files the scripts define or create objects from."""
    for i, (name, uuid) in enumerate(DOMAINS.items(), 1):
        with open(os.path.join(folder, f"{name}.xml"), "w") as fh:
            fh.write((_BARE_XML if name == "bare" else _DOMAIN_XML).format(name=name, uuid=uuid, mac=f"{i:02x}"))
    for i, (name, uuid) in enumerate(NETWORKS.items(), 1):
        with open(os.path.join(folder, f"{name}.xml"), "w") as fh:
            fh.write(_NETWORK_XML.format(name=name, uuid=uuid, n=200 + i))
    for name, uuid in POOLS.items():
        with open(os.path.join(folder, f"{name}.xml"), "w") as fh:
            fh.write(_POOL_XML.format(name=name, uuid=uuid))


# The model ---------------------------------------------------------------------------------------

@dataclass
class Dom:
    state: str = "shut off"  # "running", "paused", "shut off"
    persistent: bool = True
    id: int | None = None
    snapshots: list[str] = field(default_factory=list)
    uuid: str = ""


@dataclass
class Host:
    """What the generator believes the test host holds (it is only a guide: virsh is the judge)."""

    domains: dict[str, Dom] = field(default_factory=lambda: {"test": Dom("running", True, 1, [], TEST_UUID)})
    networks: dict[str, bool] = field(default_factory=lambda: {"default": True})  # name -> active
    pools: dict[str, bool] = field(default_factory=lambda: {"default-pool": True})
    volumes: list[str] = field(default_factory=list)  # in default-pool
    next_id: int = 2


class Gen:
    """One script's generator: a random source and the model it updates."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.host = Host()

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, items: list[str]) -> str:
        return self.rng.choice(items)

    # objects, mostly existing ones, named by name, ID or UUID
    def domain(self) -> tuple[str, str | None]:
        """(the word to type, the model's name of that domain or None)."""
        if self.chance(0.1) or not self.host.domains:
            return self.pick(["nosuch", "99", "00000000-0000-0000-0000-000000000000", "''"]), None
        name = self.pick(sorted(self.host.domains))
        dom = self.host.domains[name]
        how = self.rng.random()
        if how < 0.15 and dom.id is not None:
            return str(dom.id), name
        if how < 0.25 and dom.uuid:
            return dom.uuid, name
        return name, name

    def defined_name(self) -> str:
        free = [n for n in DOMAINS if n not in self.host.domains]
        return self.pick(free or sorted(DOMAINS))

    def network(self) -> str:
        if self.chance(0.1):
            return "nosuch"
        name = self.pick(sorted(self.host.networks) or ["default"])
        return UUIDS.get(name, name) if self.chance(0.15) else name

    def pool(self) -> str:
        if self.chance(0.1):
            return "nosuch"
        name = self.pick(sorted(self.host.pools) or ["default-pool"])
        return UUIDS.get(name, name) if self.chance(0.15) else name

    def flags(self, *names: str) -> str:
        """Zero or one of the given flags (more than one now and then, on purpose)."""
        chosen = [f"--{n}" for n in names if self.chance(0.5 / len(names) + 0.05)]
        if len(chosen) > 1 and not self.chance(0.2):
            chosen = chosen[:1]
        return " ".join(chosen)

    def size(self) -> str:
        return self.pick(["1048576", "524288", "1G", "512M", "100000000", "0", "1k", "20000KiB"])

    def words(self) -> str:
        pool = ["a", "''", "b,c", "a,,b", "','", "' '", "x y", "'#z'", "\\;"]
        return " ".join(self.pick(pool) for _ in range(self.rng.randint(0, 3)))

    # state changes
    def started(self, name: str | None) -> None:
        dom = self.host.domains.get(name or "")
        if dom is not None and dom.state == "shut off":
            dom.state, dom.id = "running", self.host.next_id
            self.host.next_id += 1

    def stopped(self, name: str | None) -> None:
        dom = self.host.domains.get(name or "")
        if dom is None or dom.state == "shut off":
            return
        if not dom.persistent:
            del self.host.domains[name or ""]
        else:
            dom.state, dom.id = "shut off", None


def _dom_cmd(fmt: str, after: Callable[[Gen, str | None], None] | None = None) -> Callable[[Gen], str]:
    """A command on one domain: `fmt` names it {d}; `after` updates the model."""
    def make(g: Gen) -> str:
        word, name = g.domain()
        if after is not None:
            after(g, name)
        return fmt.format(d=word, flags3=g.flags("config", "live", "current"), size=g.size(),
                          words=g.words(), n=g.rng.randint(0, 3))
    return make


def _undefine(g: Gen, name: str | None) -> None:
    dom = g.host.domains.get(name or "")
    if dom is None:
        return
    if dom.state == "shut off":
        del g.host.domains[name or ""]
    else:
        dom.persistent = False


def _suspend(g: Gen, name: str | None) -> None:
    dom = g.host.domains.get(name or "")
    if dom is not None and dom.state == "running":
        dom.state = "paused"


def _resume(g: Gen, name: str | None) -> None:
    dom = g.host.domains.get(name or "")
    if dom is not None and dom.state == "paused":
        dom.state = "running"


def _define(g: Gen) -> str:
    name = g.defined_name()
    dom = g.host.domains.get(name)
    if dom is None:
        g.host.domains[name] = Dom("shut off", True, None, [], DOMAINS[name])
    else:
        dom.persistent = True
    return f"define {name}.xml"


def _create(g: Gen) -> str:
    name = g.defined_name()
    if name not in g.host.domains:
        g.host.domains[name] = Dom("running", False, g.host.next_id, [], DOMAINS[name])
        g.host.next_id += 1
    return f"create {name}.xml"


def _snapshot_create(g: Gen) -> str:
    word, name = g.domain()
    snap = g.pick(["s1", "s2", "s3"])
    dom = g.host.domains.get(name or "")
    if dom is not None and snap not in dom.snapshots:
        dom.snapshots.append(snap)
    return f"snapshot-create-as {word} {snap}"


def _snapshot_cmd(fmt: str, drop: bool = False) -> Callable[[Gen], str]:
    def make(g: Gen) -> str:
        word, name = g.domain()
        dom = g.host.domains.get(name or "")
        snaps = dom.snapshots if dom is not None else []
        snap = g.pick(snaps) if snaps and not g.chance(0.15) else "nosnap"
        if drop and snap in snaps:
            snaps.remove(snap)
        return fmt.format(d=word, s=snap)
    return make


def _object_cmd(kind: str, fmt: str, active: bool | None = None, gone: bool = False) -> Callable[[Gen], str]:
    """A command on a network or pool (`kind`): `fmt` names it {o}; the model follows."""
    def make(g: Gen) -> str:
        known = g.host.networks if kind == "network" else g.host.pools
        name = g.network() if kind == "network" else g.pool()
        if name in known:
            if gone:
                del known[name]
            elif active is not None:
                known[name] = active
        return fmt.format(o=name)
    return make


def _net_cmd(fmt: str, **kw: bool) -> Callable[[Gen], str]:
    return _object_cmd("network", fmt.replace("{n}", "{o}"), **kw)


def _pool_cmd(fmt: str, **kw: bool) -> Callable[[Gen], str]:
    return _object_cmd("pool", fmt.replace("{p}", "{o}"), **kw)


def _define_object(kind: str, name: str) -> Callable[[Gen], str]:
    def make(g: Gen) -> str:
        (g.host.networks if kind == "net" else g.host.pools).setdefault(name, False)
        return f"{kind}-define {name}.xml"
    return make


_net_define = _define_object("net", "net1")
_pool_define = _define_object("pool", "pool1")


def _vol_create(g: Gen) -> str:
    vol = g.pick(["v1", "v2"])
    if vol not in g.host.volumes:
        g.host.volumes.append(vol)
    return f"vol-create-as {g.pool()} {vol} {g.pick(['1M', '10k', '0', '1x'])}"


def _vol_cmd(fmt: str, drop: bool = False) -> Callable[[Gen], str]:
    def make(g: Gen) -> str:
        vols = g.host.volumes
        vol = g.pick(vols) if vols and not g.chance(0.15) else "novol"
        if drop and vol in vols:
            vols.remove(vol)
        return fmt.format(v=vol, p=g.pool())
    return make


def _echo(g: Gen) -> str:
    mode = g.pick(["", "", "--split", "--shell", "--xml"])
    err = "--err" if g.chance(0.3) else ""
    return " ".join(w for w in ("echo", mode, err, g.words()) if w)


# (weight, maker)
COMMANDS: list[tuple[int, Callable[[Gen], str]]] = [
    (6, _dom_cmd("start {d}", lambda g, n: g.started(n))),
    (5, _dom_cmd("destroy {d}", lambda g, n: g.stopped(n))),
    (3, _dom_cmd("shutdown {d}", lambda g, n: g.stopped(n))),
    (3, _dom_cmd("suspend {d}", _suspend)),
    (3, _dom_cmd("resume {d}", _resume)),
    (2, _dom_cmd("reboot {d}")),
    (2, _dom_cmd("reset {d}")),
    (4, _dom_cmd("undefine {d}", _undefine)),
    (4, _define),
    (3, _create),
    (5, _dom_cmd("domstate {d}")),
    (2, _dom_cmd("domstate {d} --reason")),
    (4, _dom_cmd("dominfo {d}")),
    (2, _dom_cmd("domid {d}")),
    (2, _dom_cmd("domuuid {d}")),
    (1, _dom_cmd("domname {d}")),
    (5, lambda g: "list " + g.pick(["", "--all", "--inactive", "--name --all", "--uuid --all", "--persistent",
                                    "--transient", "--state-shutoff", "--state-paused --all", "--all --title"])),
    (4, _dom_cmd("vcpucount {d} {flags3}")),
    (2, _dom_cmd("vcpucount {d} --maximum {flags3}")),
    (4, _dom_cmd("setvcpus {d} {n} {flags3}")),
    (5, _dom_cmd("setmem {d} {size} {flags3}")),
    (3, _dom_cmd("setmaxmem {d} {size} {flags3}")),
    (4, _dom_cmd("desc {d} {flags3} {words}")),
    (2, _dom_cmd("desc {d} --title {flags3} {words}")),
    (2, _dom_cmd("autostart {d}")),
    (1, _dom_cmd("autostart {d} --disable")),
    (2, _dom_cmd("dumpxml {d} --inactive")),
    (2, _dom_cmd("domblklist {d}")),
    (2, _dom_cmd("domiflist {d}")),
    (3, _dom_cmd("detach-disk {d} vd{n} {flags3}")),
    (2, _dom_cmd("detach-disk {d} vda {flags3}")),
    (2, _dom_cmd("attach-disk {d} /guest/extra.img vdc {flags3}")),
    (3, _dom_cmd("detach-interface {d} network {flags3}")),
    (2, _dom_cmd("detach-interface {d} network --mac aa:bb:cc:dd:ee:ff {flags3}")),
    (2, _dom_cmd("attach-interface {d} network default {flags3}")),
    (2, _dom_cmd("domif-getlink {d} testnet0")),
    (2, _dom_cmd("domif-setlink {d} testnet0 down")),
    (2, _dom_cmd("schedinfo {d} {flags3}")),
    (1, _dom_cmd("memtune {d} {flags3}")),
    (1, _dom_cmd("blkiotune {d} {flags3}")),
    (1, _dom_cmd("managedsave-remove {d}")),
    (4, _snapshot_create),
    (3, _dom_cmd("snapshot-list {d} --name")),
    (3, _dom_cmd("snapshot-current {d} --name")),
    (2, _dom_cmd("snapshot-current {d}")),
    (2, _snapshot_cmd("snapshot-revert {d} {s}")),
    (2, _snapshot_cmd("snapshot-delete {d} {s}", drop=True)),
    (1, _snapshot_cmd("snapshot-parent {d} {s}")),
    (1, _snapshot_cmd("snapshot-current {d} {s}")),
    (3, lambda g: "net-list " + g.pick(["", "--all", "--inactive", "--name", "--uuid --all"])),
    (2, _net_cmd("net-info {n}")),
    (2, _net_cmd("net-start {n}", active=True)),
    (2, _net_cmd("net-destroy {n}", active=False)),
    (1, _net_cmd("net-undefine {n}", gone=True)),
    (2, _net_define),
    (1, _net_cmd("net-autostart {n}")),
    (3, lambda g: "pool-list " + g.pick(["", "--all", "--inactive", "--name", "--details --all"])),
    (2, _pool_cmd("pool-info {p}")),
    (2, _pool_cmd("pool-start {p}", active=True)),
    (2, _pool_cmd("pool-destroy {p}", active=False)),
    (1, _pool_cmd("pool-undefine {p}", gone=True)),
    (2, _pool_define),
    (3, _vol_create),
    (2, _vol_cmd("vol-list {p}")),
    (2, _vol_cmd("vol-info {v} --pool {p}")),
    (1, _vol_cmd("vol-delete {v} --pool {p}", drop=True)),
    (1, _vol_cmd("vol-path {v} --pool {p}")),
    (2, lambda g: "freecell " + g.pick(["", "--all", "0", "--cellno 1", "7"])),
    (3, _echo),
    (2, _dom_cmd("domrename {d} renamed")),
    (1, lambda g: "domrename renamed test"),
    (1, _dom_cmd("start {d} --paused", lambda g, n: g.started(n))),
    (1, _dom_cmd("undefine {d} --snapshots-metadata", _undefine)),
    (1, _dom_cmd("destroy {d} --graceful", lambda g, n: g.stopped(n))),
    (2, _dom_cmd("metadata {d} http://example.org/ --key ex --set '<x a=\"1\"/>' {flags3}")),
    (2, _dom_cmd("metadata {d} http://example.org/ {flags3}")),
    (1, _dom_cmd("metadata {d} http://example.org/ --remove {flags3}")),
    (2, _dom_cmd("schedinfo {d} --set weight=200 {flags3}")),
    (2, _dom_cmd("blkiotune {d} --weight 300 {flags3}")),
    (2, _dom_cmd("memtune {d} --hard-limit 4000000 {flags3}")),
    (2, _dom_cmd("numatune {d} --mode strict --nodeset 0 {flags3}")),
    (1, _dom_cmd("numatune {d} {flags3}")),
    (2, _dom_cmd("vcpupin {d} 0 1 {flags3}")),
    (1, _dom_cmd("vcpupin {d} {flags3}")),
    (1, _dom_cmd("emulatorpin {d} 0 {flags3}")),
    (1, _dom_cmd("emulatorpin {d} {flags3}")),
    (2, _dom_cmd("iothreadadd {d} {n} {flags3}")),
    (1, _dom_cmd("iothreaddel {d} {n} {flags3}")),
    (1, _dom_cmd("iothreadinfo {d} {flags3}")),
    (1, _dom_cmd("setvcpu {d} 1 --disable {flags3}")),
    (1, _dom_cmd("guestvcpus {d}")),
    (1, _dom_cmd("domblkinfo {d} vda")),
    (1, _dom_cmd("domblkerror {d}")),
    (1, _dom_cmd("domjobinfo {d}")),
    (1, _dom_cmd("domhostname {d}")),
    (1, _dom_cmd("dommemstat {d}")),
    (1, _dom_cmd("perf {d} {flags3}")),
    (1, _dom_cmd("domtime {d}")),
    (1, _dom_cmd("domfsinfo {d}")),
    (1, _dom_cmd("dompmsuspend {d} mem")),
    (1, _dom_cmd("dompmwakeup {d}")),
    (1, _dom_cmd("domdisplay {d}")),
    (1, _dom_cmd("vncdisplay {d}")),
    (1, _dom_cmd("domblkthreshold {d} vda 100")),
    (1, _dom_cmd("change-media {d} hdc --eject {flags3}")),
    (1, _dom_cmd("domif-setlink {d} aa:bb:cc:dd:ee:ff up --config")),
    (1, _dom_cmd("domiftune {d} testnet0 {flags3}")),
    (1, _dom_cmd("blkdeviotune {d} vda {flags3}")),
    (1, _dom_cmd("snapshot-create-as {d} --disk-only --no-metadata")),
    (1, _snapshot_cmd("snapshot-info {d} {s}")),
    (1, _snapshot_cmd("snapshot-info {d} --current")),
    (1, _snapshot_cmd("snapshot-list {d} --tree")),
    (1, _snapshot_cmd("snapshot-list {d} --parent --name")),
    (1, _snapshot_cmd("snapshot-dumpxml {d} {s}")),
    (1, _dom_cmd("checkpoint-create-as {d} c1")),
    (1, _dom_cmd("checkpoint-list {d} --name")),
    (1, _net_cmd("net-dumpxml {n}")),
    (1, _net_cmd("net-dhcp-leases {n}")),
    (1, _net_cmd("net-autostart {n} --disable")),
    (1, _net_cmd("net-uuid {n}")),
    (1, _pool_cmd("pool-refresh {p}")),
    (1, _pool_cmd("pool-autostart {p}")),
    (1, _pool_cmd("pool-dumpxml {p}")),
    (1, _vol_cmd("vol-dumpxml {v} --pool {p}")),
    (1, _vol_cmd("vol-resize {v} 2M --pool {p}")),
    (1, _vol_cmd("vol-clone {v} v3 --pool {p}")),
    (1, _vol_cmd("vol-key {v} --pool {p}")),
    (1, lambda g: "iface-list --all"),
    (1, lambda g: g.pick(["iface-destroy eth1", "iface-start eth1", "iface-dumpxml eth1", "iface-mac eth1"])),
    (1, lambda g: "nodeinfo"),
    (2, lambda g: "list --all " + g.pick(["--autostart", "--no-autostart", "--with-snapshot", "--without-snapshot",
                                           "--managed-save", "--has-managed-save", "--state-running", "--id",
                                           "--table --name", "--uuid --name", "--with-checkpoint"])),
    (2, _dom_cmd("setvcpus {d} {n} --maximum --config")),
    (1, _dom_cmd("setvcpus {d} {n} --guest")),
    (2, _dom_cmd("dumpxml {d}")),
    (1, _dom_cmd("dumpxml {d} --xpath //vcpu --wrap")),
    (2, _dom_cmd("domstats {d} --state --vcpu --balloon")),
    (1, _dom_cmd("undefine {d} --managed-save --checkpoints-metadata", _undefine)),
    (1, _dom_cmd("undefine {d} --remove-all-storage", _undefine)),
    (1, _dom_cmd("snapshot-create-as {d} --halt", lambda g, n: g.stopped(n))),
    (1, _dom_cmd("snapshot-create-as {d} s9 --description 'a b' --print-xml")),
    (1, _snapshot_cmd("snapshot-revert {d} {s} --running")),
    (1, _snapshot_cmd("snapshot-revert {d} {s} --paused --force")),
    (1, _snapshot_cmd("snapshot-list {d} --roots --name")),
    (1, _snapshot_cmd("snapshot-list {d} --leaves --name")),
    (1, _snapshot_cmd("snapshot-list {d} --from {s} --name")),
    (1, _snapshot_cmd("snapshot-delete {d} {s} --children", drop=True)),
    (1, _snapshot_cmd("snapshot-delete {d} {s} --metadata", drop=True)),
    (1, _snapshot_cmd("snapshot-current {d} --snapshotname {s}")),
    (1, _dom_cmd("checkpoint-delete {d} c1")),
    (1, _dom_cmd("checkpoint-info {d} c1")),
    (1, _net_cmd("net-update {n} add ip-dhcp-host \"<host mac='00:16:3e:77:e2:ed' ip='192.168.122.10'/>\"")),
    (1, _net_cmd("net-port-list {n}")),
    (1, _pool_cmd("pool-build {p}")),
    (1, _pool_cmd("pool-delete {p}")),
    (1, _vol_cmd("vol-wipe {v} --pool {p}")),
    (1, lambda g: "nodedev-list --tree"),
    (1, lambda g: g.pick(["nodedev-dumpxml computer", "nodedev-info computer", "nodedev-detach computer"])),
    (1, _dom_cmd("domxml-to-native qemu-argv --domain {d}")),
    (1, _dom_cmd("domdirtyrate-calc {d}")),
    (1, _dom_cmd("domlaunchsecinfo {d}")),
    (1, _dom_cmd("dominfo {d}")),
    (1, _dom_cmd("screenshot {d} shot.ppm")),
    (1, _dom_cmd("inject-nmi {d}")),
    (1, _dom_cmd("send-key {d} KEY_A")),
    (1, _dom_cmd("domcontrol {d}")),
    (1, _dom_cmd("event {d} --event lifecycle --timeout 0")),
]
_WEIGHTS = [w for w, _ in COMMANDS]


def script(seed: int, length: tuple[int, int] = (6, 15)) -> list[str]:
    """The script of one seed: 6 to 15 commands by default."""
    rng = random.Random(seed)
    g = Gen(rng)
    makers = rng.choices([m for _, m in COMMANDS], weights=_WEIGHTS, k=rng.randint(*length))
    return [re.sub(r"  +", " ", maker(g)).strip() for maker in makers]


_GRAMMAR_ATOMS = ["a", " ", " ", "'", '"', "\\", "#", ";", "\n", "--", "=", ",", "x", "echo ", "echo --shell ",
                  "echo --xml ", "echo --split ", "echo --err ", "--str", "--hi", "--help", "''", '""', "\t", "é",
                  "--prefix ", "dominfo ", "list ", "help ", "--all", "--"]


def grammar_line(seed: int) -> str:
    """A command string of quoting, escapes, comments, separators and options thrown together
    (never starting with `-`, which would be a global option)."""
    rng = random.Random(seed)
    line = "".join(rng.choice(_GRAMMAR_ATOMS) for _ in range(rng.randint(1, 12)))
    return line if not line.startswith("-") else "echo " + line


# Running and comparing ----------------------------------------------------------------------------

def marked(commands: list[str]) -> str:
    """The command string: before each command, a marker on stderr and one on stdout."""
    parts = []
    for i, cmd in enumerate(commands):
        parts += [f"echo --err {MARK} {i}", f"echo {MARK} {i}", cmd]
    return "; ".join(parts)


_NOISE = [
    (re.compile(r"[0-9]+[.,][0-9]s$", re.M), "Ts"),  # the test driver's CPU time is the clock (any locale)
    (re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}"), "DATE"),  # snapshot creation times
    (re.compile(r"<creationTime>\d+</creationTime>"), "<creationTime/>"),
    (re.compile(r"\b1[789]\d{8}\b"), "EPOCH"),  # a snapshot's default name: the time it was taken
]


def _clean(text: str) -> str:
    for pattern, repl in _NOISE:
        text = pattern.sub(repl, text)
    return text


def _cut(text: str, mark: re.Pattern[str]) -> list[str]:
    """Per-command pieces of one stream: [before any marker, command 0, command 1, ...]."""
    return mark.split(text)[::2]


@dataclass
class Outcome:
    """Where virsh's and vsh's runs of a script part: the command's index (None: they agree)."""

    index: int | None
    virsh: Result
    vsh: Result
    what: str = ""


def _run_both(commands: list[str], folder: str) -> tuple[Result, Result]:
    line = marked(commands)
    results = []
    for prog in ([VIRSH], VSH):
        shutil.rmtree(folder, ignore_errors=True)
        os.mkdir(folder)
        write_files(folder)
        for attempt in range(3):
            try:
                res = run(prog, ["-c", URI, line], cwd=folder, timeout=8, env={"LC_ALL": LANG})
                break
            except subprocess.TimeoutExpired:
                # virsh 9.0 now and then hangs on test:/// when the machine is busy; the host is fresh
                # in every run, so running it again is the same run.
                if attempt == 2:
                    res = Result("", "TIMEOUT", -1)
        results.append(Result(_clean(res.out), _clean(res.err), res.rc))
    return results[0], results[1]


# Deliberate differences (README, "Where vsh deliberately differs"): a command, and what of its
# run is virsh's own bug.  virsh 9.0's iface-destroy exits 1 after it succeeded.
DELIBERATE = [(re.compile(r"iface-destroy "), "exit status")]


def _deliberate(command: str, what: str) -> bool:
    return any(pattern.match(command) and what == kind for pattern, kind in DELIBERATE)


def compare(commands: list[str], folder: str) -> Outcome:
    """Run a script through both programs and find the first command whose output differs."""
    want, got = _run_both(commands, folder)
    outs_w, outs_g = _cut(want.out, _OUT_MARK), _cut(got.out, _OUT_MARK)
    errs_w, errs_g = _cut(want.err, _ERR_MARK), _cut(got.err, _ERR_MARK)
    n = max(len(outs_w), len(outs_g), len(errs_w), len(errs_g))
    for i in range(n):
        pieces = [(s[i] if i < len(s) else None) for s in (outs_w, outs_g, errs_w, errs_g)]
        if pieces[0] != pieces[1] or pieces[2] != pieces[3]:
            index = max(i - 1, 0) if n > 1 else 0
            return Outcome(min(index, len(commands) - 1), want, got,
                           "stdout" if pieces[0] != pieces[1] else "stderr")
    if want.rc != got.rc and not _deliberate(commands[-1], "exit status"):
        return Outcome(len(commands) - 1, want, got, "exit status")
    return Outcome(None, want, got)


def shrink(commands: list[str], folder: str) -> tuple[list[str], Outcome]:
    """A shortest-found script that still differs: cut after the first differing command, then
    drop each earlier command whose absence keeps a difference."""
    outcome = compare(commands, folder)
    if outcome.index is None:  # it did not happen again
        return commands, outcome
    current = commands[:outcome.index + 1]
    outcome = compare(current, folder)
    if outcome.index is None:  # the difference needs what came after (exit status of a later command)
        current, outcome = commands, compare(commands, folder)
    i = len(current) - 2
    while i >= 0:
        trial = current[:i] + current[i + 1:]
        result = compare(trial, folder)
        if result.index is not None:
            current, outcome = trial[:result.index + 1], result
            i = min(i, len(current) - 1)
        i -= 1
    return current, outcome


def report(commands: list[str], outcome: Outcome) -> str:
    """A reproducer a human can paste, and both programs' pieces."""
    line = "; ".join(commands)
    return (f"virsh and vsh differ ({outcome.what}) at command {outcome.index}: "
            f"{commands[outcome.index or 0]!r}\nreproduce: vsh -c {URI} {line!r}\n"
            f"virsh: rc={outcome.virsh.rc}\n{outcome.virsh.out}{outcome.virsh.err}\n"
            f"vsh:   rc={outcome.vsh.rc}\n{outcome.vsh.out}{outcome.vsh.err}")


def seeds(first: int, count: int) -> Iterator[int]:
    return iter(range(first, first + count))


def folder() -> str:
    return tempfile.mkdtemp(prefix="vsh-stateful-")
