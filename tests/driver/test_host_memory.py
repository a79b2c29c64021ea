"""Host memory and node commands (freecell, freepages, allocpages, nodememstats, node-memory-tune,
nodesuspend, sysinfo, nodesevinfo), compared with virsh.

The test driver answers freecell, freepages and sysinfo and refuses the rest, so those are
compared on its errors; the private root libvirtd (`full_uri`) answers from the real host,
where free memory changes between two runs: there the shape of the output is compared.
Nothing here changes the host: allocpages and node-memory-tune write back the values they
read, and nodesuspend is only ever given targets or durations that libvirt refuses.
"""
from __future__ import annotations

import json
import re

import pytest

from util import same, virsh, vsh

URI = "test:///default"

CASES = [
    # freecell
    "freecell; freecell --all; freecell --cellno 1; freecell 0; freecell --cellno 9",
    "freecell --cellno -1",
    "freecell --cellno x",
    "freecell --all --cellno 0",
    "freecell --cellno",
    "-q freecell --all",
    # freepages
    "freepages --all; freepages --cellno 0 --pagesize 4; freepages 1 2M; freepages --all --pagesize 1G",
    "freepages --cellno 0 --pagesize 3; freepages --cellno -1 --pagesize 8KiB; freepages --cellno 5 --pagesize 4",
    "freepages",
    "freepages --cellno 0",
    "freepages --pagesize 4",
    "freepages --cellno -2 --pagesize 4",
    "freepages --cellno 0 --pagesize 4G",
    "freepages --cellno 0 --pagesize 4x",
    "freepages --cellno 0 --pagesize -1",
    "freepages --all --cellno 1",
    "freepages --cellno x --pagesize 4",
    # allocpages: the test driver refuses it, after virsh's own checks
    "allocpages 4 10",
    "allocpages --pagesize 2M --pagecount 1 --cellno 0 --add",
    "allocpages 4 10 --all",
    "allocpages 4 -1",
    "allocpages x 3 --cellno y",
    "allocpages 4G0 3",
    "allocpages 4 10 --all --cellno 0",
    "allocpages 4",
    # the rest are refused by the test driver
    "nodememstats",
    "nodememstats --cell 0",
    "nodememstats --cell x",
    "node-memory-tune",
    "node-memory-tune --shm-pages-to-scan 5",
    "node-memory-tune --shm-sleep-millisecs 5 --shm-merge-across-nodes 1",
    "node-memory-tune --shm-pages-to-scan -1",
    "node-memory-tune --shm-merge-across-nodes x",
    "nodesuspend mem 60",
    "nodesuspend --target disk --duration 1",
    "nodesuspend x 60",
    "nodesuspend mem -1",
    "nodesuspend mem x",
    "nodesuspend '' 60",
    "nodesuspend mem",
    "sysinfo",
    "sysinfo x",
    "nodesevinfo",
]


@pytest.mark.parametrize("line", CASES)
def test_host_memory_on_test_driver_matches_virsh(line: str) -> None:
    words = line.split(" ", 1)
    if words[0] == "-q":
        same("-q", "-c", URI, words[1])
    else:
        same("-c", URI, line)


@pytest.mark.parametrize("cmd", ["freecell", "freepages", "allocpages", "nodememstats", "node-memory-tune",
                                 "nodesuspend", "sysinfo", "nodesevinfo"])
def test_host_memory_help_matches_virsh(cmd: str) -> None:
    same("help", cmd)


@pytest.mark.parametrize("words", [
    ["freecell", "--cellno", ""], ["freepages", "--pagesize", ""], ["freepages", "--cellno", "1", "--pagesize", ""],
    ["freepages", "--cellno", "0", "--pagesize", ""], ["allocpages", "--cellno", ""], ["nodesuspend", "--target", ""],
])
def test_host_memory_completion_matches_virsh(words: list[str]) -> None:
    # vsh sorts candidates; virsh keeps the capabilities' order.
    expected = virsh("-c", URI, "complete", "--", *words)
    got = vsh("-c", URI, "complete", "--", *words)
    assert sorted(got.out.split()) == sorted(expected.out.split()) and got.rc == expected.rc == 0


def test_host_memory_json_is_typed() -> None:
    res = vsh("-c", URI, "--json", "freecell --all; freecell --cellno 1; freecell; freepages --all; "
              "freepages 0 4; sysinfo")
    docs = [json.loads(part) for part in re.split(r"\n(?=[\[{])", res.out.strip())]
    assert docs[0] == {"cells": [{"cell": 0, "free_kib": 2048}, {"cell": 1, "free_kib": 4096}], "total_kib": 6144}
    assert docs[1] == {"cells": [{"cell": 1, "free_kib": 4096}], "total_kib": 4096}
    assert docs[2] == {"cells": [], "total_kib": 3072}
    assert docs[3][1] == {"cell": 1, "pages": [{"size_kib": 4, "free": 19}, {"size_kib": 8, "free": 45},
                                               {"size_kib": 2048, "free": 97}, {"size_kib": 1048576, "free": 201}]}
    assert docs[4] == [{"cell": 0, "pages": [{"size_kib": 4, "free": 19}]}]
    assert docs[5]["xml"].startswith("<sysinfo type='smbios'>")


# On the real host -----------------------------------------------------------------------------

def shape(text: str) -> str:
    """The text with every number (and the padding before it) replaced: free memory moves."""
    return re.sub(r" *-?\d+(\.\d+)?", " N", text)


def same_shape(*args: str) -> None:
    expected, got = virsh(*args), vsh(*args)
    assert shape(got.out) == shape(expected.out) and got.err == expected.err and got.rc == expected.rc, args


@pytest.mark.parametrize("line", ["freecell", "freecell --all", "freecell --cellno 0", "freepages --all",
                                  "freepages --cellno 0 --pagesize 4", "nodememstats", "nodememstats --cell 0"])
def test_host_memory_on_the_host_has_virsh_shape(full_uri: str, line: str) -> None:
    same_shape("-c", full_uri, line)


FULL_CASES = [
    "freecell --cellno 99",
    "freepages --cellno 0 --pagesize 2M; freepages --cellno 0 --pagesize 1G",
    "nodememstats --cell 99",
    "node-memory-tune",
    "sysinfo",
    "nodesevinfo",
    "allocpages 4 10",
    "nodesuspend mem 1",
    "nodesuspend disk 1",
    "nodesuspend hybrid 1",
]


@pytest.mark.parametrize("line", FULL_CASES)
def test_host_memory_on_the_host_matches_virsh(full_uri: str, line: str) -> None:
    same("-c", full_uri, line)


def test_allocpages_and_node_memory_tune_write_back_what_they_read(full_uri: str) -> None:
    from pathlib import Path

    # Only an empty 2 MiB pool is set again to its size (0): a pool in use is left alone.
    pool = Path("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages")
    if pool.exists() and pool.read_text().strip() == "0":
        same("-c", full_uri, "allocpages 2M 0 --cellno 0; allocpages --pagesize 2048 --pagecount 0 --all")
    tune = json.loads(vsh("-c", full_uri, "--json", "node-memory-tune").out)
    same("-c", full_uri, f"node-memory-tune --shm-pages-to-scan {tune['shm_pages_to_scan']} "
         f"--shm-sleep-millisecs {tune['shm_sleep_ms']}; node-memory-tune")
