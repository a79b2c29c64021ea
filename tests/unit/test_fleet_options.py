"""--hosts: the host list, the global options that shape a fleet, the bounded runner."""
from __future__ import annotations

import io
import threading
from pathlib import Path
import time
from typing import Any, Callable

import pytest

from util import VSH, run
from vsh.errors import VshError
from vsh.fleet import Target, file_suffixes, keepalive_for, parse_hosts, run_bounded
from vsh.fleetlive import Live
from vsh.output import Printer


def test_host_list_keeps_the_given_order_and_names_each_host_once() -> None:
    assert parse_hosts("qemu+ssh://h1/system, h2 ,test:///default,h2") == [
        Target("qemu+ssh://h1/system", "qemu+ssh://h1/system"), Target("h2", "h2"),
        Target("test:///default", "test:///default")]


@pytest.mark.parametrize("text", ["", "a,", ",a", "a,,b", " "])
def test_an_empty_name_in_the_host_list_is_an_error(text: str) -> None:
    with pytest.raises(VshError, match="an empty name"):
        parse_hosts(text)


def test_keepalive_gives_up_on_a_silent_host_near_the_timeout() -> None:
    for timeout in (1, 2.5, 10, 60):
        interval, count = keepalive_for(timeout)
        assert interval >= 1 and timeout <= interval * (count + 1) <= max(3, timeout + 3)


def test_bounded_runner_keeps_order_and_bound() -> None:
    running, peak = [0], [0]
    lock = threading.Lock()

    def job(i: int):  # type: ignore[no-untyped-def]
        def work() -> int:
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.01 * (5 - i % 5))
            with lock:
                running[0] -= 1
            return i
        return work

    assert run_bounded([job(i) for i in range(12)], 3) == list(range(12))
    assert peak[0] == 3


def test_bounded_runner_stops_waiting_at_its_bound() -> None:
    stop = threading.Event()
    with pytest.raises(TimeoutError):
        run_bounded([stop.wait], 1, wait=0.2)
    stop.set()


@pytest.mark.parametrize(("args", "message"), [
    (["--parallel", "0"], "invalid value '0' for --parallel: a positive number is needed"),
    (["--parallel=x"], "invalid value 'x' for --parallel: a positive number is needed"),
    (["--host-timeout", "-1"], "invalid value '-1' for --host-timeout: a positive number is needed"),
    (["--host-timeout", "nan"], "invalid value 'nan' for --host-timeout: a positive number is needed"),
    (["-c", "test:///default", "--hosts", "a"],
     "options -c and --hosts are mutually exclusive: -c names one host, --hosts several"),
    (["--hosts", "a,,b"], "invalid host list 'a,,b': an empty name"),
])
def test_bad_fleet_options_fail_before_anything_runs(args: list[str], message: str) -> None:
    res = run(VSH, [*args, "list"])
    assert (res.out, res.err, res.rc) == ("", f"error: {message}\n", 1)


def test_an_abbreviated_long_option_still_means_virshs_option() -> None:
    # --hosts and --host-timeout also start with `--h`; virsh reads `--h` as --help.
    assert run(VSH, ["--h"]) == run(VSH, ["--help"])
    assert run(VSH, ["--ho", "x"]).err == "error: unsupported option '--ho'. See --help.\n"


def test_commands_that_need_no_connection_run_once() -> None:
    res = run(VSH, ["--hosts", "test:///default,test:///nosuch.xml", "echo", "hi"])
    assert (res.out, res.err, res.rc) == ("hi\n", "", 0)


def test_host_groups_come_from_the_config_file(tmp_path: Path) -> None:
    data = Path(__file__).resolve().parent.parent / "data"
    two = f"test://{data / 'domains.xml'}"
    (tmp_path / "vsh").mkdir()
    (tmp_path / "vsh" / "config.toml").write_text(f'[groups]\npair = ["test:///default", "{two}"]\n')
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    # A group's members in its order; a host named again (here test:///default) is used once.
    res = run(VSH, ["--hosts", "@pair,test:///default", "list", "--name"], env=env)
    assert res == (f"test:///default: test\n{two}: beta\n{two}: delta\n\n", "", 0)
    res = run(VSH, ["--hosts", "@nosuch", "list"], env=env)
    assert (res.out, res.rc) == ("", 1) and res.err.startswith("error: unknown host group 'nosuch'")


def test_a_user_command_runs_on_every_host(tmp_path: Path) -> None:
    data = Path(__file__).resolve().parent.parent / "data"
    two = f"test://{data / 'domains.xml'}"
    (tmp_path / "vsh" / "commands").mkdir(parents=True)
    (tmp_path / "vsh" / "commands" / "count.py").write_text(
        "import click\n\n\n@click.command('dom-count')\n@click.pass_obj\n"
        "def dom_count(session):\n"
        "    n = len(session.conn.listAllDomains(0))\n"
        "    session.out.data({'domains': n}, f'{n} domains\\n')\n")
    res = run(VSH, ["--hosts", f"test:///default,{two}", "dom-count"], env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert res == ("test:///default: 1 domains\n" f"{two}: 4 domains\n\n", "", 0)


def test_ctrl_c_asks_the_jobs_to_stop_and_waits_for_them_a_while() -> None:
    import _thread

    ended = threading.Event()

    def job() -> str:
        ended.wait(10)
        return "ended"

    def stop(grace: float) -> Callable[[], float]:
        def asked() -> float:
            ended.set()
            return grace
        return asked

    threading.Timer(0.1, _thread.interrupt_main).start()
    assert run_bounded([job, job], 2, stop=stop(2.0)) == ["ended", "ended"]
    # No grace (a command that does not listen): Ctrl-C gives up at once, as without `stop`.
    ended.clear()
    threading.Timer(0.1, _thread.interrupt_main).start()
    with pytest.raises(KeyboardInterrupt):
        run_bounded([lambda: ended.wait(0.5) and "late"], 1, stop=lambda: 0.0)


def test_live_output_writes_whole_lines_of_each_host_as_they_complete() -> None:
    out = io.StringIO()
    reported: list[tuple[str, list[tuple[Any, ...]]]] = []
    live = Live(Printer(out=out), lambda name, events: reported.append((name, events)), json_mode=False)
    a, b = live.host("a"), live.host("b")
    a(("text", "one\ntw"))
    b(("text", "first"))
    assert out.getvalue() == "a: one\n"  # half lines wait for their end
    a(("text", "o\n"))
    b(("error", ["failed"], None))
    b(("text", " line\n"))
    b(("extra", "\n"))  # the blank line after a command: once for all, by the main session
    a(("extra", "\n"))
    a(("extra", "last, without its newline"))
    a.end()
    b.end()
    assert out.getvalue() == "a: one\na: two\nb: first line\na: \na: last, without its newline\n"
    assert reported == [("b", [("error", ["failed"], None)])]
    live.close()
    a(("text", "after Ctrl-C\n"))
    assert out.getvalue().endswith("a: last, without its newline\n")


def test_live_json_lines_gain_the_host_key_first() -> None:
    out = io.StringIO()
    live = Live(Printer(out=out, json_mode=True), lambda name, events: None, json_mode=True)
    h1 = live.host("h1")
    h1(("text", '{"event":"lifecycle","object":"x"}\n{"end":"done",'))
    h1(("text", '"received":1}\n'))
    assert out.getvalue() == ('{"host":"h1","event":"lifecycle","object":"x"}\n'
                              '{"host":"h1","end":"done","received":1}\n')


def test_each_host_names_its_local_files_safely_and_apart() -> None:
    assert file_suffixes(["h1", "qemu+ssh://root@h1/system", "a/b", "a:b", "a_b"]) == {
        "h1": ".h1", "qemu+ssh://root@h1/system": ".qemu+ssh___root@h1_system",
        "a/b": ".a_b", "a:b": ".a_b-2", "a_b": ".a_b-3"}
