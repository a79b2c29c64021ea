"""Saving domain state: save, restore, managedsave*, save-image-*, dump.

The long jobs (save, managedsave, dump) run through vsh.jobs.JobWatch: the libvirt call in a
worker thread while the main thread polls the job every 0.5 s, as virsh's virshWatchJob does; `--verbose`
shows the progress (virsh's ``\\rSave: [ 45 %]`` text in a pipe, a bar on a terminal).
Ctrl-C during such a job asks libvirt to abort it (virsh only does that on a terminal).
Under --json the *-dumpxml commands print ``{"xml": TEXT}``; the *-edit commands print
``{"domain": NAME, "changed": BOOL}`` / ``{"file": FILE, "changed": BOOL}``; the other
commands report no data and print nothing but errors.
"""
from __future__ import annotations

from vsh.commands import common
from vsh.errors import VshError, failing
from vsh.jobs import JobWatch
from vsh.registry import command
from vsh.schema import EDITED, XML, obj
from vsh.session import Session
from vsh.spec import Data, Flag, Str


def _save_flags(bypass_cache: bool = False, running: bool = False, paused: bool = False,
                reset_nvram: bool = False) -> int:
    """VIR_DOMAIN_SAVE_* for the options given."""
    import libvirt

    return Session.flags(bypass_cache=(bypass_cache, libvirt.VIR_DOMAIN_SAVE_BYPASS_CACHE),
                         running=(running, libvirt.VIR_DOMAIN_SAVE_RUNNING),
                         paused=(paused, libvirt.VIR_DOMAIN_SAVE_PAUSED),
                         reset_nvram=(reset_nvram, getattr(libvirt, "VIR_DOMAIN_SAVE_RESET_NVRAM", 8)))


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
               Flag("verbose", "display the progress of save")])
def cmd_save(ctx: Session, domain: str, file: str, bypass_cache: bool, xml: str | None, running: bool,
             paused: bool, verbose: bool) -> None:
    dom = ctx.lookup.domain(domain)
    file = ctx.late("file", file)
    xml = ctx.late("xml", xml)
    flags = _save_flags(bypass_cache, running, paused)
    text = _read_xml(ctx, xml)

    def call() -> None:
        if flags or text is not None:
            dom.saveFlags(file, text, flags)
        else:
            dom.save(file)

    with failing(f"Failed to save domain '{domain}' to {file}"):
        JobWatch(ctx, dom, "Save", verbose).run(call)
    ctx.out.extra(f"\nDomain '{domain}' saved to {file}")


@command("restore", group="domain", help="restore a domain from a saved state in a file",
         desc="Restore a domain.",
         opts=[Data("file", "the state to restore", complete="file"),
               Flag("bypass-cache", "avoid file system cache when restoring"),
               Str("xml", "filename containing updated XML for the target", complete="file"),
               Flag("running", "restore domain into running state"),
               Flag("paused", "restore domain into paused state"),
               Flag("reset-nvram", "re-initialize NVRAM from its pristine template")])
def cmd_restore(ctx: Session, file: str, bypass_cache: bool, xml: str | None, running: bool, paused: bool,
                reset_nvram: bool) -> None:
    flags = _save_flags(bypass_cache, running, paused, reset_nvram)
    text = _read_xml(ctx, xml)
    with failing(f"Failed to restore domain from {file}"):
        if flags or text is not None:
            ctx.conn.restoreFlags(file, text, flags)
        else:
            ctx.conn.restore(file)
    ctx.out.extra(f"Domain restored from {file}")


# managed save ------------------------------------------------------------------------------

@command("managedsave", group="domain", help="managed save of a domain state",
         desc="Save and destroy a running domain, so it can be restarted from\n"
              "    the same state at a later time.  When the virsh 'start'\n"
              "    command is next run for the domain, it will automatically\n"
              "    be started from this saved state.",
         opts=[common.DOMAIN(complete="domain:active"), Flag("bypass-cache", "avoid file system cache when saving"),
               Flag("running", "set domain to be running on next start"),
               Flag("paused", "set domain to be paused on next start"),
               Flag("verbose", "display the progress of save")])
def cmd_managedsave(ctx: Session, domain: str, bypass_cache: bool, running: bool, paused: bool,
                    verbose: bool) -> None:
    dom = ctx.lookup.domain(domain)
    flags = _save_flags(bypass_cache, running, paused)
    with failing(f"Failed to save domain '{domain}' state"):
        JobWatch(ctx, dom, "Managedsave", verbose).run(lambda: dom.managedSave(flags))
    ctx.out.extra(f"\nDomain '{domain}' state saved by libvirt")


@command("managedsave-remove", group="domain", help="Remove managed save of a domain",
         desc="Remove an existing managed save state file from a domain", opts=[common.DOMAIN(complete="domain:managedsave")])
def cmd_managedsave_remove(ctx: Session, domain: str) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    try:
        has = dom.hasManagedSaveImage(0)
    except libvirt.libvirtError as err:
        raise VshError("Failed to check for domain managed save image", cause=err) from None
    if not has:
        # virsh's own spelling ("manage save image"), without a newline.
        ctx.out.extra(f"Domain '{domain}' has no manage save image; removal skipped", end="")
        return
    with failing(f"Failed to remove managed save image for domain '{domain}'"):
        dom.managedSaveRemove(0)
    ctx.out.extra(f"Removed managedsave image for domain '{domain}'", end="")


@command("managedsave-edit", schema=EDITED,
         group="domain", help="edit XML for a domain's managed save state file",
         desc="Edit the domain XML associated with the managed save state file",
         opts=[common.DOMAIN(complete="domain:managedsave"), Flag("running", "set domain to be running on start"),
               Flag("paused", "set domain to be paused on start")],
         exclusive=[("running", "paused")])
def cmd_managedsave_edit(ctx: Session, domain: str, running: bool, paused: bool) -> None:
    import libvirt

    from vsh.editor import edit_xml

    flags = _save_flags(running=running, paused=paused)
    dom = ctx.lookup.domain(domain)

    def define(xml: str) -> bool:
        dom.managedSaveDefineXML(xml, flags)
        return True

    changed = edit_xml(ctx, lambda: dom.managedSaveGetXMLDesc(libvirt.VIR_DOMAIN_XML_SECURE), define)
    if ctx.out.json:
        ctx.out.data({"name": dom.name(), "changed": bool(changed)})
    elif changed:
        ctx.out.extra(f"Managed save image of Domain '{dom.name()}' XML configuration edited.")
    else:
        ctx.out.extra(f"Managed save image of domain '{dom.name()}' XML configuration not changed.")


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
         opts=[common.DOMAIN(complete="domain:managedsave")._replace(late=True),
               Data("xml", "filename containing updated XML for the target", complete="file"),
               Flag("running", "set domain to be running on start"),
               Flag("paused", "set domain to be paused on start")],
         exclusive=[("running", "paused")])
def cmd_managedsave_define(ctx: Session, domain: str, xml: str, running: bool, paused: bool) -> None:
    text = ctx.read_file(xml)
    dom = ctx.lookup.domain(ctx.late("domain", domain))
    with failing(f"Failed to update {dom.name()} XML configuration"):
        dom.managedSaveDefineXML(text, _save_flags(running=running, paused=paused))
    ctx.out.extra(f"Managed save state file of domain '{dom.name()}' updated.")


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
    with failing(f"Failed to update {file}"):
        ctx.conn.saveImageDefineXML(file, text, _save_flags(running=running, paused=paused))
    ctx.out.extra(f"State file {file} updated.")


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

    flags = _save_flags(running=running, paused=paused)
    conn = ctx.conn

    def define(xml: str) -> bool:
        conn.saveImageDefineXML(file, xml, flags)
        return True

    changed = edit_xml(ctx, lambda: conn.saveImageGetXMLDesc(file, libvirt.VIR_DOMAIN_XML_SECURE), define)
    if ctx.out.json:
        ctx.out.data({"file": file, "changed": bool(changed)})
    elif changed:
        ctx.out.extra(f"State file {file} edited.")
    else:
        ctx.out.extra(f"Saved image {file} XML configuration not changed.")


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
    flags = ctx.flags(live=(live, libvirt.VIR_DUMP_LIVE), crash=(crash, libvirt.VIR_DUMP_CRASH),
                      bypass_cache=(bypass_cache, libvirt.VIR_DUMP_BYPASS_CACHE),
                      reset=(reset, libvirt.VIR_DUMP_RESET), memory_only=(memory_only, libvirt.VIR_DUMP_MEMORY_ONLY))
    dump_format = 0
    if format is not None:
        if not memory_only:
            raise VshError("--format only works with --memory-only")
        # virsh reads the value quietly: an empty one leaves the default format.
        if format and format not in DUMP_FORMATS:
            raise VshError(f"format '{format}' is not supported, expecting 'kdump-zlib', 'kdump-lzo', "
                           "'kdump-snappy', 'win-dmp' or 'elf'")
        dump_format = DUMP_FORMATS.index(format) if format else 0

    def call() -> None:
        if dump_format:
            dom.coreDumpWithFormat(file, dump_format, flags)
        else:
            dom.coreDump(file, flags)

    with failing(f"Failed to core dump domain '{domain}' to {file}"):
        JobWatch(ctx, dom, "Dump", verbose).run(call)
    ctx.out.extra(f"\nDomain '{domain}' dumped to {file}")
