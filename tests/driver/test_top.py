"""top off a terminal: one sample per interval as plain text, CSV or JSON Lines, on the test driver."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from util import clean_env, vsh

from vsh.commands.live.top import CSV_COLUMNS

URI = "test:///default"
ROOT = Path(__file__).resolve().parents[2]


def test_plain_text_samples() -> None:
    res = vsh("-c", URI, "top --delay 0.2 --iterations 2")
    assert (res.err, res.rc) == ("", 0)
    samples = [s for s in res.out.split("vsh top - ") if s]
    assert len(samples) == 2
    lines = samples[0].splitlines()
    assert lines[1] == "Domains: 1 total, 1 running"
    assert lines[2].startswith("CPU: 16 x 1400 MHz, ")
    assert lines[4].split() == ["ID", "NAME", "STATE", "%CPU", "VCPUS", "MEM(KiB)", "%MEM", "RDBY/s", "WRBY/s",
                                "RXBY/s", "TXBY/s", "TIME(s)"]
    assert lines[5].split()[:3] == ["1", "test", "running"]
    assert lines[5].split()[4:7] == ["2", "2097152", "66.7"]
    assert "\x1b" not in res.out


def test_csv_samples_have_a_stable_header() -> None:
    res = vsh("-c", URI, "top --csv --delay 0.2 --iterations 3")
    assert (res.err, res.rc) == ("", 0)
    rows = list(csv.reader(io.StringIO(res.out.rstrip("\n"))))
    assert rows[0] == ["timestamp", "host", "id", "name", "state", "cpu_percent", "vcpus", "memory_kib",
                       "memory_percent", "block_rd_bytes_per_second", "block_wr_bytes_per_second", "net_rx_bytes_per_second",
                       "net_tx_bytes_per_second", "cpu_time_ns"]
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 4
    for row in rows[1:]:
        data = dict(zip(rows[0], row))
        assert (data["id"], data["name"], data["state"], data["vcpus"]) == ("1", "test", "running", "2")
        assert float(data["cpu_percent"]) >= 0
    assert float(rows[3][0]) > float(rows[1][0])


def test_json_lines_one_object_per_sample() -> None:
    res = vsh("--json", "-c", URI, "top --delay 0.2 --iterations 2")
    assert (res.err, res.rc) == ("", 0)
    docs = [json.loads(line) for line in res.out.splitlines()]
    assert len(docs) == 2
    doc = docs[0]
    assert (doc["uri"], doc["host_cpus"], doc["host_memory_kib"], doc["states"]) == (URI, 16, 3145728, {"running": 1})
    dom = doc["domains"][0]
    assert list(dom) == list(CSV_COLUMNS[1:])  # keyed as the CSV columns, the host too
    assert dom["host"] == doc["host"]
    assert (dom["id"], dom["name"], dom["memory_kib"], dom["block_rd_bytes_per_second"]) == (1, "test", 2097152, None)
    assert isinstance(dom["cpu_percent"], float)


def test_samples_are_flushed_as_they_come() -> None:
    """A reader sees each sample when it is taken, not when top ends."""
    proc = subprocess.Popen([sys.executable, "-m", "vsh", "--json", "-c", URI, "top --delay 0.3"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=clean_env({"PYTHONPATH": str(ROOT)}))
    try:
        assert proc.stdout is not None
        began = time.monotonic()
        first = json.loads(proc.stdout.readline())
        second = json.loads(proc.stdout.readline())
        assert time.monotonic() - began < 15
        assert second["timestamp"] > first["timestamp"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize("line, message", [
    ("top --delay 0", "error: invalid delay '0': expecting seconds between 0.1 and 86400\n"),
    ("top --delay x", "error: invalid delay 'x': expecting seconds between 0.1 and 86400\n"),
    ("top --iterations 0", "error: --iterations must be at least 1\n"),
    ("top --sort size", "error: invalid sort 'size': expecting cpu, mem, time, block, net, id or name\n"),
])
def test_bad_values(line: str, message: str) -> None:
    res = vsh("-c", URI, line)
    assert (res.out, res.err, res.rc) == ("\n", message, 1)
