"""Domain life-cycle commands (define, undefine, create, start, shutdown, destroy, reboot,
reset, suspend, resume, autostart), compared with virsh on the test driver."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from util import host_uri, same, vsh, write_xml_files

URI = "test:///default"

DOMAIN = """<domain type='test'>
  <name>d1</name>
  <uuid>11111111-2222-3333-4444-555555555555</uuid>
  <title>First domain</title>
  <memory>1048576</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
</domain>
"""

# Valid XML the schema rejects: libvirt defines it unless asked to validate.
INVALID = """<domain type='test'>
  <name>bad</name>
  <uuid>11111111-2222-3333-4444-555555555556</uuid>
  <memory>1048576</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
  <foo/>
</domain>
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root: Path = tmp_path_factory.mktemp("domain")
    out = write_xml_files(root, {"d1": DOMAIN, "bad": INVALID, "broken": "<domain\n"})
    # virsh refuses XML files over 10 MiB; exactly 10 MiB is read (and then fails to parse).
    (root / "big.xml").write_text("<domain>" + " " * (10 * 1024 * 1024) + "</domain>")
    (root / "exact.xml").write_text(" " * (10 * 1024 * 1024))
    out["big"], out["exact"] = str(root / "big.xml"), str(root / "exact.xml")
    out["dir"] = str(root)
    # Shut off with a managed save image and a title; paused and transient; shut off with a snapshot;
    # running.
    out["uri"] = host_uri("domains")
    # A shut-off domain whose disks are: a pool volume by path, a pool volume by name, a volume
    # in a missing pool, a cdrom without source, and a file no pool manages.
    out["storage_uri"] = host_uri("domain_storage")
    return out


def _sub(line: str, files: dict[str, str]) -> str:
    return line.format(**files)


# life cycle on test:///default ----------------------------------------------------------------------

LIFECYCLE = [
    "start test", "shutdown test; domstate test --reason; start test; domstate test --reason",
    "suspend test; domstate --reason test; suspend test; resume test; resume test",
    "reboot test; reset test; destroy test; domstate test --reason; destroy test",
    "destroy test; reboot test; reset test; suspend test; resume test; shutdown test",
    "autostart test; list --all --autostart; autostart test --disable; autostart --disable test",
    "suspend 1; resume 6695eb01-f6a4-8304-79aa-97f2502e193f; reboot 1; reset 1; shutdown 1",
    "destroy 1; start 6695eb01-f6a4-8304-79aa-97f2502e193f; destroy 2; start test; autostart 3",
    "destroy 6695eb01-f6a4-8304-79aa-97f2502e193f; start 1",
    "destroy test --graceful; start test", "destroy test --remove-logs", "destroy test --graceful --remove-logs",
    "destroy nosuch", "destroy nosuch --graceful", "reset nosuch", "suspend ''", "resume", "autostart ''",
    "autostart test x", "start", "start --domain=x --domain=y", "start test --domain x", "start --help x",
]


@pytest.mark.parametrize("line", LIFECYCLE)
def test_lifecycle(line: str) -> None:
    same("-c", URI, line)


MODES = [
    "shutdown test --mode foo", "shutdown test --mode acpi", "shutdown test --mode=initctl,signal,paravirt",
    "shutdown test --mode acpi,,agent", "shutdown test --mode acpi,", "shutdown test --mode ''",
    "shutdown test acpi", "shutdown nosuch --mode x", "shutdown '' --mode x", "shutdown test --mode",
    "reboot test --mode agent,acpi", "reboot test --mode signal", "reboot test --mode paravirt",
    "reboot test --mode initctl", "reboot test --mode foo", "reboot test --mode ''", "reboot nosuch --mode x",
    "reboot test acpi", "destroy test; reboot test --mode acpi",
]


@pytest.mark.parametrize("line", MODES)
def test_shutdown_reboot_modes(line: str) -> None:
    same("-c", URI, line)


READONLY = ["start test", "destroy test", "suspend test", "resume test", "shutdown test", "reboot test",
            "reset test", "autostart test", "autostart --disable test", "undefine test",
            "undefine test --storage vda", "define {d1}", "create {d1}", "domstate test"]


@pytest.mark.parametrize("line", READONLY)
def test_readonly_connection(files: dict[str, str], line: str) -> None:
    out = same("-r", "-c", URI, _sub(line, files))
    assert line == "domstate test" or out.rc == 1


# define, create ---------------------------------------------------------------------------------

DEFINE = [
    "define {d1}; list --all --title; domstate d1 --reason", "define {bad} --validate", "define {bad}; list --all --name",
    "define {broken}", "define {big}", "define {exact}", "define --file {d1} --validate; domstate d1",
    "define /nonexist", "define {dir}", "define ''", "define -", "define", "define {d1} extra",
    "define {d1}; define {d1}; undefine d1; list --all --name",
    "create {d1}; list; domstate d1 --reason", "create {d1} --paused", "create {d1} --autodestroy",
    "create {d1} --validate", "create {bad} --validate", "create {broken}", "create {d1} --reset-nvram",
    "create {d1} --pass-fds 0", "create {d1} --pass-fds a", "create {d1} 1", "create --file {d1}",
    "create /nonexist --pass-fds a", "create '' --pass-fds x", "create {d1} --paused --autodestroy",
    "create {big}", "create {d1}; create {d1}",
]


@pytest.mark.parametrize("line", DEFINE)
def test_define_create(files: dict[str, str], line: str) -> None:
    same("-c", URI, _sub(line, files))


def test_define_relative_path_is_named_as_given(files: dict[str, str]) -> None:
    env = {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    same("-c", URI, "define d1.xml; create d1.xml", cwd=files["dir"], env=env)


# start ------------------------------------------------------------------------------------------

START = [
    "start alpha --paused", "start alpha --autodestroy", "start alpha --bypass-cache", "start alpha --force-boot",
    "start alpha --reset-nvram", "start alpha --pass-fds 0,1", "start alpha --pass-fds x",
    "start alpha --pass-fds ''", "start alpha --pass-fds 1,,2", "start alpha --pass-fds 99",
    "start alpha --pass-fds=-1", "start alpha --pass-fds ' 3'", "start alpha --pass-fds 3x",
    "start alpha --pass-fds 99999999999", "start alpha x", "start Gamma", "start alpha", "start beta",
    "start beta --pass-fds x", "start 1", "start nosuch --pass-fds a", "start ''",
    "start aaaaaaaa-0000-0000-0000-000000000001",
    "start alpha --force-boot --paused; list --all --managed-save",
]


@pytest.mark.parametrize("line", START)
def test_start(files: dict[str, str], line: str) -> None:
    same("-c", files["uri"], line + "; list --all")


def test_start_force_boot_readonly(files: dict[str, str]) -> None:
    same("-r", "-c", files["uri"], "start alpha --force-boot")


@pytest.mark.parametrize("line", ["start alpha --console", "start alpha --console; list",
                                  "create {d1} --console", "create {d1} --console; list"])
def test_console_without_terminal(files: dict[str, str], line: str) -> None:
    same("-c", files["uri"], _sub(line, files))


# undefine ---------------------------------------------------------------------------------------

UNDEFINE_FLAGS = ["", "--managed-save", "--snapshots-metadata", "--checkpoints-metadata", "--nvram",
                  "--keep-nvram", "--tpm", "--keep-tpm", "--nvram --keep-nvram", "--tpm --keep-tpm",
                  "--wipe-storage", "--delete-storage-volume-snapshots", "--delete-snapshots --remove-all-storage",
                  "--storage vda", "--remove-all-storage", "--storage vda --remove-all-storage",
                  "--storage vda,nope", "--storage nope", "--storage ''", "--storage '' --wipe-storage",
                  "--nvram --keep-nvram --tpm --keep-tpm --delete-snapshots", "--tpm --keep-tpm --wipe-storage"]


@pytest.mark.parametrize("flags", UNDEFINE_FLAGS)
def test_undefine_running_then_stopped(flags: str) -> None:
    same("-c", URI, f"undefine test {flags}; destroy test; undefine test {flags}; list --all")


@pytest.mark.parametrize("line", [
    "undefine Gamma", "undefine Gamma --snapshots-metadata", "undefine Gamma --snapshots-metadata --tpm",
    "undefine Gamma --tpm", "undefine alpha", "undefine alpha --managed-save", "undefine alpha --tpm",
    "undefine alpha --managed-save --tpm", "undefine alpha --nvram", "undefine alpha --keep-nvram --managed-save",
    "undefine alpha --keep-tpm --managed-save", "undefine beta", "undefine delta --checkpoints-metadata",
    "undefine nosuch", "undefine ''", "undefine '' --wipe-storage", "undefine nosuch --tpm --keep-tpm",
])
def test_undefine_managed_save_and_snapshots(files: dict[str, str], line: str) -> None:
    same("-c", files["uri"], line + "; list --all")


STORAGE_CASES = [
    "--remove-all-storage", "--storage vda", "--storage vda,vdb --wipe-storage", "--storage /default-pool/disk1.img,vdx",
    "--remove-all-storage --delete-snapshots", "--remove-all-storage --wipe-storage", "--storage vdc",
    "--storage hdc", "--storage vdd", "--storage vda,vda", "--storage disk2.img", "--storage vda,,x",
]


@pytest.mark.parametrize("flags", STORAGE_CASES)
def test_undefine_storage(files: dict[str, str], flags: str) -> None:
    same("-c", files["storage_uri"], f"undefine vm {flags}")
    same("-c", files["storage_uri"], f"undefine vm {flags}; vol-list default-pool; list --all")


# JSON and quiet mode ------------------------------------------------------------------------------

def test_actions_print_nothing_under_json(files: dict[str, str]) -> None:
    res = vsh("-c", URI, "--json", _sub("destroy test; start test; suspend test; resume test; define {d1}", files))
    assert res.out == "" and res.err == "" and res.rc == 0


def test_action_failure_is_a_json_error() -> None:
    res = vsh("-c", URI, "--json", "start test")
    assert res.out == "" and res.rc == 1
    assert json.loads(res.err) == {"error": {"message": "Domain is already active", "source": "vsh"}}
    res = vsh("-c", URI, "--json", "destroy test; destroy test")
    err = json.loads(res.err)["error"]
    assert err["message"] == "Failed to destroy domain 'test'" and "not running" in err["detail"]


@pytest.mark.parametrize("line", ["destroy test; start test; reboot test; autostart test", "undefine test"])
def test_quiet_hides_informational_lines(line: str) -> None:
    same("-q", "-c", URI, line)
