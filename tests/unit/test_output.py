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


def test_json_is_one_line_off_a_terminal() -> None:
    p, buf = printer(json_mode=True)
    p.data({"a": [1, None], "b": True})
    p.data({"c": "x"})
    assert buf.getvalue() == '{"a":[1,null],"b":true}\n{"c":"x"}\n'


def test_csv_header_from_the_schema_and_values_as_json() -> None:
    from vsh.schema import rows

    p, buf = printer(csv_mode=True)
    p.schema = rows(id="integer?", name="string", ok="boolean", tags={"type": "array"})
    p.table(COLS, [{"id": None, "name": 'a "b", c', "ok": False, "tags": ["x", 1]},
                   {"id": 2, "name": "d\ne", "ok": True, "tags": [], "extra": 1.5}])
    assert buf.getvalue() == ('id,name,ok,tags,extra\n'
                              ',"a ""b"", c",false,"[""x"",1]",\n'
                              '2,"d\ne",true,[],1.5\n')


def test_csv_of_an_empty_table_is_its_header() -> None:
    from vsh.schema import rows

    p, buf = printer(csv_mode=True)
    p.schema = rows(id="integer?", name="string")
    p.table(COLS, [])
    assert buf.getvalue() == "id,name\n"


def test_mode_switch_for_one_command_and_back() -> None:
    p, buf = printer()
    p.set_mode("json")
    p.data({"a": 1}, "text\n")
    p.set_mode("text")
    p.data({"a": 1}, "text\n")
    assert buf.getvalue() == '{"a":1}\ntext\n'
