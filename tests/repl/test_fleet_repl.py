"""The REPL over several hosts: `connect --hosts LIST`, the prompt and toolbar, completion's union of names."""
from __future__ import annotations

import io
from pathlib import Path

from vsh import repl
from vsh.fleet import Fleet, parse_hosts
from vsh.output import Printer
from vsh.session import Session

from test_repl import drive

DATA = Path(__file__).resolve().parent.parent / "data"
ONE = "test:///default"
TWO = f"test://{DATA / 'domains.xml'}"


def fleet_session(readonly: bool = False) -> Session:
    s = Session(Printer(io.StringIO(), io.StringIO()), uri=ONE, interactive=True)
    s.fleet = Fleet(parse_hosts(f"{ONE},{TWO}"), s, readonly=readonly)
    return s


def test_connect_hosts_switches_to_several_hosts_and_connect_uri_goes_back() -> None:
    rc, out, err = drive(f"connect --hosts {ONE},{TWO}\rlist --name\rconnect {ONE}\rlist --name\r")
    assert rc == 0 and err == ""
    assert out == (repl.BANNER + "\n" + "\n" + f"{ONE}: test\n{TWO}: beta\n{TWO}: delta\n\n" + "\n" + "test\n\n" + "\n")


def test_connect_hosts_reports_each_host_that_fails_and_keeps_the_others() -> None:
    bad = f"test://{DATA / 'nosuch.xml'}"
    rc, out, err = drive(f"connect --hosts={ONE},{bad}\rdomstate test\r")
    assert rc == 0
    assert err.startswith(f"error: {bad}: failed to connect to the hypervisor: ")
    assert out.endswith(f"\n{ONE}: running\n\n\n")


def test_connect_hosts_needs_a_list() -> None:
    rc, _out, err = drive("connect --hosts\rconnect --hosts a,,b\r")
    assert err == ("error: usage: connect --hosts LIST [--readonly]\n"
                   "error: invalid host list 'a,,b': an empty name\n")


def test_prompt_and_toolbar_say_how_many_hosts() -> None:
    s = fleet_session()
    assert repl.make_prompt(s)() == "vsh (2 hosts) # "
    state = repl.State(s)
    assert "2 hosts | read-write" in "".join(part[1] for part in repl.make_toolbar(state)())
    s.close()
    s = fleet_session(readonly=True)
    assert repl.make_prompt(s)() == "vsh (2 hosts) > "
    s.close()


def test_completion_offers_the_union_of_the_hosts_names() -> None:
    s = fleet_session()
    try:
        names = s.fleet.names("domain", {})
        assert set(names) == {"test", "alpha", "beta", "Gamma", "delta"}
        assert names[0] == "test"  # the first host's names first
    finally:
        s.close()
