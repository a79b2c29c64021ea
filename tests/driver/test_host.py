"""Host commands on the test driver, compared with virsh."""
from __future__ import annotations

import json

import pytest

from util import same, vsh

URI = "test:///default"


@pytest.mark.parametrize("cmd", ["uri", "hostname", "version", "version --daemon", "nodeinfo", "capabilities"])
def test_host_command_matches_virsh(cmd: str) -> None:
    same("-c", URI, cmd)


def test_nodeinfo_json_has_typed_fields() -> None:
    res = vsh("-c", URI, "--json", "nodeinfo")
    assert res.rc == 0
    data = json.loads(res.out)
    assert data["cpus"] == 16 and data["memory_kib"] == 3145728 and data["cpu_model"] == "i686"


def test_uri_json() -> None:
    assert json.loads(vsh("-c", URI, "--json", "uri").out) == {"uri": URI}
