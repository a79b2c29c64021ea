"""Saving domain state: save, restore, managedsave*, save-image-*, dump.

The long jobs (save, managedsave, dump) run through vsh.jobs.JobWatch: the libvirt call in a
worker thread while the main thread polls the job every 0.5 s, as virsh's virshWatchJob does; `--verbose`
shows the progress (virsh's ``\\rSave: [ 45 %]`` text in a pipe, a bar on a terminal).
Ctrl-C during such a job asks libvirt to abort it (virsh only does that on a terminal).
Under --json the *-dumpxml commands print ``{"xml": TEXT}``; the *-edit commands print
``{"domain": NAME, "changed": BOOL}`` / ``{"file": FILE, "changed": BOOL}``; the other
commands report no data and print nothing but errors.  save, managedsave and restore take vsh's
own --wait/--timeout (vsh.waiting).
"""
from __future__ import annotations

from vsh import waiting
from vsh.commands import common
from vsh.errors import VshError, failing
from vsh.jobs import JobWatch
from vsh.registry import command
from vsh.schema import EDITED, XML, obj
from vsh.session import Session
from vsh.spec import Data, Flag, Str
from vsh.waiting import WAIT_REQUIRES, wait_opts
from vsh.i18n import fmt, msg


def _save_flags(ctx: Session) -> int:
    """VIR_DOMAIN_SAVE_* for those of --bypass-cache, --running, --paused and --reset-nvram that
    the running command has and were given."""
    import libvirt

    bits = {"bypass_cache": libvirt.VIR_DOMAIN_SAVE_BYPASS_CACHE, "running": libvirt.VIR_DOMAIN_SAVE_RUNNING,
            "paused": libvirt.VIR_DOMAIN_SAVE_PAUSED,
            "reset_nvram": getattr(libvirt, "VIR_DOMAIN_SAVE_RESET_NVRAM", 8)}
    return ctx.flags(**{name: bit for name, bit in bits.items() if name in ctx.values})


def _read_xml(ctx: Session, path: str | None) -> str | None:
    return None if path is None else ctx.read_file(path)


# save / restore ------------------------------------------------------------------------------

@command("save", group="domain", help="save a domain state to a file",
         desc="Save the RAM state of a running domain.",
         opts=[common.DOMAIN(complete="domain:active"), Data("file", "where to save the data", complete="file", late=True),
               Flag("bypass-cache", "avoid file system cache when saving"),
               Str("xml", "filename containing updated XML for the target", complete="file", late=True),
               Flag("running", "set domain to be running on restore"),
               Flag("paused", "set domain to be paused on restore"),
               Flag("verbose", "display the progress of save"),
               *wait_opts("shut off (or gone)")], requires=WAIT_REQUIRES)
def cmd_save(ctx: Session, domain: str, file: str, bypass_cache: bool, xml: str | None, running: bool,
             paused: bool, verbose: bool, wait: bool, timeout: int | None) -> None:
    dom = ctx.lookup.domain(domain)
    file = ctx.late("file", file)
    xml = ctx.late("xml", xml)
    flags = _save_flags(ctx)
    text = _read_xml(ctx, xml)

    def call() -> None:
        if flags or text is not None:
            dom.saveFlags(file, text, flags)
        else:
            dom.save(file)

    with failing(msg("Failed to save domain '%s' to %s", domain, file)):
        JobWatch(ctx, dom, "Save", verbose).run(call)
    ctx.out.extra(fmt("\nDomain '%s' saved to %s\n", domain, file), end="")
    waiting.settle(ctx, dom, domain, wait, waiting.SHUT_OFF, timeout)


@command("restore", group="domain", help="restore a domain from a saved state in a file",
         desc="Restore a domain.",
         opts=[Data("file", "the state to restore", complete="file"),
               Flag("bypass-cache", "avoid file system cache when restoring"),
               Str("xml", "filename containing updated XML for the target", complete="file"),
               Flag("running", "restore domain into running state"),
               Flag("paused", "restore domain into paused state"),
               Flag("reset-nvram", "re-initialize NVRAM from its pristine template"),
               *wait_opts("running (or paused, as saved or asked)")], requires=WAIT_REQUIRES)
def cmd_restore(ctx: Session, file: str, bypass_cache: bool, xml: str | None, running: bool, paused: bool,
                reset_nvram: bool, wait: bool, timeout: int | None) -> None:
    flags = _save_flags(ctx)
    text = _read_xml(ctx, xml)
    with failing(msg("Failed to restore domain from %s", file)):
        if flags or text is not None:
            ctx.conn.restoreFlags(file, text, flags)
        else:
            ctx.conn.restore(file)
    ctx.out.extra(fmt("Domain restored from %s\n", file), end="")
    if wait:
        _settle_restored(ctx, file, text, running, paused, timeout)


def _settle_restored(ctx: Session, file: str, xml: str | None, running: bool, paused: bool,
                     timeout: int | None) -> None:
    """restore --wait: the restored domain is the one the image (or --xml) names."""
    from lxml import etree

    with failing(f"Failed to read the domain's name from {file}"):
        desc = xml if xml is not None else ctx.conn.saveImageGetXMLDesc(file, 0)
    name = etree.fromstring(desc.encode()).findtext("name") or ""
    goal = waiting.RUNNING if running else waiting.PAUSED if paused else waiting.ACTIVE
    waiting.settle(ctx, ctx.lookup.domain(name), name, True, goal, timeout)


# managed save ------------------------------------------------------------------------------

@command("managedsave", group="domain", help="managed save of a domain state",
         desc="Save and destroy a running domain, so it can be restarted from\n"
              "    the same state at a later time.  When the virsh 'start'\n"
              "    command is next run for the domain, it will automatically\n"
              "    be started from this saved state.",
         opts=[common.DOMAIN(complete="domain:active"), Flag("bypass-cache", "avoid file system cache when saving"),
               Flag("running", "set domain to be running on next start"),
               Flag("paused", "set domain to be paused on next start"),
               Flag("verbose", "display the progress of save"),
               *wait_opts("shut off")], requires=WAIT_REQUIRES)
def cmd_managedsave(ctx: Session, domain: str, bypass_cache: bool, running: bool, paused: bool,
                    verbose: bool, wait: bool, timeout: int | None) -> None:
    dom = ctx.lookup.domain(domain)
    flags = _save_flags(ctx)
    with failing(msg("Failed to save domain '%s' state", domain)):
        JobWatch(ctx, dom, "Managedsave", verbose).run(lambda: dom.managedSave(flags))
    ctx.out.extra(fmt("\nDomain '%s' state saved by libvirt\n", domain), end="")
    waiting.settle(ctx, dom, domain, wait, waiting.SHUT_OFF, timeout)


@command("managedsave-remove", group="domain", help="Remove managed save of a domain",
         desc="Remove an existing managed save state file from a domain", opts=[common.DOMAIN(complete="domain:managedsave")])
def cmd_managedsave_remove(ctx: Session, domain: str) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    try:
        has = dom.hasManagedSaveImage(0)
    except libvirt.libvirtError as err:
        raise VshError(msg("Failed to check for domain managed save image"), cause=err) from None
    if not has:
        # virsh's own spelling ("manage save image"), without a newline.
        ctx.out.extra(fmt("Domain '%s' has no manage save image; removal skipped", domain), end="")
        return
    with failing(msg("Failed to remove managed save image for domain '%s'", domain)):
        dom.managedSaveRemove(0)
    ctx.out.extra(fmt("Removed managedsave image for domain '%s'", domain), end="")


@command("managedsave-edit", schema=EDITED,
         group="domain", help="edit XML for a domain's managed save state file",
         desc="Edit the domain XML associated with the managed save state file",
         opts=[common.DOMAIN(complete="domain:managedsave"), Flag("running", "set domain to be running on start"),
               Flag("paused", "set domain to be paused on start")],
         exclusive=[("running", "paused")])
def cmd_managedsave_edit(ctx: Session, domain: str, running: bool, paused: bool) -> None:
    import libvirt

    from vsh.editor import edit_xml

    flags = _save_flags(ctx)
    dom = ctx.lookup.domain(domain)

    def define(xml: str) -> bool:
        dom.managedSaveDefineXML(xml, flags)
        return True

    changed = edit_xml(ctx, lambda: dom.managedSaveGetXMLDesc(libvirt.VIR_DOMAIN_XML_SECURE), define)
    if ctx.out.json:
        ctx.out.data({"name": dom.name(), "changed": bool(changed)})
    elif changed:
        ctx.out.extra(fmt("Managed save image of Domain '%s' XML configuration edited.\n", dom.name()), end="")
    else:
        ctx.out.extra(fmt("Managed save image of domain '%s' XML configuration not changed.\n", dom.name()), end="")


@command("managedsave-dumpxml", schema=XML,
         group="domain", help="Domain information of managed save state file in XML",
         desc="Dump XML of domain information for a managed save state file to stdout.",
         opts=[common.DOMAIN(complete="domain:managedsave"), Flag("security-info", "include security sensitive information in XML dump"),
               common.XPATH(), common.WRAP])
def cmd_managedsave_dumpxml(ctx: Session, domain: str, security_info: bool, xpath: str | None,
                            wrap: bool) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    if xpath == "":
        raise VshError("")
    xml = dom.managedSaveGetXMLDesc(libvirt.VIR_DOMAIN_XML_SECURE if security_info else 0)
    common.dump_xml(ctx, xml, xpath, wrap)


@command("managedsave-define", group="domain", help="redefine the XML for a domain's managed save state file",
         desc="Replace the domain XML associated with a managed save state file",
         opts=[common.DOMAIN(complete="domain:managedsave"),
               Data("xml", "filename containing updated XML for the target", complete="file"),
               Flag("running", "set domain to be running on start"),
               Flag("paused", "set domain to be paused on start")],
         exclusive=[("running", "paused")])
def cmd_managedsave_define(ctx: Session, domain: str, xml: str, running: bool, paused: bool) -> None:
    text = ctx.read_file(xml)
    dom = ctx.lookup.domain(domain)
    with failing(msg("Failed to update %s XML configuration", dom.name())):
        dom.managedSaveDefineXML(text, _save_flags(ctx))
    ctx.out.extra(fmt("Managed save state file of domain '%s' updated.\n", dom.name()), end="")


# save images ------------------------------------------------------------------------------

@command("save-image-dumpxml", schema=XML,
         group="domain", help="saved state domain information in XML",
         desc="Dump XML of domain information for a saved state file to stdout.",
         opts=[Data("file", "saved state file to read", complete="file"),
               Flag("security-info", "include security sensitive information in XML dump"),
               common.XPATH(), common.WRAP])
def cmd_save_image_dumpxml(ctx: Session, file: str, security_info: bool, xpath: str | None,
                           wrap: bool) -> None:
    import libvirt

    if xpath == "":
        raise VshError("")
    xml = ctx.conn.saveImageGetXMLDesc(file, libvirt.VIR_DOMAIN_XML_SECURE if security_info else 0)
    common.dump_xml(ctx, xml, xpath, wrap)


@command("save-image-define", group="domain", help="redefine the XML for a domain's saved state file",
         desc="Replace the domain XML associated with a saved state file",
         opts=[Data("file", "saved state file to modify", complete="file"),
               Data("xml", "filename containing updated XML for the target", complete="file"),
               Flag("running", "set domain to be running on restore"),
               Flag("paused", "set domain to be paused on restore")])
def cmd_save_image_define(ctx: Session, file: str, xml: str, running: bool, paused: bool) -> None:
    text = ctx.read_file(xml)
    with failing(msg("Failed to update %s", file)):
        ctx.conn.saveImageDefineXML(file, text, _save_flags(ctx))
    ctx.out.extra(fmt("State file %s updated.\n", file), end="")


@command("save-image-edit", schema=obj(file="string", changed="boolean"),
         group="domain", help="edit XML for a domain's saved state file",
         desc="Edit the domain XML associated with a saved state file",
         opts=[Data("file", "saved state file to edit", complete="file"),
               Flag("running", "set domain to be running on restore"),
               Flag("paused", "set domain to be paused on restore")],
         exclusive=[("running", "paused")])
def cmd_save_image_edit(ctx: Session, file: str, running: bool, paused: bool) -> None:
    import libvirt

    from vsh.editor import edit_xml

    flags = _save_flags(ctx)
    conn = ctx.conn

    def define(xml: str) -> bool:
        conn.saveImageDefineXML(file, xml, flags)
        return True

    changed = edit_xml(ctx, lambda: conn.saveImageGetXMLDesc(file, libvirt.VIR_DOMAIN_XML_SECURE), define)
    if ctx.out.json:
        ctx.out.data({"file": file, "changed": bool(changed)})
    elif changed:
        ctx.out.extra(fmt("State file %s edited.\n", file), end="")
    else:
        ctx.out.extra(fmt("Saved image %s XML configuration not changed.\n", file), end="")


# dump ------------------------------------------------------------------------------------

#: virsh's names for VIR_DOMAIN_CORE_DUMP_FORMAT_*, by value.
DUMP_FORMATS = ("elf", "kdump-zlib", "kdump-lzo", "kdump-snappy", "win-dmp")


@command("dump", group="domain", help="dump the core of a domain to a file for analysis",
         desc="Core dump a domain.",
         opts=[common.DOMAIN(complete="domain:active"), Data("file", "where to dump the core", complete="file", late=True),
               Flag("live", "perform a live core dump if supported"),
               Flag("crash", "crash the domain after core dump"),
               Flag("bypass-cache", "avoid file system cache when dumping"),
               Flag("reset", "reset the domain after core dump"),
               Flag("verbose", "display the progress of dump"),
               Flag("memory-only", "dump domain's memory only"),
               Str("format", "specify the format of memory-only dump", empty_ok=True,
                   choices=("elf", "kdump-zlib", "kdump-lzo", "kdump-snappy", "win-dmp"))])
def cmd_dump(ctx: Session, domain: str, file: str, live: bool, crash: bool, bypass_cache: bool, reset: bool,
             verbose: bool, memory_only: bool, format: str | None) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    file = ctx.late("file", file)
    flags = ctx.flags(live=libvirt.VIR_DUMP_LIVE, crash=libvirt.VIR_DUMP_CRASH,
                      bypass_cache=libvirt.VIR_DUMP_BYPASS_CACHE,
                      reset=libvirt.VIR_DUMP_RESET, memory_only=libvirt.VIR_DUMP_MEMORY_ONLY)
    dump_format = 0
    if format is not None:
        if not memory_only:
            raise VshError(msg("--format only works with --memory-only"))
        # virsh reads the value quietly: an empty one leaves the default format.
        if format and format not in DUMP_FORMATS:
            raise VshError(msg("format '%s' is not supported, expecting 'kdump-zlib', 'kdump-lzo', 'kdump-snappy', 'win-dmp' or 'elf'", format))
        dump_format = DUMP_FORMATS.index(format) if format else 0

    def call() -> None:
        if dump_format:
            dom.coreDumpWithFormat(file, dump_format, flags)
        else:
            dom.coreDump(file, flags)

    with failing(msg("Failed to core dump domain '%s' to %s", domain, file)):
        JobWatch(ctx, dom, "Dump", verbose).run(call)
    ctx.out.extra(fmt("\nDomain '%s' dumped to %s\n", domain, file), end="")
