"""Commands of the user's own: plain Click commands from files and from installed packages.

Two sources, both looked at only when a command name is not built in or when commands
are listed (`help`, completion of command names), so a one-shot built-in never pays
for them:

- every module-level ``click.Command`` in ``$XDG_CONFIG_HOME/vsh/commands/*.py``
  (default ``~/.config/vsh/commands/``);
- every entry point of the group ``vsh.commands`` of an installed package.

They are ordinary children of the Click tree (vsh.tree), which parses and runs them; this
module only finds them and words what concerns them (help, completion, load failures).
A command runs with vsh's session as Click's context object (``click.pass_obj``):
``session.conn`` is the connection (opened lazily, honouring ``-c``, ``-r``, keepalive and
reconnect), ``session.lookup`` finds objects by name, ID or UUID, ``session.out`` prints
virsh-style text or ``--json``.  Its own arguments follow Click's grammar.  A file that
fails to load (a syntax error, an exception at import, a name that clashes with a
built-in) is reported as one ``error:`` line naming it, and harms nothing else.
"""
from __future__ import annotations

import os
import sys

from vsh.spec import CommandSpec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: The help keyword and title of the user commands' group.
GROUP = "user"
ENTRY_POINT_GROUP = "vsh.commands"


class Found:
    """One discovered command: the Click command and where it came from."""

    __slots__ = ("name", "command", "origin", "packaged")

    def __init__(self, name: str, command: Any, origin: str, packaged: bool) -> None:
        self.name, self.command, self.origin, self.packaged = name, command, origin, packaged


class Discovery:
    """What one look found: the commands by name, and one message per source that failed."""

    def __init__(self) -> None:
        self.commands: dict[str, Found] = {}
        self.problems: list[str] = []
        self.reported = False


_FOUND: Discovery | None = None


def command_dir() -> str:
    """$XDG_CONFIG_HOME/vsh/commands; XDG says to ignore a relative XDG_CONFIG_HOME."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "vsh", "commands")


def _files() -> list[str]:
    folder = command_dir()
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    return [os.path.join(folder, n) for n in names if n.endswith(".py") and not n.startswith((".", "_"))]


def _may_have_entry_points() -> bool:
    """Whether any installed distribution declares the group, read from the entry_points.txt
    files on sys.path: far cheaper than importing importlib.metadata (~40 ms) to learn that
    none does, which is the usual case."""
    needle = f"[{ENTRY_POINT_GROUP}]"
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                try:
                    with open(os.path.join(folder or ".", name, "entry_points.txt"), encoding="utf-8") as fh:
                        if needle in fh.read():
                            return True
                except (OSError, UnicodeDecodeError):
                    continue
    return False


def _entry_points() -> list[Any]:
    if not _may_have_entry_points():
        return []
    from importlib.metadata import entry_points

    return list(entry_points(group=ENTRY_POINT_GROUP))


def _describe(err: BaseException) -> str:
    if isinstance(err, SyntaxError):
        return f"{err.msg} (line {err.lineno})"
    return f"{type(err).__name__}: {err}"


def _load_file(path: str) -> list[Any]:
    """The module-level Click commands of one file, in the order they are defined."""
    import importlib.util

    import click

    stem = os.path.splitext(os.path.basename(path))[0]
    module_name = f"vsh_user_commands.{stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError("not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    found, seen = [], set()
    for value in vars(module).values():
        if isinstance(value, click.Command) and id(value) not in seen:
            seen.add(id(value))
            found.append(value)
    return found


def discover() -> Discovery:
    """Every user command, looked for once per process."""
    global _FOUND
    if _FOUND is not None:
        return _FOUND
    found = _FOUND = Discovery()
    files = _files()
    points = _entry_points()
    if not files and not points:
        return found
    from vsh import registry

    def add(cmd: Any, origin: str, packaged: bool) -> None:
        name = cmd.name or ""
        if registry.get(name) is not None:
            found.problems.append(f"user command '{name}' in {origin} has the name of a built-in command; "
                                  "it is ignored")
        elif name in found.commands:
            found.problems.append(f"user command '{name}' in {origin} is already defined in "
                                  f"{found.commands[name].origin}; it is ignored")
        else:
            found.commands[name] = Found(name, cmd, origin, packaged)

    for point in points:
        origin = f"package entry point '{point.name} = {point.value}'"
        try:
            import click

            cmd = point.load()
            if not isinstance(cmd, click.Command):
                raise TypeError(f"{point.value} is not a Click command")
        except Exception as err:  # noqa: BLE001 - a broken package must not break vsh
            found.problems.append(f"cannot load user commands from {origin}: {_describe(err)}")
            continue
        add(cmd, origin, True)
    for path in files:
        try:
            commands = _load_file(path)
        except (Exception, SystemExit) as err:  # noqa: BLE001 - a broken file must not break vsh
            found.problems.append(f"cannot load user commands from {path}: {_describe(err)}")
            continue
        for cmd in commands:
            add(cmd, path, False)
    return found


def report_problems(printer: Any) -> None:
    """Print each load failure once per process, as `error:` lines on stderr."""
    for problem in take_problems():
        printer.error([problem], {"error": {"message": problem, "source": "vsh"}})


def take_problems() -> list[str]:
    """The load failures, the first time anything asks (they are reported once per process)."""
    found = discover()
    if found.reported:
        return []
    found.reported = True
    return list(found.problems)


def find(name: str) -> Found | None:
    return discover().commands.get(name)


def entries(packaged_only: bool = False) -> list[CommandSpec]:
    """The user's commands as `help`, the man page and completion list them (group "user").

    These entries only list a command: it is parsed and run by the Click tree (vsh.tree).
    `packaged_only` keeps those of installed packages (for a man page).
    """
    listed = []
    for found in discover().commands.values():
        if packaged_only and not found.packaged:
            continue
        cmd = found.command
        short = cmd.get_short_help_str(limit=60) if hasattr(cmd, "get_short_help_str") else (cmd.help or "")
        listed.append(CommandSpec(name=found.name, group=GROUP, help=short or "(no help)", desc=cmd.help or "",
                                  opts=[], connect=False))
    return listed


def help_text(name: str) -> str:
    """`help NAME` for a user command: Click's own help page."""
    import click

    cmd = discover().commands[name].command
    with click.Context(cmd, info_name=name) as ctx:
        return str(cmd.get_help(ctx)) + "\n"


def complete(name: str, args: list[str], incomplete: str) -> list[tuple[str, str]]:
    """Click's own completion for a user command's arguments: (text, description) pairs."""
    from click.shell_completion import ShellComplete

    cmd = discover().commands[name].command
    try:
        items = ShellComplete(cmd, {}, name, "_VSH_COMPLETE").get_completions(args, incomplete)
    except Exception:  # noqa: BLE001 - completion must never break typing
        return []
    return [(str(item.value), item.help or "") for item in items if item.type == "plain"]
