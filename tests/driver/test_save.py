"""save, restore, managedsave*, save-image-*, dump and screenshot on the test driver, compared with virsh.

virsh 9.0 sometimes hangs in these commands on the test driver (its worker thread can finish
before the job-watching loop starts, and the loop then waits forever), so virsh runs here
with a short timeout and is retried; vsh has no such race.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


from util import VIRSH, Result, clean_env, need_virsh, virsh_view, vsh

URI = "test:///default"
ROOT = Path(__file__).resolve().parent.parent.parent


def _virsh(args: tuple[str, ...], cwd: Path, env: dict[str, str] | None) -> Result:
    need_virsh()
    for _attempt in range(6):
        try:
            proc = subprocess.run([VIRSH, *args], capture_output=True, stdin=subprocess.DEVNULL, env=clean_env(env),
                                  cwd=cwd, timeout=3)
        except subprocess.TimeoutExpired:
            continue
        return Result(proc.stdout.decode(), proc.stderr.decode(), proc.returncode)
    raise AssertionError(f"virsh hung six times on {args!r}")


def _vsh(args: tuple[str, ...], cwd: Path, env: dict[str, str] | None) -> Result:
    proc = subprocess.run([sys.executable, "-m", "vsh", *args], capture_output=True, stdin=subprocess.DEVNULL,
                          env=clean_env({"PYTHONPATH": str(ROOT), **(env or {})}), cwd=cwd, timeout=60)
    return Result(proc.stdout.decode(), proc.stderr.decode(), proc.returncode)


def same(tmp_path: Path, script: str, env: dict[str, str] | None = None) -> Result:
    """One command string through virsh and vsh in fresh folders; carriage returns are kept."""
    results = []
    for name, runner in (("virsh", _virsh), ("vsh", _vsh)):
        folder = tmp_path / name
        folder.mkdir(parents=True)
        results.append(runner(("-c", URI, script.replace("@", str(folder))), folder, env))
    expected, got = results
    assert virsh_view(got.out).replace("/vsh", "/virsh") == expected.out, script
    assert got.err.replace("/vsh", "/virsh") == expected.err, script
    assert got.rc == expected.rc, script
    return expected


def _xml(tmp_path: Path, change: str = "", name: str = "test") -> Path:
    """The test domain's XML with `on_crash` set to `change` (or unchanged), under `name`."""
    xml = vsh("-c", URI, "dumpxml test").out
    if change:
        xml = xml.replace("<on_crash>destroy</on_crash>", f"<on_crash>{change}</on_crash>")
    xml = xml.replace("<name>test</name>", f"<name>{name}</name>")
    path = tmp_path / f"{name}-{change or 'same'}.xml"
    path.write_text(xml)
    return path


def test_save_and_restore(tmp_path: Path) -> None:
    result = same(tmp_path, "save test @/s.img; save-image-dumpxml @/s.img; restore @/s.img; list; "
                            "save test @/s.img --verbose; restore @/s.img --paused --bypass-cache; list")
    assert "Domain 'test' saved to " in result.out
    assert result.err.startswith("\rSave: [100 %]error: Failed to restore domain from ")


def test_save_errors(tmp_path: Path) -> None:
    same(tmp_path, "save nosuch @/s.img; save test @/s.img --xml /nonexistent.xml; "
                   "save test /nonexistent/dir/s.img; save test @/s.img --running --paused; save 1 @/s.img --verbose; "
                   "restore @/missing.img; restore @/s.img --xml /nonexistent.xml; restore @/s.img --reset-nvram; "
                   "save-image-dumpxml @/missing.img")


def test_quiet_hides_messages_but_not_progress(tmp_path: Path) -> None:
    result = same(tmp_path, "save test @/s.img --verbose; restore @/s.img; managedsave test --verbose; "
                            "managedsave-remove test; managedsave-remove test")
    assert result.err == "\rSave: [100 %]\rManagedsave: [100 %]"
    quiet = _vsh(("-q", "-c", URI, "managedsave test --verbose; managedsave-remove test"), tmp_path, None)
    assert quiet == Result("", "\rManagedsave: [100 %]", 0)


def test_save_with_xml_and_save_image_define(tmp_path: Path) -> None:
    new, other = _xml(tmp_path, "restart"), _xml(tmp_path, "restart", name="other")
    same(tmp_path, f"save test @/s.img --xml {new}; save-image-dumpxml @/s.img --xpath //on_crash; "
                   f"save-image-define @/s.img {other}; save-image-define @/s.img {new} --paused; "
                   f"save-image-define @/s.img {new} --running --paused; save-image-define @/s.img /nonexistent; "
                   f"save-image-define @/missing.img {new}; restore @/s.img --xml {other}; "
                   f"restore @/s.img --xml {new}; domstate test")


def test_dumpxml_xpath(tmp_path: Path) -> None:
    same(tmp_path, "save test @/s.img; save-image-dumpxml @/s.img --xpath //disk; "
                   "save-image-dumpxml @/s.img --xpath //os --wrap; save-image-dumpxml @/s.img --xpath //disk/@*; "
                   "save-image-dumpxml @/s.img --xpath '//name/text()|//disk/@type' --wrap; "
                   "save-image-dumpxml @/s.img --xpath //nothing; save-image-dumpxml @/s.img --xpath //nothing --wrap; "
                   "save-image-dumpxml @/s.img --xpath 'count(//disk)'; save-image-dumpxml @/s.img --xpath ''; "
                   "save-image-dumpxml @/s.img --security-info --wrap")


def test_managedsave(tmp_path: Path) -> None:
    result = same(tmp_path, "managedsave test --verbose; list --all; managedsave-dumpxml test; "
                            "managedsave-dumpxml test --xpath //name --security-info; managedsave-remove test; "
                            "managedsave-remove test; managedsave test --running; start test; list; "
                            "managedsave nosuch; managedsave-remove nosuch; managedsave-dumpxml nosuch")
    assert "Domain 'test' state saved by libvirt" in result.out
    assert "Domain 'test' has no manage save image; removal skipped\n" in result.out


def test_managedsave_define(tmp_path: Path) -> None:
    new, other = _xml(tmp_path, "restart"), _xml(tmp_path, "restart", name="other")
    same(tmp_path, f"managedsave test; managedsave-define test {new}; managedsave-define test {other} --paused; "
                   f"managedsave-define test /nonexistent; managedsave-define nosuch {new}; "
                   f"managedsave-define test {new} --running --paused; managedsave-define test '' ")


def test_edit_commands(tmp_path: Path) -> None:
    changed = {"EDITOR": "sed -i s/destroy/restart/"}
    same(tmp_path / "changed", "save test @/s.img; save-image-edit @/s.img; "
                               "save-image-dumpxml @/s.img --xpath //on_poweroff; save-image-edit @/missing.img; "
                               "save-image-edit @/s.img --running --paused", env=changed)
    same(tmp_path / "unchanged", "save test @/s.img; save-image-edit @/s.img; managedsave-edit test; managedsave-edit nosuch; "
         "managedsave-edit test --running --paused", env={"EDITOR": "true"})


def test_dump(tmp_path: Path) -> None:
    result = same(tmp_path, "dump test @/c.core; dump test @/c.core --verbose --memory-only; dump test @/c --format elf; "
                            "dump test @/c --memory-only --format bad; dump test @/c --memory-only --format ''; "
                            "dump test @/c --live --crash; dump test @/c --crash --reset; dump nosuch @/c; "
                            "dump test @/c --memory-only --format kdump-zlib --live --bypass-cache")
    assert "\nDomain 'test' dumped to " in result.out


def test_screenshot(tmp_path: Path) -> None:
    result = same(tmp_path, "screenshot test @/shot.png; screenshot test --screen 1 --file @/two.png; "
                            "screenshot test --screen -1; screenshot nosuch; screenshot test --file ''; "
                            "screenshot test /nonexistent/dir/x.png")
    assert result.out.startswith("Screenshot saved to ")
    assert (tmp_path / "vsh" / "shot.png").read_bytes() == (tmp_path / "virsh" / "shot.png").read_bytes()
    # Without --file, the name is made of the domain's name and the time, in the working folder.
    auto = _vsh(("-c", URI, "screenshot test"), tmp_path, None)
    name = auto.out.split()[3].rstrip(",")
    assert auto.rc == 0 and name.startswith("test-") and name.endswith(".png") and (tmp_path / name).exists()


def test_volume_streams_on_the_test_driver(tmp_path: Path) -> None:
    """The test driver has no volume streams: the errors, and no file left behind."""
    (tmp_path / "data.bin").write_bytes(os.urandom(1000))
    same(tmp_path, f"vol-create-as default-pool v 1M; vol-download v @/v.bin --pool default-pool; "
                   f"vol-upload v {tmp_path}/data.bin --pool default-pool; vol-download v /nonexistent/dir/x; "
                   "vol-upload v /nonexistent --pool default-pool; vol-upload v /nonexistent --offset -1; "
                   "vol-upload v /nonexistent --length -1 --pool default-pool; vol-download v @/x --length 1x; "
                   f"vol-download nosuch @/x; vol-download v @/x --pool nosuch; "
                   f"vol-upload v {tmp_path}/data.bin default-pool 10 20 --sparse")
    assert not (tmp_path / "vsh" / "v.bin").exists() and not (tmp_path / "vsh" / "x").exists()


def test_help_matches_virsh(tmp_path: Path) -> None:
    for cmd in ("save", "restore", "managedsave", "managedsave-remove", "managedsave-dumpxml", "managedsave-define",
                "managedsave-edit", "save-image-dumpxml", "save-image-define", "save-image-edit", "dump",
                "vol-upload", "vol-download", "screenshot"):
        same(tmp_path / cmd, f"help {cmd}")


def test_json(tmp_path: Path) -> None:
    res = _vsh(("--json", "-c", URI, f"save test {tmp_path}/s.img --verbose; save-image-dumpxml {tmp_path}/s.img; "
                f"screenshot test {tmp_path}/shot.png"), tmp_path, None)
    assert res.rc == 0 and res.err == ""
    first, second = res.out.splitlines()  # JSON Lines: one document a line
    assert json.loads(first)["xml"].startswith("<domain type='test'>")
    assert json.loads(second) == {"file": f"{tmp_path}/shot.png", "mime": "image/png"}
