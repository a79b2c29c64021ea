"""top over several hosts: the merged sample's header and table, from plain samples."""
from __future__ import annotations

from typing import Any

from vsh.commands.live.hosts import merge
from vsh.commands.live.sampling import COLUMNS, Host, Sample, header_lines, table_lines, with_host


def row(host: str, name: str, cpu: float, mem: int) -> dict[str, Any]:
    return {"host": host, "id": 1, "name": name, "state": "running", "cpu_percent": cpu, "vcpus": 1,
            "memory_kib": mem, "memory_percent": None, "block_rd_bytes_per_second": None,
            "block_wr_bytes_per_second": None, "net_rx_bytes_per_second": None, "net_tx_bytes_per_second": None,
            "cpu_time_ns": 10**9}


def sample(label: str, cpus: int, memory_kib: int, rows: list[dict[str, Any]], states: dict[str, int]) -> Sample:
    return Sample(0.0, Host(label, f"qemu+ssh://{label}/system", cpus, 2000, memory_kib), label, rows, states, [])


def test_header_adds_the_hosts_up_and_weighs_cpu_by_each_hosts_cpus() -> None:
    small = sample("a", 4, 4 * 1024 * 1024, [row("a", "web", 50.0, 1024 * 1024)], {"running": 1, "shut off": 2})
    big = sample("b", 12, 12 * 1024 * 1024, [row("b", "db", 10.0, 3 * 1024 * 1024)], {"running": 1, "paused": 1})
    merged = merge([small, big], ["c"])
    lines = header_lines(merged)
    assert lines[0].startswith("vsh top - 3 hosts ") and lines[0].endswith("  (1 failed: c)")
    assert lines[1] == "Domains: 5 total, 1 paused, 2 running, 2 shut off"
    # 50% of 4 CPUs and 10% of 12 CPUs: 3.2 of 16 CPUs busy.
    assert lines[2] == ("CPU: 16 CPUs, 20.0% used by domains   Memory: 16384 MiB, 4096 MiB (25.0%) used by domains")
    table = table_lines(merged.rows, with_host(COLUMNS, merged))
    assert table[0].split()[:3] == ["HOST", "ID", "NAME"]
    assert [line.split()[:3] for line in table[1:]] == [["a", "1", "web"], ["b", "1", "db"]]


def test_one_host_has_no_host_column() -> None:
    one = sample("a", 4, 1024, [row("a", "web", 1.0, 1)], {"running": 1})
    assert with_host(COLUMNS, one) == COLUMNS
    assert header_lines(one)[0].endswith("  qemu+ssh://a/system")
