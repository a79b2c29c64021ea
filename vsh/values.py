"""Option values: virsh's number parsing and its scaled sizes (`KB` = 1000, `k`/`KiB` = 1024)."""
from __future__ import annotations


from vsh.errors import VshError
from vsh.spec import ARGV, BOOL, Opt
from vsh.i18n import msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

INT_MAX = 2**31 - 1
UINT_MAX = 2**32 - 1
ULLONG_MAX = 2**64 - 1

class _Detail(Exception):
    """libvirt's own second error line for a bad value."""

    def get_error_message(self) -> str:
        return self.args[0]  # a vsh.i18n.Message: shown in the user's language


#: What scale_integer raises, under a public name (its text is libvirt's own line).
ScaleError = _Detail


def parse_c_integer(text: str) -> tuple[int, str] | None:
    """strtoll-like in base 10: leading blanks, a sign, digits; returns (value, rest) or None."""
    i, n = 0, len(text)
    while i < n and text[i] in " \t\n\v\f\r":
        i += 1
    sign = 1
    if i < n and text[i] in "+-":
        sign = -1 if text[i] == "-" else 1
        i += 1
    j = i
    while j < n and "0" <= text[j] <= "9":
        j += 1
    if j == i:
        return None
    return sign * int(text[i:j]), text[j:]


def whole(text: str, lo: int, hi: int, wrap_negative: bool = False) -> int | None:
    parsed = parse_c_integer(text)
    if parsed is None or parsed[1]:
        return None
    value = parsed[0]
    if wrap_negative and value < 0 and -value <= hi:
        value = hi + 1 + value  # strtoul accepts "-1" as ULONG_MAX; virsh inherits it
    if value < lo or value > hi:
        return None
    return value


def scale_integer(value: int, suffix: str, scale: int, limit: int) -> int:
    """virScaleInteger: apply a size suffix; raises _Detail with libvirt's message."""
    if not suffix:
        factor = scale
    elif suffix.lower() in ("b", "byte", "bytes"):
        factor = 1
    else:
        if len(suffix) == 1 or suffix[1:].lower() == "ib":
            base = 1024
        elif suffix[1].lower() == "b" and len(suffix) == 2:
            base = 1000
        else:
            raise _Detail(msg("invalid argument: %s", msg("unknown suffix '%s'", suffix)))
        power = "kmgtpe".find(suffix[0].lower()) + 1
        if power == 0:
            raise _Detail(msg("invalid argument: %s", msg("unknown suffix '%s'", suffix)))
        factor = base**power
    if value and value > limit // factor:
        raise _Detail(msg("numerical overflow: %s", msg("value too large: %llu%s", value, suffix)))
    return value * factor


def parse_scaled(text: str, scale: int = 1, limit: int = ULLONG_MAX) -> int:
    """A size such as `512M` or `1GB`, in bytes times 1/`scale` units as virsh reads it."""
    parsed = parse_c_integer(text)
    if parsed is None or parsed[0] < 0 or parsed[0] > ULLONG_MAX or text.lstrip().startswith("-"):
        raise ValueError(text)
    return scale_integer(parsed[0], parsed[1], scale, limit)


def empty_option(name: str) -> str:
    """virsh's words for an option given as '' where it needs a value (vshCommandOptStringReq)."""
    return msg("Failed to get option '%s': %s", name, msg("Option argument is empty"))


def convert(opt: Opt, raw: Any) -> Any:
    """The value a command body receives; raises VshError worded as virsh."""
    if opt.type == BOOL:
        return bool(raw)
    if opt.type == ARGV:
        return list(raw or [])
    if raw is None:
        return None
    conv = opt.conv
    if conv is None:
        if raw == "" and not opt.empty_ok:
            raise VshError(empty_option(opt.name))
        return raw
    if conv == "scaled":
        try:
            return parse_scaled(raw, opt.scale)
        except _Detail as detail:
            raise VshError(msg("Scaled numeric value '%s' for <%s> option is malformed or out of range", raw, opt.name),
                           cause=_Message(detail.args[0])) from None
        except ValueError:
            raise VshError(msg("Scaled numeric value '%s' for <%s> option is malformed or out of range", raw, opt.name)) from None
    bounds = {
        "int": (-(2**31), INT_MAX, False),
        "uint": (0, UINT_MAX, True),
        "ulong": (0, ULLONG_MAX, True),
        "long": (-(2**63), 2**63 - 1, False),
        "pint": (0, INT_MAX, False),
        "puint": (0, UINT_MAX, False),
        "pulong": (0, ULLONG_MAX, False),
    }[conv]
    value = whole(raw, bounds[0], bounds[1], bounds[2])
    if value is None:
        raise VshError(msg("Numeric value '%s' for <%s> option is malformed or out of range", raw, opt.name))
    return value


class _Message(Exception):
    """A plain second error line that does not come from libvirt itself."""

    def get_error_message(self) -> str:
        return self.args[0]  # a vsh.i18n.Message: shown in the user's language


def split_items(text: str) -> list[str | None]:
    """vshStringToArray as the snapshot and checkpoint specs read it: an empty string is one
    missing item (glib splits it into no tokens at all)."""
    if text == "":
        return [None]
    return list(split_list(text))


def split_list(text: str) -> list[str]:
    """vshStringToArray: ',' separates, ',,' is a literal comma."""
    parts, cur, i = [], [], 0
    while i < len(text):
        if text[i] == ",":
            if text[i + 1:i + 2] == ",":
                cur.append(",")
                i += 2
                continue
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(text[i])
        i += 1
    parts.append("".join(cur))
    return parts


def convert_scaled(name: str, raw: str, scale: int = 1, limit: int = ULLONG_MAX) -> int:
    """vshCommandOptScaledInt with its own bound (freepages, allocpages): the value or virsh's error."""
    message = msg("Scaled numeric value '%s' for <%s> option is malformed or out of range", raw, name)
    try:
        return parse_scaled(raw, scale, limit)
    except _Detail as detail:
        raise VshError(message, cause=_Message(detail.args[0])) from None
    except ValueError:
        raise VshError(message) from None
