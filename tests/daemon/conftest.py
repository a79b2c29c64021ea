"""Fixtures of the daemon tier: private libvirtd daemons serving the test driver on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pytest

from tests.support import hosts as fleet_hosts
from tests.support.libvirtd import DaemonError, Libvirtd, missing_requirements, unavailable

HERE = Path(__file__).parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "daemon: needs a private libvirtd (root); deselect with -m 'not daemon'")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this folder, before `-m` deselects by marker."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.daemon)


def _start(workdir: Path, extra_config: str = "") -> Libvirtd:
    missing = missing_requirements()
    if missing:
        unavailable(f"daemon tier needs: {', '.join(missing)}")
    daemon = Libvirtd(workdir, extra_config=extra_config)
    try:
        daemon.start()
    except DaemonError as err:
        daemon.close()
        unavailable(f"cannot start libvirtd: {err}")
    return daemon


@pytest.fixture(scope="session")
def libvirtd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Libvirtd]:
    """One daemon shared by the session: for tests that neither change its state nor stop it."""
    daemon = _start(tmp_path_factory.mktemp("libvirtd"))
    try:
        yield daemon
    finally:
        daemon.close()


@pytest.fixture(scope="module")
def one_request_libvirtd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Libvirtd]:
    """A daemon that serves one call of a client at a time (max_client_requests = 1): the others
    wait in its queue."""
    daemon = _start(tmp_path_factory.mktemp("libvirtd"), "max_client_requests = 1")
    try:
        yield daemon
    finally:
        daemon.close()


@pytest.fixture
def make_libvirtd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], Libvirtd]]:
    """A factory of running daemons, each in its own folder and port; all are stopped after the test."""
    started: list[Libvirtd] = []

    def make() -> Libvirtd:
        daemon = _start(tmp_path_factory.mktemp("libvirtd"))
        started.append(daemon)
        return daemon

    try:
        yield make
    finally:
        for daemon in started:
            daemon.close()


@pytest.fixture
def fresh_libvirtd(make_libvirtd: Callable[[], Libvirtd]) -> Libvirtd:
    """A daemon of this test's own (starts in ~0.1 s): for tests that change state, stop or kill it."""
    return make_libvirtd()


@pytest.fixture(scope="session")
def hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[fleet_hosts.Hosts]:
    """The hosts of the `--hosts` tests (tests.support.hosts), shared by their modules: three
    answering daemons, a refused port and a stopped daemon.  Do not change their state."""
    with fleet_hosts.started(tmp_path_factory) as found:
        yield found
