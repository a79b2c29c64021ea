"""The printer's layouts as exact strings."""
from __future__ import annotations

import io
import json

from vsh.output import Column, Printer, display_width


def printer(**kw: object) -> tuple[Printer, io.StringIO]:
    buf = io.StringIO()
    return Printer(buf, io.StringIO(), **kw), buf  # type: ignore[arg-type]


COLS = [Column("id", "Id"), Column("name", "Name"), Column("state", "State", state=True)]


def test_table_like_virsh() -> None:
    p, buf = printer()
    p.table(COLS, [{"id": 1, "name": "test", "state": "running"}, {"id": None, "name": "x", "state": "shut off"}])
    assert buf.getvalue() == (" Id   Name   State\n"
                              "-----------------------\n"
                              " 1    test   running\n"
                              " -    x      shut off\n")


def test_empty_table_keeps_header_widths() -> None:
    p, buf = printer()
    p.table(COLS, [])
    assert buf.getvalue() == " Id   Name   State\n--------------------\n"


def test_wide_characters_count_two_columns() -> None:
    assert display_width("日本") == 4
    p, buf = printer()
    p.table([Column("a", "A"), Column("b", "B")], [{"a": "日本", "b": "x"}])
    assert buf.getvalue().splitlines()[2] == " 日本   x"


def test_json_table_is_typed_rows() -> None:
    p, buf = printer(json_mode=True)
    p.table(COLS, [{"id": None, "name": "x", "state": "shut off"}])
    assert json.loads(buf.getvalue()) == [{"id": None, "name": "x", "state": "shut off"}]


def test_kv_block_and_quiet_extra() -> None:
    p, buf = printer(quiet=True)
    p.kv([("a", "Name:", "x", "x"), ("b", "Id:", 1, "1")], width=15)
    p.extra("hidden")
    assert buf.getvalue() == "Name:           x\nId:             1\n"


def test_no_colour_in_a_pipe() -> None:
    p, buf = printer()
    assert not p.color
    p.table(COLS, [{"id": 1, "name": "t", "state": "running"}])
    assert "\x1b[" not in buf.getvalue()
