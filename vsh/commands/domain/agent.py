"""Guest-agent commands: domfsfreeze, domfsthaw, domfsinfo, domfstrim, guestinfo, guestvcpus,
guest-agent-timeout, set-user-password, set-user-sshkeys, get-user-sshkeys.

They all go through libvirt to the qemu-guest-agent inside the guest, so a guest without a connected agent
fails with libvirt's own line (`error: Guest agent is not responding: ...`), as in virsh.

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations


from vsh.commands.common import DOMAIN, required
from vsh.errors import VshError, failing
from vsh.registry import command
from vsh.schema import PARAMS, array, rows, single
from vsh.session import Session
from vsh.spec import Argv, Data, Flag, Int, Str
from vsh.typedparams import shown_value
from vsh.i18n import fmt, msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


# virsh completes these commands' domains among the running ones (VIR_CONNECT_LIST_DOMAINS_ACTIVE).
_RUNNING = DOMAIN(complete="domain:active")


def _mountpoints(domain_opt: str) -> list[Any]:
    return [_RUNNING, Argv("mountpoint", f"mountpoint path to be {domain_opt}", complete="domain-mountpoint")]


@command("domfsfreeze", schema=single("count", "integer"),
         group="domain", help="Freeze domain's mounted filesystems.",
         desc="Freeze domain's mounted filesystems.", opts=_mountpoints("frozen"))
def cmd_domfsfreeze(ctx: Session, domain: str, mountpoint: list[str]) -> None:
    dom = ctx.lookup.domain(domain)
    with failing(msg("Unable to freeze filesystems")):
        count = dom.fsFreeze(mountpoint or None, 0)
    ctx.out.data({"count": count})
    ctx.out.extra(fmt("Froze %d filesystem(s)\n", count), end="")


@command("domfsthaw", schema=single("count", "integer"),
         group="domain", help="Thaw domain's mounted filesystems.",
         desc="Thaw domain's mounted filesystems.", opts=_mountpoints("thawed"))
def cmd_domfsthaw(ctx: Session, domain: str, mountpoint: list[str]) -> None:
    dom = ctx.lookup.domain(domain)
    with failing(msg("Unable to thaw filesystems")):
        count = dom.fsThaw(mountpoint or None, 0)
    ctx.out.data({"count": count})
    ctx.out.extra(fmt("Thawed %d filesystem(s)\n", count), end="")


@command("domfsinfo", schema=rows(mountpoint="string", name="string", type="string", targets=array("string")),
         group="domain", help="Get information of domain's mounted filesystems.",
         desc="Get information of domain's mounted filesystems.", opts=[_RUNNING])
def cmd_domfsinfo(ctx: Session, domain: str) -> None:
    from vsh.output import Column

    dom = ctx.lookup.domain(domain)
    with failing(msg("Unable to get filesystem information")):
        infos = dom.fsInfo(0)
    rows = [{"mountpoint": m, "name": n, "type": t, "targets": list(aliases or [])} for m, n, t, aliases in infos]
    if not rows:
        ctx.out.data([])
        # virsh prints this line without a newline; the blank line after every command ends it.
        ctx.out.extra(fmt("No filesystems are mounted in the domain"), end="")
        return
    columns = [Column("mountpoint", "Mountpoint"), Column("name", "Name"), Column("type", "Type"),
               Column("targets", "Target", text=",".join)]
    ctx.out.table(columns, rows)


@command("domfstrim", group="domain", help="Invoke fstrim on domain's mounted filesystems.",
         desc="Invoke fstrim on domain's mounted filesystems.",
         opts=[_RUNNING, Int("minimum", "Just a hint to ignore contiguous free ranges smaller than this (Bytes)",
                          conv="pulong", late=True),
               Str("mountpoint", "which mount point to trim", complete="domain-mountpoint", empty_ok=True)])
def cmd_domfstrim(ctx: Session, domain: str, minimum: str | None, mountpoint: str | None) -> None:
    dom = ctx.lookup.domain(domain)
    least = ctx.late("minimum", minimum) or 0
    required("mountpoint", mountpoint)
    with failing(msg("Unable to invoke fstrim")):
        dom.fSTrim(mountpoint, least, 0)


_GUEST_INFO_GROUPS = (
    ("user", "report active users", "VIR_DOMAIN_GUEST_INFO_USERS"),
    ("os", "report operating system information", "VIR_DOMAIN_GUEST_INFO_OS"),
    ("timezone", "report timezone information", "VIR_DOMAIN_GUEST_INFO_TIMEZONE"),
    ("hostname", "report hostname", "VIR_DOMAIN_GUEST_INFO_HOSTNAME"),
    ("filesystem", "report filesystem information", "VIR_DOMAIN_GUEST_INFO_FILESYSTEM"),
    ("disk", "report disk information", "VIR_DOMAIN_GUEST_INFO_DISKS"),
    ("interface", "report interface information", "VIR_DOMAIN_GUEST_INFO_INTERFACES"),
)


def _typed_lines(params: dict[str, Any], width: int) -> str:
    """Typed parameters as `%-Ns: value` lines, virsh's layout for agent reports."""
    return "".join(f"{field:<{width}}: {shown_value(value)}\n" for field, value in params.items())


def _snake(params: dict[str, Any]) -> dict[str, Any]:
    """The agent's dotted fields (`fs.0.name`) as JSON keys (`fs_0_name`), units named."""
    from vsh.statkeys import agent_key

    return {agent_key(k): v for k, v in params.items()}


@command("guestinfo", schema=PARAMS,
         group="domain", help="query information about the guest (via agent)",
         desc="Use the guest agent to query various information from guest's point of view",
         opts=[_RUNNING, *(Flag(name, text) for name, text, _flag in _GUEST_INFO_GROUPS)])
def cmd_guestinfo(ctx: Session, domain: str, user: bool, os: bool, timezone: bool, hostname: bool,
                  filesystem: bool, disk: bool, interface: bool) -> None:
    import libvirt

    groups = {"user": user, "os": os, "timezone": timezone, "hostname": hostname, "filesystem": filesystem,
              "disk": disk, "interface": interface}
    # No group asked for means every group the agent supports, as libvirt reads types == 0.
    types = 0
    for name, _text, flag in _GUEST_INFO_GROUPS:
        if groups[name]:
            types |= getattr(libvirt, flag)
    dom = ctx.lookup.domain(domain)
    params = dom.guestInfo(types, 0)
    ctx.out.data(_snake(params), _typed_lines(params, 20))


@command("guestvcpus", schema=PARAMS,
         group="domain", help="query or modify state of vcpu in the guest (via agent)",
         desc="Use the guest agent to query or set cpu state from guest's point of view",
         opts=[_RUNNING, Str("cpulist", "list of cpus to enable or disable"),
               Flag("enable", "enable cpus specified by cpulist"),
               Flag("disable", "disable cpus specified by cpulist")],
         exclusive=[("enable", "disable")], requires=[("enable", "cpulist"), ("disable", "cpulist")])
def cmd_guestvcpus(ctx: Session, domain: str, cpulist: str | None, enable: bool, disable: bool) -> None:
    if cpulist is not None and not (enable or disable):
        raise VshError(msg("One of options --enable or --disable is required by option --cpulist"))
    dom = ctx.lookup.domain(domain)
    if cpulist is not None:
        dom.setGuestVcpus(cpulist, 1 if enable else 0, 0)
        return
    params = dom.guestVcpus(0)
    if params is None:
        import libvirt

        # libvirt-python returns None instead of raising here; the libvirt error is still the thread's last.
        raise libvirt.libvirtError("virDomainGetGuestVcpus() failed")
    ctx.out.data(_snake(params), _typed_lines(params, 15))


@command("guest-agent-timeout", group="domain", help="Set the guest agent timeout",
         desc="Set the number of seconds to wait for a response from the guest agent.",
         opts=[DOMAIN(), Int("timeout", "timeout seconds.", named_only=True, late=True)])
def cmd_guest_agent_timeout(ctx: Session, domain: str, timeout: str | None) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    seconds = ctx.late("timeout", timeout)
    dom.agentSetResponseTimeout(libvirt.VIR_DOMAIN_AGENT_RESPONSE_TIMEOUT_BLOCK if seconds is None else seconds, 0)


@command("set-user-password", group="domain", help="set the user password inside the domain",
         desc="changes the password of the specified user inside the domain",
         opts=[_RUNNING, Data("user", "the username"), Data("password", "the new password"),
               Flag("encrypted", "the password is already encrypted")])
def cmd_set_user_password(ctx: Session, domain: str, user: str, password: str, encrypted: bool) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    dom.setUserPassword(user, password, libvirt.VIR_DOMAIN_PASSWORD_ENCRYPTED if encrypted else 0)
    # virsh prints this line without a newline; the blank line after every command ends it.
    ctx.out.extra(fmt("Password set successfully for %s in %s", user, dom.name()), end="")


@command("get-user-sshkeys", schema=single("keys", array("string")),
         group="domain", help="list authorized SSH keys for given user (via agent)",
         desc="Use the guest agent to query authorized SSH keys for given user",
         opts=[_RUNNING, Data("user", "user to list authorized keys for", empty_ok=True)])
def cmd_get_user_sshkeys(ctx: Session, domain: str, user: str) -> None:
    dom = ctx.lookup.domain(domain)
    required("user", user)
    keys = dom.authorizedSSHKeysGet(user, 0)
    # virsh prints each key with "%s": no newline between keys.
    ctx.out.data({"keys": list(keys)}, "".join(keys))


@command("set-user-sshkeys", group="domain",
         help="manipulate authorized SSH keys file for given user (via agent)",
         desc="Append, reset or remove specified key from the authorized keys file for given user",
         opts=[_RUNNING, Data("user", "user to set authorized keys for", empty_ok=True),
               Str("file", "optional file to read keys from", complete="file", empty_ok=True),
               Flag("reset", "clear out authorized keys file before adding new keys"),
               Flag("remove", "remove keys from the authorized keys file")])
def cmd_set_user_sshkeys(ctx: Session, domain: str, user: str, file: str | None, reset: bool,
                         remove: bool) -> None:
    import libvirt

    # virsh checks the requirement before the exclusion, both before the lookup.
    if remove and file is None:
        raise VshError(msg("Option --%s is required by option --%s", "file", "remove"))
    if reset and remove:
        raise VshError(msg("Options --%s and --%s are mutually exclusive", "reset", "remove"))
    dom = ctx.lookup.domain(domain)
    required("user", user)
    required("file", file)
    flags = 0
    if remove:
        flags = libvirt.VIR_DOMAIN_AUTHORIZED_SSH_KEYS_SET_REMOVE
    elif not reset:
        flags = libvirt.VIR_DOMAIN_AUTHORIZED_SSH_KEYS_SET_APPEND
        if file is None:
            raise VshError(msg("Option --file is required"))
    keys: list[str] = []
    if file is not None:
        text = ctx.read_file(file)
        # g_strsplit: an empty file has no keys, a trailing newline leaves one empty key.
        keys = text.split("\n") if text else []
        if not keys:
            raise VshError(msg("File %s contains no keys", file))
    dom.authorizedSSHKeysSet(user, keys, flags)
