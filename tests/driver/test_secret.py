"""Secret commands on the test driver, compared with virsh.

libvirt 9.0's test driver has no secret support, so every command is compared on
its failures: option checks, the old-API fallback of secret-list, lookups.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import json
from pathlib import Path

import pytest

from util import Result, same, virsh, vsh

URI = "test:///default"
UUID = "11111111-2222-3333-4444-555555555555"

SECRET = f"""<secret ephemeral='no' private='yes'>
  <uuid>{UUID}</uuid>
  <usage type='volume'><volume>/var/lib/x.img</volume></usage>
</secret>
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root: Path = tmp_path_factory.mktemp("secret")
    path = root / "s.xml"
    path.write_text(SECRET)
    value = root / "v.txt"
    value.write_text("aGVsbG8=\n")
    return {"s": str(path), "v": str(value)}


CASES = [
    "secret-list",
    "secret-list --ephemeral",
    "secret-list --no-ephemeral --private",
    "secret-list --ephemeral --no-ephemeral",
    "secret-list --no-private",
    "secret-list x",
    f"secret-dumpxml {UUID}",
    f"secret-dumpxml {UUID} --xpath //uuid --wrap",
    "secret-dumpxml nosuch",
    "secret-dumpxml ''",
    "secret-dumpxml",
    f"secret-get-value {UUID}",
    f"secret-get-value {UUID} --plain",
    "secret-get-value ''",
    "secret-get-value x",
    f"secret-set-value {UUID} --base64 aGVsbG8=",
    f"secret-set-value {UUID} aGVsbG8=",
    f"secret-set-value --base64 b {UUID}",
    "secret-set-value x --base64 ''",
    "secret-set-value x --file /tmp/a --base64 b",
    "secret-set-value x --plain --base64 b",
    "secret-set-value x --interactive --base64 b",
    "secret-set-value x --interactive --plain",
    "secret-set-value x --interactive --file f",
    "secret-set-value x --file /nonexistent",
    "secret-set-value x",
    "secret-set-value",
    f"secret-undefine {UUID}",
    "secret-undefine x",
    "secret-undefine ''",
    "secret-define /nonexistent.xml",
    "secret-define ''",
]


@pytest.mark.parametrize("line", CASES)
def test_secret_default_host_matches_virsh(line: str) -> None:
    same("-c", URI, line)


FILE_CASES = [
    "secret-define {s}; secret-list",
    "secret-define --file {s} --validate",
    f"secret-set-value {UUID} --file {{v}}",
    f"secret-set-value {UUID} --file {{v}} --plain",
]


@pytest.mark.parametrize("line", FILE_CASES)
def test_secret_files_match_virsh(files: dict[str, str], line: str) -> None:
    same("-c", URI, line.format(**files))


@pytest.mark.parametrize("cmd", ["secret-list", "secret-define", "secret-dumpxml", "secret-set-value",
                                 "secret-get-value", "secret-undefine"])
def test_secret_help_matches_virsh(cmd: str) -> None:
    same("help", cmd)


@pytest.mark.parametrize("text", [b"aGVsbG8=", b"aGVsbG8=\n", b"aGVsbG8", b"aGVsbA==", b"a!G$V sbG8=",
                                  b"", b"=", b"====", b"YQ==YQ==", b"YQ=a", b"Y=Qa", b"\xff\xfeYWJj",
                                  b"YWJjZA", b"YWJjZGU", b"-_-_"])
def test_secret_base64_decoding_is_glibs(text: bytes) -> None:
    """secret-set-value decodes as g_base64_decode does (virsh's own library call)."""
    from vsh.commands.secret import glib_base64_decode

    name = ctypes.util.find_library("glib-2.0")
    if name is None:
        pytest.skip("glib is not installed")
    glib = ctypes.CDLL(name)
    glib.g_base64_decode.restype = ctypes.c_void_p
    glib.g_base64_decode.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t)]
    size = ctypes.c_size_t()
    ptr = glib.g_base64_decode(text, ctypes.byref(size))
    expected = ctypes.string_at(ptr, size.value)
    glib.g_free(ctypes.c_void_p(ptr))
    assert glib_base64_decode(text) == expected


def test_secret_json_error() -> None:
    res = vsh("-c", URI, "--json", "secret-list")
    assert res.rc == 1
    assert json.loads(res.err)["error"]["message"] == "Failed to count secrets"


# A full root libvirtd (tests/support: private mounts, every driver) has a real secret
# driver: there the successful paths are compared too.  It needs root, like the qemu tier.

PUBLIC = """<secret ephemeral='yes' private='no'>
  <uuid>aaaaaaaa-2222-3333-4444-555555555555</uuid>
  <usage type='ceph'><name>cephname</name></usage>
</secret>
"""
PUB = "aaaaaaaa-2222-3333-4444-555555555555"


@pytest.fixture(scope="module")
def full_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root: Path = tmp_path_factory.mktemp("secretfiles")
    out = {}
    for name, data in (("s", SECRET.encode()), ("p", PUBLIC.encode()), ("b64", b"aGVsbG8=\n"),
                       ("junk", b"a!G$V sbG8"), ("raw", "pa\x00ss wörd\n".encode()), ("big", b"x" * 1025),
                       ("limit", b"QUJD" * 256)):
        path = root / name
        path.write_bytes(data)
        out[name] = str(path)
    return out


FULL_CASES = [
    "secret-list; secret-define {s}; secret-define {p}; secret-list; secret-list --ephemeral; "
    "secret-list --no-ephemeral; secret-list --private; secret-list --no-private --ephemeral",
    "secret-define {p}; secret-get-value " + PUB,
    "secret-define {s}; secret-set-value " + UUID + " --base64 aGVsbG8=; secret-get-value " + UUID,
    "secret-define {p}; secret-set-value " + PUB + " --base64 aGVsbG8=; secret-get-value " + PUB
    + "; secret-get-value " + PUB + " --plain",
    "secret-define {p}; secret-set-value " + PUB + " --file {b64}; secret-get-value " + PUB,
    "secret-define {p}; secret-set-value " + PUB + " --file {junk}; secret-get-value " + PUB,
    "secret-define {p}; secret-set-value " + PUB + " --file {raw} --plain; secret-get-value " + PUB
    + "; secret-get-value --plain " + PUB,
    "secret-define {p}; secret-set-value " + PUB + " --file {big}",
    "secret-define {p}; secret-set-value " + PUB + " --file {limit}; secret-get-value " + PUB,
    "secret-define {p}; secret-set-value " + PUB + " --file /nonexistent",
    "secret-define {p}; secret-set-value " + PUB + " --file ''",
    "secret-define {p}; secret-set-value " + PUB + " --base64 ''",
    "secret-define {p}; secret-set-value " + PUB,
    "secret-define {p}; secret-set-value " + PUB + " 'a!b=c'; secret-get-value " + PUB,
    "secret-define {p}; secret-dumpxml " + PUB + "; secret-dumpxml " + PUB + " --xpath //usage/name --wrap",
    "secret-define {p}; secret-undefine " + PUB + "; secret-undefine " + PUB + "; secret-list",
    "secret-get-value " + PUB,
    "secret-define {s}; secret-define {s}; secret-get-value " + UUID,
    "secret-define --validate {s}; secret-dumpxml " + UUID,
]


@pytest.mark.parametrize("line", FULL_CASES)
def test_secret_full_driver_matches_virsh(full_uri: str, full_files: dict[str, str], line: str) -> None:
    same_fresh(full_uri, line.format(**full_files))


def _clean(uri: str) -> None:
    """Secrets persist in the daemon: each run starts without them."""
    vsh("-c", uri, f"secret-undefine {UUID}; secret-undefine {PUB}")


def same_fresh(uri: str, line: str, stdin: str | None = None) -> None:
    """Like util.same, but each program starts on a daemon without our secrets."""
    results: list[Result] = []
    for prog in (virsh, vsh):
        _clean(uri)
        results.append(prog("-c", uri, line, stdin=stdin))
    _clean(uri)
    assert results[1] == results[0]


@pytest.mark.parametrize("stdin", ["", "hunter2\n", "hunter2", "a b\nsecond\n"])
def test_secret_interactive_matches_virsh(full_uri: str, full_files: dict[str, str], stdin: str) -> None:
    same_fresh(full_uri, f"secret-define {full_files['p']}; secret-set-value {PUB} --interactive; "
                         f"secret-get-value {PUB}", stdin=stdin)


def test_secret_full_driver_json(full_uri: str, full_files: dict[str, str]) -> None:
    vsh("-c", full_uri, f"secret-define {full_files['p']}; secret-set-value {PUB} --base64 aGVsbG8=")
    try:
        assert json.loads(vsh("-c", full_uri, "--json", "secret-list").out) == [
            {"uuid": PUB, "usage_type": "ceph", "usage_id": "cephname"}]
        assert json.loads(vsh("-c", full_uri, "--json", f"secret-get-value {PUB}").out) == {"value": "aGVsbG8="}
        assert json.loads(vsh("-c", full_uri, "--json", f"secret-get-value {PUB} --plain").out) == {"value": "hello"}
    finally:
        vsh("-c", full_uri, f"secret-undefine {PUB}")
