"""edit, net-edit, pool-edit: the real editor loop, driven by small editor scripts, compared with virsh.

Each editor is a shell script in tmp_path that rewrites the file it is given.  The
question `Failed. Try again?` is answered through a pseudo-terminal (pexpect).
Temporary files go to a private TMPDIR, so a test can see that none is left behind.
"""
from __future__ import annotations

import io
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from util import VSH, Result, host_uri, need_virsh, same, virsh, vsh

URI = "test:///default"
ROOT = Path(__file__).resolve().parent.parent.parent
TMPNAME = re.compile(r"/(?:virsh|vsh)[A-Za-z0-9_]{6,8}\.xml")
PROMPT = r"Try again\? \[[a-z,?]+\]: "
NO_POLKIT = "Authorization not available. Check if polkit service is running or see debug message for more information.\r\n"

MEM_TO_4G = "sed -i \"s|<memory unit='KiB'>8388608</memory>|<memory unit='KiB'>4194304</memory>|\" \"$1\"\n"
BOGUS_ELEMENT = "sed -i \"s|</memory>|</memory><bogus/>|\" \"$1\"\n"
BROKEN_XML = "echo '<domain' > \"$1\"\n"


def script(tmp_path: Path, body: str, name: str = "ed.sh") -> str:
    """An editor: a shell script that gets the temporary file as $1."""
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def tmpdir(tmp_path: Path) -> Path:
    path = tmp_path / "tmp"
    path.mkdir(exist_ok=True)
    return path


def leftovers(tmp_path: Path) -> list[Path]:
    return sorted(tmpdir(tmp_path).iterdir())


def editing(tmp_path: Path, editor: str, **extra: str) -> dict[str, str]:
    return {"EDITOR": editor, "TMPDIR": str(tmpdir(tmp_path)), **extra}


def normalized(res: Result) -> Result:
    """Temporary file names are random: show them as /TMP.xml."""
    return Result(TMPNAME.sub("/TMP.xml", res.out), TMPNAME.sub("/TMP.xml", res.err), res.rc)


def same_but_tmpname(*args: str, env: dict[str, str]) -> Result:
    expected = normalized(virsh(*args, env=env))
    got = normalized(vsh(*args, env=env))
    assert got == expected
    return got


@pytest.fixture(autouse=True)
def _no_visual(monkeypatch: pytest.MonkeyPatch) -> None:
    """$VISUAL would win over the test's $EDITOR."""
    monkeypatch.delenv("VISUAL", raising=False)


# help and lookups ------------------------------------------------------------------------

@pytest.mark.parametrize("cmd", ["edit", "net-edit", "pool-edit"])
def test_help_matches_virsh(cmd: str) -> None:
    same("help", cmd)


@pytest.mark.parametrize("line", ["edit nosuch", "net-edit nosuch", "pool-edit nosuch", "edit", "net-edit",
                                  "edit test --skip-validate=1", "edit --domain test extra"])
def test_bad_object_or_syntax_matches_virsh(line: str) -> None:
    same("-c", URI, line, env={"EDITOR": "true"})


def test_read_only_connection_cannot_fetch_secure_xml() -> None:
    same("-r", "-c", URI, "edit test", env={"EDITOR": "true"})


# unchanged and changed -------------------------------------------------------------------

@pytest.mark.parametrize("line", ["edit test", "edit 1", "edit 6695eb01-f6a4-8304-79aa-97f2502e193f",
                                  "net-edit default", "net-edit dd8fe884-6c02-601e-7551-cca97df1c5df",
                                  "pool-edit default-pool"])
def test_unchanged_text_defines_nothing(tmp_path: Path, line: str) -> None:
    res = same("-c", URI, line, env=editing(tmp_path, "true"))
    assert "XML configuration not changed." in res.out
    assert leftovers(tmp_path) == []


def test_quiet_hides_the_messages(tmp_path: Path) -> None:
    res = same("-q", "-c", URI, "edit test; net-edit default", env=editing(tmp_path, "true"))
    assert res.out == ""


def test_changed_domain_is_defined_and_kept(tmp_path: Path) -> None:
    seen = tmp_path / "seen.xml"
    # First run changes <memory>; the second finds the change and only copies the file.
    editor = script(tmp_path, f"if grep -q 8388608 \"$1\"; then {MEM_TO_4G}else cp \"$1\" {seen}; fi\n")
    res = same("-c", URI, "edit test; edit test", env=editing(tmp_path, editor))
    assert res.out == ("Domain 'test' XML configuration edited.\n\n"
                       "Domain 'test' XML configuration not changed.\n\n")
    assert "<memory unit='KiB'>4194304</memory>" in seen.read_text()
    assert leftovers(tmp_path) == []


def test_changed_network_and_pool_messages_match_virsh(tmp_path: Path) -> None:
    editor = script(tmp_path, "sed -i \"s|122.2'|122.3'|; s|/default-pool<|/elsewhere<|\" \"$1\"\n")
    res = same("-c", URI, "net-edit default; pool-edit default-pool", env=editing(tmp_path, editor))
    assert res.out == ("Network default XML configuration edited.\n\n"
                       "Pool default-pool XML configuration edited.\n\n")


def test_sed_through_the_shell_as_in_virsh(tmp_path: Path) -> None:
    res = same("-c", URI, "edit test", env=editing(
        tmp_path, "sed -i s/8388608/4194304/"))
    assert res.out == "Domain 'test' XML configuration edited.\n\n"


def test_visual_wins_over_editor(tmp_path: Path) -> None:
    res = same("-c", URI, "edit test", env=editing(tmp_path, "false", VISUAL="true"))
    assert res.rc == 0


def test_json_reports_the_name_and_whether_it_changed(tmp_path: Path) -> None:
    editor = script(tmp_path, f"if grep -q 8388608 \"$1\"; then {MEM_TO_4G}fi\n")
    res = vsh("--json", "-c", URI, "edit test", env=editing(tmp_path, editor))
    assert res.rc == 0 and json.loads(res.out) == {"name": "test", "changed": True}
    res = vsh("--json", "-c", URI, "net-edit default", env=editing(tmp_path, "true"))
    assert json.loads(res.out) == {"name": "default", "changed": False}


# what the editor gets ----------------------------------------------------------------------

def test_temporary_file_is_private_inactive_secure_and_removed(tmp_path: Path) -> None:
    log, copy = tmp_path / "log", tmp_path / "copy.xml"
    editor = script(tmp_path, f"stat -c '%a %n' \"$1\" >> {log}\ncp \"$1\" {copy}\n")
    uri = host_uri("vnc_password")  # one shut-off domain `vm1` with a VNC password in its XML
    res = vsh("-c", uri, "edit vm1", env=editing(tmp_path, editor))
    assert res == Result("Domain 'vm1' XML configuration not changed.\n\n", "", 0)
    mode, name = log.read_text().split()
    assert mode == "600"
    assert Path(name).parent == tmpdir(tmp_path) and Path(name).name.startswith("vsh") and name.endswith(".xml")
    assert not Path(name).exists() and leftovers(tmp_path) == []
    text = copy.read_text()
    assert "passwd='sesame'" in text  # --security-info
    assert text == virsh("-c", uri, "dumpxml vm1 --inactive --security-info").out[:-1]


def test_running_domain_gets_its_inactive_xml(tmp_path: Path) -> None:
    copy = tmp_path / "copy.xml"
    res = vsh("-c", URI, "edit test", env=editing(tmp_path, script(tmp_path, f"cp \"$1\" {copy}\n")))
    assert res.rc == 0
    assert copy.read_text().startswith("<domain type='test'>\n")  # no id='1': the persistent definition


def test_network_and_pool_xml_is_what_virsh_gives(tmp_path: Path) -> None:
    log = tmp_path / "log"
    editor = script(tmp_path, f"cat \"$1\" >> {log}\n")
    for prog in (virsh, vsh):
        prog("-c", URI, "net-edit default; pool-edit default-pool", env=editing(tmp_path, editor))
    text = log.read_text()
    assert text[:len(text) // 2] == text[len(text) // 2:] and "<network>" in text and "<pool type='dir'>" in text


# editor failures -------------------------------------------------------------------------

@pytest.mark.parametrize("editor", ["false", "/nonexistent/editor", "no-such-editor", "false x",
                                    "sh -c 'exit 3'", "kill -9 $$; :", "", " ", "rm"])
def test_editor_failures_match_virsh(tmp_path: Path, editor: str) -> None:
    res = same_but_tmpname("-c", URI, "edit test", env=editing(tmp_path, editor))
    assert res.rc == 1
    assert leftovers(tmp_path) == []


def test_editor_that_is_not_executable(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.write_text("")
    for editor in (str(plain), str(tmp_path)):
        same_but_tmpname("-c", URI, "edit test", env=editing(tmp_path, editor))


def test_editor_leaving_a_directory(tmp_path: Path) -> None:
    editor = script(tmp_path, "rm \"$1\"; mkdir \"$1\"\n")
    same_but_tmpname("-c", URI, "edit test", env=editing(tmp_path, editor))
    for leftover in leftovers(tmp_path):
        leftover.rmdir()


def test_tmpdir_problems_match_virsh(tmp_path: Path) -> None:
    same("-c", URI, "edit test", env={"EDITOR": "true", "TMPDIR": str(tmp_path / "missing")})
    spaced = tmp_path / "a b"
    spaced.mkdir()
    # A plain editor needs no shell, so the odd name does not matter; `true x` does.
    same("-c", URI, "edit test", env={"EDITOR": "true", "TMPDIR": str(spaced)})
    same_but_tmpname("-c", URI, "edit test", env={"EDITOR": "true x", "TMPDIR": str(spaced)})
    assert list(spaced.iterdir()) == []


def test_failing_editor_after_a_change_keeps_the_text(tmp_path: Path) -> None:
    editor = script(tmp_path, f"{MEM_TO_4G}exit 5\n")
    res = vsh("-c", URI, "edit test", env=editing(tmp_path, editor))
    [kept] = leftovers(tmp_path)
    assert res.rc == 1 and res.out == "\n"
    assert res.err == (f"error: internal error: Child process ({editor} {kept}) unexpected exit status 5\n"
                       f"error: your changes are kept in {kept}\n")
    assert "4194304" in kept.read_text()


def test_oversized_result_is_refused_and_kept(tmp_path: Path) -> None:
    editor = script(tmp_path, "head -c 11000000 /dev/zero | tr '\\0' ' ' >> \"$1\"\n")
    env = editing(tmp_path, editor)
    expected = normalized(virsh("-c", URI, "edit test", env=env))
    got = vsh("-c", URI, "edit test", env=env)
    [kept] = leftovers(tmp_path)
    note = f"error: your changes are kept in {tmpdir(tmp_path)}/TMP.xml\n"
    assert normalized(got) == expected._replace(err=expected.err + note)
    assert str(kept) in got.err


# define failures without a terminal ----------------------------------------------------------

def test_invalid_xml_off_a_terminal_keeps_the_text_and_fails(tmp_path: Path) -> None:
    editor = script(tmp_path, BOGUS_ELEMENT)
    res = vsh("-c", URI, "edit test", env=editing(tmp_path, editor))
    [kept] = leftovers(tmp_path)
    assert res.rc == 1 and res.out == "\n"
    assert res.err == ("error: Failed.\n"
                       "error: XML document failed to validate against schema: Unable to validate doc against "
                       "/usr/share/libvirt/schemas/domain.rng\nElement domain has extra content: bogus\n\n"
                       f"error: your changes are kept in {kept}\n")
    assert "<bogus/>" in kept.read_text()
    # virsh says it edited '(null)' and exits 0 here, although nothing was defined.
    assert virsh("-c", URI, "edit test", env=editing(tmp_path, editor)).out.startswith("Domain '(null)'")


def test_invalid_xml_as_json(tmp_path: Path) -> None:
    res = vsh("--json", "-c", URI, "edit test", env=editing(tmp_path, script(tmp_path, BOGUS_ELEMENT)))
    [kept] = leftovers(tmp_path)
    err = json.loads(res.err)["error"]
    assert res.rc == 1 and res.out == ""
    assert err["message"] == "Failed." and "extra content: bogus" in err["detail"] and err["kept"] == str(kept)


def test_skip_validate_defines_what_the_schema_rejects(tmp_path: Path) -> None:
    editor = script(tmp_path, BOGUS_ELEMENT)
    res = same("-c", URI, "edit test --skip-validate", env=editing(tmp_path, editor))
    assert res.out == "Domain 'test' XML configuration edited.\n\n"


def test_new_name_and_uuid_define_a_second_domain(tmp_path: Path) -> None:
    editor = script(tmp_path, "sed -i \"s|<uuid>.*</uuid>|<uuid>11111111-2222-3333-4444-555555555555</uuid>|; "
                              "s|<name>test</name>|<name>renamed</name>|\" \"$1\"\n")
    res = same("-c", URI, "edit test; edit renamed", env=editing(tmp_path, editor))
    assert res.out == ("Domain 'renamed' XML configuration edited.\n\n"
                       "Domain 'renamed' XML configuration not changed.\n\n")


@pytest.mark.parametrize("sed, message", [
    ("s|<name>test</name>|<name>renamed</name>|",
     "operation failed: domain 'test' is already defined with uuid 6695eb01-f6a4-8304-79aa-97f2502e193f"),
    ("s|<uuid>.*</uuid>|<uuid>11111111-2222-3333-4444-555555555555</uuid>|",
     "operation failed: domain 'test' already exists with uuid 6695eb01-f6a4-8304-79aa-97f2502e193f"),
])
def test_rename_or_new_uuid_alone_is_refused_by_libvirt(tmp_path: Path, sed: str, message: str) -> None:
    res = vsh("-c", URI, "edit test", env=editing(tmp_path, script(tmp_path, f"sed -i \"{sed}\" \"$1\"\n")))
    [kept] = leftovers(tmp_path)
    assert res.rc == 1
    assert res.err == f"error: Failed.\nerror: {message}\nerror: your changes are kept in {kept}\n"


# the question, on a terminal -----------------------------------------------------------------

def transcript(prog: list[str], args: list[str], env: dict[str, str], answers: list[str]) -> tuple[str, int]:
    """Run on a pseudo-terminal, answer each `Try again?`; everything the terminal showed, and the status."""
    pexpect = pytest.importorskip("pexpect")
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("VIRSH_DEFAULT_CONNECT_URI", "LIBVIRT_DEFAULT_URI", "VISUAL")}
    full_env.update(LC_ALL="C", NO_COLOR="1", PYTHONPATH=str(ROOT), **env)
    log = io.StringIO()
    child = pexpect.spawn(prog[0], prog[1:] + args, env=full_env, cwd=str(ROOT), encoding="utf-8", timeout=20)
    child.logfile_read = log
    for answer in answers:
        child.expect(PROMPT)
        child.send(answer)
    child.expect(pexpect.EOF)
    child.close()
    return log.getvalue().replace(NO_POLKIT, ""), child.exitstatus


def both(args: list[str], env: dict[str, str], answers: list[str]) -> tuple[str, int]:
    """The same session through virsh and vsh: identical but for vsh's lines about kept changes."""
    need_virsh()
    expected = transcript(["virsh"], args, env, answers)
    got = transcript(VSH, args, env, answers)
    normal = re.sub(r"error: your changes are kept in \S+\r\n", "", got[0]).replace(NO_ANSWER_VSH, NO_ANSWER_VIRSH)
    assert (normal, got[1]) == expected
    return got


# vsh keeps the user's text when they answer 'n', so its help says so instead of virsh's line.
NO_ANSWER_VIRSH = "n - no, throw away my changes"
NO_ANSWER_VSH = "n - no, stop here (your changes stay in the file named below)"


def test_help_then_no_keeps_the_text(tmp_path: Path) -> None:
    env = editing(tmp_path, script(tmp_path, BROKEN_XML))
    text, rc = both(["-c", URI, "edit test"], env, ["?", "n"])
    [kept] = leftovers(tmp_path)
    assert rc == 1 and kept.read_text() == "<domain\n"
    assert text == ("error: (domain_definition):2: Couldn't find end of Start Tag domain line 1\r\n(null)\r\n^\r\n"
                    "\rFailed. Try again? [y,n,i,f,?]: \r\n"
                    "y - yes, start editor again\r\n"
                    f"{NO_ANSWER_VSH}\r\n"
                    "i - turn off validation and try to redefine again\r\n"
                    "f - force, try to redefine again\r\n"
                    "? - print this help\r\n"
                    "\rFailed. Try again? [y,n,i,f,?]: \r\r\n"
                    f"error: your changes are kept in {kept}\r\n\r\n")


def test_force_retries_and_ignore_validation_defines(tmp_path: Path) -> None:
    env = editing(tmp_path, script(tmp_path, BOGUS_ELEMENT))
    text, rc = both(["-c", URI, "edit test"], env, ["x", "f", "i"])
    assert rc == 0 and text.endswith("\r\r\nDomain 'test' XML configuration edited.\r\n\r\n")
    assert text.count("Failed. Try again?") == 3  # 'x' is no answer, so the question comes again
    assert leftovers(tmp_path) == []


def test_yes_edits_the_users_text_again(tmp_path: Path) -> None:
    seen = tmp_path / "seen"
    # First call: an element the schema rejects. Second call (it is still there): record the
    # text, then replace it with a good change.
    editor = script(tmp_path, f"""if ! grep -q bogus "$1"; then sed -i "s|</memory>|</memory><bogus/>|" "$1"
else cp "$1" {seen}; sed -i "s|</memory><bogus/>|</memory>|; s|8388608|4194304|" "$1"; fi
""")
    env = editing(tmp_path, editor)
    text, rc = transcript(VSH, ["-c", URI, "edit test"], env, ["y"])
    assert rc == 0 and text.endswith("Domain 'test' XML configuration edited.\r\n\r\n")
    assert "<bogus/>" in seen.read_text()  # the user's own text came back to the editor
    assert leftovers(tmp_path) == []
    both(["-c", URI, "edit test"], env, ["y"])


def test_net_and_pool_edit_offer_no_i(tmp_path: Path) -> None:
    env = editing(tmp_path, script(tmp_path, "sed -i \"s|<pool type='dir'>|<pool type='bogus'>|\" \"$1\"\n"))
    text, rc = both(["-c", URI, "pool-edit default-pool"], env, ["i", "?", "n"])
    assert rc == 1 and "Try again? [y,n,f,?]: " in text and "i - turn off" not in text
    env = editing(tmp_path, script(tmp_path, "sed -i \"s|<forward mode='nat'/>|<forward mode='nat'|\" \"$1\"\n"))
    both(["-c", URI, "net-edit default"], env, ["n"])


def test_end_of_input_on_the_terminal_gives_up_and_keeps(tmp_path: Path) -> None:
    env = editing(tmp_path, script(tmp_path, BOGUS_ELEMENT))
    text, rc = transcript(VSH, ["-c", URI, "edit test"], env, ["\x04"])
    [kept] = leftovers(tmp_path)
    assert rc == 1 and text.endswith(f"\r\r\nerror: your changes are kept in {kept}\r\n\r\n")


def test_gave_up_after_reverting_keeps_nothing(tmp_path: Path) -> None:
    count = tmp_path / "count"
    # The user breaks the XML, then (on `y`) restores the original text: nothing to define.
    editor = script(tmp_path, f"""n=$(cat {count} 2>/dev/null || echo 0); echo $((n+1)) > {count}
if [ "$n" = 0 ]; then cp "$1" {tmp_path}/orig; echo '<domain' > "$1"; else cp {tmp_path}/orig "$1"; fi
""")
    text, rc = transcript(VSH, ["-c", URI, "edit test"], editing(tmp_path, editor), ["y"])
    assert rc == 0 and text.endswith("Domain 'test' XML configuration not changed.\r\n\r\n")
    assert leftovers(tmp_path) == []


# another client changes the object meanwhile ---------------------------------------------------

def test_change_by_another_user_is_detected(tmp_path: Path) -> None:
    from tests.support.libvirtd import DaemonError, Libvirtd, missing_requirements

    if missing_requirements() or shutil.which("virsh") is None:
        pytest.skip("needs root, libvirtd and virsh")
    daemon = Libvirtd(tmp_path / "daemon")
    try:
        daemon.start()
    except DaemonError as err:
        daemon.close()
        pytest.skip(f"cannot start libvirtd: {err}")
    try:
        uri = daemon.tcp_uri
        # The editor changes the domain through another connection, then edits the file.
        editor = script(tmp_path, f"virsh -q -c {uri} 'setmaxmem test 4000000 --config' >/dev/null\n"
                                  "sed -i \"s|<vcpu placement='static'>2</vcpu>|<vcpu placement='static'>1</vcpu>|\""
                                  " \"$1\"\n")
        env = editing(tmp_path, editor)
        res = vsh("-c", uri, "edit test", env=env)
        [kept] = leftovers(tmp_path)
        assert res.rc == 1
        assert res.err == ("error: The XML configuration was changed by another user.\n"
                           f"error: your changes are kept in {kept}\n")
        kept.unlink()
        # On a terminal, `f` defines the user's text over the other change.
        text, rc = both(["-c", uri, "edit test"], env, ["?", "f"])
        assert rc == 0
        assert text.startswith("\rThe XML configuration was changed by another user. Try again? [y,n,i,f,?]: ")
        assert text.endswith("Domain 'test' XML configuration edited.\r\n\r\n")
        # The daemon forgets test:///default's changes when its last client goes: hold one open.
        import libvirt

        conn = libvirt.open(uri)
        try:
            assert transcript(VSH, ["-c", uri, "edit test"], env, ["f"])[1] == 0
            xml = conn.lookupByName("test").XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
        finally:
            conn.close()
        assert "<vcpu placement='static'>1</vcpu>" in xml and "4000000" not in xml
    finally:
        daemon.close()
