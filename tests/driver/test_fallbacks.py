"""virsh's fallbacks for servers without a newer call (VIR_ERR_NO_SUPPORT), exercised for real.

The test driver lacks the newer call of these commands, so on test:///default they take
the older road, as virsh does.  The first test holds the driver to that, so that the
differential runs below (and the fuller ones in test_stats, test_secret, test_nwfilter)
keep testing the fallbacks rather than passing by the newer call.  The other fallbacks
(domstate, the title in list, dominfo's security model, vcpu counts, define --validate,
start --force-boot, undefine) follow virsh's for calls every libvirtd 9.0 driver vsh can
reach here supports, so no test host refuses them.
"""
from __future__ import annotations

from typing import Any, Callable

import pytest

from tests.util import same

URI = "test:///default"

#: command line -> the newer call it tries first
NEWER_CALLS: dict[str, Callable[[Any], Any]] = {
    "domblkstat test vda --human": lambda conn: conn.lookupByName("test").blockStatsFlags("vda", 0),
    "domjobinfo test": lambda conn: conn.lookupByName("test").jobStats(0),
    "secret-list": lambda conn: conn.listAllSecrets(0),
    "nwfilter-list": lambda conn: conn.listAllNWFilters(0),
}


@pytest.mark.parametrize("line", list(NEWER_CALLS))
def test_the_test_driver_refuses_the_newer_call(line: str) -> None:
    import libvirt

    conn = libvirt.open(URI)
    try:
        with pytest.raises(libvirt.libvirtError) as refused:
            NEWER_CALLS[line](conn)
    finally:
        conn.close()
    assert refused.value.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT


@pytest.mark.parametrize("line", ["domjobinfo test", "domjobinfo test --completed", "secret-list",
                                  "secret-list --ephemeral", "nwfilter-list", "domblkstat test vdz"])
def test_the_older_road_as_virsh(line: str) -> None:
    """(domblkstat's counters change between runs: its failure on an unknown disk is compared.)"""
    same("-c", URI, line)
