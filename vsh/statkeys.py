"""libvirt's domain statistics fields (`block.0.rd.times`) as vsh's JSON keys (`block_0_rd_times_ns`).

The JSON vocabulary (docs/json.md) wants snake_case keys that name their unit; libvirt's
field names are dotted and leave the unit to its documentation (virDomainListGetStats).
"""
from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# (pattern on libvirt's field name, unit suffix): the first match names the unit.
_UNITS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), s) for p, s in (
    (r"cpu\.(time|user|system)", "_ns"),
    (r"cpu\.haltpoll\..*\.time", "_ns"),
    (r"vcpu\.\d+\.(time|wait|delay)", "_ns"),
    (r"block\.\d+\.(rd|wr|fl)\.times", "_ns"),
    (r"block\.\d+\.(allocation|capacity|physical|threshold)", "_bytes"),
    (r"balloon\.last-update", "_seconds"),
    (r"balloon\.(current|maximum|swap_in|swap_out|unused|available|usable|rss|disk_caches)", "_kib"),
    (r"dirtyrate\.calc_(start_time|period)", "_seconds"),
))


# The guest agent's fields (virDomainGetGuestInfo) with a unit its documentation gives.
_AGENT_UNITS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), s) for p, s in (
    (r"user\.\d+\.login-time", "_ms"),
    (r"timezone\.offset", "_seconds"),
))

_HWADDR = re.compile(r"if\.\d+\.hwaddr")


def snake_key(field: str) -> str:
    """A libvirt field name as a JSON key: dots and dashes become underscores (`sev-api-major`)."""
    return field.replace(".", "_").replace("-", "_")


def _with_unit(field: str, units: tuple[tuple[re.Pattern[str], str], ...]) -> str:
    key = snake_key(field)
    for pattern, suffix in units:
        if pattern.fullmatch(field):
            return key + suffix
    return key


def stat_key(field: str) -> str:
    """The JSON key of one libvirt stats field: dots and dashes become underscores, plus its unit."""
    return _with_unit(field, _UNITS)


def agent_key(field: str) -> str:
    """The JSON key of one guest agent field (`fs.0.total-bytes` → `fs_0_total_bytes`,
    `user.0.login-time` → `user_0_login_time_ms`); an interface's `hwaddr` is `mac`, the key
    every command uses for a MAC address."""
    if _HWADDR.fullmatch(field):
        return snake_key(field)[:-len("hwaddr")] + "mac"
    return _with_unit(field, _AGENT_UNITS)


def stats_row(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """One domstats row: the domain's name, its state and reason as domstate words them, then the stats."""
    from vsh import domstate

    row: dict[str, Any] = {"name": name, "state": None, "reason": None}
    state = params.get("state.state")
    if isinstance(state, int):
        row["state"] = domstate.state_name(state)
        reason = params.get("state.reason")
        if isinstance(reason, int):
            row["reason"] = domstate.reason_name(state, reason)
    for field, value in params.items():
        if field not in ("state.state", "state.reason"):
            row[stat_key(field)] = value
    return row
