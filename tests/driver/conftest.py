"""Fixtures of the driver tier."""
from __future__ import annotations

from typing import Iterator

import pytest


@pytest.fixture(scope="session")
def full_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private root libvirtd with every driver (secrets, nwfilters, node devices, interfaces).

    The test driver lacks those, so their successful paths are compared with virsh here.
    Like the QEMU tier it needs root; in CI it must not be skipped.
    """
    from tests.support.libvirtd import DaemonError, QemuDaemon, missing_requirements, unavailable

    missing = missing_requirements(qemu=True)
    if missing:
        unavailable("needs a root libvirtd: " + ", ".join(missing))
    daemon = QemuDaemon(tmp_path_factory.mktemp("fulld"))
    try:
        daemon.start()
    except DaemonError as err:
        daemon.close()
        unavailable(f"cannot start libvirtd: {err}")
    try:
        yield daemon.qemu_unix_uri
    finally:
        daemon.close()
