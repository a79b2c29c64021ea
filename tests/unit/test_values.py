"""Number and scaled-size parsing as virsh does it."""
from __future__ import annotations

import pytest

from vsh.errors import VshError
from vsh.spec import Int, Str
from vsh.values import convert, parse_scaled


@pytest.mark.parametrize("text,scale,expected", [
    ("512", 1, 512), ("1K", 1, 1024), ("1KB", 1, 1000), ("1KiB", 1, 1024), ("2M", 1, 2 * 1024**2),
    ("1GB", 1, 10**9), ("1G", 1, 1024**3), ("3b", 1, 3), ("5bytes", 1, 5), ("1E", 1, 1024**6),
    ("10", 1024, 10240), ("1k", 1024, 1024),
])
def test_scaled_sizes(text: str, scale: int, expected: int) -> None:
    assert parse_scaled(text, scale) == expected


def test_scaled_error_names_value_and_adds_libvirts_line() -> None:
    with pytest.raises(VshError) as exc:
        convert(Int("size", "h", conv="scaled"), "12QB")
    assert exc.value.lines() == ["Scaled numeric value '12QB' for <size> option is malformed or out of range",
                                 "invalid argument: unknown suffix 'QB'"]


@pytest.mark.parametrize("raw", ["-5", "99999999999999999999", "x"])
def test_scaled_error_single_line(raw: str) -> None:
    with pytest.raises(VshError) as exc:
        convert(Int("size", "h", conv="scaled"), raw)
    assert len(exc.value.lines()) == 1


@pytest.mark.parametrize("conv,raw,ok", [("int", "12", 12), ("int", "-3", -3), ("int", "1x", None),
                                         ("int", "2147483648", None), ("uint", "4294967295", 4294967295),
                                         ("uint", "4294967296", None), ("int", "", None)])
def test_integers(conv: str, raw: str, ok: int | None) -> None:
    opt = Int("count", "h", conv=conv)
    if ok is None:
        with pytest.raises(VshError) as exc:
            convert(opt, raw)
        assert exc.value.message == f"Numeric value '{raw}' for <count> option is malformed or out of range"
    else:
        assert convert(opt, raw) == ok


def test_empty_string_rejected_unless_allowed() -> None:
    with pytest.raises(VshError) as exc:
        convert(Str("domain", "h"), "")
    assert exc.value.message == "Failed to get option 'domain': Option argument is empty"
    assert convert(Str("x", "h", empty_ok=True), "") == ""
