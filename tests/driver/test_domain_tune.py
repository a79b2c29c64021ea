"""Domain tuning commands (setmem, setmaxmem, vcpucount, setvcpus, vcpuinfo, desc, domhostname,
domcontrol, domblkerror, schedinfo, domifaddr), compared with virsh on the test driver."""
from __future__ import annotations

import json
import stat

import pytest

from util import host_uri, same, vsh

URI = "test:///default"

COMMANDS = ["setmem", "setmaxmem", "vcpucount", "setvcpus", "vcpuinfo", "desc", "domhostname",
            "domcontrol", "domblkerror"]


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    same("help", name)


def test_setmem() -> None:
    same("-c", URI, "setmem test 512M; setmem test 512M --config; setmem test 1G --current --live; "
                    "setmem test 1G --current --config; setmem test abc; setmem nope 1; setmem nope abc; "
                    "setmem test 0; setmem test -1; setmem test 1QB; setmem test 1G --live --config; "
                    "setmem test 1048576 --live; dommemstat test; setmem test ''; setmem '' 1")


def test_setmaxmem() -> None:
    same("-c", URI, "setmaxmem test 2G; setmaxmem test 2G --config; setmaxmem test 3G --live; "
                    "setmaxmem test 1G --current; setmaxmem test abc; setmaxmem nope 1; "
                    "setmaxmem test 1G --current --live; destroy test; setmaxmem test 4194304; "
                    "setmem test 2G --config; setmem test 1G --live")


def test_set_readonly() -> None:
    same("-r", "-c", URI, "setmem test 1; setmaxmem test 1; setvcpus test 1; setvcpus test 1 --current; "
                          "desc test x; desc test; desc test --title --config x")


@pytest.mark.parametrize("opts", ["", "--current", "--current --live", "--current --config",
                                  "--current --maximum", "--current --active", "--live", "--config",
                                  "--maximum", "--active", "--maximum --live", "--active --config",
                                  "--current --maximum --live", "--guest", "--guest --live",
                                  "--guest --maximum", "--current --guest", "--maximum --active",
                                  "--live --config --active --maximum", "--guest --config --current",
                                  "--maximum --active --guest --config"])
def test_vcpucount(opts: str) -> None:
    same("-c", URI, f"vcpucount test {opts}; setvcpus test 1; vcpucount test {opts}; destroy test; "
                    f"vcpucount test {opts}; vcpucount nope {opts}")


def test_setvcpus() -> None:
    same("-c", URI, "setvcpus test 1; vcpucount test; setvcpus test 0; setvcpus test abc; setvcpus test -1; "
                    "setvcpus test 4294967296; setvcpus nope abc; setvcpus test 1 --maximum; "
                    "setvcpus test 1 --maximum --config; setvcpus test 1 --guest; setvcpus test 1 --hotpluggable; "
                    "setvcpus test 3; setvcpus test 1 --current --live; setvcpus test 1 --config --live; "
                    "setvcpus test 1 --guest --config; setvcpus test 2 --maximum --config --live; "
                    "setvcpus test 2 --current; vcpucount test")


def test_vcpuinfo() -> None:
    # A running domain's CPU time moves by 0.1 s every 1000 s of wall clock on the test driver.
    same("-c", URI, "vcpuinfo test; vcpuinfo test --pretty; vcpuinfo nope; setvcpus test 1; vcpuinfo test")
    same("-c", URI, "destroy test; vcpuinfo test; vcpuinfo test --pretty; setvcpus test 1 --config; "
                    "vcpuinfo test --pretty")


def test_desc() -> None:
    same("-c", URI, "desc test; desc test --title; desc test hello world; desc test; desc test --title My Title; "
                    "desc test --title; desc test ''; desc test '  a  b '; desc test; desc test --live x; "
                    "desc test --config; desc test --config y; desc test --config; desc nope; "
                    "desc test --config --current; desc test --title --config; destroy test; desc test --live; "
                    "desc test --live z; desc test --title 'a&amp;<b>'; desc test --title")
    same("-q", "-c", URI, "desc test; desc test x; desc test")


def test_desc_edit(tmp_path) -> None:
    editor = tmp_path / "ed.sh"
    editor.write_text('#!/bin/sh\necho "new text" > "$1"\n')
    editor.chmod(editor.stat().st_mode | stat.S_IXUSR)
    same("-c", URI, "desc test --edit; desc test --title --edit; desc test x; desc test --edit",
         env={"EDITOR": "true"})
    same("-c", URI, "desc test --edit; desc test; desc test --title --edit; desc test --title; "
                    "desc test --title --edit", env={"EDITOR": str(editor)})


def test_domhostname() -> None:
    same("-c", URI, "domhostname nope --source foo; domhostname test --source ''; domhostname test --source agent; "
                    "domhostname test; domhostname test --source lease; domhostname test --source foo; "
                    "domhostname nope --source ''; destroy test; domhostname test")


def test_domcontrol_domblkerror() -> None:
    same("-c", URI, "domcontrol test; domcontrol nope; domblkerror test; domblkerror nope; destroy test; "
                    "domcontrol test; domblkerror test")


def test_json() -> None:
    r = vsh("--json", "-c", URI, "vcpucount test")
    assert json.loads(r.out) == {"count": None, "maximum_config": 2, "maximum_live": 2, "current_config": 2,
                                 "current_live": 2}
    r = vsh("--json", "-c", URI, "vcpucount test --active")
    assert json.loads(r.out) == {"count": 2, "maximum_config": None, "maximum_live": None, "current_config": None,
                                 "current_live": None}
    r = vsh("--json", "-c", URI, "desc test x")
    assert r.out == "" and r.rc == 0
    r = vsh("--json", "-c", URI, "desc test")
    assert json.loads(r.out) == {"title": None, "description": ""}
    r = vsh("--json", "-c", URI, "desc test --title")
    assert json.loads(r.out) == {"title": "", "description": None}
    r = vsh("--json", "-c", URI, "domblkerror test")
    assert json.loads(r.out) == [{"target": "vda", "error": "unspecified error"}]
    r = vsh("--json", "-c", URI, "domcontrol test")
    assert json.loads(r.out) == {"state": "ok", "reason": None, "state_time_seconds": None}
    r = vsh("--json", "-c", URI, "vcpuinfo test")
    rows = json.loads(r.out)
    assert [row["vcpu"] for row in rows] == [0, 1] and rows[0]["affinity"] == list(range(8))
    assert rows[0]["host_cpus"] == json.loads(vsh("--json", "-c", URI, "nodecpumap").out)["present"]
    r = vsh("--json", "-c", URI, "domhostname test")
    assert json.loads(r.out) == {"hostname": "testhost"}


def test_schedinfo() -> None:
    same("help", "schedinfo")
    same("-c", URI, "schedinfo test; schedinfo test --weight 100; schedinfo test --set weight=20; "
                    "schedinfo test --set foo=1; schedinfo test --set weight; schedinfo test --set weight=abc; "
                    "schedinfo test --cap 5; schedinfo test --config; schedinfo test --live --config; "
                    "schedinfo test --current --live; schedinfo nope; schedinfo test --weight abc; "
                    "schedinfo test --set weight=1 --set weight=2; schedinfo test weight=7; schedinfo test --set =4; "
                    "schedinfo test --set weight=-1; schedinfo test --weight 4294967296; schedinfo test --weight -5")
    same("-c", URI, "schedinfo test --set weight=5 --live --config; schedinfo test --current; "
                    "schedinfo test --set weight=5 --current; schedinfo test --weight ''; schedinfo test --set ''; "
                    "schedinfo test --set weight=; schedinfo test --set weight=' 5'; schedinfo test --set weight=5x; "
                    "schedinfo test --weight 1 --set foo; schedinfo test --cap 1 --weight x")
    same("-r", "-c", URI, "schedinfo test; schedinfo test --weight 5; schedinfo test --set weight=1 --set weight=2")
    same("-c", URI, "destroy test; schedinfo test; schedinfo test --live; schedinfo test --weight 3")
    r = vsh("--json", "-c", URI, "schedinfo test")
    assert json.loads(r.out) == {"scheduler": "fair", "parameters": {"weight": 50}}


def test_domifaddr() -> None:
    same("help", "domifaddr")
    same("-c", URI, "domifaddr test; domifaddr test --full; domifaddr test --source lease; "
                    "domifaddr test --source agent; domifaddr test --source arp; domifaddr test --source foo; "
                    "domifaddr test --interface testnet0; domifaddr test --interface foo; domifaddr nope; "
                    "domifaddr nope --source foo; domifaddr test --interface ''; domifaddr test --source ''; "
                    "domifaddr nope --interface ''; destroy test; domifaddr test")
    same("-q", "-c", URI, "domifaddr test")
    same("-r", "-c", URI, "domifaddr test")
    r = vsh("--json", "-c", URI, "domifaddr test")
    assert json.loads(r.out) == [{"interface": "testnet0", "mac": "aa:bb:cc:dd:ee:ff",
                                  "addresses": [{"type": "ipv4", "address": "192.168.122.3", "prefix": 24}]}]


def test_custom_host() -> None:
    same("-c", host_uri("domain_vcpus"), "vcpucount vm; vcpuinfo vm; vcpuinfo vm --pretty; setvcpus vm 3 --config; "
                                 "vcpucount vm; vcpuinfo vm; setmem vm 512M --config; setmaxmem vm 2G --config; "
                                 "domifaddr vm; desc vm --config x; desc vm; start vm; vcpucount vm; "
                                 "setvcpus vm 4; setvcpus vm 3 --live; vcpucount vm --live --active")


def test_positional_options() -> None:
    same("-c", URI, "domifaddr test testnet0 lease; domhostname test lease; schedinfo test 5")
