"""A session's settings: what `set` changes and what `config` shows, with where each came from.

`set` changes the running session only (the config file is never written); `config`
prints the effective settings as TOML, each with a comment naming its source, so the
text can be pasted into a config file.
"""
from __future__ import annotations

import os

from vsh import config
from vsh.errors import VshError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, NamedTuple
else:
    from vsh.records import NamedTuple


class SessionSetting(NamedTuple):
    """One setting `set` knows: its help line, how to read it from a session, how to change it."""

    help: str
    get: Callable[[Any], Any]
    put: Callable[[Any, str], Any]


def _switch(text: str, name: str) -> bool:
    word = text.lower()
    if word in ("on", "true", "yes", "1"):
        return True
    if word in ("off", "false", "no", "0"):
        return False
    raise VshError(f"invalid value '{text}' for setting '{name}': use on or off")


def _put_json(session: Any, text: str) -> bool:
    on = _switch(text, "json")
    session.out.default_mode = "json" if on else "text"
    session.out.set_mode(session.out.default_mode)
    session.out.color = not on and _colour_allowed(session)
    return on


def _put_color(session: Any, text: str) -> bool:
    on = _switch(text, "color")
    session.out.no_color_setting = not on
    session.out.color = not session.out.json and _colour_allowed(session)
    session.out.color_err = _colour_allowed(session, session.out.err)
    return on


def _colour_allowed(session: Any, stream: Any = None) -> bool:
    from vsh.output import colour_wanted

    return colour_wanted(stream or session.out.out, getattr(session.out, "no_color_setting", False))


def _put_pager(session: Any, text: str) -> str | bool:
    word = text.lower()
    if word in ("on", "true", "yes", "1"):
        session.out.pager = config.pager_command(True)
    elif word in ("off", "false", "no", "0"):
        session.out.pager = None
    else:
        session.out.pager = text
    return session.out.pager or False


def _put_flag(attr: str, name: str) -> Callable[[Any, str], bool]:
    def put(session: Any, text: str) -> bool:
        value = _switch(text, name)
        target = session.out if attr == "quiet" else session
        setattr(target, attr, value)
        return value
    return put


SETTINGS: dict[str, SessionSetting] = {
    "json": SessionSetting("JSON output, as --json", lambda s: s.out.json, _put_json),
    "pager": SessionSetting("page output taller than the terminal (on, off or a command)",
                            lambda s: s.out.pager or False, _put_pager),
    "timing": SessionSetting("print each command's time, as -t", lambda s: s.timing, _put_flag("timing", "timing")),
    "quiet": SessionSetting("hide informational lines, as -q", lambda s: s.out.quiet, _put_flag("quiet", "quiet")),
    "color": SessionSetting("colour on a terminal (off as --no-color)",
                            lambda s: not getattr(s.out, "no_color_setting", False), _put_color),
}


def settings_help() -> str:
    """The settings `set` knows, one per line (`help set` shows them)."""
    return "\n    ".join(f"{name:<8} {item.help}" for name, item in SETTINGS.items())


def change(session: Any, name: str | None, value: str | None) -> list[tuple[str, Any]]:
    """`set [NAME [VALUE]]`: change one setting, or list them; (name, value) pairs to print."""
    if name is None:
        return [(n, item.get(session)) for n, item in SETTINGS.items()]
    if name not in SETTINGS:
        raise VshError(f"unknown setting '{name}': settings are {', '.join(SETTINGS)}")
    if value is None:
        return [(name, SETTINGS[name].get(session))]
    new = SETTINGS[name].put(session, value)
    config.override(name, new, "set")
    return [(name, new)]


# `config` ------------------------------------------------------------------------------

def effective(session: Any) -> list[tuple[str, Any, str]]:
    """Every [defaults] setting as in effect now: (key, value, source)."""
    cfg = config.current()
    rows: list[tuple[str, Any, str]] = []
    live = {"readonly": session.readonly, "json": session.out.json,
            "color": not getattr(session.out, "no_color_setting", False),
            "pager": session.out.pager or False}
    for key in config.DEFAULTS:
        if key == "uri":
            rows.append(("uri",) + _uri(session, cfg))
            continue
        value = live.get(key, cfg.get(key))
        given = config.OVERRIDES.get(key)
        if given is not None and given.value == value:
            source = given.source
        elif key in live and value != _start_value(key, cfg):
            source = "set" if key != "readonly" else "connect --readonly"
        else:
            source = cfg.source(key)
        rows.append((key, value, source))
    for name in ("timing", "quiet"):
        value = SETTINGS[name].get(session)
        given = config.OVERRIDES.get(name)
        rows.append((name, value, given.source if given is not None and given.value == value else "default"))
    return rows


def _start_value(key: str, cfg: config.Config) -> Any:
    if key == "pager":
        return config.pager_command(cfg.get("pager")) or False
    return cfg.get(key)


def _uri(session: Any, cfg: config.Config) -> tuple[Any, str]:
    given = config.OVERRIDES.get("uri")
    uri = session.connection.uri
    if given is not None and given.value == uri:
        return uri, given.source
    for env in ("VIRSH_DEFAULT_CONNECT_URI", "LIBVIRT_DEFAULT_URI"):
        if os.environ.get(env):
            return (uri or os.environ[env]), env
    if uri is not None and uri == cfg.get("uri"):
        return uri, cfg.source("uri")
    if uri is not None:
        return uri, "connect"
    return None, "libvirt's default (uri_default in libvirt.conf)"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    import json

    return json.dumps(value, ensure_ascii=False)


def report(session: Any) -> tuple[dict[str, Any], str]:
    """`config`: the JSON object and the TOML-like text of the effective settings."""
    cfg = config.current()
    rows = effective(session)
    where = cfg.path if cfg.path is not None else f"{cfg.wanted} (not found)"
    lines = [f"# config file: {where}, chosen by {cfg.why}", "[defaults]"]
    for key, value, source in rows:
        text = f"{key} = {_toml(value)}" if value is not None else f"# {key} ="
        lines.append(f"{text:<32} # {source}")
    lines.append("")
    lines.append("[aliases]")
    for name, body in cfg.aliases.items():
        lines.append(f"{f'{name} = {_toml(body)}':<32} # {cfg.where('aliases', name)}")
    lines.append("")
    lines.append("[groups]")
    for name, uris in cfg.groups.items():
        lines.append(f"{name} = [{', '.join(_toml(u) for u in uris)}]  # {cfg.where('groups', name)}")
    obj = {"file": cfg.path, "chosen_by": cfg.why,
           "settings": {k: {"value": v, "source": s} for k, v, s in rows},
           "aliases": dict(cfg.aliases), "groups": {k: list(v) for k, v in cfg.groups.items()}}
    return obj, "\n".join(lines) + "\n"
