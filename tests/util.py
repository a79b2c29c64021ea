"""Running vsh and the real virsh side by side, for tests."""
from __future__ import annotations

import locale
import os
import re
import shutil
import subprocess
import sys
from typing import Any, NamedTuple, Sequence


from tests.support import forkserver
from tests.support.libvirtd import unavailable

VIRSH = shutil.which("virsh")
VSH = [sys.executable, "-m", "vsh"]


class Result(NamedTuple):
    out: str
    err: str
    rc: int


def locale_available(name: str) -> bool:
    """Whether the locale is generated (asked of the C library; this process's locale is kept)."""
    saved = locale.setlocale(locale.LC_CTYPE)
    try:
        locale.setlocale(locale.LC_CTYPE, name)
    except locale.Error:
        return False
    finally:
        locale.setlocale(locale.LC_CTYPE, saved)
    return True


def clean_env(extra: dict[str, str] | None) -> dict[str, str]:
    """The environment both programs run in: no default URI, no NO_COLOR, the C locale, plus `extra`."""
    env = dict(os.environ)
    for key in ("VIRSH_DEFAULT_CONNECT_URI", "LIBVIRT_DEFAULT_URI", "NO_COLOR"):
        env.pop(key, None)
    env["LC_ALL"] = "C"
    env.update(extra or {})
    return env


def run(prog: Sequence[str], args: Sequence[str], stdin: str | None = None,
        env: dict[str, str] | None = None, cwd: str | None = None, timeout: float = 60,
        process: bool = False) -> Result:
    """Run PROG ARGS with `stdin` as its input, its output captured as text.

    vsh (`VSH`) runs as a fork of a server that has imported it already, through the same entry
    point as `python -m vsh`; `process=True`, or VSH_TEST_SUBPROCESS=1 in the environment, starts
    a real process instead, as does an environment that Python or libvirt read at start-up.
    """
    full = clean_env(env)
    if not process and list(prog) == VSH and not os.environ.get("VSH_TEST_SUBPROCESS") \
            and (cwd is None or os.path.isdir(cwd)):
        server = forkserver.shared(clean_env(None))
        if not server.needs_process(full):
            encoding = locale.getpreferredencoding(False)
            while True:
                try:
                    out, err, rc = server.run(list(args), full, cwd or os.getcwd(), (stdin or "").encode(encoding),
                                              timeout, cmd=[*prog, *args])
                    break
                except forkserver.Busy:
                    server = forkserver.shared(clean_env(None))
            return Result(_text(out, encoding), _text(err, encoding), rc)
    proc = subprocess.run([*prog, *args], input=stdin if stdin is not None else "", capture_output=True,
                          text=True, env=full, cwd=cwd, timeout=timeout)
    return Result(proc.stdout, proc.stderr, proc.returncode)


def _text(data: bytes, encoding: str) -> str:
    """Bytes as subprocess.run(text=True) gives them: decoded, universal newlines."""
    return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")


def run_bytes(prog: Sequence[str], args: Sequence[str | bytes], stdin: bytes = b"", stdout: Any = subprocess.PIPE,
              close: Sequence[int] = (), cwd: str | os.PathLike[str] | None = None,
              timeout: float = 60) -> Result:
    """Like `run` in a real process, for what text cannot carry: bytes arguments and stdin,
    closed descriptors.

    `close` names descriptors closed in the child before it starts (`<&-` is 0, `>&-` is 1);
    `stdout` may be an open file (`/dev/full`).  Output is decoded with surrogate escapes,
    so comparing the strings compares the bytes.
    """
    def before() -> None:
        for fd in close:
            os.close(fd)

    proc = subprocess.run([*prog, *args], input=stdin, stdout=stdout, stderr=subprocess.PIPE, env=clean_env(None),
                          preexec_fn=before if close else None, cwd=cwd, timeout=timeout)
    return Result((proc.stdout or b"").decode("utf-8", "surrogateescape"),
                  proc.stderr.decode("utf-8", "surrogateescape"), proc.returncode)


def vsh(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
        cwd: str | None = None, process: bool = False) -> Result:
    """Run vsh as a user would (a fresh process or a fresh fork, so test:///default starts fresh)."""
    return run(VSH, args, stdin, env, cwd, process=process)


def need_virsh() -> str:
    """The real virsh; without it a test is skipped locally but fails in CI (CI=true), where the
    differential tier must run, as the daemon tiers do (tests.support.libvirtd.unavailable)."""
    if VIRSH is None:
        unavailable("virsh is not installed")
    return VIRSH


def virsh(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
          cwd: str | None = None) -> Result:
    """Run the real virsh, the oracle.

    virsh 9.0 now and then hangs on test:/// hosts (its event-loop thread and its command loop
    race; at rest about one run in twenty of `complete -- undefine test --storage ''` on stdin).
    As each run there starts from the same fresh host, a run that hangs is run again, with a
    short first deadline so that a hang costs seconds, not minutes.
    """
    need_virsh()
    if not any(arg.startswith("test:///") for arg in args):
        return run([VIRSH], args, stdin, env, cwd)
    for deadline in _VIRSH_DEADLINES[:-1]:
        try:
            return run([VIRSH], args, stdin, env, cwd, timeout=deadline)
        except subprocess.TimeoutExpired:
            pass
    return run([VIRSH], args, stdin, env, cwd, timeout=_VIRSH_DEADLINES[-1])


_VIRSH_DEADLINES = (15.0, 20.0, 30.0, 60.0, 60.0)


def same(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
         cwd: str | None = None) -> Result:
    """Run the same arguments through virsh and vsh; assert identical stdout, stderr, status."""
    expected = virsh(*args, stdin=stdin, env=env, cwd=cwd)
    got = vsh(*args, stdin=stdin, env=env, cwd=cwd)
    got = got._replace(out=virsh_view(got.out))
    assert got.out == expected.out, f"stdout differs for {args!r}"
    assert got.err == expected.err, f"stderr differs for {args!r}"
    assert got.rc == expected.rc, f"exit status differs for {args!r}"
    return got


#: The groups of vsh's own commands, which virsh's `help` does not list.
OWN_GROUPS = ("live",)


def virsh_view(text: str) -> str:
    """vsh's output without what vsh adds to virsh's help: the groups of its own commands in
    `help` (and their names at the end of command-name completion), and its own options
    (`Opt.own`, such as shutdown's --wait) in `help COMMAND`.  `same` compares through it."""
    from vsh import registry

    names = "".join(f"{s.name}\n" for g, specs in registry.by_group().items() if g in OWN_GROUPS
                    for s in specs)
    if text.endswith("\nconnect\n" + names) or text.endswith("\nconnect\n" + names + "\n"):
        text = text.replace("\nconnect\n" + names, "\nconnect\n")

    for group in OWN_GROUPS:
        # The heading's words are translated in other locales; its keyword never is.
        found = re.search(rf"^ [^\n]*\W{group}\W*\):\n", text, re.M)
        if found:
            end = text.find("\n\n", found.end() + 1)
            text = text[:found.start()] + text[end + 2:]
    own = {s.name: s for s in registry.all_specs() if any(o.own for o in s.opts)}
    # A command's help starts with its (maybe translated) NAME heading, then "    CMD - ...".
    blocks = re.split(r"(?m)^(?=  \S[^\n]*\n    [\w-]+ - )", text)
    for i, block in enumerate(blocks):
        head = re.match(r"  \S[^\n]*\n    ([\w-]+) - ", block)
        spec = own.get(head.group(1)) if head else None
        if spec is None:
            continue
        for opt in spec.opts:
            if opt.own:
                # The value's placeholder may be translated; the option's name and help never are.
                name = re.escape(opt.name)
                block = re.sub(rf" \[--{name}(?: <[^>]*>)?\]", "", block, count=1)
                block = re.sub(rf"(?m)^    --{name}(?: <[^>]*>)? +{re.escape(opt.help)}\n", "", block, count=1)
        blocks[i] = block
    return "".join(blocks)


MODES = ("argv", "string", "batch")
"""The three ways a script reaches virsh: argv words, one command string, a stdin batch."""

_BANNER = ("Welcome to virsh, the virtualization interactive terminal.\n\n"
           "Type:  'help' for help with commands\n       'quit' to quit\n\n")
_PROMPT = "virsh # "


def without_banner(out: str, script: str) -> str:
    """virsh's stdout of a stdin batch without what vsh deliberately leaves out of a batch.

    virsh runs a stdin that is not a terminal as its interactive shell: it prints its banner
    (after what it prints before reading stdin, such as `-d` lines), then for every line it
    reads the prompt `virsh # ` and the line itself as read (NUL bytes dropped) with a line
    break, and at end of input one more prompt and a line break.  Exactly those are removed,
    in order; everything else is kept byte for byte.  readline redraws a line that does not
    fit its 80 columns, so a script's lines must stay shorter than 72 characters.
    """
    out = out.replace(_BANNER, "", 1)
    lines = script.split("\n")
    if lines[-1] == "":
        lines.pop()
    pos = 0
    for line in [*lines, ""]:  # the last one is the prompt at end of input
        echo = _PROMPT + line.replace("\0", "") + "\n"
        at = out.find(echo, pos)
        if at < 0:
            break  # after `quit` virsh prompts no more
        out, pos = out[:at] + out[at + len(echo):], at
    return out


def same_in_mode(mode: str, script: str, *opts: str, words: Sequence[str] | None = None,
                 failed: bool | None = None, env: dict[str, str] | None = None,
                 cwd: str | None = None) -> Result:
    """Run one script through virsh and vsh in one of MODES; assert the same stdout, stderr, status.

    `script` is a command string (commands separated by `;` or newlines); in "argv" mode the
    command is given as separate words, `words` (default: `script` split on blanks).  In
    "batch" mode the script is stdin, virsh's banner and prompts are removed from its output
    (see `without_banner`), and the status follows vsh's documented batch rule instead of
    virsh's constant 0: 1 when a command failed, which is when virsh printed an `error:`
    line unless `failed` says otherwise (a command can fail silently, as an interrupted
    `event --loop` does).
    """
    if mode == "argv":
        args = [*opts, *(script.split() if words is None else words)]
        expected, got = virsh(*args, env=env, cwd=cwd), vsh(*args, env=env, cwd=cwd)
    elif mode == "string":
        expected = virsh(*opts, script, env=env, cwd=cwd)
        got = vsh(*opts, script, env=env, cwd=cwd)
    else:
        text = script if script.endswith("\n") else script + "\n"
        raw = virsh(*opts, stdin=text, env=env, cwd=cwd)
        if failed is None:
            failed = any(line.startswith("error:") for line in raw.err.splitlines())
        # virsh's batch exits 0 unless it failed before reading stdin (a bad -c or -l).
        rc = raw.rc if raw.rc else 1 if failed else 0
        expected = Result(without_banner(raw.out, text), raw.err, rc)
        got = vsh(*opts, stdin=text, env=env, cwd=cwd)
    got = got._replace(out=virsh_view(got.out))
    assert got.out == expected.out, f"stdout differs for {mode} {script!r}"
    assert got.err == expected.err, f"stderr differs for {mode} {script!r}"
    assert got.rc == expected.rc, f"exit status differs for {mode} {script!r}"
    return got


DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def host_uri(name: str) -> str:
    """The test-driver URI of the shared host tests/data/NAME.xml.

    The test driver reads the file once, when a connection opens, and keeps every change in
    memory, so one file serves every test and every run; it is never written.
    """
    return "test://" + os.path.join(DATA, name + ".xml")


def host_copy(name: str, folder: str | os.PathLike[str], **subs: str) -> str:
    """The test-driver URI of a copy of tests/data/NAME.xml in `folder`, each `{KEY}` replaced by subs[KEY].

    For hosts that name the test's own paths (pool targets under a temporary folder).
    """
    with open(os.path.join(DATA, name + ".xml"), encoding="utf-8") as src:
        text = src.read()
    for key, value in subs.items():
        text = text.replace("{" + key + "}", value)
    if "{" in text:
        raise ValueError(f"{name}.xml: a placeholder is left: {text[text.index('{'):][:40]!r}")
    path = os.path.join(os.fspath(folder), name + ".xml")
    with open(path, "w", encoding="utf-8") as dst:
        dst.write(text)
    return "test://" + path


def json_documents(text: str) -> list[Any]:
    """The JSON documents printed one after another (a --json command string or event stream)."""
    import json

    decoder, docs, i = json.JSONDecoder(), [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return docs
        doc, i = decoder.raw_decode(text, i)
        docs.append(doc)


def write_xml_files(folder: Any, texts: dict[str, str]) -> dict[str, str]:
    """Write each text to FOLDER/NAME.xml; the paths by name (what a test's `files` fixture holds)."""
    paths = {}
    for name, text in texts.items():
        path = os.path.join(str(folder), f"{name}.xml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        paths[name] = path
    return paths


def finish_pty(proc: Any) -> int:
    """End a REPL in a pseudo-terminal with Ctrl-D (pexpect); sent again if it landed between two
    prompts, where the terminal is in cooked mode and eats it.  Returns the exit status."""
    import pexpect

    for _attempt in range(5):
        proc.send("\x04")
        if proc.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=2) == 0:
            break
    proc.close()
    return int(proc.exitstatus) if proc.exitstatus is not None else -1  # -1: killed by a signal
