"""Network filter commands on the test driver, compared with virsh.

libvirt 9.0's test driver has no network filters, so the commands are compared on
their failures.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from util import same

URI = "test:///default"

FILTER = """<filter name='f1' chain='ipv4'>
  <uuid>11111111-2222-3333-4444-555555555555</uuid>
  <rule action='accept' direction='out'><ip/></rule>
</filter>
"""


@pytest.fixture(scope="module")
def filter_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("nwfilter") / "f.xml"
    path.write_text(FILTER)
    return str(path)


CASES = [
    "nwfilter-list",
    "nwfilter-list x",
    "nwfilter-binding-list",
    "nwfilter-binding-list x",
    "nwfilter-undefine f1",
    "nwfilter-undefine 11111111-2222-3333-4444-555555555555",
    "nwfilter-undefine ''",
    "nwfilter-undefine",
    "nwfilter-dumpxml f1",
    "nwfilter-dumpxml --nwfilter 11111111-2222-3333-4444-555555555555 --xpath //rule --wrap",
    "nwfilter-dumpxml ''",
    "nwfilter-define /nonexistent.xml",
    "nwfilter-define ''",
    "nwfilter-define",
]


@pytest.mark.parametrize("line", CASES)
def test_nwfilter_default_host_matches_virsh(line: str) -> None:
    same("-c", URI, line)


@pytest.mark.parametrize("line", ["nwfilter-define {f}", "nwfilter-define {f} --validate",
                                  "nwfilter-define --file {f}; nwfilter-list"])
def test_nwfilter_define_matches_virsh(filter_file: str, line: str) -> None:
    same("-c", URI, line.format(f=filter_file))


@pytest.mark.parametrize("cmd", ["nwfilter-list", "nwfilter-define", "nwfilter-undefine", "nwfilter-dumpxml",
                                 "nwfilter-binding-list"])
def test_nwfilter_help_matches_virsh(cmd: str) -> None:
    same("help", cmd)



# On a full root libvirtd (see test_secret.py) the network filter driver works: the filters
# live in its private /etc/libvirt, and nothing binds them to a port.

FULL_CASES = [
    "nwfilter-binding-list",
    "nwfilter-define {f}; nwfilter-list; nwfilter-dumpxml f1; nwfilter-dumpxml f1 --xpath //rule --wrap; "
    "nwfilter-dumpxml 11111111-2222-3333-4444-555555555555 --xpath //@chain; nwfilter-undefine f1; "
    "nwfilter-undefine f1",
    "nwfilter-define --validate {f}; nwfilter-undefine 11111111-2222-3333-4444-555555555555",
    "nwfilter-dumpxml nosuch",
    "nwfilter-undefine 11111111-2222-3333-4444-55555555555x",
]


@pytest.mark.parametrize("line", FULL_CASES)
def test_nwfilter_full_driver_matches_virsh(full_uri: str, filter_file: str, line: str) -> None:
    same("-c", full_uri, line.format(f=filter_file))
