"""Several private libvirtds as the hosts of `--hosts` tests (the daemon tier's `hosts` fixture).

Each daemon serves its own node XML (the test driver opens the file named by the URI's path),
so every host has its own domains; one more name is a port where nothing listens and one a
daemon that is stopped (SIGSTOP: it accepts the socket and never answers).
"""
from __future__ import annotations

import os
import signal
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, NamedTuple

import pytest

from tests.support.libvirtd import DaemonError, Libvirtd, QemuDaemon, free_port, missing_requirements, unavailable

STORAGE_DRIVER = Path("/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_storage.so")

NODE = """<node>
  <domain type="test">
    <name>common</name>
    <memory>1024</memory>
    <os><type>hvm</type></os>
  </domain>
  <domain type="test" xmlns:test="http://libvirt.org/schemas/domain/test/1.0">
    <name>{only}</name>
    <memory>1024</memory>
    <os><type>hvm</type></os>
    <test:runstate>5</test:runstate>
  </domain>
  <network>
    <name>net-{host}</name>
    <bridge name="br-{host}"/>
  </network>
</node>
"""


class Hosts(NamedTuple):
    up: list[str]  # URIs of three answering hosts (h1, h2, h3)
    refused: str  # a port where nothing listens
    stopped: str  # a daemon that accepts and never answers
    # test:///default of h1 and h2: state shared by every client of the daemon, for tests in
    # which one client watches another's changes (leave it as found).
    shared: list[str]


def _node(folder: Path, host: str, only: str) -> Path:
    path = folder / f"{host}.xml"
    path.write_text(NODE.format(host=host, only=only))
    return path


@contextmanager
def started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hosts]:
    """Four daemons: three answering hosts, each with its own node XML, and one stopped."""
    missing = missing_requirements()
    if missing:
        unavailable(f"daemon tier needs: {', '.join(missing)}")
    daemons: list[Libvirtd] = []
    try:
        for _ in range(4):
            daemon = Libvirtd(tmp_path_factory.mktemp("fleet"))
            daemons.append(daemon)
            daemon.start()
    except DaemonError as err:
        for daemon in daemons:
            daemon.close()
        unavailable(f"cannot start libvirtd: {err}")
    nodes = tmp_path_factory.mktemp("nodes")
    up = []
    for i, daemon in enumerate(daemons[:3], 1):
        node = _node(nodes, f"h{i}", "only-h1" if i == 1 else "wide-domain-name" if i == 2 else "x")
        # TCP for two of them, the Unix socket for the third: the remote driver both ways.
        up.append(f"test+tcp://127.0.0.1:{daemon.port}{node}" if i != 3 else
                  f"test+unix://{node}?socket={daemon.sock_dir}/libvirt-sock")
    stopped = daemons[3]
    assert stopped.pid is not None
    os.kill(stopped.pid, signal.SIGSTOP)
    try:
        yield Hosts(up, f"test+tcp://127.0.0.1:{free_port()}/default", stopped.tcp_uri,
                    [daemons[0].tcp_uri, daemons[1].unix_uri])
    finally:
        if stopped.pid is not None:
            os.kill(stopped.pid, signal.SIGCONT)
        for daemon in daemons:
            daemon.close()


class StorageDaemon(QemuDaemon):
    """A libvirtd with libvirt's storage driver alone (the test driver has no volume streams), in
    a private mount namespace as the QEMU tier's daemons are (the driver's state and pid-file
    lock under /run/libvirt and /etc/libvirt stay its own), so several run at once and start in
    a fraction of a second.  `uri` opens the storage driver itself."""

    @property
    def uri(self) -> str:
        return f"storage+tcp://127.0.0.1:{self.port}/system"

    def environment(self) -> dict[str, str]:
        drivers = self.workdir / "storage-driver"
        drivers.mkdir(exist_ok=True)
        link = drivers / STORAGE_DRIVER.name
        if not link.exists():
            link.symlink_to(STORAGE_DRIVER)
        return {**super().environment(), "LIBVIRT_DRIVER_DIR": str(drivers)}

    def start(self) -> None:
        Libvirtd.start(self)  # no QEMU to probe


@contextmanager
def storage_hosts(folder: Path, count: int) -> Iterator[list[StorageDaemon]]:
    """`count` storage daemons, stopped afterwards."""
    missing = missing_requirements()
    if missing or not STORAGE_DRIVER.exists():
        unavailable(f"storage daemons need: {', '.join(missing) or STORAGE_DRIVER}")
    daemons: list[StorageDaemon] = []
    try:
        try:
            for i in range(count):
                daemon = StorageDaemon(folder / f"s{i + 1}")
                daemons.append(daemon)
                daemon.start()
        except DaemonError as err:
            unavailable(f"cannot start libvirtd: {err}")
        yield daemons
    finally:
        for daemon in daemons:
            daemon.close()
