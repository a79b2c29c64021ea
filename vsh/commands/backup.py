"""Backups of a running domain's disks: backup-begin and backup-dumpxml.

A backup is a domain job: `domjobinfo` reports it while it runs and `domjobabort` ends it;
`blockjob --info` shows each disk's part of it as a "Backup" job.

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations

from vsh.commands import common
from vsh.errors import VshError
from vsh.registry import command
from vsh.schema import XML
from vsh.session import Session
from vsh.spec import Flag, Str
from vsh.i18n import fmt


@command("backup-begin", group="backup", help="Start a disk backup of a live domain",
         desc="Use XML to start a full or incremental disk backup of a live domain, optionally creating a "
              "checkpoint",
         opts=[common.DOMAIN(complete="domain:active"),
               Str("backupxml", "domain backup XML", complete="file", empty_ok=True),
               Str("checkpointxml", "domain checkpoint XML", complete="file", empty_ok=True),
               Flag("reuse-external", "reuse files provided by caller")], json=False)
def cmd_backup_begin(ctx: Session, domain: str, backupxml: str | None, checkpointxml: str | None,
                     reuse_external: bool) -> None:
    import libvirt

    flags = libvirt.VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL if reuse_external else 0
    dom = ctx.lookup.domain(domain)
    # virsh reads each file right after its option, so a missing backup file is reported first.
    backupxml = common.required("backupxml", backupxml)
    backup = "<domainbackup/>" if backupxml is None else ctx.read_file(backupxml)
    checkpointxml = common.required("checkpointxml", checkpointxml)
    check = None if checkpointxml is None else ctx.read_file(checkpointxml)
    dom.backupBegin(backup, check, flags)
    ctx.out.write(fmt("Backup started\n"))


@command("backup-dumpxml", schema=XML,
         group="backup", help="Dump XML for an ongoing domain block backup job",
         desc="Backup Dump XML", opts=[common.DOMAIN(complete="domain:active"), common.XPATH(), common.WRAP])
def cmd_backup_dumpxml(ctx: Session, domain: str, xpath: str | None, wrap: bool) -> None:
    dom = ctx.lookup.domain(domain)
    if xpath == "":
        # virsh reads --xpath quietly: an empty one fails the command with no message.
        raise VshError("")
    common.dump_xml(ctx, dom.backupGetXMLDesc(0), xpath, wrap)
