"""The daemon-tier fixtures work: the real virsh reaches the test driver through them."""

from __future__ import annotations

import shutil
import subprocess
from typing import Callable

import libvirt
import pytest

from tests.support.libvirtd import Libvirtd, unavailable

TEST_DOMAIN_ROW = " 1    test   running"


def virsh(uri: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real virsh, the oracle of this project, against `uri`."""
    if shutil.which("virsh") is None:
        unavailable("virsh (libvirt-clients) is not installed")
    return subprocess.run(["virsh", "-c", uri, *args], capture_output=True, text=True, timeout=60)


def assert_serves_test_domain(uri: str) -> None:
    result = virsh(uri, "list", "--all")
    assert result.returncode == 0, result.stderr
    assert TEST_DOMAIN_ROW in result.stdout.splitlines()


@pytest.mark.parametrize("transport", ["tcp_uri", "unix_uri"])
def test_uris_serve_the_test_driver(libvirtd: Libvirtd, transport: str) -> None:
    assert_serves_test_domain(getattr(libvirtd, transport))


def test_daemon_restarts_on_the_same_port_and_socket(fresh_libvirtd: Libvirtd) -> None:
    daemon = fresh_libvirtd
    first_pid, port = daemon.pid, daemon.port
    daemon.stop()
    assert daemon.pid is None
    assert virsh(daemon.tcp_uri, "uri").returncode == 1
    daemon.start()
    assert daemon.port == port and daemon.pid not in (None, first_pid)
    assert_serves_test_domain(daemon.tcp_uri)
    daemon.kill()
    assert virsh(daemon.unix_uri, "uri").returncode == 1
    daemon.start()
    assert_serves_test_domain(daemon.unix_uri)


def test_daemons_run_side_by_side_with_separate_state(make_libvirtd: Callable[[], Libvirtd]) -> None:
    first, second, third = make_libvirtd(), make_libvirtd(), make_libvirtd()
    assert len({first.port, second.port, third.port}) == 3
    # The daemon frees the state of test:///default when its last client disconnects: hold one open.
    conn = libvirt.open(first.tcp_uri)
    try:
        conn.lookupByName("test").destroy()
        assert virsh(first.unix_uri, "domstate", "test").stdout.strip() == "shut off"
        assert_serves_test_domain(second.tcp_uri)
        assert_serves_test_domain(third.unix_uri)
    finally:
        conn.close()
    assert_serves_test_domain(first.tcp_uri)


def test_log_file_is_written(libvirtd: Libvirtd) -> None:
    assert "libvirt version" in libvirtd.log_path.read_text()
