"""The completion engine on the test driver: what the cursor is on, and what fits there."""
from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from util import host_uri, vsh
from vsh import completion, registry
from vsh.commands import common
from vsh.spec import Argv, CommandSpec, Flag, Opt, Str

def _body(ctx: Any, **_values: Any) -> None:
    """Fixture commands are completed, never run."""


# virsh's declarations of a few commands, used when the real one is not registered (yet).
FIXTURES = [
    CommandSpec("start", "domain", "start a (previously defined) inactive domain", "", [
        common.DOMAIN("name of the inactive domain"), Flag("console", "attach to console after creation"),
        Flag("paused", "leave the guest paused after creation"),
        Flag("autodestroy", "automatically destroy the guest when virsh disconnects"),
        Flag("bypass-cache", "avoid file system cache when loading"),
        Flag("force-boot", "force fresh boot by discarding any managed save"),
        Str("pass-fds", "pass file descriptors N,M,... to the guest"),
        Flag("reset-nvram", "re-initialize NVRAM from its pristine template")], func=_body),
    CommandSpec("vol-info", "volume", "storage vol information", "", [
        common.VOLUME(), common.POOL_OPT(),
        Flag("bytes", "sizes are represented in bytes rather than pretty units"),
        Flag("physical", "return the physical size of the volume in allocation field")], func=_body),
    CommandSpec("define", "domain", "define (but don't start) a domain from an XML file", "", [
        common.FILE("file containing an XML domain description"),
        Flag("validate", "validate the XML against the schema")], func=_body),
]


@pytest.fixture(autouse=True)
def commands(monkeypatch: pytest.MonkeyPatch) -> None:
    for spec in FIXTURES:
        if registry.get(spec.name) is None:
            monkeypatch.setitem(registry._SPECS, spec.name, spec)


@pytest.fixture(scope="module")
def conn() -> Any:
    import libvirt

    # Both domains are shut off (test:runstate 5), so `start` offers them, as virsh's completer does.
    connection = libvirt.open(host_uri("completion"))
    yield connection
    connection.close()


@pytest.fixture
def names(conn: Any) -> completion.Names:
    return lambda kind, given: completion.fetch(conn, kind, given)


def texts(text: str, names: completion.Names) -> list[str]:
    return [c.text for c in completion.complete_text(text, names)[1]]


def opt_words(name: str) -> list[str]:
    spec = registry.get(name)
    assert spec is not None
    return ["--" + o.name for o in spec.opts if o.type != "alias"]


# commands ---------------------------------------------------------------------------------

def test_command_prefix(names: completion.Names) -> None:
    assert texts("sta", names) == [s.name for s in registry.all_specs() if s.name.startswith("sta") and not s.hidden]
    assert "start" in texts("sta", names)


def test_every_listed_command_completes_from_its_first_letters(names: completion.Names) -> None:
    for spec in registry.all_specs():
        found = texts(spec.name[:3], names)
        assert (spec.name in found) != spec.hidden, spec.name


def test_command_after_separator_and_empty_line(names: completion.Names) -> None:
    assert texts("echo a; sta", names) == texts("sta", names)
    assert texts("echo a\nsta", names) == texts("sta", names)
    assert set(texts("", names)) == {s.name for s in registry.all_specs() if not s.hidden}


def test_command_descriptions_are_the_help_summary(names: completion.Names) -> None:
    (cand,) = [c for c in completion.complete_text("star", names)[1] if c.text == "start"]
    assert cand.meta == registry.get("start").help  # type: ignore[union-attr]


def test_nothing_in_a_comment(names: completion.Names) -> None:
    assert texts("echo a #st", names) == []


def test_command_names_after_an_unknown_command(names: completion.Names) -> None:
    """As virsh: the words after a word that names no command complete as command names."""
    assert texts("nosuch net-li", names) == ["net-list"]
    assert texts("nosuch x --", names) == []


# options ----------------------------------------------------------------------------------

def test_option_names_in_declaration_order(names: completion.Names) -> None:
    assert texts("start --", names) == opt_words("start")
    assert texts("start -", names) == opt_words("start")
    assert texts("start --con", names) == ["--console"]


def test_output_formats_follow_a_data_commands_options(names: completion.Names) -> None:
    """The REPL offers `--json` after a command that prints data (declares a schema) and `--csv`
    after one whose output is a table, after the command's own options; neither once one is given."""
    from vsh.schema import tabular

    for spec in registry.all_specs():
        if spec.hidden or spec.option("json") or spec.option("csv"):
            continue  # `top` has options of those names
        formats = ["--json"] * (spec.schema is not None) + ["--csv"] * tabular(spec.schema)
        got = texts(f"{spec.name} --", names)
        assert got == [w for w in got if w not in ("--json", "--csv")] + formats, spec.name
    assert texts("list --", names) == opt_words("list") + ["--json", "--csv"]
    assert texts("list --j", names) == ["--json"]
    assert texts("list --all --json --", names) == [w for w in opt_words("list") if w != "--all"]
    assert texts("dominfo --csv --", names) == opt_words("dominfo")
    assert texts("start --", names) == opt_words("start")


def test_options_already_given_are_left_out(names: completion.Names) -> None:
    assert "--console" not in texts("start --console --", names)
    assert "--domain" not in texts("start alpha --", names)
    assert "--domain" not in texts("start --domain alpha --", names)


def test_exclusive_options_are_left_out_once_one_is_given(names: completion.Names) -> None:
    assert "--xml" not in texts("echo --shell --", names)
    assert "--xml" in texts("echo --", names)


def test_list_options_may_repeat_and_aliases_are_hidden(monkeypatch: pytest.MonkeyPatch,
                                                       names: completion.Names) -> None:
    spec = CommandSpec("t-alias", "virsh", "test", "", [
        Flag("new", "the new name"), Opt("old", "alias", target="new"), Argv("word", "words")], func=_body)
    monkeypatch.setitem(registry._SPECS, spec.name, spec)
    assert texts("t-alias --", names) == ["--new", "--word"]
    assert texts("t-alias --word a --", names) == ["--new", "--word"]
    assert texts("t-alias --old --", names) == ["--word"]


def test_no_options_after_double_dash(names: completion.Names) -> None:
    assert texts("start -- ", names) == ["alpha", "beta"]
    assert texts("start -- --", names) == []


# option values ----------------------------------------------------------------------------

def test_value_after_option_name(names: completion.Names) -> None:
    assert texts("start --domain ", names) == ["alpha", "beta"]
    assert texts("start --domain b", names) == ["beta"]
    assert texts("start --console --domain ", names) == ["alpha", "beta"]


def test_value_after_equals_keeps_the_option(names: completion.Names) -> None:
    start, found = completion.complete_text("start --domain=a", names)
    assert start == len("start ")
    assert [c.text for c in found] == ["--domain=alpha"]


def test_value_of_an_option_without_completer(names: completion.Names) -> None:
    assert texts("start --pass-fds ", names) == []
    assert texts("start --pass-fds=", names) == []


def test_unknown_completer_gives_nothing(monkeypatch: pytest.MonkeyPatch, names: completion.Names) -> None:
    spec = CommandSpec("t-odd", "virsh", "test", "", [Str("thing", "a thing", complete="no-such-completer")],
                       func=_body)
    monkeypatch.setitem(registry._SPECS, spec.name, spec)
    assert texts("t-odd --thing ", names) == []
    assert texts("t-odd ", names) == ["--thing"]


# positional slots -------------------------------------------------------------------------

def test_first_positional_slot_of_start_is_a_domain(names: completion.Names) -> None:
    start, found = completion.complete_text("start ", names)
    assert start == len("start ")
    assert [c.text for c in found] == ["alpha", "beta"]
    assert texts("start a", names) == ["alpha"]
    assert texts("start --console ", names) == ["alpha", "beta"]


def test_filled_slots_fall_back_to_options(names: completion.Names) -> None:
    # The next slot (--pass-fds) has no completer, so the options are offered, as virsh does.
    assert texts("start alpha ", names) == [w for w in opt_words("start") if w != "--domain"]
    assert texts("start alpha x", names) == []


def test_quoted_prefix(names: completion.Names) -> None:
    assert texts("start 'al", names) == ["alpha"]
    assert texts('start "be', names) == ["beta"]


def test_every_domain_slot_completes_domains(names: completion.Names) -> None:
    for spec in registry.all_specs():
        slots = [o for o in spec.opts if o.positional]
        if slots and slots[0].complete == "domain":
            assert texts(spec.name + " ", names) == ["alpha", "beta"], spec.name


# volumes, pools, networks -----------------------------------------------------------------

def test_volume_names_inside_the_given_pool(names: completion.Names) -> None:
    assert texts("vol-info --pool images ", names) == ["disk1.img", "disk2.img"]
    assert texts("vol-info --pool=isos ", names) == ["boot.iso"]
    assert texts("vol-info --pool images d", names) == ["disk1.img", "disk2.img"]
    assert texts("vol-info --pool images --vol ", names) == ["disk1.img", "disk2.img"]


def test_volume_paths_without_a_pool(names: completion.Names) -> None:
    assert texts("vol-info ", names) == ["/images/disk1.img", "/images/disk2.img", "/isos/boot.iso"]
    assert texts("vol-info /isos/", names) == ["/isos/boot.iso"]


def test_pool_after_the_volume(names: completion.Names) -> None:
    assert texts("vol-info disk1.img --pool ", names) == ["images", "isos"]
    assert texts("vol-info disk1.img --pool i", names) == ["images", "isos"]
    assert texts("vol-info --pool nosuch d", names) == []


def test_network_and_pool_completers(names: completion.Names) -> None:
    assert completion.candidates(completion.Spot("value", opt=common.NETWORK(), prefix=""), names) == [
        completion.Candidate("lan")]
    assert [c.text for c in completion.candidates(
        completion.Spot("value", opt=common.POOL(), prefix="is"), names)] == ["isos"]


# files, commands, URIs --------------------------------------------------------------------

def test_file_completion(tmp_path: Path, names: completion.Names) -> None:
    (tmp_path / "dom.xml").write_text("<domain/>")
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").write_text("")
    base = str(tmp_path)
    assert texts(f"define {base}/", names) == [f"{base}/dom.xml", f"{base}/sub/"]
    assert texts(f"define {base}/d", names) == [f"{base}/dom.xml"]
    assert texts(f"define {base}/.", names) == [f"{base}/.hidden"]
    assert completion.paths(f"{base}/", dirs_only=True) == [f"{base}/sub/"]


def test_relative_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, names: completion.Names) -> None:
    (tmp_path / "guest.xml").write_text("")
    monkeypatch.chdir(tmp_path)
    assert texts("define gu", names) == ["guest.xml"]


def test_cd_completes_directories_only(tmp_path: Path, names: completion.Names) -> None:
    (tmp_path / "file").write_text("")
    (tmp_path / "dir").mkdir()
    assert texts(f"cd {tmp_path}/", names) == [f"{tmp_path}/dir/"]


def test_help_completes_commands_as_virsh_does(names: completion.Names) -> None:
    """Commands in `help`'s order, hidden ones and group keywords left out (virsh offers none)."""
    found = texts("help ", names)
    assert found[:3] == ["attach-device", "attach-disk", "attach-interface"]
    assert "start" in found and "domain" not in found and "virsh" not in found and "complete" not in found
    assert texts("help net-l", names) == ["net-list"]


def test_connect_completes_uris(names: completion.Names) -> None:
    assert texts("connect qemu:///s", names) == ["qemu:///system", "qemu:///session"]


# `vsh complete -- WORDS` ------------------------------------------------------------------

def argv(words: list[str], names: completion.Names) -> list[str]:
    return [c.text for c in completion.complete_argv(words, names)]


def test_argv_skips_global_options(names: completion.Names) -> None:
    assert argv(["-c", "test:///x", "-r", "start", ""], names) == ["alpha", "beta"]
    assert argv(["--connect=test:///x", "-q", "start", "--domain=b"], names) == ["--domain=beta"]
    assert argv(["-rc", "test:///x", "-k", "5", "sta"], names) == texts("sta", names)
    assert argv([], names) == texts("", names)


def test_argv_offers_output_formats_only_when_asked(names: completion.Names) -> None:
    """virsh's `complete` offers virsh's words; the shell scripts ask for `--json`/`--csv` too,
    unless a global one already set the format of the run."""
    assert argv(["list", "--"], names) == opt_words("list")
    assert [c.text for c in completion.complete_argv(["list", "--"], names, formats=True)] == opt_words("list") + [
        "--json", "--csv"]
    assert [c.text for c in completion.complete_argv(["--json", "list", "--"], names, formats=True)] == \
        opt_words("list")


def test_argv_completes_global_options_and_their_values(names: completion.Names) -> None:
    assert argv(["--con"], names) == ["--connect", "--config"]
    assert argv(["--conn"], names) == ["--connect"]
    assert argv(["-c", "test:///d"], names) == ["test:///default"]
    assert argv(["--connect=test:"], names) == ["--connect=test:///default"]
    assert argv(["--on-error", "s"], names) == ["stop"]


def test_complete_command_is_hidden_but_has_help() -> None:
    spec = registry.get("complete")
    assert spec is not None and spec.hidden and not spec.connect
    assert all("complete" not in [s.name for s in specs] for specs in registry.by_group().values())


def test_complete_command_prints_one_candidate_per_line() -> None:
    res = vsh("complete", "--", "hel")
    assert (res.out, res.err, res.rc) == ("help\n\n", "", 0)  # the blank line after a command, as virsh
    slot_command = next(s.name for s in registry.all_specs() if s not in FIXTURES
                        and [o.complete for o in s.opts if o.positional][:1] == ["domain"])
    res = vsh("-q", "-c", host_uri("completion"), "complete", "--", slot_command, "")
    assert (res.out, res.err, res.rc) == ("alpha\nbeta\n", "", 0)
    res = vsh("-q", "-c", host_uri("completion"), "complete", "--", "-r", slot_command, "--domain=a")
    assert res.out == "--domain=alpha\n"


def test_complete_command_without_connection_still_completes_commands() -> None:
    res = vsh("-q", "complete", "--", "-c", "test:///default", "ech")
    assert res.out == "echo\n"


# the name cache ---------------------------------------------------------------------------

def test_cache_fetches_on_a_worker_and_keeps_names(conn: Any) -> None:
    calls: list[str] = []

    def getter() -> Any:
        calls.append(threading.current_thread().name)
        return conn

    cache = completion.NameCache(getter, ttl=60, wait=5)
    assert sorted(cache.names("domain", {})) == ["alpha", "beta"]
    assert sorted(cache.names("domain", {})) == ["alpha", "beta"]
    assert calls == ["vsh-complete"]
    cache.invalidate()
    assert sorted(cache.names("domain", {})) == ["alpha", "beta"]
    assert len(calls) == 2
    assert cache.names("volume", {"pool": "isos"}) == ["boot.iso"]
    assert cache.names("no-such", {}) == []


def test_slow_connection_never_blocks_for_long(conn: Any) -> None:
    release = threading.Event()

    def slow() -> Any:
        release.wait(10)
        return conn

    cache = completion.NameCache(slow, ttl=60, wait=0.05)
    began = time.monotonic()
    assert cache.names("domain", {}) == []
    assert time.monotonic() - began < 2
    release.set()
    deadline = time.monotonic() + 10
    while sorted(cache.names("domain", {})) != ["alpha", "beta"]:
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_stale_names_are_served_while_a_refresh_runs(conn: Any) -> None:
    gate = threading.Event()
    gate.set()

    def getter() -> Any:
        gate.wait(10)
        return conn

    cache = completion.NameCache(getter, ttl=60, wait=0.05)
    cache.wait = 5
    assert cache.names("network", {}) == ["lan"]
    gate.clear()
    cache.invalidate()
    cache.wait = 0.05
    assert cache.names("network", {}) == ["lan"]
    gate.set()


def test_failing_connection_gives_no_names() -> None:
    def broken() -> Any:
        raise RuntimeError("no hypervisor")

    cache = completion.NameCache(broken, wait=5)
    assert cache.names("domain", {}) == []
    assert [c.text for c in completion.complete_words(["start"], "", cache.names)] == opt_words("start")


def test_connector_prefers_the_session_connection(conn: Any) -> None:
    class Conn:
        def __init__(self) -> None:
            self.conn: Any = None
            self.disconnected = False
            self.uri = "test:///default"

    holder = Conn()
    connector = completion.Connector(holder)
    private = connector.get()
    assert private is not None and private.getURI() == "test:///default"
    holder.conn = conn
    assert connector.get() is conn
    connector.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="paths")
def test_paths_in_missing_folder() -> None:
    assert completion.paths(os.path.join("/nonexistent-folder", "x")) == []


def test_private_connection_never_lets_ssh_prompt() -> None:
    assert completion._quiet_uri("qemu+ssh://host/system") == "qemu+ssh://host/system?no_tty=1"
    assert completion._quiet_uri("qemu+ssh://host/system?keyfile=k") == "qemu+ssh://host/system?keyfile=k&no_tty=1"
    assert completion._quiet_uri("qemu:///system") == "qemu:///system"
    assert completion._quiet_uri(None) is None
