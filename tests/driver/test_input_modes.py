"""The same scripts through virsh and vsh in all three input modes: argv words, a command
string, a stdin batch (`util.same_in_mode` says how a batch is compared).

Each class of input is run in every mode it can reach; where a mode cannot carry it, the
test's docstring says why.  What vsh deliberately does otherwise (batch exit status,
`--on-error`, `--json`, unwritable output) is checked against the README's promise, and
against virsh wherever virsh has an equivalent.
"""
from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import time
from pathlib import Path
from typing import Sequence

import pytest

from util import MODES, VSH, Result, host_uri, need_virsh, run_bytes, same, same_in_mode, virsh, vsh, without_banner

URI = "test:///default"
TWO_WAYS = ("string", "batch")  # the modes that lex a script and run several commands


def _virsh() -> list[str]:
    return [need_virsh()]


def _bytes_args(mode: str, script: bytes, words: Sequence[bytes] | None) -> tuple[list[bytes], bytes]:
    if mode == "argv":
        return list(script.split() if words is None else words), b""
    if mode == "string":
        return [script], b""
    return [], script if script.endswith(b"\n") else script + b"\n"


def same_bytes(mode: str, script: bytes, *opts: str, words: Sequence[bytes] | None = None,
               cwd: Path | None = None) -> Result:
    """`same_in_mode` for scripts that are not UTF-8: the bytes go to both programs as they are."""
    args, stdin = _bytes_args(mode, script, words)
    expected = run_bytes(_virsh(), ["-c", URI, *opts, *args], stdin, cwd=cwd)
    got = run_bytes(VSH, ["-c", URI, *opts, *args], stdin, cwd=cwd)
    if mode == "batch":
        text = stdin.decode("utf-8", "surrogateescape")
        failed = any(line.startswith("error:") for line in expected.err.splitlines())
        expected = Result(without_banner(expected.out, text), expected.err, 1 if failed else 0)
    assert got == expected, f"{mode} {script!r}"
    return got


# --- one command: aliases, exclusive and required options, odd words, help of an alias ---

ONE_COMMAND = {
    # echo's hidden aliases, and other commands' (virsh declares them; `help` hides them)
    "echo-str-alias": ("echo --str=value --shell", None),
    "echo-str-word": ("echo --str value", None),
    "echo-hi-alias": ("echo --hi", None),
    "setmem-kilobytes": ("setmem test --kilobytes 1048576", None),
    "setmaxmem-kilobytes": ("setmaxmem test --kilobytes 9000000 --config", None),
    "domif-getlink-persistent": ("domif-getlink test --interface 52:54:00:00:00:01 --persistent", None),
    "nodedev-destroy-name": ("nodedev-destroy --name nosuch", None),
    "undefine-delete-snapshots": ("undefine nosuch --delete-snapshots", None),
    "attach-disk-shareable": ("attach-disk test /tmp/a.img vdb --shareable --print-xml", None),
    "blockcopy-raw": ("blockcopy test vda /tmp/x --raw", None),
    "migrate-tunneled": ("migrate test qemu:///x --tunneled", None),
    "blkdeviotune-two": ("blkdeviotune test vda --read_iops_sec 5 --write_bytes_sec_max_length 3", None),
    "domif-setlink-persistent": ("domif-setlink test testnet0 up --persistent", None),
    "setmem-kilobytes-bad": ("setmem test --kilobytes=x", None),
    "echo-hi-and-str": ("echo --hi --str x", None),
    "echo-str-no-value": ("echo --str", None),
    # mutually exclusive and requiring options
    "echo-split-shell": ("echo --split a,b --shell", None),
    "echo-xml-split": ("echo --xml --split a", None),
    "list-table-name": ("list --table --name", None),
    "pool-list-all-inactive": ("pool-list --all --inactive", None),
    "freecell-all-cellno": ("freecell --all --cellno 0", None),
    "domtime-now-sync": ("domtime test --now --sync", None),
    "setmem-current-live": ("setmem test 1024 --current --live", None),
    "domblkinfo-all-device": ("domblkinfo test --all --device vda", None),
    "event-all-event": ("event --all --event lifecycle", None),
    "snapshot-list-tree-name": ("snapshot-list test --tree --name", None),
    "domjobinfo-requires": ("domjobinfo test --keep-completed", None),
    "blockpull-requires": ("blockpull test vda --verbose", None),
    # words virsh takes as they are
    "echo-three-dashes": ("echo ---", None),
    "echo-empty-words": ("echo '' a ''", ["echo", "", "a", ""]),
    "echo-only-empty": ("echo ''", ["echo", ""]),
    # help of a command alias shows its target
    "help-alias": ("help nodedev-dettach", None),
    "alias-help-option": ("nodedev-dettach --help", None),
}
# blkdeviotune's underscore spellings, each alone
ONE_COMMAND.update({f"blkdeviotune-{name}": (f"blkdeviotune test vda --{name} {'g' if name == 'group_name' else 5}", None)
                    for name in [f"{kind}_{what}_sec{tail}" for tail in ("", "_max", "_max_length")
                                 for kind in ("total", "read", "write") for what in ("bytes", "iops")]
                    + ["size_iops_sec", "group_name"]})


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", ONE_COMMAND)
def test_one_command(case: str, mode: str) -> None:
    line, words = ONE_COMMAND[case]
    same_in_mode(mode, line, "-c", URI, words=words)


def test_every_declared_alias_is_exercised() -> None:
    """Each option alias vsh declares appears in a case above, so it is compared with virsh."""
    from vsh import registry
    from vsh.spec import ALIAS

    lines = [line.split() for line, _ in ONE_COMMAND.values()]
    missing = [f"{spec.name} --{opt.name}" for spec in registry.all_specs() for opt in spec.opts
               if opt.type == ALIAS and not any(
                   words[0] == spec.name and any(w.split("=")[0] == f"--{opt.name}" for w in words)
                   for words in lines)]
    assert missing == []


# --- quotes, escapes and backslashes: lexed in a string and a batch, literal in argv ---

QUOTES = {
    "open-double": ('echo "open', ['echo', '"open']),
    "open-single": ("echo 'open", ["echo", "'open"]),
    "escapes": ('echo a\\ b "c\\"d" \'e\\f\' \\$x', ["echo", "a\\", 'b"c', "'e\\f'", "\\$x"]),
    "dangling": ("echo a\\", ["echo", "a\\"]),
    "dangling-alone": ("echo \\", ["echo", "\\"]),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", QUOTES)
def test_quotes_and_backslashes(case: str, mode: str) -> None:
    """In argv mode no lexer runs: quotes and backslashes are characters of the words, as in virsh."""
    line, words = QUOTES[case]
    same_in_mode(mode, line, "-c", URI, words=words)


# --- scripts of several commands: only a command string and a batch carry them ---

SCRIPTS = {
    # a backslash at the end of a line (a batch reads stdin line by line, no continuation)
    "dangling-then-next": "echo a\\\necho b",
    "open-quotes-then-next": "echo \"open\necho 'open\necho b",
    # quit and exit in the middle
    "quit-middle-line": "echo a; quit; echo b",
    "exit-middle-line": "echo a; exit; echo b",
    "quit-own-line": "echo a\nquit\necho b",
    "exit-own-line": "echo a\nexit\necho b",
    "quit-after-failure": "dominfo nosuch\nquit\necho b",
    # a failing command that is not the last of its line
    "failure-not-last": "dominfo nosuch; list --all",
    "failure-first-line": "dominfo nosuch\nlist --all",
    "exclusive-not-last": "echo --split a --shell; echo b",
    "all-fine": "echo a; list --all\nuri",
}


@pytest.mark.parametrize("mode", TWO_WAYS)
@pytest.mark.parametrize("case", SCRIPTS)
def test_scripts(case: str, mode: str) -> None:
    """Several commands: argv words are always one command (`;` is a word there)."""
    same_in_mode(mode, SCRIPTS[case], "-c", URI)


def test_nul_byte_in_a_batch_line() -> None:
    """A NUL byte can reach vsh only through stdin: no argument (argv word or command
    string) can hold one."""
    same_in_mode("batch", "echo a\0b\necho c\0\0 d", "-c", URI)


# `--on-error=stop` is vsh's: it must give what virsh gives for the script cut after the
# first failing command.
ON_ERROR = {
    "within-line": ("list --all; dominfo nosuch; net-list", "list --all; dominfo nosuch"),
    "across-lines": ("list --all\ndominfo nosuch\nnet-list", "list --all\ndominfo nosuch"),
    "second-of-line": ("echo a\nuri; dominfo nosuch; echo b\necho c", "echo a\nuri; dominfo nosuch"),
    "grammar-error": ("echo a; echo --split a --shell; echo b", "echo a; echo --split a --shell"),
    "no-failure": ("echo a; uri\necho b", "echo a; uri\necho b"),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", ON_ERROR)
def test_on_error_stop_stops_at_the_first_failure(case: str, mode: str) -> None:
    """In argv mode there is one command, so the first failure is also the last."""
    script, cut = ON_ERROR[case]
    if mode == "argv":
        script = cut = cut.replace("\n", ";").split(";")[-1].strip()
    want = same_in_mode(mode, cut, "-c", URI)
    if mode == "batch":
        got = vsh("-c", URI, "--on-error=stop", stdin=script + "\n")
    elif mode == "string":
        got = vsh("-c", URI, "--on-error=stop", script)
    else:
        got = vsh("-c", URI, "--on-error=stop", *script.split())
    assert got == want


# --- bytes that are not UTF-8 ---

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("script", [b"dominfo \xff\xfe", b"echo caf\xe9 \xff", b"echo --shell \xff",
                                    b"net-info \xc3("], ids=["dominfo", "echo", "echo-shell", "net-info"])
def test_non_utf8_arguments(script: bytes, mode: str) -> None:
    same_bytes(mode, script)


def test_non_utf8_batch_lines_with_others() -> None:
    """Several lines, only a batch: the bytes of one line do not disturb the next."""
    same_bytes("batch", b"echo \xff\ndominfo \xfe\necho ok")


DOMAIN_XML = b"<domain type='test'><name>%s</name><memory>8192</memory><os><type>hvm</type></os></domain>"


@pytest.fixture
def odd_files(tmp_path: Path) -> dict[str, bytes]:
    """Files with a non-UTF-8 name, Latin-1 contents, and binary contents (names relative to
    tmp_path, to keep batch lines short)."""
    base = os.fsencode(tmp_path)
    named = base + b"/\xff.xml"
    with open(named, "wb") as f:
        f.write(DOMAIN_XML % b"odd")
    latin = base + b"/latin1.xml"
    with open(latin, "wb") as f:
        f.write(b"<?xml version='1.0' encoding='ISO-8859-1'?>\n" + DOMAIN_XML % b"caf\xe9")
    undeclared = base + b"/undeclared.xml"
    with open(undeclared, "wb") as f:
        f.write(DOMAIN_XML % b"caf\xe9")
    binary = base + b"/binary.xml"
    with open(binary, "wb") as f:
        f.write(bytes(range(256)))
    return {"named": b"\xff.xml", "missing": b"sub/\xfe.xml", "latin": b"latin1.xml",
            "undeclared": b"undeclared.xml", "binary": b"binary.xml"}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("which", ["named", "missing", "latin", "undeclared", "binary"])
def test_non_utf8_files(odd_files: dict[str, bytes], which: str, mode: str, tmp_path: Path) -> None:
    """A file name that is not UTF-8, and contents in Latin-1 or binary, for `define`."""
    path = odd_files[which]
    same_bytes(mode, b"define " + path, words=[b"define", path], cwd=tmp_path)


# --- stdin closed ---

@pytest.mark.parametrize("mode", MODES)
def test_closed_stdin(mode: str) -> None:
    """`<&-`: argv words and a command string do not read stdin and run as in virsh.  A batch
    from a closed stdin is empty in vsh (no output, status 0); virsh cannot be compared there:
    it prints its banner and prompt and then blocks forever."""
    args = {"argv": ["echo", "a"], "string": ["echo a; uri"], "batch": []}[mode]
    got = run_bytes(VSH, ["-c", URI, *args], close=[0])
    if mode == "batch":
        assert got == Result("", "", 0)
    else:
        assert got == run_bytes(_virsh(), ["-c", URI, *args], close=[0])


# --- SIGINT while the parent ignores it ---

def _interrupted(prog: list[str], args: list[str], stdin: bytes) -> Result:
    """Start with SIGINT ignored (as under nohup), wait for the command to block, `kill -INT`."""
    proc = subprocess.Popen([*prog, "-c", URI, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    assert proc.stdin is not None
    proc.stdin.write(stdin)
    proc.stdin.flush()
    time.sleep(3)  # start-up and connection, then the event loop waits
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"{prog[-1]} ignored SIGINT")
    return Result(out.decode(), err.decode(), proc.returncode)


@pytest.mark.parametrize("mode", MODES)
def test_sigint_acts_although_the_parent_ignores_it(mode: str) -> None:
    """The interrupted `event --loop` fails without an `error:` line (virsh's argv status is 1),
    so vsh's batch exits 1; the command after it still runs."""
    args, stdin = {"argv": (["event", "--all", "--loop"], b""),
                   "string": (["event --all --loop; echo after"], b""),
                   "batch": ([], b"event --all --loop\necho after\n")}[mode]
    expected = _interrupted(_virsh(), args, stdin)
    got = _interrupted(VSH, args, stdin)
    if mode == "batch":
        expected = Result(without_banner(expected.out, stdin.decode()), expected.err, 1)
    assert got == expected


# --- global options ---

GLOBAL = {
    "empty-uri": (["-c", ""], "uri"),
    "log-nowhere": (["-c", URI, "-l", "/nonexistent/x"], "uri"),
    "debug-0": (["-c", URI, "-d", "0"], "echo a b"),
    "debug-1-two": (["-c", URI, "-d", "1"], "echo --shell a; uri"),
    "debug-0-failure": (["-c", URI, "-d", "0"], "dominfo nosuch"),
    "log-empty": (["-c", URI, "-l", ""], "uri"),
    "log-empty-inline": (["-c", URI, "--log="], "uri"),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", GLOBAL)
def test_global_options(case: str, mode: str) -> None:
    opts, script = GLOBAL[case]
    if mode == "argv" and ";" in script:
        script = script.split(";")[0]
    same_in_mode(mode, script, *opts)


# (global options, environment, script): a log of the run (-l or VIRSH_LOG_FILE) and VIRSH_DEBUG.
LOGGED = {
    "errors": ([], {}, "dominfo nosuch; uri"),
    "debug-0": (["-d", "0"], {}, "dominfo nosuch; uri"),
    "debug-3": (["-d", "3"], {}, "dominfo nosuch"),
    "env-debug": ([], {"VIRSH_DEBUG": "1"}, "uri; list"),
    "env-debug-after-d4": (["-d", "4"], {"VIRSH_DEBUG": "1"}, "uri"),
    "d0-before-env": (["-d", "0"], {"VIRSH_DEBUG": "4"}, "uri"),
    "env-debug-bad": ([], {"VIRSH_DEBUG": "1x"}, "uri"),
    "env-debug-spaces": ([], {"VIRSH_DEBUG": " +1"}, "uri"),
    "env-log-file": ([], {"VIRSH_LOG_FILE": "LOG"}, "dominfo nosuch"),
    "env-log-file-empty": ([], {"VIRSH_LOG_FILE": ""}, "uri"),
}


def _log_lines(path: Path) -> list[str]:
    """The log without what differs by nature: the time stamp, the program's name and its pid."""
    if not path.exists():
        return ["(no log)"]
    return [line.split("] ", 1)[-1] for line in path.read_text().splitlines()]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", LOGGED)
def test_log_file_and_debug_environment(case: str, mode: str, tmp_path: Path) -> None:
    """The log holds virsh's lines (errors always, debug lines from the debug level up), and
    VIRSH_DEBUG and VIRSH_LOG_FILE act as in virsh, before and after -d and -l."""
    opts, env, script = LOGGED[case]
    logs = []
    for prog in ("virsh", "vsh"):
        log = tmp_path / f"{prog}.log"
        extra = {k: str(log) if v == "LOG" else v for k, v in env.items()}
        given = [*opts, "-c", URI] + ([] if "VIRSH_LOG_FILE" in env else ["-l", str(log)])
        if prog == "virsh":
            expected = virsh(*given, *_mode_args(mode, script), stdin=_mode_stdin(mode, script), env=extra)
        else:
            got = vsh(*given, *_mode_args(mode, script), stdin=_mode_stdin(mode, script), env=extra)
        logs.append(_log_lines(log))
    assert logs[1] == logs[0]
    if mode == "batch":
        # vsh's batch rule: 1 when a command failed (a bad VIRSH_DEBUG fails none)
        expected = expected._replace(out=without_banner(expected.out, script.replace("; ", "\n") + "\n"),
                                     rc=1 if "nosuch" in script else 0)
    assert (got.out, got.err, got.rc) == (expected.out, expected.err, expected.rc)


def _mode_args(mode: str, script: str) -> list[str]:
    return script.split(";")[0].split() if mode == "argv" else [script] if mode == "string" else []


def _mode_stdin(mode: str, script: str) -> str | None:
    return script.replace("; ", "\n") + "\n" if mode == "batch" else None


@pytest.mark.parametrize("last", ["--connect", "--debug", "--log", "--keepalive-interval", "--keepalive-count",
                                  "--escape", "-c", "-e", "-K", "--readonly=1", "--help=x", "--quiet=1",
                                  "--k", "--no-such", "-Z"])
def test_global_option_errors(last: str) -> None:
    """virsh's getopt words: a missing argument names the short and the long option, a value
    given to a flag names its short form."""
    same(last)


# --- JSON (vsh's own) ---

def _vsh_in(mode: str, line: str, *opts: str) -> Result:
    if mode == "argv":
        return vsh(*opts, *shlex.split(line))
    if mode == "string":
        return vsh(*opts, line)
    return vsh(*opts, stdin=line + "\n")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("line", ["help", "help list", "list --help", "echo hi", "echo --shell a b"])
def test_json_keeps_text_of_help_and_echo(line: str, mode: str) -> None:
    """Under --json help and echo print their text, as without it; a data command's help adds its JSON shape."""
    text = _vsh_in(mode, line, "-c", URI)
    got = _vsh_in(mode, line, "-c", URI, "--json")
    shown = got.out
    if "list" in line:
        assert "\n  JSON (--json and --csv; 'schema list' prints the JSON Schema)\n    an array of objects:\n" in shown
        shown = shown[:shown.index("  JSON (")]
    assert got.out.strip() and shown.rstrip("\n") == text.out.rstrip("\n")
    assert (got.err, got.rc) == ("", 0)


@pytest.mark.parametrize("mode", MODES)
def test_json_libvirt_error_has_code_and_domain(mode: str) -> None:
    import libvirt

    got = _vsh_in(mode, "net-info nosuch", "-c", URI, "--json")
    err = json.loads(got.err)["error"]
    text = virsh("-c", URI, "net-info", "nosuch").err.splitlines()
    assert [f"error: {err['message']}", f"error: {err['detail']}"] == text and err["source"] == "libvirt"
    assert err["code"] == libvirt.VIR_ERR_NO_NETWORK and err["domain"] == libvirt.VIR_FROM_TEST
    assert got.rc == 1


@pytest.mark.parametrize("mode", MODES)
def test_json_vsh_error_says_its_source(mode: str) -> None:
    got = _vsh_in(mode, "echo --split a --shell", "-c", URI, "--json")
    assert json.loads(got.err) == {"error": {"message": "Options --shell and --split are mutually exclusive",
                                             "source": "vsh"}}
    assert got.rc == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("flag,key", [("--name", "name"), ("--uuid", "uuid")])
def test_json_list_name_and_uuid(flag: str, key: str, mode: str) -> None:
    """--name and --uuid choose the text's column; the JSON rows keep every key."""
    text = virsh("-c", URI, "list", flag).out.split()
    got = _vsh_in(mode, f"list {flag}", "-c", URI, "--json")
    rows = json.loads(got.out)
    assert [row[key] for row in rows] == text and got.rc == 0
    assert rows == json.loads(_vsh_in(mode, "list", "-c", URI, "--json").out)


# --- output that cannot be written ---

LONG = "echo --split " + ",".join(["line"] * 20000)  # more than a pipe holds, less than an argument may
UNWRITABLE = {"argv": (["list", "--all"], b""), "string": (["list --all; echo x"], b""),
              "batch": ([], b"list --all\necho x\n")}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("where", ["closed", "full"])
def test_unwritable_stdout(where: str, mode: str) -> None:
    """One `error: cannot write output` line and status 1 (virsh loses the output and exits 0)."""
    args, stdin = UNWRITABLE[mode]
    reason = {"closed": "Bad file descriptor", "full": "No space left on device"}[where]
    with open("/dev/full", "wb") as full:
        if where == "closed":
            got = run_bytes(VSH, ["-c", URI, *args], stdin, close=[1])
        else:
            got = run_bytes(VSH, ["-c", URI, *args], stdin, stdout=full)
    assert (got.err, got.rc) == (f"error: cannot write output: {reason}\n", 1)


@pytest.mark.parametrize("mode", MODES)
def test_pipe_closed_early_stays_quiet(mode: str) -> None:
    runs: dict[str, tuple[list[str], bytes]] = {"argv": (LONG.split(), b""), "string": ([LONG + "; echo x"], b""),
                                                "batch": ([], (LONG + "\necho x\n").encode())}
    args, stdin = runs[mode]
    proc = subprocess.Popen([*VSH, "-c", URI, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write(stdin)
    proc.stdin.close()
    first = proc.stdout.readline()
    proc.stdout.close()  # as `| head -1` does
    err = proc.stderr.read()
    proc.wait(timeout=60)
    assert (first, err) == (b"line\n", b"")


# --- completion ---

COMPLETION_NODE = """<node>
  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'><name>on</name>
    <memory>8192</memory><os><type>hvm</type></os>
    <devices><disk type='file' device='disk'><source file='/on.img'/><target dev='vda' bus='virtio'/></disk>
      <disk type='file' device='disk'><source file='/on2.img'/><target dev='vdb' bus='virtio'/></disk></devices>
    <test:runstate>1</test:runstate></domain>
  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'><name>held</name>
    <memory>8192</memory><os><type>hvm</type></os><test:runstate>3</test:runstate></domain>
  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'><name>off</name>
    <memory>8192</memory><os><type>hvm</type></os><test:runstate>5</test:runstate></domain>
  <network><name>lan</name><bridge name='virbr5'/></network>
  <network><name>wan</name><bridge name='virbr6'/></network>
  <pool type='dir'><name>images</name><target><path>/images</path></target></pool>
  <pool type='dir'><name>isos</name><target><path>/isos</path></target></pool>
</node>
"""


@pytest.fixture(scope="module")
def completion_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Domains running, paused and shut off; networks and pools, made inactive by the scripts."""
    path = tmp_path_factory.mktemp("completion") / "node.xml"
    path.write_text(COMPLETION_NODE)
    return f"test://{path}"


# The state changes a mode can make before completing (argv words are one command only).
STATE = "net-destroy wan; pool-destroy isos; "
COMPLETIONS = ["start --domain", "destroy --domain", "suspend --domain", "resume --domain", "reboot --domain",
               "managedsave --domain", "net-start --network", "net-destroy --network", "pool-start --pool",
               "pool-destroy --pool", "domblkinfo on --device", "domblkstat on --device",
               "detach-disk on --target"]


def _complete_line(words: str, positional: bool = False) -> str:
    if positional:
        words = words.rsplit(" ", 1)[0]
    return f"complete -- {words} ''"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("words", COMPLETIONS)
def test_completion_offers_what_virsh_offers(completion_uri: str, words: str, mode: str) -> None:
    """vsh's `complete` is its shell-completion engine (its words may hold global options);
    for an option's value it offers virsh's candidates, filtered by the objects' state.
    Like virsh's, it fails (silently) when it has nothing to offer; in a batch the status
    follows vsh's batch rule, so it is compared in the other two modes."""
    line = _complete_line(words)
    if mode == "argv":
        args: list[str] = ["complete", "--", *words.split(), ""]
        expected, got = virsh("-c", completion_uri, *args), vsh("-c", completion_uri, *args)
    elif mode == "string":
        expected, got = virsh("-c", completion_uri, STATE + line), vsh("-c", completion_uri, STATE + line)
    else:
        script = STATE.replace("; ", "\n") + line + "\n"
        expected = virsh("-c", completion_uri, stdin=script)
        expected = expected._replace(out=without_banner(expected.out, script))
        got = vsh("-c", completion_uri, stdin=script)
    # libvirt lists objects in hash order, which varies from one process to the next
    assert (sorted(got.out.splitlines()), got.err) == (sorted(expected.out.splitlines()), expected.err)
    if mode != "batch":
        assert got.rc == expected.rc


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("words", [[""], ["net-"], ["list", "--"], ["help", "n"], ["nosuch", "--"],
                                   ["nosuch", ""], ["nosuch", "x", "net-l"]])
def test_completion_of_names_keeps_virsh_order(words: list[str], mode: str) -> None:
    """Command and option names come in virsh's order (its groups, then each group's table),
    byte for byte; after an unknown command, command names again.  With nothing to offer
    `complete` fails silently (in a batch that counts as a failure, vsh's batch rule)."""
    script = "complete -- " + " ".join(shlex.quote(w) for w in words)
    same_in_mode(mode, script, "-c", URI, words=["complete", "--", *words], failed=words == ["nosuch", "--"])


VALUE_COMPLETIONS = [
    # comma-separated lists: the items not given yet, after those given (virshCommaStringListComplete)
    "pool-list --type|dir,l", "pool-list --type|", "nodedev-list --cap|pci,usb,", "nodedev-list --cap|s",
    "perf test --disable|cmt,mbmt,c", "undefine test --storage|", "migrate test --comp-methods|xbzrle,",
    "shutdown test --mode|", "reboot test --mode|acpi,ag", "vcpupin test 0 --cpulist|0,",
    "emulatorpin test --cpulist|", "setvcpu test --vcpulist|0,",
    # the link state to set: the other one, for an interface named by target or by MAC
    "domif-setlink test testnet0 --state|", "domif-setlink test --interface AA:bb:cc:dd:ee:ff --state|",
    "domif-setlink test --interface nosuch --state|",
    # fixed words, and the host's own order
    "domhostname test --source|", "domifaddr test --source|", "dump test x --format|kd",
    "attach-interface test network default --source-mode|", "net-update default --command|",
    "net-update default add --section|ip", "allocpages --pagesize|",
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", VALUE_COMPLETIONS)
def test_completion_of_values_as_virsh(case: str, mode: str) -> None:
    words, _, prefix = case.partition("|")
    script = f"complete -- {words} {shlex.quote(prefix)}"
    same_in_mode(mode, script, "-c", URI, words=["complete", "--", *words.split(), prefix],
                 failed=words.endswith("nosuch --state"))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("iface", ["52:54:00:00:00:a1", "52:54:00:00:00:A2"])
def test_completion_of_a_link_state_follows_the_link(iface: str, mode: str) -> None:
    """A link that is down is to be set up (the host's `media` has one up, one down)."""
    same_in_mode(mode, f"complete -- domif-setlink media {iface} --state ''", "-c", host_uri("domain_update_node"),
                 words=["complete", "--", "domif-setlink", "media", iface, "--state", ""])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("words", [w for w in COMPLETIONS if not w.startswith(("domblk", "detach"))])
def test_positional_completion_offers_the_same_names(completion_uri: str, words: str, mode: str) -> None:
    """vsh also completes an object in its positional slot (virsh offers option names there):
    the names offered are those virsh offers after the option."""
    named = _complete_line(words)
    positional = _complete_line(words, positional=True)
    prefix = "" if mode == "argv" else STATE
    want = sorted(w for w in virsh("-c", completion_uri, prefix + named).out.splitlines()
                  if w and not w.startswith(("Network", "Pool")))
    got = sorted(w for w in _vsh_in(mode, prefix + positional, "-c", completion_uri).out.splitlines()
                 if w and not w.startswith(("Network", "Pool", "--")))
    assert got == want


def test_check_specs_reports_an_unknown_completer() -> None:
    from vsh import registry, selftest
    from vsh.spec import Str

    name = "zz-bogus-completer"
    registry.load_all()
    registry.command(name, group="virsh", help="a throwaway declaration", connect=False,
                     opts=[Str("thing", "a value", complete="no-such-completer"),
                           Str("items", "a list", comma=True)])(lambda ctx, thing, items: None)
    try:
        problems = selftest.check_specs()
    finally:
        registry._SPECS.pop(name)
    assert problems == [f"command '{name}': option --thing names unknown completer 'no-such-completer'",
                        f"command '{name}': list option --items has nothing to complete its items from"]
    assert selftest.check_specs() == []
