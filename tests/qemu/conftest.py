"""Fixtures of the qemu tier: an isolated root libvirtd with the qemu driver, and a tiny guest under TCG."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.support import guest, linuxguest
from tests.support.libvirtd import DaemonError, QemuDaemon, missing_requirements, unavailable

HERE = Path(__file__).parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "qemu: needs a root libvirtd with QEMU; deselect with -m 'not qemu'")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this folder, before `-m` deselects by marker."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.qemu)


@pytest.fixture(scope="session")
def qemu_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QemuDaemon]:
    """The session's QEMU daemon; its guests and the daemon itself are stopped at the end, even on failure."""
    missing = missing_requirements(qemu=True)
    if missing:
        unavailable(f"qemu tier needs: {', '.join(missing)}")
    daemon = QemuDaemon(tmp_path_factory.mktemp("qemud"))
    try:
        daemon.start()
    except DaemonError as err:
        daemon.close()
        unavailable(f"cannot start the QEMU libvirtd: {err}")
    try:
        yield daemon
    finally:
        daemon.close()


@pytest.fixture(scope="session")
def guest_image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1 MiB raw disk that boots into the banner-and-echo program of `tests.support.guest`."""
    try:
        return guest.build_image(tmp_path_factory.mktemp("guest") / "vsh-guest.img")
    except guest.GuestBuildError as err:
        unavailable(str(err))


@pytest.fixture(scope="session")
def guest_xml(guest_image: Path) -> str:
    """Domain XML of the guest named `guest.GUEST_NAME`, booting `guest_image`."""
    return guest.domain_xml(guest_image)


@pytest.fixture(scope="session")
def agent_guest(qemu_daemon: QemuDaemon, tmp_path_factory: pytest.TempPathFactory) -> Iterator[linuxguest.Running]:
    """The tiny Linux guest of `tests.support.linuxguest`, running, its qemu-guest-agent answering."""
    try:
        built = linuxguest.build()
    except linuxguest.LinuxGuestError as err:
        unavailable(str(err))
    disk = linuxguest.data_disk(tmp_path_factory.mktemp("agent") / "data.img")
    try:
        running = linuxguest.start(qemu_daemon.qemu_uri, built, disk)
    except linuxguest.LinuxGuestError as err:
        unavailable(str(err))
    try:
        yield running
    finally:
        linuxguest.stop(running)
