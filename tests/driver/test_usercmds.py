"""Commands of the user's own (plain Click commands) and the Click command tree, on the test driver.

A real command file in $XDG_CONFIG_HOME/vsh/commands/, and a real package installed with pip
(into a folder on PYTHONPATH) that declares its command under the entry point group
`vsh.commands`.  Both run in one-shot mode, command strings, stdin batches and the REPL.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from util import VSH, run, virsh, vsh

URI = "test:///default"

USER_FILE = '''
import click


@click.command("vm-state")
@click.argument("domain")
@click.option("--upper", is_flag=True, help="print the state in capitals")
@click.pass_obj
def vm_state(session, domain, upper):
    """Print a domain's name and state."""
    dom = session.lookup.domain(domain)
    state = "running" if dom.isActive() else "shut off"
    if upper:
        state = state.upper()
    session.out.data({"name": dom.name(), "state": state}, f"{dom.name()}: {state}\\n")


@click.command("vm-count")
@click.pass_obj
def vm_count(session):
    """Count the domains."""
    n = len(session.conn.listAllDomains(0))
    session.out.data({"count": n}, f"{n}\\n")
'''


@pytest.fixture()
def config(tmp_path: Path) -> Path:
    folder = tmp_path / "config" / "vsh" / "commands"
    folder.mkdir(parents=True)
    (folder / "state.py").write_text(USER_FILE)
    return tmp_path / "config"


def env_of(config: Path, **extra: str) -> dict[str, str]:
    return {"XDG_CONFIG_HOME": str(config), **extra}


def test_a_one_shot_user_command_loads_no_built_in_module(config: Path) -> None:
    """The generated index is the truth: a name it lacks is looked for among the user's commands
    without importing the command modules."""
    code = textwrap.dedent("""
        import sys
        from vsh.cli import main
        status = main(["-c", "test:///default", "vm-count"])
        loaded = sorted(m for m in sys.modules if m.startswith("vsh.commands.") and m != "vsh.commands._index")
        print(status, loaded)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={"XDG_CONFIG_HOME": str(config), "PATH": "/usr/bin:/bin"})
    assert proc.stdout.splitlines()[-1] == "0 []", proc.stderr


def test_user_command_runs_one_shot(config: Path) -> None:
    got = vsh("-c", URI, "vm-state", "test", "--upper", env=env_of(config))
    assert (got.out, got.err, got.rc) == ("test: RUNNING\n\n", "", 0)


def test_user_command_shares_the_connection_in_a_command_string(config: Path) -> None:
    # The built-in `destroy` and the user command see one connection (test:///default is per process).
    got = vsh("-c", URI, "destroy test; vm-state test; vm-count", env=env_of(config))
    assert got.out == "Domain 'test' destroyed\n\ntest: shut off\n\n1\n\n"
    assert got.rc == 0


def test_user_command_in_a_stdin_batch_and_its_failure(config: Path) -> None:
    got = vsh("-c", URI, stdin="vm-state test\nvm-state nosuch\nlist --name\n", env=env_of(config))
    assert got.out == "test: running\n\n\ntest\n\n"
    assert got.err == "error: failed to get domain 'nosuch'\n"
    assert got.rc == 1


def test_user_command_json(config: Path) -> None:
    got = vsh("--json", "-c", URI, "vm-state", "test", env=env_of(config))
    assert json.loads(got.out) == {"name": "test", "state": "running"}


def test_user_command_arguments_follow_click(config: Path) -> None:
    got = vsh("-c", URI, "vm-state", env=env_of(config))
    assert got.rc == 1
    assert got.err == "error: Missing argument 'DOMAIN'.\n"
    got = vsh("-c", URI, "vm-state", "test", "--bogus", env=env_of(config))
    # Click's own wording (it varies between Click releases), as one error line.
    assert got.rc == 1
    assert got.err.startswith("error: No such option") and "--bogus" in got.err and got.err.count("\n") == 1


def test_user_commands_are_listed_and_have_help(config: Path) -> None:
    listing = vsh("help", env=env_of(config)).out
    assert listing.endswith(" User Commands (help keyword 'user'):\n"
                            "    vm-count                       Count the domains.\n"
                            "    vm-state                       Print a domain's name and state.\n\n\n")
    page = vsh("help", "vm-state", env=env_of(config))
    assert page.rc == 0
    assert page.out.startswith("Usage: vm-state [OPTIONS] DOMAIN\n\n  Print a domain's name and state.\n")
    assert "--upper" in page.out
    assert vsh("vm-state", "--help", env=env_of(config)).out == page.out


def test_user_commands_complete(config: Path) -> None:
    assert vsh("complete", "--", "vm-", env=env_of(config)).out == "vm-count\nvm-state\n\n"
    assert vsh("complete", "--", "vm-state", "test", "--u", env=env_of(config)).out == "--upper\n\n"


def test_without_user_commands_help_is_virsh_listing(tmp_path: Path) -> None:
    listing = vsh("help", env={"XDG_CONFIG_HOME": str(tmp_path)}).out
    assert "User Commands" not in listing


def test_a_broken_file_is_named_and_builtins_keep_working(config: Path) -> None:
    folder = config / "vsh" / "commands"
    (folder / "broken.py").write_text("def oops(:\n")
    (folder / "raises.py").write_text("raise RuntimeError('no network here')\n")
    (folder / "clash.py").write_text(textwrap.dedent('''
        import click

        @click.command("list")
        def fake_list():
            "Not the real list."
    '''))
    env = env_of(config)
    got = vsh("-c", URI, "list", "--name", env=env)
    assert (got.out, got.err, got.rc) == ("test\n\n", "", 0)  # a built-in does not look for user commands
    got = vsh("help", env=env)
    assert got.rc == 0
    assert got.err.splitlines() == [
        f"error: cannot load user commands from {folder / 'broken.py'}: invalid syntax (line 1)",
        f"error: user command 'list' in {folder / 'clash.py'} has the name of a built-in command; it is ignored",
        f"error: cannot load user commands from {folder / 'raises.py'}: RuntimeError: no network here",
    ]
    assert "vm-state" in got.out and "Not the real list." not in got.out
    got = vsh("-c", URI, "nosuch", env=env)
    assert got.rc == 1
    assert got.err.splitlines()[-1] == "error: unknown command: 'nosuch'"
    assert len(got.err.splitlines()) == 4
    got = vsh("-c", URI, "vm-state test; list --name", env=env)
    assert got.out == "test: running\n\ntest\n\n"
    assert "Traceback" not in got.err


PACKAGE_SETUP = """\
[metadata]
name = vsh-hello
version = 1.0

[options]
py_modules = vsh_hello

[options.entry_points]
vsh.commands =
    hello = vsh_hello:hello
"""

PACKAGE_MODULE = '''
import click


@click.command("hello")
@click.argument("who", default="world")
@click.pass_obj
def hello(session, who):
    """Greet someone from the hypervisor's host."""
    session.out.data({"greeting": who, "host": session.conn.getHostname()}, f"hello {who}\\n")
'''


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A package installed with pip into its own folder: its entry point is found on PYTHONPATH."""
    src = tmp_path_factory.mktemp("pkgsrc")
    (src / "setup.cfg").write_text(PACKAGE_SETUP)
    (src / "pyproject.toml").write_text('[build-system]\nrequires = ["setuptools"]\n'
                                        'build-backend = "setuptools.build_meta"\n')
    (src / "vsh_hello.py").write_text(PACKAGE_MODULE)
    target = tmp_path_factory.mktemp("site")
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                           "--disable-pip-version-check", "--target", str(target), str(src)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return target


def test_installed_package_command_in_every_mode(package: Path, tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(package), "XDG_CONFIG_HOME": str(tmp_path)}
    assert vsh("-c", URI, "hello", "admin", env=env).out == "hello admin\n\n"
    assert vsh("-c", URI, "hello; uri", env=env).out == "hello world\n\ntest:///default\n\n"
    got = vsh("-c", URI, stdin="hello batch\n", env=env)
    assert (got.out, got.rc) == ("hello batch\n\n", 0)
    assert json.loads(vsh("--json", "-c", URI, "hello", env=env).out)["greeting"] == "world"
    assert "    hello                          Greet someone" in vsh("help", env=env).out


def test_man_page_with_packaged_commands(package: Path, tmp_path: Path) -> None:
    out = tmp_path / "vsh.1"
    proc = run([sys.executable, "-m", "vsh.docgen"], ["--man", str(out)],
               env={"PYTHONPATH": str(package), "XDG_CONFIG_HOME": str(tmp_path)})
    assert proc.rc == 0, proc.err
    text = out.read_text()
    assert '.SH "USER COMMANDS COMMANDS"' in text
    assert ".SS hello" in text


def test_user_command_in_the_repl(config: Path) -> None:
    """The REPL dispatches through the Click tree; a user command runs beside the built-ins."""
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(VSH[0], [*VSH[1:], "-c", URI], env={"XDG_CONFIG_HOME": str(config), "TERM": "dumb",
                                                             "XDG_STATE_HOME": str(config), "NO_COLOR": "1",
                                                             "PATH": "/usr/bin:/bin"},
                          encoding="utf-8", timeout=30)
    try:
        child.expect_exact("vsh # ")
        child.sendline("destroy test; vm-state test --upper")
        child.expect_exact("test: SHUT OFF")
        child.expect_exact("vsh # ")
        child.sendline("quit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


# The Click tree ---------------------------------------------------------------------------------

def test_tree_mirrors_the_declarations_without_importing_modules() -> None:
    code = textwrap.dedent("""
        import sys
        from vsh.tree import TREE
        names = TREE.list_commands(None)
        loaded = sorted(m for m in sys.modules if m.startswith("vsh.commands.") and m != "vsh.commands._index")
        cmd = TREE.get_command(None, "pool-start")
        params = [(type(p).__name__, p.name, p.required, getattr(p, "is_flag", False)) for p in cmd.params]
        print(len(names), loaded, params, cmd.short_help)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={"XDG_CONFIG_HOME": "/nonexistent", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    count, rest = proc.stdout.split(" ", 1)
    # virsh's 274, the hidden `complete` and `self-test`, vsh's own hidden `set`, `config` and `schema`,
    # and vsh's `wait` and `top`
    assert int(count) == 281
    assert rest.startswith("[] ")
    # The <pool> slot is positional in virsh: a Click argument; --build is a flag.
    assert "('Argument', 'pool', True, False)" in rest and "('Option', 'build', False, True)" in rest
    assert rest.rstrip().endswith("start a (previously defined) inactive pool")


SCRIPTS = [
    "list --all",
    "domstate --reason test; dominfo nosuch",
    "destroy test; list --all; start test; domid test",
    "dominfo nosuch; list --name",
    "list --bogus",
    "net-list --all; pool-list --details",
    "echo --shell a 'b c'; echo -- --x",
    "vol-create-as default-pool v1 1M; vol-list default-pool",
    "help start",
    "start --help",
    "setmem test 12QB",
]


@pytest.mark.parametrize("script", SCRIPTS)
def test_tree_entry_matches_the_direct_entry(script: str) -> None:
    """VSH_TREE=1 sends every command through the Click tree (the REPL's path): same bytes as without."""
    direct = vsh("-c", URI, script)
    tree = vsh("-c", URI, script, env={"VSH_TREE": "1"})
    assert tree == direct
    batch_direct = vsh("-c", URI, stdin=script + "\n")
    batch_tree = vsh("-c", URI, stdin=script + "\n", env={"VSH_TREE": "1"})
    assert batch_tree == batch_direct


def test_the_readme_example_works(tmp_path: Path) -> None:
    """The README's example command file, as printed there, lists the addresses virsh's
    `domifaddr` reports, as text and as JSON."""
    import re

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    code = re.search(r"```python\n(# ~/.config/vsh/commands/vmips.py\n.*?)```", readme, re.S)
    assert code is not None, "the README lost its example command file"
    folder = tmp_path / "vsh" / "commands"
    folder.mkdir(parents=True)
    (folder / "vmips.py").write_text(code.group(1))
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    rows = [line.split() for line in virsh("-q", "-c", URI, "domifaddr", "test").out.splitlines() if line.strip()]
    want = [(row[0], row[3].split("/")[0]) for row in rows]
    assert want, "the test domain has addresses"
    got = vsh("-c", URI, "vm-ips test; vm-ips test --source arp", env=env)
    text = "".join(f"{name} {addr}\n" for name, addr in want)
    assert (got.out, got.err, got.rc) == (f"{text}\n{text}\n", "", 0)
    data = json.loads(vsh("--json", "-c", URI, "vm-ips", "test", env=env).out)
    assert data == [{"interface": name, "address": addr} for name, addr in want]
