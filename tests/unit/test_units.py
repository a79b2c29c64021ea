"""Sizes as virsh prints (vshPrettyCapacity) and reads them (virshVolSize)."""
from __future__ import annotations

import pytest

from vsh.errors import VshError
from vsh.units import format_capacity, parse_size, pretty_capacity


@pytest.mark.parametrize("value, text", [
    (0, "0.00 B"),
    (512, "512.00 B"),
    (1023, "1023.00 B"),
    (1024, "1.00 KiB"),
    (1536, "1.50 KiB"),
    (1234567, "1.18 MiB"),
    (1024**2 - 1, "1024.00 KiB"),
    (1024**3, "1.00 GiB"),
    (107374182400, "100.00 GiB"),
    (10737418240, "10.00 GiB"),
    (1024**4 * 3, "3.00 TiB"),
    (1024**5, "1.00 PiB"),
    (1024**6, "1.00 EiB"),
    (2**64 - 1, "16.00 EiB"),
])
def test_format_capacity_matches_virsh(value: int, text: str) -> None:
    assert format_capacity(value) == text


def test_pretty_capacity_returns_number_and_unit() -> None:
    assert pretty_capacity(3 * 1024**2) == (3.0, "MiB")
    assert pretty_capacity(5) == (5.0, "B")


@pytest.mark.parametrize("text, value", [
    ("0", 0), ("1", 1), (" 7", 7), ("+1k", 1024), ("1K", 1024), ("1KiB", 1024), ("1KB", 1000),
    ("512M", 512 * 1024**2), ("1G", 1024**3), ("2g", 2 * 1024**3), ("1GB", 10**9), ("1T", 1024**4),
    ("1e", 1024**6), ("15EiB", 15 * 1024**6), ("3bytes", 3), ("9b", 9),
])
def test_parse_size_accepts_virsh_suffixes(text: str, value: int) -> None:
    assert parse_size(text) == value


@pytest.mark.parametrize("text, lines", [
    ("12QB", ["Malformed size 12QB", "invalid argument: unknown suffix 'QB'"]),
    ("1.5G", ["Malformed size 1.5G", "invalid argument: unknown suffix '.5G'"]),
    ("1 ", ["Malformed size 1 ", "invalid argument: unknown suffix ' '"]),
    ("16EiB", ["Malformed size 16EiB", "numerical overflow: value too large: 16EiB"]),
    ("-1", ["Malformed size -1"]),
    ("-0", ["Malformed size -0"]),
    ("x", ["Malformed size x"]),
    ("", ["Malformed size "]),
    ("99999999999999999999", ["Malformed size 99999999999999999999"]),
])
def test_parse_size_errors_read_as_virsh(text: str, lines: list[str]) -> None:
    with pytest.raises(VshError) as info:
        parse_size(text)
    assert info.value.lines() == lines
