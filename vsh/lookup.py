"""Finding objects by ID, UUID or name in virsh's order, with virsh's error wording.

Domains: an ID (a whole non-negative number), then a UUID (36 characters), then a name;
the failure is one line.  Networks and pools: UUID then name; the failure adds libvirt's
own line.  Volumes: by name inside --pool when given, else by key, then by path.
"""
from __future__ import annotations


from vsh.errors import VshError
from vsh.values import empty_option, split_list
from vsh.i18n import Message, msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

UUID_LEN = 36


def _is_id(text: str) -> bool:
    stripped = text.lstrip(" \t\n\v\f\r")
    body = stripped[1:] if stripped[:1] in "+-" else stripped
    return body.isdigit() and body.isascii() and int(stripped) >= 0 and int(stripped) < 2**31


class Lookup:
    """Object lookups against a connection getter (so a lost connection reconnects first)."""

    def __init__(self, conn: Callable[[], Any]) -> None:
        self._conn = conn
        # virsh's -d debug lines of a lookup (level, text); the session sets it.
        self.note: Callable[[int, str], None] = lambda _level, _text: None

    def domain(self, name: str, by_id: bool = True, by_uuid: bool = True, by_name: bool = True) -> Any:
        """A command's <domain> option as virsh reads it (virshCommandOptDomainBy): an empty
        value is refused here, not before, then ID, UUID and name are tried as allowed."""
        if name == "":
            raise VshError(empty_option("domain"))
        self.note(1, f"found option <domain>: {name}")
        return self.find_domain(name, by_id, by_uuid, by_name)

    def find_domain(self, name: str, by_id: bool = True, by_uuid: bool = True, by_name: bool = True) -> Any:
        """A domain by ID, UUID or name (virshLookupDomainBy), for names that are no <domain> option."""
        import libvirt

        conn = self._conn()
        dom = None
        if by_id and _is_id(name):
            self.note(0, "<domain> looks like ID")
            dom = _try(libvirt, conn.lookupByID, int(name))
        if dom is None and by_uuid and len(name) == UUID_LEN:
            self.note(0, "<domain> trying as domain UUID")
            dom = _try(libvirt, conn.lookupByUUIDString, name)
        if dom is None and by_name:
            self.note(0, "<domain> trying as domain NAME")
            dom = _try(libvirt, conn.lookupByName, name)
        if dom is None:
            raise VshError(msg("failed to get domain '%s'", name))
        return dom

    def network(self, name: str, by_uuid: bool = True, by_name: bool = True) -> Any:
        return self._uuid_or_name("network", name, "networkLookupByUUIDString", "networkLookupByName",
                                  by_uuid, by_name)

    def pool(self, name: str, by_uuid: bool = True, by_name: bool = True) -> Any:
        return self._uuid_or_name("pool", name, "storagePoolLookupByUUIDString", "storagePoolLookupByName",
                                  by_uuid, by_name)

    def _uuid_or_name(self, what: str, name: str, uuid_method: str, name_method: str,
                      by_uuid: bool = True, by_name: bool = True) -> Any:
        """By UUID (36 characters only), then by name; the last libvirt error is the cause."""
        import libvirt

        conn = self._conn()
        last: Exception | None = None
        for method, wanted in ((uuid_method, by_uuid and len(name) == UUID_LEN), (name_method, by_name)):
            if not wanted:
                continue
            try:
                return getattr(conn, method)(name)
            except libvirt.libvirtError as err:
                last = err
        # virsh's msgids name the kind of object: "failed to get pool '%s'", ...
        raise VshError(msg("failed to get " + what + " '%s'", name), cause=last)

    def volume(self, name: str, pool: str | None = None, pool_opt: str | None = "pool") -> Any:
        """A volume by name within `pool`, else by key, else by path.

        `pool_opt` names the command's pool option for the failure hint; None when the
        command has none (vol-name, vol-pool), which drops the hint.
        """
        import libvirt

        conn = self._conn()
        pool_obj = None
        if pool is not None:
            pool_obj = self.pool(pool)
            if pool_obj.isActive() != 1:
                raise VshError(msg("pool '%s' is not active", pool))
        vol = None
        last: Exception | None = None
        for how in ("name", "key", "path"):
            try:
                if how == "name":
                    if pool_obj is None:
                        continue
                    vol = pool_obj.storageVolLookupByName(name)
                elif how == "key":
                    vol = conn.storageVolLookupByKey(name)
                else:
                    vol = conn.storageVolLookupByPath(name)
                break
            except libvirt.libvirtError as err:
                last = err
        if vol is None:
            if pool_obj is not None or pool_opt is None:
                raise VshError(msg("failed to get vol '%s'", name), cause=last)
            raise VshError(msg("failed to get vol '%s', specifying --%s might help", name, pool_opt), cause=last)
        if pool_obj is not None:
            vol_pool = vol.storagePoolLookupByVolume()
            if vol_pool.name() != pool_obj.name():
                raise VshError(msg("Requested volume '%s' is not in pool '%s'", name, pool_obj.name()))
        return vol


    def interface(self, name: str, by_name: bool = True, by_mac: bool = True) -> Any:
        """By MAC when the text parses as one (virMacAddrParse), else by name.

        When the kind of text is not wanted (iface-name given a name) nothing is looked
        up and the failure is one line; otherwise libvirt's line follows.
        """
        import libvirt

        conn = self._conn()
        is_mac = _is_mac(name)
        cause: Exception | None = None
        try:
            if not is_mac and by_name:
                return conn.interfaceLookupByName(name)
            if is_mac and by_mac:
                return conn.interfaceLookupByMACString(name)
        except libvirt.libvirtError as err:
            cause = err
        raise VshError(msg("failed to get interface '%s'", name), cause=cause)

    def nodedev(self, name: str, by_wwn: bool = True) -> Any:
        """By name, or by SCSI host WWN pair for 'wwnn,wwpn' (virsh's vshFindNodeDevice).

        A malformed WWN fails with libvirt's own wording only, as virsh reports it.
        """
        import libvirt

        conn = self._conn()
        try:
            if by_wwn and "," in name:
                parts = split_list(name)
                if len(parts) != 2:
                    raise VshError(msg("Malformed device value '%s'", name))
                for wwn in parts:
                    digits = wwn[2:] if wwn.startswith("0x") else wwn
                    if len(digits) != 16 or any(c not in "0123456789abcdefABCDEF" for c in digits):
                        raise VshError(msg("internal error: %s", msg("Malformed wwn: %s", wwn)))
                return conn.nodeDeviceLookupSCSIHostByWWN(parts[0], parts[1], 0)
            return conn.nodeDeviceLookupByName(name)
        except libvirt.libvirtError as err:
            if not by_wwn:
                raise VshError(msg("Could not find matching device '%s'", name), cause=err) from None
            # vshFindNodeDevice words its failure apart from a lookup by name alone: the name
            # follows the translated words instead of standing inside a translated message.
            raise VshError(Message("%s '%s'", msg("Could not find matching device"), name, translate=False),
                           cause=err) from None

    def secret(self, name: str) -> Any:
        """By UUID only; libvirt's line follows virsh's."""
        import libvirt

        try:
            return self._conn().secretLookupByUUIDString(name)
        except libvirt.libvirtError as err:
            raise VshError(msg("failed to get secret '%s'", name), cause=err) from None

    def nwfilter(self, name: str) -> Any:
        return self._uuid_or_name("nwfilter", name, "nwfilterLookupByUUIDString", "nwfilterLookupByName")

    def nwfilter_binding(self, portdev: str) -> Any:
        """By port device only (virshCommandOptNWFilterBinding); libvirt's line follows virsh's."""
        import libvirt

        try:
            return self._conn().nwfilterBindingLookupByPortDev(portdev)
        except libvirt.libvirtError as err:
            raise VshError(msg("failed to get nwfilter binding '%s'", portdev), cause=err) from None


def _is_mac(text: str) -> bool:
    """virMacAddrParse: six groups of 1-2 hex digits joined by ':', then the end or a byte <= ' '.

    The end test compares a signed char, so a non-ASCII byte also ends the address.
    """
    hexdigits = "0123456789abcdefABCDEF"
    pos = 0
    for i in range(6):
        start = pos
        while pos < len(text) and text[pos] in hexdigits:
            pos += 1
        # strtoul would read more digits, but over two fails anyway.
        if not 1 <= pos - start <= 2:
            return False
        nxt = text[pos] if pos < len(text) else ""
        if i == 5:
            return nxt == "" or ord(nxt) <= 32 or ord(nxt) >= 128
        if nxt != ":":
            return False
        pos += 1
    return False


def _try(libvirt: Any, fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except libvirt.libvirtError:
        return None
