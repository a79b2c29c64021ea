"""Sizes as virsh shows and reads them: vshPrettyCapacity's binary units and virshVolSize."""
from __future__ import annotations

from vsh.errors import VshError
from vsh.i18n import msg, printf

_UNITS = ("KiB", "MiB", "GiB", "TiB", "PiB")


def pretty_capacity(value: int) -> tuple[float, str]:
    """vshPrettyCapacity: the value scaled to the largest binary unit below it, and that unit."""
    limit = 1024.0
    if value < limit:
        return float(value), "B"
    for unit in _UNITS:
        limit *= 1024
        if value < limit:
            return value / (limit / 1024), unit
    # Past PiB virsh stops at EiB, whatever the size.
    limit *= 1024
    return value / (limit / 1024), "EiB"


def format_capacity(value: int) -> str:
    """A size as virsh prints it in tables and info blocks: "%.2lf %s" ("1.50 GiB")."""
    number, unit = pretty_capacity(value)
    return printf("%.2lf %s", number, unit)


def parse_size(text: str) -> int:
    """A size given to vol-create-as as virsh reads it (virshVolSize): bytes unless suffixed.

    The failure is `Malformed size TEXT`, followed by libvirt's own line when the
    suffix was unknown or the value overflowed (not when the number itself was bad).
    """
    from vsh.values import parse_scaled

    try:
        return parse_scaled(text, 1)
    except ValueError:
        raise VshError(msg("Malformed size %s", text)) from None
    except Exception as detail:  # noqa: BLE001 - vsh.values reports libvirt's second line this way
        raise VshError(msg("Malformed size %s", text), cause=detail) from None
