"""config.toml: defaults, aliases and host groups, read only when a file is there.

The file is `--config FILE`, else `$VSH_CONFIG`, else `$XDG_CONFIG_HOME/vsh/config.toml`
(default `~/.config/vsh/config.toml`).  A run without one pays a single `stat`; tomllib
is imported only to read a file that exists.  A bad file never stops vsh: a syntax error
is one `error:` line and the defaults apply; an unknown key, a wrong type or an alias that
would shadow a command is one `warning:` line and that key is ignored.  Every line names
the file, the line and the key.  vsh never writes the file.

Host groups are public for the commands that act on many hosts: `host_group(name)`
returns a group's URIs and `group_names()` lists the groups.
"""
from __future__ import annotations

import os
import sys

from vsh.errors import VshError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, NamedTuple
else:
    from vsh.records import NamedTuple

#: [defaults]: key -> (what a value must be, as a warning says it; the check; the default).
DEFAULTS: dict[str, tuple[str, Callable[[Any], bool], Any]] = {
    "uri": ("a string", lambda v: isinstance(v, str), None),
    "readonly": ("true or false", lambda v: isinstance(v, bool), False),
    "json": ("true or false", lambda v: isinstance(v, bool), False),
    "color": ("true or false", lambda v: isinstance(v, bool), True),
    "pager": ("a command (a string) or true or false", lambda v: isinstance(v, (str, bool)), True),
    "history_size": ("a whole number of at least 1",
                     lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1, 10000),
    "editing_mode": ("'emacs' or 'vi'", lambda v: v in ("emacs", "vi"), "emacs"),
    "prompt": ("a string", lambda v: isinstance(v, str), "vsh {mark} "),
}

#: The fields a prompt format may use (see `prompt_fields`).
PROMPT_FIELDS = ("uri", "host", "driver", "mark", "ro")

DEFAULT_PAGER = "less -SRXF"


class Setting(NamedTuple):
    """An effective setting and where it came from ("default", "FILE:LINE", "-r", "set", ...)."""

    value: Any
    source: str


class Config:
    """What one config file says; `path` is None when there is no file to read."""

    def __init__(self, path: str | None, why: str) -> None:
        self.path = path
        self.why = why  # how the file was chosen: --config, VSH_CONFIG or the XDG default
        self.wanted = path or ""  # the file read, or that would be read if it existed
        self.values: dict[str, Any] = {}
        self.lines: dict[str, int] = {}  # "section.key" -> its line in the file
        self.aliases: dict[str, str] = {}
        self.groups: dict[str, list[str]] = {}
        self.problems: list[tuple[str, str]] = []  # ("error" or "warning", text)
        self.pager: str | None = None  # the pager command the `pager` setting stands for

    def get(self, key: str) -> Any:
        """A [defaults] value, the file's or the built-in default."""
        return self.values.get(key, DEFAULTS[key][2])

    def source(self, key: str) -> str:
        if key in self.values:
            return f"{self.path}:{self.lines.get('defaults.' + key, 0)}"
        return "default"

    def where(self, section: str, key: str) -> str:
        return f"{self.path}:{self.lines.get(section + '.' + key, 0)}"

    # reading ---------------------------------------------------------------------------
    def read(self) -> None:
        assert self.path is not None
        try:
            with open(self.path, "rb") as handle:
                data = handle.read()
        except OSError as err:
            self._problem("error", f"{self.path}: cannot read the file: {err.strerror}; using the defaults")
            return
        text = data.decode("utf-8", "replace")
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # the same parser, as a package, before Python 3.11
            import tomli as tomllib
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            import re

            found = re.search(r"\(at line (\d+), column (\d+)\)", str(err))
            reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(err)) or "invalid TOML"
            where = f"line {found.group(1)}" if found else "line ?"
            key = _key_near(text, int(found.group(1))) if found else ""
            self._problem("error", f"{self.path}: {where}{key}: {reason}; using the defaults")
            return
        self.lines = _key_lines(text)
        for section, body in doc.items():
            if section not in ("defaults", "aliases", "groups") or not isinstance(body, dict):
                self._warn(section, "", "unknown section" if isinstance(body, dict) else "unknown key")
                continue
            for key, value in body.items():
                getattr(self, "_read_" + section)(key, value)

    def _read_defaults(self, key: str, value: Any) -> None:
        if key not in DEFAULTS:
            self._warn("defaults", key, "unknown key")
            return
        what, check, _default = DEFAULTS[key]
        if not check(value):
            self._warn("defaults", key, f"must be {what}")
            return
        if key == "prompt":
            try:
                value.format(**{f: "" for f in PROMPT_FIELDS})
            except (KeyError, IndexError, ValueError) as err:
                self._warn("defaults", key, f"bad format ({type(err).__name__}: {err}); fields are "
                           + ", ".join("{" + f + "}" for f in PROMPT_FIELDS))
                return
        self.values[key] = value

    def _read_aliases(self, key: str, value: Any) -> None:
        from vsh.lexer import split_words

        if not isinstance(value, str) or not value.strip():
            self._warn("aliases", key, "must be a command string")
            return
        if is_command(key):
            self._warn("aliases", key, f"'{key}' is a vsh command; an alias never replaces one")
            return
        try:
            if not split_words(value):
                raise VshError("no command")
        except VshError as err:
            self._warn("aliases", key, f"not a command string: {err.message}")
            return
        self.aliases[key] = value

    def _read_groups(self, key: str, value: Any) -> None:
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            self._warn("groups", key, "must be a list of URIs (strings)")
            return
        self.groups[key] = list(value)

    def _warn(self, section: str, key: str, text: str) -> None:
        dotted = f"{section}.{key}" if key else section
        line = self.lines.get(dotted, self.lines.get(section, 0))
        self._problem("warning", f"{self.path}: line {line}: '{dotted}': {text}; ignored")

    def _problem(self, level: str, text: str) -> None:
        self.problems.append((level, text))


def _key_lines(text: str) -> dict[str, int]:
    """Where each table and key is (tomllib keeps no positions): "section.key" -> line number."""
    import re

    lines: dict[str, int] = {}
    section = ""
    for number, line in enumerate(text.splitlines(), 1):
        header = re.match(r"\s*\[\s*([^\]\s]+)\s*\]", line)
        if header:
            section = header.group(1).strip('"')
            lines.setdefault(section, number)
            continue
        key = re.match(r"""\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""", line)
        if key:
            name = key.group(1).strip("\"'")
            lines.setdefault(f"{section}.{name}" if section else name, number)
    return lines


def _key_near(text: str, line: int) -> str:
    """`: 'x'` naming the key on a syntax error's line, when there is one."""
    import re

    rows = text.splitlines()
    if 1 <= line <= len(rows):
        found = re.match(r"""\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""", rows[line - 1])
        if found:
            return f": '{found.group(1)}'"
    return ""


def is_command(name: str) -> bool:
    """A built-in command's name (virsh's old spellings included), read from the generated index."""
    from vsh.registry import COMMAND_ALIASES

    try:
        from vsh.commands._index import INDEX
    except ImportError:
        INDEX = {}
    return name in INDEX or name in COMMAND_ALIASES


# which file ----------------------------------------------------------------------------

def config_path(explicit: str | None = None) -> tuple[str, str]:
    """The file to read and why: `--config`, `$VSH_CONFIG`, else the XDG place."""
    if explicit is not None:
        return explicit, "--config"
    env = os.environ.get("VSH_CONFIG")
    if env:
        return env, "VSH_CONFIG"
    base = os.environ.get("XDG_CONFIG_HOME", "")
    if not os.path.isabs(base):  # XDG says to ignore a relative XDG_CONFIG_HOME
        base = os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "vsh", "config.toml"), "XDG_CONFIG_HOME" if base == os.environ.get(
        "XDG_CONFIG_HOME") else "the default path"


_CURRENT: Config | None = None
#: Settings given on the command line or changed by `set`: key -> Setting (they beat the file).
OVERRIDES: dict[str, Setting] = {}


def load(explicit: str | None = None) -> Config:
    """Read the run's config file; a missing default file is no file and costs one stat."""
    global _CURRENT
    path, why = config_path(explicit)
    cfg = Config(path, why)
    if why in ("--config", "VSH_CONFIG") or os.path.exists(path):
        cfg.read()
    else:
        cfg.path = None
    _CURRENT = cfg
    return cfg


def current() -> Config:
    """The run's config (reading it on first use)."""
    return _CURRENT if _CURRENT is not None else load()


def override(key: str, value: Any, source: str) -> None:
    """Record a setting given on the command line or by `set` (what `config` shows)."""
    OVERRIDES[key] = Setting(value, source)


def pager_command(setting: Any) -> str | None:
    """The pager a `pager` setting stands for: its own command, else $PAGER, else `less -SRXF`."""
    if setting is False:
        return None
    if isinstance(setting, str) and setting.lower() not in ("on", "true", "yes", "1"):
        return setting
    return os.environ.get("PAGER") or DEFAULT_PAGER


# aliases -------------------------------------------------------------------------------

def expand_aliases(commands: list[list[str]]) -> list[list[str]]:
    """Replace every command that names an alias by the alias's command string.

    Words after the alias go to the last command of its string; an alias may use another
    (a loop is an error).  Built-in names never reach this: an alias cannot take one.
    """
    aliases = _CURRENT.aliases if _CURRENT is not None else {}
    if not aliases or not any(words and words[0] in aliases for words in commands):
        return commands
    from vsh.lexer import split_words

    def expand(words: list[str], using: list[str]) -> list[list[str]]:
        if not words or words[0] not in aliases:
            return [words]
        if words[0] in using:
            raise VshError(f"alias '{words[0]}' uses itself ({' -> '.join(using + [words[0]])})")
        body = split_words(aliases[words[0]])
        body[-1] = body[-1] + words[1:]
        return [cmd for part in body for cmd in expand(part, using + [words[0]])]

    return [cmd for words in commands for cmd in expand(words, [])]


# host groups ---------------------------------------------------------------------------

def group_names() -> list[str]:
    """The host groups of the config file, in the file's order."""
    return list(current().groups)


def host_group(name: str) -> list[str]:
    """The URIs (or libvirt URI aliases) of host group `name`; VshError when there is none."""
    groups = current().groups
    if name not in groups:
        known = ", ".join(groups) or "none are defined"
        raise VshError(f"unknown host group '{name}' (groups: {known})")
    return list(groups[name])


# the prompt ----------------------------------------------------------------------------

def prompt_fields(uri: str, readonly: bool) -> dict[str, str]:
    """{uri}, {host} (localhost for a local URI), {driver}, {mark} (`#`, or `>` read-only), {ro}."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(uri)
        host, driver = parts.hostname or "localhost", parts.scheme.split("+")[0]
    except ValueError:
        host, driver = "localhost", ""
    return {"uri": uri, "host": host, "driver": driver, "mark": ">" if readonly else "#",
            "ro": "(ro)" if readonly else ""}
