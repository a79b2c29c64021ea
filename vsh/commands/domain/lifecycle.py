"""Domain life cycle: define, undefine, create, start, shutdown, destroy, reboot, reset,
suspend, resume, autostart.

Action commands print nothing under --json (their messages are informational); failures
are JSON errors on stderr as everywhere.  The name in messages follows virsh: the name as
given for most commands, the domain's own name for start, create and define.
--wait/--timeout (and shutdown's --force) are vsh's own options (vsh.waiting): without them
every command is virsh's.
"""
from __future__ import annotations


from vsh import waiting
from vsh.commands.common import DOMAIN, FILE, parse_fds, required
from vsh.errors import VshError, failing, from_libvirt
from vsh.registry import command
from vsh.session import Session
from vsh.spec import Alias, Flag, Str
from vsh.waiting import WAIT_REQUIRES, wait_opts
from vsh.values import split_list
from vsh.i18n import fmt, msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: --file of define and create; an empty value is refused when the body reads it.
_FILE = FILE("file containing an XML domain description")._replace(empty_ok=True)


def _mode_flags(mode: str | None, prefix: str, expecting: str) -> int:
    """--mode acpi,agent,...: the VIR_DOMAIN_{SHUTDOWN,REBOOT}_* flags."""
    import libvirt

    required("mode", mode)
    names = {"acpi": "ACPI_POWER_BTN", "agent": "GUEST_AGENT", "initctl": "INITCTL",
             "signal": "SIGNAL", "paravirt": "PARAVIRT"}
    flags = 0
    for piece in (mode.split(",") if mode is not None else []):
        if piece not in names:
            raise VshError(msg("Unknown mode %s value, expecting " + expecting, piece))
        flags |= getattr(libvirt, f"VIR_DOMAIN_{prefix}_{names[piece]}")
    return flags


def _console(ctx: Session, dom: Any) -> None:
    from vsh.console import run_console

    run_console(ctx, dom)


# define, create ----------------------------------------------------------------------------

@command("define", group="domain", help="define (but don't start) a domain from an XML file",
         desc="Define a domain.",
         opts=[_FILE,
               Flag("validate", "validate the XML against the schema")])
def cmd_define(ctx: Session, file: str, validate: bool) -> None:
    import libvirt

    required("file", file)
    xml = ctx.read_file(file, stdin_dash=False)
    conn = ctx.conn
    try:
        if validate:
            try:
                dom = conn.defineXMLFlags(xml, libvirt.VIR_DOMAIN_DEFINE_VALIDATE)
            except libvirt.libvirtError as err:
                # An older server without validation: define without it.
                if err.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
                    raise
                dom = conn.defineXML(xml)
        else:
            dom = conn.defineXML(xml)
    except libvirt.libvirtError as err:
        raise VshError(msg("Failed to define domain from %s", file), cause=err) from None
    ctx.out.extra(fmt("Domain '%s' defined from %s\n", dom.name(), file), end="")


@command("create", group="domain", help="create a domain from an XML file", desc="Create a domain.",
         opts=[_FILE,
               Flag("console", "attach to console after creation"),
               Flag("paused", "leave the guest paused after creation"),
               Flag("autodestroy", "automatically destroy the guest when virsh disconnects"),
               Str("pass-fds", "pass file descriptors N,M,... to the guest", empty_ok=True),
               Flag("validate", "validate the XML against the schema"),
               Flag("reset-nvram", "re-initialize NVRAM from its pristine template"),
               *wait_opts("running (paused with --paused)")], requires=WAIT_REQUIRES)
def cmd_create(ctx: Session, file: str, console: bool, paused: bool, autodestroy: bool,
               pass_fds: str | None, validate: bool, reset_nvram: bool, wait: bool, timeout: int | None) -> None:
    import libvirt

    required("file", file)
    xml = ctx.read_file(file, stdin_dash=False)
    fds = parse_fds(pass_fds)
    flags = ctx.flags(paused=libvirt.VIR_DOMAIN_START_PAUSED,
                      autodestroy=libvirt.VIR_DOMAIN_START_AUTODESTROY,
                      validate=libvirt.VIR_DOMAIN_START_VALIDATE,
                      reset_nvram=libvirt.VIR_DOMAIN_START_RESET_NVRAM)
    with failing(msg("Failed to create domain from %s", file)):
        dom = ctx.conn.createXMLWithFiles(xml, fds, flags) if fds else ctx.conn.createXML(xml, flags)
    ctx.out.extra(fmt("Domain '%s' created from %s\n", dom.name(), file), end="")
    waiting.settle(ctx, dom, dom.name(), wait, waiting.PAUSED if paused else waiting.RUNNING, timeout)
    if console:
        # virsh reports a console failure here but the command still succeeds.
        try:
            _console(ctx, dom)
        except VshError as err:
            ctx.report(err)


# start -----------------------------------------------------------------------------------------

@command("start", group="domain", help="start a (previously defined) inactive domain",
         desc="Start a domain, either from the last managedsave\n"
              "    state, or via a fresh boot if no managedsave state\n"
              "    is present.",
         opts=[DOMAIN("name of the inactive domain", complete="domain:shutoff"),
               Flag("console", "attach to console after creation"),
               Flag("paused", "leave the guest paused after creation"),
               Flag("autodestroy", "automatically destroy the guest when virsh disconnects"),
               Flag("bypass-cache", "avoid file system cache when loading"),
               Flag("force-boot", "force fresh boot by discarding any managed save"),
               Str("pass-fds", "pass file descriptors N,M,... to the guest", empty_ok=True),
               Flag("reset-nvram", "re-initialize NVRAM from its pristine template"),
               *wait_opts("running (paused with --paused)")], requires=WAIT_REQUIRES)
def cmd_start(ctx: Session, domain: str, console: bool, paused: bool, autodestroy: bool,
              bypass_cache: bool, force_boot: bool, pass_fds: str | None, reset_nvram: bool,
              wait: bool, timeout: int | None) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain, by_id=False)
    if dom.ID() >= 0:
        raise VshError(msg("Domain is already active"))
    fds = parse_fds(pass_fds)
    flags = ctx.flags(paused=libvirt.VIR_DOMAIN_START_PAUSED,
                      autodestroy=libvirt.VIR_DOMAIN_START_AUTODESTROY,
                      bypass_cache=libvirt.VIR_DOMAIN_START_BYPASS_CACHE,
                      force_boot=libvirt.VIR_DOMAIN_START_FORCE_BOOT,
                      reset_nvram=libvirt.VIR_DOMAIN_START_RESET_NVRAM)
    started = False
    if force_boot:
        try:
            if fds:
                dom.createWithFiles(fds, flags)
            else:
                dom.createWithFlags(flags)
            started = True
        except libvirt.libvirtError as err:
            # A server that rejects the flag: drop the managed save ourselves and boot.
            if err.get_error_code() not in (libvirt.VIR_ERR_NO_SUPPORT, libvirt.VIR_ERR_INVALID_ARG):
                raise from_libvirt(err) from None
            try:
                saved = dom.hasManagedSaveImage(0)
            except libvirt.libvirtError:
                saved = 0
            if saved > 0:
                try:
                    dom.managedSaveRemove(0)
                except libvirt.libvirtError as err2:
                    raise from_libvirt(err2) from None
            flags &= ~libvirt.VIR_DOMAIN_START_FORCE_BOOT
    if not started:
        with failing(msg("Failed to start domain '%s'", dom.name())):
            if fds:
                dom.createWithFiles(fds, flags)
            elif flags:
                dom.createWithFlags(flags)
            else:
                dom.create()
    ctx.out.extra(fmt("Domain '%s' started\n", dom.name()), end="")
    # A managed save image may hold a paused guest: then paused is where it ends up.
    waiting.settle(ctx, dom, dom.name(), wait, waiting.PAUSED if paused else waiting.ACTIVE, timeout)
    if console:
        _console(ctx, dom)


# shutdown, reboot, reset, destroy, suspend, resume --------------------------------------------------

_MODES = ("acpi", "agent", "initctl", "signal", "paravirt")

@command("shutdown", group="domain", help="gracefully shutdown a domain",
         desc="Run shutdown in the target domain.",
         opts=[DOMAIN(complete="domain:active"), Str("mode", "shutdown mode: acpi|agent|initctl|signal|paravirt", empty_ok=True,
                                               choices=_MODES, comma=True),
               *wait_opts("shut off", force="with --timeout: destroy the domain if it is not shut off in time (vsh)")],
         requires=[*WAIT_REQUIRES, ("force", "timeout")])
def cmd_shutdown(ctx: Session, domain: str, mode: str | None, wait: bool, timeout: int | None,
                 force: bool) -> None:
    flags = _mode_flags(mode, "SHUTDOWN", "'acpi', 'agent', 'initctl', 'signal', or 'paravirt'")
    dom = ctx.lookup.domain(domain)
    with waiting.watching(ctx, dom, wait) as watch:
        with failing(msg("Failed to shutdown domain '%s'", domain)):
            if flags:
                dom.shutdownFlags(flags)
            else:
                dom.shutdown()
        ctx.out.extra(fmt("Domain '%s' is being shutdown\n", domain), end="")
        try:
            waiting.after(ctx, watch, domain, waiting.SHUT_OFF, timeout)
        except waiting.Timeout:
            if not force:
                raise
            _force_off(ctx, dom, domain, timeout)


def _force_off(ctx: Session, dom: Any, domain: str, timeout: int | None) -> None:
    """shutdown --wait --timeout N --force: the graceful shutdown did not finish in time."""
    import libvirt

    try:
        dom.destroy()
    except libvirt.libvirtError as err:
        # It may have stopped between the last look and now.
        probe = waiting.Watch(ctx, dom)
        if not waiting.SHUT_OFF.reached(probe.state(), probe):
            raise VshError(msg("Failed to destroy domain '%s'", domain), cause=err) from None
        return
    ctx.out.extra(f"Domain '{domain}' did not shut down within {waiting.seconds_words(timeout)} and was destroyed")


@command("reboot", group="domain", help="reboot a domain", desc="Run a reboot command in the target domain.",
         opts=[DOMAIN(complete="domain:active"), Str("mode", "shutdown mode: acpi|agent|initctl|signal|paravirt", empty_ok=True,
                                               choices=_MODES, comma=True),
               *wait_opts("running again after the reboot")], requires=WAIT_REQUIRES)
def cmd_reboot(ctx: Session, domain: str, mode: str | None, wait: bool, timeout: int | None) -> None:
    # virsh words this list without the serial comma that shutdown has.
    flags = _mode_flags(mode, "REBOOT", "'acpi', 'agent', 'initctl', 'signal' or 'paravirt'")
    dom = ctx.lookup.domain(domain)
    with waiting.watching(ctx, dom, wait) as watch:
        with failing(msg("Failed to reboot domain '%s'", domain)):
            dom.reboot(flags)
        ctx.out.extra(fmt("Domain '%s' is being rebooted\n", domain), end="")
        if wait and waiting.is_synchronous_reboot(ctx.conn):
            watch.rebooted = True
        waiting.after(ctx, watch, domain, waiting.REBOOTED, timeout)


@command("reset", group="domain", help="reset a domain", desc="Reset the target domain as if by power button",
         opts=[DOMAIN(complete="domain:active")])
def cmd_reset(ctx: Session, domain: str) -> None:
    dom = ctx.lookup.domain(domain)
    with failing(msg("Failed to reset domain '%s'", domain)):
        dom.reset(0)
    ctx.out.extra(fmt("Domain '%s' was reset\n", domain), end="")


@command("destroy", group="domain", help="destroy (stop) a domain",
         desc="Forcefully stop a given domain, but leave its resources intact.",
         opts=[DOMAIN(complete="domain:active"), Flag("graceful", "terminate gracefully"), Flag("remove-logs", "remove domain logs"),
               *wait_opts("shut off")], requires=WAIT_REQUIRES)
def cmd_destroy(ctx: Session, domain: str, graceful: bool, remove_logs: bool, wait: bool,
                timeout: int | None) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    flags = ctx.flags(graceful=libvirt.VIR_DOMAIN_DESTROY_GRACEFUL,
                      remove_logs=libvirt.VIR_DOMAIN_DESTROY_REMOVE_LOGS)
    with failing(msg("Failed to destroy domain '%s'", domain)):
        if flags:
            dom.destroyFlags(flags)
        else:
            dom.destroy()
    ctx.out.extra(fmt("Domain '%s' destroyed\n", domain), end="")
    waiting.settle(ctx, dom, domain, wait, waiting.SHUT_OFF, timeout)


@command("suspend", group="domain", help="suspend a domain", desc="Suspend a running domain.",
         opts=[DOMAIN(complete="domain:running"), *wait_opts("paused")], requires=WAIT_REQUIRES)
def cmd_suspend(ctx: Session, domain: str, wait: bool, timeout: int | None) -> None:
    dom = ctx.lookup.domain(domain)
    with failing(msg("Failed to suspend domain '%s'", domain)):
        dom.suspend()
    ctx.out.extra(fmt("Domain '%s' suspended\n", domain), end="")
    waiting.settle(ctx, dom, domain, wait, waiting.PAUSED, timeout)


@command("resume", group="domain", help="resume a domain", desc="Resume a previously suspended domain.",
         opts=[DOMAIN(complete="domain:paused"), *wait_opts("running")], requires=WAIT_REQUIRES)
def cmd_resume(ctx: Session, domain: str, wait: bool, timeout: int | None) -> None:
    dom = ctx.lookup.domain(domain)
    with failing(msg("Failed to resume domain '%s'", domain)):
        dom.resume()
    ctx.out.extra(fmt("Domain '%s' resumed\n", domain), end="")
    waiting.settle(ctx, dom, domain, wait, waiting.RUNNING, timeout)


@command("autostart", group="domain", help="autostart a domain",
         desc="Configure a domain to be automatically started at boot.",
         opts=[DOMAIN(complete="domain:persistent"), Flag("disable", "disable autostarting")])
def cmd_autostart(ctx: Session, domain: str, disable: bool) -> None:
    dom = ctx.lookup.domain(domain)
    verb = "unmark" if disable else "mark"
    with failing(msg("Failed to " + verb + " domain '%s' as autostarted", domain)):
        dom.setAutostart(0 if disable else 1)
    ctx.out.extra(fmt("Domain '%s' " + verb + "ed as autostarted\n", domain), end="")


# undefine --------------------------------------------------------------------------------------

_UNDEFINE_OPTS = [
    DOMAIN(complete="domain:persistent"),
    Flag("managed-save", "remove domain managed state file"),
    Str("storage", "remove associated storage volumes (comma separated list of targets or source paths) "
                   "(see domblklist)", empty_ok=True, complete="domain-disk", comma=True),
    Flag("remove-all-storage", "remove all associated storage volumes (use with caution)"),
    Alias("delete-snapshots", "delete-storage-volume-snapshots"),
    Flag("delete-storage-volume-snapshots", "delete snapshots associated with volume(s), requires "
                                            "--remove-all-storage (must be supported by storage driver)"),
    Flag("wipe-storage", "wipe data on the removed volumes"),
    Flag("snapshots-metadata", "remove all domain snapshot metadata (vm must be inactive)"),
    Flag("checkpoints-metadata", "remove all domain checkpoint metadata (vm must be inactive)"),
    Flag("nvram", "remove nvram file"),
    Flag("keep-nvram", "keep nvram file"),
    Flag("tpm", "remove TPM state"),
    Flag("keep-tpm", "keep TPM state"),
    *wait_opts("gone: for a running domain, until it stops"),
]


def _disk_volumes(ctx: Session, dom: Any, wanted: list[str] | None) -> list[tuple[Any, str, str]]:
    """The storage volumes behind the domain's disks: (volume, target, source).

    Disks that libvirt does not manage, or that name a missing pool, are reported and
    skipped; a name in `wanted` that matches no disk fails the command, as in virsh.
    """
    import libvirt
    from lxml import etree

    try:
        xml = dom.XMLDesc(0)
    except libvirt.libvirtError as err:
        raise VshError(msg("Failed to get domain description xml"), cause=err) from None
    pending: list[str | None] | None = list(wanted) if wanted is not None else None
    volumes: list[tuple[Any, str, str]] = []
    for disk in etree.fromstring(xml.encode("utf-8")).findall("devices/disk"):
        target_el = disk.find("target")
        target = target_el.get("dev", "") if target_el is not None else ""
        if not target:
            raise VshError("")
        source_el = disk.find("source")
        source = pool = ""
        if source_el is not None:
            # string(./source/@file|@dir|@name|@dev|@volume): the first such attribute present.
            for key, value in source_el.attrib.items():
                if key in ("file", "dir", "name", "dev", "volume"):
                    source = value
                    break
            pool = source_el.get("pool", "")
        if not source:
            continue
        if pending is not None:
            for i, item in enumerate(pending):
                if item is not None and item in (target, source):
                    pending[i] = None
                    break
            else:
                continue
        try:
            if pool:
                try:
                    pool_obj = ctx.conn.storagePoolLookupByName(pool)
                except libvirt.libvirtError:
                    ctx.report(VshError(msg("Storage pool '%s' for volume '%s' not found.", pool, target)))
                    continue
                vol = pool_obj.storageVolLookupByName(source)
            else:
                vol = ctx.conn.storageVolLookupByPath(source)
        except libvirt.libvirtError:
            ctx.report(VshError(msg("Storage volume '%s'(%s) is not managed by libvirt. Remove it manually.\n", target, source)))
            continue
        volumes.append((vol, target, source))
    missing = [item for item in (pending or []) if item is not None]
    if missing:
        for item in missing:
            ctx.report(VshError(msg("Volume '%s' was not found in domain's definition.\n", item)))
        raise VshError("")
    return volumes


@command("undefine", group="domain", help="undefine a domain",
         desc="Undefine an inactive domain, or convert persistent to transient.", opts=_UNDEFINE_OPTS,
         requires=WAIT_REQUIRES)
def cmd_undefine(ctx: Session, domain: str, managed_save: bool, storage: str | None, remove_all_storage: bool,
                 delete_storage_volume_snapshots: bool, wipe_storage: bool, snapshots_metadata: bool,
                 checkpoints_metadata: bool, nvram: bool, keep_nvram: bool, tpm: bool, keep_tpm: bool,
                 wait: bool, timeout: int | None) -> None:
    import libvirt

    if delete_storage_volume_snapshots and not remove_all_storage:
        raise VshError(msg("Option --%s is required by option --%s", "remove-all-storage", "delete-storage-volume-snapshots"))
    for one, other in (("nvram", nvram and keep_nvram), ("tpm", tpm and keep_tpm)):
        if other:
            raise VshError(msg("Options --%s and --%s are mutually exclusive", one, f"keep-{one}"))
    vol_string = storage or None  # read quietly: "" means none
    if wipe_storage and not (vol_string or remove_all_storage):
        raise VshError(msg("'--wipe-storage' requires '--storage <string>' or '--remove-all-storage'"))
    vol_flags = libvirt.VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS if delete_storage_volume_snapshots else 0
    flags = ctx.flags(managed_save=libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE,
                      snapshots_metadata=libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA,
                      checkpoints_metadata=libvirt.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA,
                      nvram=libvirt.VIR_DOMAIN_UNDEFINE_NVRAM,
                      keep_nvram=libvirt.VIR_DOMAIN_UNDEFINE_KEEP_NVRAM,
                      tpm=libvirt.VIR_DOMAIN_UNDEFINE_TPM,
                      keep_tpm=libvirt.VIR_DOMAIN_UNDEFINE_KEEP_TPM)
    managed_save_safe, snapshots_safe = managed_save, snapshots_metadata
    dom = ctx.lookup.domain(domain)

    # Drop flags the server need not see and find out which undefine is safe, as virsh
    # does to keep older servers from stranding a managed save image or snapshots.
    running = dom.isActive()
    has_managed_save = has_snapshots = has_snapshots_metadata = 0
    if not running:
        def count(fn: Any, *args: Any) -> int:
            try:
                return fn(*args)
            except libvirt.libvirtError as err:
                if err.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
                    raise from_libvirt(err) from None
                return 0

        has_managed_save = count(dom.hasManagedSaveImage, 0)
        has_snapshots = count(dom.snapshotNum, 0)
        if has_snapshots:
            try:
                has_snapshots_metadata = dom.snapshotNum(libvirt.VIR_DOMAIN_SNAPSHOT_LIST_METADATA)
                managed_save_safe = snapshots_safe = True
            except libvirt.libvirtError:
                has_snapshots_metadata = has_snapshots
    if not has_managed_save:
        flags &= ~libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
        managed_save_safe = True
    if not has_snapshots:
        snapshots_safe = True
    if not has_snapshots_metadata:
        flags &= ~libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
        snapshots_safe = True

    volumes: list[tuple[Any, str, str]] = []
    if vol_string or remove_all_storage:
        if running:
            raise VshError(msg("Storage volume deletion is supported only on stopped domains"))
        if vol_string and remove_all_storage:
            raise VshError(msg("Specified both --storage and --remove-all-storage"))
        volumes = _disk_volumes(ctx, dom, split_list(vol_string) if vol_string else None)

    failure: Exception | None = None
    done = False
    if (managed_save_safe and snapshots_safe) or nvram:
        try:
            dom.undefineFlags(flags)
            done = True
        except libvirt.libvirtError as err:
            if nvram or err.get_error_code() not in (libvirt.VIR_ERR_NO_SUPPORT, libvirt.VIR_ERR_INVALID_ARG):
                failure = err
    if not done and failure is None:
        # The flags are unsupported or unsafe here: do it piece by piece.
        if has_managed_save:
            if not managed_save:
                raise VshError(msg("Refusing to undefine while domain managed save image exists"))
            try:
                dom.managedSaveRemove(0)
            except libvirt.libvirtError as err:
                raise from_libvirt(err) from None
        if has_snapshots_metadata:
            raise VshError(msg("Unable to remove metadata of %d snapshots", has_snapshots_metadata) if snapshots_metadata
                           else msg("Refusing to undefine while %d snapshots exist", has_snapshots_metadata))
        try:
            dom.undefine()
        except libvirt.libvirtError as err:
            failure = err
    if failure is not None:
        raise VshError(msg("Failed to undefine domain '%s'", domain), cause=failure)
    ctx.out.extra(fmt("Domain '%s' has been undefined\n", domain), end="")

    last: Exception | None = None
    for vol, target, source in volumes:
        if wipe_storage:
            ctx.out.extra(fmt("Wiping volume '%s'(%s) ... ", target, source), end="")
            ctx.out.flush()
            try:
                vol.wipe(0)
            except libvirt.libvirtError as err:
                last = err
                ctx.report(VshError(msg("Failed! Volume not removed.")))
                continue
            ctx.out.extra(fmt("Done.\n"), end="")
        try:
            vol.delete(vol_flags)
        except libvirt.libvirtError as err:
            last = err
            ctx.report(VshError(msg("Failed to remove storage volume '%s'(%s)", target, source)))
        else:
            ctx.out.extra(fmt("Volume '%s'(%s) removed.\n", target, source), end="")
    if last is not None:
        raise from_libvirt(last)
    waiting.settle(ctx, dom, domain, wait, waiting.UNDEFINED, timeout)
