"""The schema helpers, the shape `help` shows, and the JSON keys of libvirt's statistics."""
from __future__ import annotations

import pytest

from vsh.commands.domain.resources import tune_key
from vsh.schema import nullable, obj, rows, shape_lines, single, tabular
from vsh.statkeys import agent_key, snake_key, stat_key, stats_row


def test_objects_require_every_key_and_admit_no_other() -> None:
    schema = obj(id="integer?", name="string")
    assert schema == {"type": "object", "properties": {"id": {"type": ["integer", "null"]},
                                                       "name": {"type": "string"}},
                      "required": ["id", "name"], "additionalProperties": False}
    assert obj({}, extra="integer")["additionalProperties"] == {"type": "integer"}


def test_unknown_type_word_is_refused() -> None:
    with pytest.raises(ValueError):
        obj(x="int")


def test_tables_are_arrays_of_objects() -> None:
    assert tabular(rows(name="string"))
    assert not tabular(single("uri")) and not tabular(None)


def test_shape_lines() -> None:
    schema = rows(name="string", job=nullable(obj(cur="integer")), tags={"type": "array", "items": {"type": "string"}})
    assert shape_lines(schema) == ["an array of objects:",
                                   "  name  string",
                                   "  job   object or null:",
                                   "    cur  integer",
                                   "  tags  array of string"]


@pytest.mark.parametrize("field,key", [
    ("cpu.time", "cpu_time_ns"), ("balloon.current", "balloon_current_kib"), ("balloon.last-update",
                                                                                "balloon_last_update_seconds"),
    ("block.0.rd.times", "block_0_rd_times_ns"), ("block.1.capacity", "block_1_capacity_bytes"),
    ("vcpu.3.time", "vcpu_3_time_ns"), ("net.0.rx.bytes", "net_0_rx_bytes"), ("vcpu.current", "vcpu_current"),
    ("iothread.1.poll-max-ns", "iothread_1_poll_max_ns"),
])
def test_stat_keys_name_their_units(field: str, key: str) -> None:
    assert stat_key(field) == key


def test_stats_row_words_the_state() -> None:
    assert stats_row("a", {"state.state": 5, "state.reason": 1, "cpu.time": 7}) == {
        "name": "a", "state": "shut off", "reason": "shutdown", "cpu_time_ns": 7}
    assert stats_row("b", {"cpu.time": 1}) == {"name": "b", "state": None, "reason": None, "cpu_time_ns": 1}


@pytest.mark.parametrize("field,key", [
    ("hard_limit", "hard_limit_kib"), ("total_bytes_sec", "total_bytes_per_second"),
    ("read_iops_sec_max", "read_iops_max_per_second"), ("write_bytes_sec_max_length", "write_bytes_max_length_seconds"),
    ("inbound.average", "inbound_average_kib_per_second"), ("outbound.burst", "outbound_burst_kib"),
    ("group_name", "group_name"), ("weight", "weight"),
])
def test_tune_keys_name_their_units(field: str, key: str) -> None:
    assert tune_key(field) == key


@pytest.mark.parametrize("field,key", [
    ("fs.0.name", "fs_0_name"), ("fs.1.total-bytes", "fs_1_total_bytes"), ("user.0.login-time", "user_0_login_time_ms"),
    ("timezone.offset", "timezone_offset_seconds"), ("if.2.hwaddr", "if_2_mac"), ("if.0.addr.1.prefix", "if_0_addr_1_prefix"),
    ("os.pretty-name", "os_pretty_name"),
])
def test_agent_keys_name_their_units(field: str, key: str) -> None:
    assert agent_key(field) == key


@pytest.mark.parametrize("field,key", [("sev-api-major", "sev_api_major"), ("cert-chain", "cert_chain"),
                                       ("cbitpos", "cbitpos")])
def test_sev_fields_are_snake_case(field: str, key: str) -> None:
    assert snake_key(field) == key
