"""--wait on the lifecycle commands and the `wait` command, on the test driver.

Without --wait every command is virsh's (the sweep compares them); with it the command
returns once the domain is where the operation leads, and a timeout is one `error:` line
naming the state the domain is in.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from util import VIRSH, same, vsh

URI = "test:///default"

NEW_XML = """<domain type='test'>
  <name>fresh</name>
  <memory>65536</memory>
  <os><type>hvm</type></os>
</domain>
"""


def run(line: str, *opts: str) -> tuple[str, str, int]:
    res = vsh(*opts, "-c", URI, line)
    return res.out, res.err, res.rc


def test_shutdown_wait_returns_once_shut_off() -> None:
    out, err, rc = run("shutdown test --wait --timeout 5; domstate test")
    assert (out, err, rc) == ("Domain 'test' is being shutdown\n\nshut off\n\n", "", 0)


@pytest.mark.parametrize("line, state", [
    ("suspend test --wait", "paused"),
    ("suspend test; resume test --wait", "running"),
    ("destroy test --wait", "shut off"),
    ("destroy test --graceful --wait --timeout 3", "shut off"),
    ("destroy test; start test --wait", "running"),
    ("reboot test --wait --timeout 5", "running"),
    ("managedsave test --wait", "shut off"),
    ("managedsave test; start test --wait", "running"),
    ("save test s.img --wait", "shut off"),
    ("save test s.img; restore s.img --wait", "running"),
])
def test_wait_ends_in_the_meant_state(tmp_path: Path, line: str, state: str) -> None:
    res = vsh("-q", "-c", URI, f"{line}; domstate test", cwd=str(tmp_path))
    assert (res.err, res.rc) == ("", 0)
    assert res.out.strip().splitlines()[-1] == state


def test_create_wait(tmp_path: Path) -> None:
    (tmp_path / "fresh.xml").write_text(NEW_XML)
    res = vsh("-c", URI, "create fresh.xml --wait --timeout 3; domstate fresh", cwd=str(tmp_path))
    assert (res.out, res.err, res.rc) == ("Domain 'fresh' created from fresh.xml\n\nrunning\n\n", "", 0)


def test_undefine_wait_of_an_inactive_domain_is_at_once() -> None:
    out, err, rc = run("destroy test; undefine test --wait --timeout 2; list --all --name")
    assert (err, rc) == ("", 0)
    assert out == "Domain 'test' destroyed\n\nDomain 'test' has been undefined\n\n\n"


def test_undefine_wait_of_a_running_domain_times_out_naming_its_state() -> None:
    """A running domain undefined becomes transient; it is gone only once it stops."""
    out, err, rc = run("undefine test --wait --timeout 1")
    assert out == "Domain 'test' has been undefined\n\n"
    assert err == "error: timed out after 1 second waiting for domain 'test' to be gone; it is running\n"
    assert rc == 1


@pytest.mark.parametrize("line, message", [
    ("shutdown test --timeout 3", "error: Option --wait is required by option --timeout\n"),
    ("shutdown test --wait --force", "error: Option --timeout is required by option --force\n"),
    ("suspend test --wait --timeout -1", "error: Numeric value '-1' for <timeout> option is malformed or out of range\n"),
    ("suspend test --wait --timeout x", "error: Numeric value 'x' for <timeout> option is malformed or out of range\n"),
])
def test_option_errors_change_nothing(line: str, message: str) -> None:
    out, err, rc = run(f"{line}; domstate test")
    assert err == message and rc == 0  # the last command, domstate, succeeded
    assert out == "\nrunning\n\n"


@pytest.mark.skipif(VIRSH is None, reason="virsh is not installed")
@pytest.mark.parametrize("line", ["shutdown test acpi 5", "suspend test 3", "start test 3", "shutdown test --wai",
                                  "start --domain test --timeou 3"])
def test_own_options_take_no_positional_slot(line: str) -> None:
    """virsh's grammar is unchanged: --wait and --timeout never fill a slot from a bare word, and
    option names are never abbreviated."""
    same("-c", URI, line)


def test_help_shows_the_own_options() -> None:
    out = vsh("help", "shutdown").out
    assert "shutdown <domain> [--mode <string>] [--wait] [--timeout <number>] [--force]\n" in out
    assert "    --wait           wait until the domain is shut off (vsh)\n" in out


# the wait command ----------------------------------------------------------------------------

def test_wait_state_reached() -> None:
    out, err, rc = run("suspend test; wait test --state paused --timeout 3")
    assert (err, rc) == ("", 0)
    assert out.startswith("Domain 'test' suspended\n\nDomain 'test' is paused after 0.")


def test_wait_state_times_out_naming_the_state() -> None:
    out, err, rc = run("wait test --state 'shut off' --timeout 1")
    assert (out, rc) == ("\n", 1)
    assert err == "error: timed out after 1 second waiting for domain 'test' to be shut off; it is running\n"


def test_wait_json_reports_what_and_how_long() -> None:
    out, err, rc = run("wait test --state running", "--json")
    doc = json.loads(out)
    assert (err, rc) == ("", 0)
    assert doc.pop("elapsed_seconds") < 1
    assert doc == {"name": "test", "condition": "state", "reached": "running", "addresses": None}


def test_wait_ip() -> None:
    out, err, rc = run("wait test --ip --timeout 3", "--json")
    doc = json.loads(out)
    assert (err, rc) == ("", 0)
    assert doc["condition"] == "ip" and doc["reached"] == doc["addresses"][0]["address"]
    assert doc["addresses"][0]["source"] == "lease" and doc["addresses"][0]["interface"] == "testnet0"
    out, err, rc = run("wait test --ip")
    assert out.startswith(f"Domain 'test' has address {doc['reached']}/24 on testnet0 (from lease) after ")


def test_wait_agent_on_a_driver_with_an_agent_call() -> None:
    out, err, rc = run("wait test --agent --timeout 2")
    assert (err, rc) == ("", 0)
    assert out.startswith("The guest agent of domain 'test' answers after ")


def test_wait_ip_times_out_for_an_inactive_domain() -> None:
    out, err, rc = run("destroy test; wait test --ip --timeout 1")
    assert rc == 1
    assert err == ("error: timed out after 1 second waiting for domain 'test' to have an IP address; "
                   "the domain is shut off\n")


@pytest.mark.parametrize("line, message", [
    ("wait test", "error: one of --state, --ip or --agent is required\n"),
    ("wait test --state running --ip", "error: Options --state and --ip are mutually exclusive\n"),
    ("wait test --state up", "error: unknown state 'up', expecting one of: 'no state', 'running', 'idle', "
                             "'paused', 'in shutdown', 'shut off', 'crashed', 'pmsuspended'\n"),
    ("wait nosuch --state running", "error: failed to get domain 'nosuch'\n"),
])
def test_wait_errors(line: str, message: str) -> None:
    out, err, rc = run(line)
    assert (err, rc) == (message, 1)
