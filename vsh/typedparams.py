"""libvirt's typed parameters as virsh reads and prints them (tuning, stats, events, jobs).

libvirt-python hands typed parameters over as a plain dict, so the C type of a field is
lost; commands that set values pass a table of field -> type ("int", "uint", "llong",
"ullong", "double", "string", "boolean") for the fields whose type the current value
cannot tell.
"""
from __future__ import annotations


from vsh.errors import VshError
from vsh.i18n import _, msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

TYPE_NAMES = {"int": "int", "uint": "unsigned int", "llong": "long long", "ullong": "unsigned long long",
              "double": "double"}

_BOUNDS = {"int": (-(2**31), 2**31 - 1, False), "uint": (0, 2**32 - 1, True),
           "llong": (-(2**63), 2**63 - 1, False), "ullong": (0, 2**64 - 1, True)}


def param_text(value: Any) -> str:
    """virTypedParameterToString: how events, --rawstats and domstats print a value."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return "%g" % value
    return str(value)


def shown_value(value: Any) -> str:
    """vshGetTypedParamValue: how schedinfo, memtune, blkiotune and friends print a value."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float):
        return f"{value:f}"
    return str(value)


def typed_value(field: str, current: Any, text: str, types: Mapping[str, str] | None = None) -> Any:
    """virTypedParamsAddFromString: `text` as a value of the type `field` has.

    The type comes from `types` when listed there, else from the field's current value
    (bool, str, float; an int of unknown width is taken as "llong").
    """
    from vsh.values import whole

    kind = (types or {}).get(field)
    if kind is None:
        kind = ("boolean" if isinstance(current, bool) else "string" if isinstance(current, str)
                else "double" if isinstance(current, float) else "llong")
    if kind == "boolean":
        if text.lower() == "true" or text == "1":
            return True
        if text.lower() == "false" or text == "0":
            return False
        raise VshError(msg("invalid argument: %s", msg("Invalid boolean value for field '%s'", field)))
    if kind == "string":
        return text
    if kind == "double":
        try:
            return float(text)
        except ValueError:
            pass
    else:
        lo, hi, wrap = _BOUNDS[kind]
        value = whole(text, lo, hi, wrap)
        if value is not None:
            return value
    raise VshError(msg("invalid argument: %s", msg("Invalid value for field '%s': expected " + TYPE_NAMES[kind], field)))
