"""The machine-readable output formats: JSON Lines off a terminal, CSV, `--json`/`--csv` after the command."""
from __future__ import annotations

import csv
import io
import json

import pytest

from util import VSH, run

URI = "test:///default"


def vsh(*args: str, stdin: str | None = None) -> tuple[str, str, int]:
    res = run(VSH, ["-c", URI, *args], stdin=stdin)
    return res.out, res.err, res.rc


def lines_of_json(text: str) -> list[object]:
    """Every line one JSON document (what `jq` and `python -m json.tool --json-lines` read)."""
    return [json.loads(line) for line in text.splitlines()]


def test_several_commands_in_a_string_are_json_lines() -> None:
    out, err, rc = vsh("--json", "domstate test; domid test; list --all")
    assert rc == 0, err
    docs = lines_of_json(out)
    assert docs[:2] == [{"state": "running", "reason": "unknown"}, {"id": 1}]
    assert docs[2][0]["name"] == "test"


def test_batch_is_json_lines() -> None:
    out, err, rc = vsh("--json", stdin="domid test\nuri\nnet-list --all\n")
    assert rc == 0, err
    assert lines_of_json(out)[:2] == [{"id": 1}, {"uri": URI}]


@pytest.mark.parametrize("args", [("list", "--all", "--json"), ("list", "--json", "--all"),
                                  ("--json", "list", "--all"), ("list --all --json",)])
def test_json_after_the_command_as_before_it(args: tuple[str, ...]) -> None:
    out, err, rc = vsh(*args)
    assert rc == 0, err
    assert [r["name"] for r in json.loads(out)] == ["test"]


def test_json_after_one_command_leaves_the_others_text() -> None:
    out, err, rc = vsh("domid test --json; domid test")
    assert rc == 0, err
    assert out == '{"id":1}\n1\n\n'


def test_json_after_the_command_in_a_batch() -> None:
    out, err, rc = vsh(stdin="domid test --json\ndomid test\n")
    assert rc == 0, err
    assert out == '{"id":1}\n1\n\n'


def test_json_after_the_command_makes_its_grammar_error_json() -> None:
    out, err, rc = vsh("list", "--bogus", "--json")
    assert rc == 1 and out == ""
    assert json.loads(err)["error"]["message"] == "command 'list' doesn't support option --bogus"


def test_json_word_after_double_dash_is_data() -> None:
    out, err, rc = vsh("echo", "--", "--json")
    assert (out, rc) == ("--json\n", 0)


def test_json_and_csv_together_are_an_error() -> None:
    out, err, rc = vsh("list", "--json", "--csv")
    assert rc == 1 and "mutually exclusive" in err
    out, err, rc = vsh("--json", "--csv", "list")
    assert rc == 1 and "mutually exclusive" in err


def test_global_abbreviation_keeps_virsh_meaning() -> None:
    """`--c` is virsh's --connect even though vsh adds --csv."""
    res = run(VSH, ["--c", URI, "uri"])
    assert (res.out, res.rc) == (f"{URI}\n\n", 0)


def test_csv_is_the_json_rows_with_a_header() -> None:
    out, err, rc = vsh("--csv", "list", "--all")
    assert rc == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    doc = json.loads(vsh("--json", "list", "--all")[0])
    assert rows[0] == list(doc[0])
    assert rows[1] == ["1", "test", doc[0]["uuid"], "running", "true", "true", "false", "false", ""]


def test_csv_after_the_command_and_an_empty_table_keeps_its_header() -> None:
    out, err, rc = vsh("list", "--inactive", "--csv")
    assert rc == 0, err
    assert out.splitlines() == ["id,name,uuid,state,active,persistent,autostart,managed_save,title"]


# The table commands the contract names, each through every way a command reaches vsh.
CSV_TABLES = ["list --all", "net-list --all", "pool-list --all", "iface-list --all",
              "domblklist test", "domiflist test", "vcpuinfo test", "domstats test", "domblkinfo test --all"]


@pytest.mark.parametrize("line", CSV_TABLES)
def test_csv_is_the_same_in_every_mode(line: str) -> None:
    """One-shot words and a string, before or after the command, a batch on stdin, the REPL's
    session: the same CSV, its header the schema's keys (domstats adds its stats' keys)."""
    from vsh import dispatch, registry
    from vsh.output import Printer
    from vsh.session import Session

    runs = [vsh("--csv", *line.split()), vsh(*line.split(), "--csv"), vsh(line + " --csv"),
            vsh(stdin=line + " --csv\n"), vsh("--csv", stdin=line + "\n")]
    assert [(err, rc) for _out, err, rc in runs] == [("", 0)] * len(runs)
    out, err = io.StringIO(), io.StringIO()
    session = Session(Printer(out, err), uri=URI, interactive=True)
    session.parser = dispatch.parse_in_tree  # as the REPL parses
    assert session.run_line(line + " --csv"), err.getvalue()
    session.close()
    # CPU times move between runs: compare the header and the columns that do not count time.
    tables = [list(csv.reader(io.StringIO(text))) for text in [r[0] for r in runs] + [out.getvalue()]]
    header = tables[0][0]
    steady = [i for i, key in enumerate(header) if "time" not in key]
    assert all([[row[i] for i in steady] for row in t] == [[row[i] for i in steady] for row in tables[0]]
               for t in tables)
    keys = list(registry.get(line.split()[0]).schema["items"]["properties"])  # type: ignore[union-attr]
    assert header[:len(keys)] == keys and len(tables[0]) > 1


def test_csv_quotes_as_rfc4180() -> None:
    out, err, rc = vsh('desc test --title "a, \\"b\\""; list --title --csv')
    assert rc == 0, err
    assert out.splitlines()[-1].endswith(',"a, ""b"""')


def test_csv_of_a_command_without_a_table_is_an_error_that_changes_nothing() -> None:
    out, err, rc = vsh("--csv", "dominfo", "test")
    assert (out, rc) == ("", 1)
    assert json.loads(err)["error"]["message"] == "command 'dominfo' prints no table; use --json for its data"


def test_schema_command_prints_a_json_schema() -> None:
    out, err, rc = vsh("schema", "list")
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["$schema"].startswith("https://json-schema.org/")
    assert doc["type"] == "array" and "name" in doc["items"]["properties"]
    out, err, rc = vsh("schema", "start")
    assert rc == 1 and err == "error: command 'start' prints no JSON data\n"


def test_help_shows_the_shape_under_json_but_not_in_virsh_text() -> None:
    text, _, _ = vsh("help", "list")
    assert "JSON" not in text
    shown, _, _ = vsh("--json", "help", "list")
    assert shown.startswith(text.rstrip("\n")) and "  JSON (--json and --csv; 'schema list'" in shown


def test_json_after_the_command_through_the_click_tree() -> None:
    """The REPL's path (the Click tree) reads `--json` after a command as the direct entry does."""
    res = run(VSH, ["-c", URI, "domid test --json; domid test"], env={"VSH_TREE": "1"})
    assert (res.out, res.rc) == ('{"id":1}\n1\n\n', 0)


def test_json_after_the_command_in_the_repl_session() -> None:
    from vsh import dispatch
    from vsh.output import Printer
    from vsh.session import Session

    out, err = io.StringIO(), io.StringIO()
    session = Session(Printer(out, err), uri=URI, interactive=True)
    session.parser = dispatch.parse_in_tree  # as the REPL parses
    assert not session.run_line("domstate test --csv")  # not a table: refused
    assert "prints no table" in json.loads(err.getvalue())["error"]["message"]
    assert session.run_line("list --all --csv")
    assert session.run_line("domid test --json")
    session.close()
    assert out.getvalue().splitlines()[-2:] == ["1,test," + json.loads(vsh("--json", "domuuid", "test")[0])["uuid"]
                                                + ",running,true,true,false,false,", '{"id":1}']
