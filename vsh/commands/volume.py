"""Storage volume commands: vol-list, vol-create-as, vol-create, vol-create-from, vol-clone,
vol-info, vol-dumpxml, vol-path, vol-key, vol-name, vol-pool, vol-resize, vol-wipe, vol-delete.

A volume is found by name inside --pool when given, else by key, else by path.
JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).

vol-upload and vol-download move the bytes through a virStream (vsh.streams), with a
progress bar on a terminal; they report no data under --json.
"""
from __future__ import annotations

import os
import stat

from vsh.commands import common
from vsh.errors import VshError, failing
from vsh.output import Column
from vsh.registry import command
from vsh.schema import XML, obj, rows, single
from vsh.session import Session
from vsh.spec import Data, Flag, Int, Str
from vsh.streams import Target, TransferError, abort_stream, failed_transfer, send_all, sparse_send_all
from vsh.units import format_capacity, parse_size
from vsh.i18n import _, fmt, msg, printf

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


_TYPES = ("file", "block", "dir", "network", "netdir", "ploop")


def type_name(vol_type: int) -> str:
    """virsh's word for a volume type."""
    return _TYPES[vol_type] if 0 <= vol_type < len(_TYPES) else "unknown"


def _size_text(value: int | None) -> str:
    return _("unknown") if value is None else format_capacity(value)


@command("vol-list", schema=rows(name="string", path="string", type="string?", capacity_bytes="integer?",
                                 allocation_bytes="integer?"),
         group="volume", help="list vols", desc="Returns list of vols by pool.",
         opts=[common.POOL(), Flag("details", "display extended details for volumes")])
def cmd_vol_list(ctx: Session, pool: str, details: bool) -> None:
    import libvirt

    obj = ctx.lookup.pool(pool)
    with failing(msg("Failed to list volumes")):
        vols = sorted(obj.listAllVolumes(0), key=lambda v: common.name_key(v.name()))
    from vsh import rpc

    rows = []
    for vol in rpc.prefetch(ctx.conn, vols, [("path",), ("info",)] if details else [("path",)]):
        try:
            path = vol.path()
        except libvirt.libvirtError:
            path = "unknown"
        row: dict[str, Any] = {"name": vol.name(), "path": path}
        if ctx.out.json:
            # --details adds text columns; every JSON row has every key.
            row.update(type=None, capacity_bytes=None, allocation_bytes=None)
            try:
                vol_type, capacity, allocation = vol.info()
                row.update(type=type_name(vol_type), capacity_bytes=capacity, allocation_bytes=allocation)
            except libvirt.libvirtError:
                pass
        elif details:
            try:
                vol_type, capacity, allocation = vol.info()
                row.update(type=type_name(vol_type), capacity=capacity, allocation=allocation)
            except libvirt.libvirtError:
                row.update(type="unknown", capacity=None, allocation=None)
        rows.append(row)
    columns = [Column("name", "Name"), Column("path", "Path")]
    if details:
        columns += [Column("type", "Type", _), Column("capacity", "Capacity", _size_text),
                    Column("allocation", "Allocation", _size_text)]
    ctx.out.table(columns, rows)


def _backing_path(ctx: Session, pool: Any, name: str) -> str:
    """The path of --backing-vol: a volume of the pool by name, else any volume by key or path."""
    import libvirt

    last: Exception | None = None
    for find in (pool.storageVolLookupByName, ctx.conn.storageVolLookupByKey, ctx.conn.storageVolLookupByPath):
        try:
            found = find(name)
        except libvirt.libvirtError as err:
            last = err
            continue
        return found.path()
    raise VshError(msg("failed to get vol '%s'", name), cause=last)


@command("vol-create-as", schema=XML,
         group="volume", help="create a volume from a set of args", desc="Create a vol.",
         opts=[common.POOL("pool name"),
               Data("name", "name of the volume", empty_ok=True),
               Data("capacity", "size of the vol, as scaled integer (default bytes)", empty_ok=True),
               Str("allocation", "initial allocation size, as scaled integer (default bytes)", empty_ok=True),
               Str("format", "file format type raw,bochs,qcow,qcow2,qed,vmdk", empty_ok=True),
               Str("backing-vol", "the backing volume if taking a snapshot", complete="volume", empty_ok=True),
               Str("backing-vol-format", "format of backing volume if taking a snapshot", empty_ok=True),
               Flag("prealloc-metadata", "preallocate metadata (for qcow2 instead of full allocation)"),
               Flag("print-xml", "print XML document, but don't define/create")])
def cmd_vol_create_as(ctx: Session, pool: str, name: str, capacity: str, allocation: str | None,
                      format: str | None, backing_vol: str | None, backing_vol_format: str | None,
                      prealloc_metadata: bool, print_xml: bool) -> None:
    import libvirt

    obj = ctx.lookup.pool(pool)
    common.required("name", name)
    common.required("capacity", capacity)
    size = parse_size(capacity)
    # virsh reads --allocation quietly: an empty value means no allocation at all.
    alloc = parse_size(allocation) if allocation else None
    for opt, value in (("format", format), ("backing-vol", backing_vol), ("backing-vol-format", backing_vol_format)):
        common.required(opt, value)
    backing = _backing_path(ctx, obj, backing_vol) if backing_vol is not None else None
    from vsh.xmlbuild import volume_xml

    xml = volume_xml(name, size, alloc, format, backing, backing_vol_format if backing else None)
    if print_xml:
        ctx.out.xml(xml)
        return
    flags = ctx.flags(prealloc_metadata=libvirt.VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA)
    with failing(msg("Failed to create vol %s", name)):
        obj.createXML(xml, flags)
    ctx.out.extra(fmt("Vol %s created\n", name), end="")


@command("vol-info", schema=obj(name="string", type="string", capacity_bytes="integer", allocation_bytes="integer?",
                                physical_bytes="integer?"),
         group="volume", help="storage vol information",
         desc="Returns basic information about the storage vol.",
         opts=[common.VOLUME(), common.POOL_OPT(),
               Flag("bytes", "sizes are represented in bytes rather than pretty units"),
               Flag("physical", "return the physical size of the volume in allocation field")])
def cmd_vol_info(ctx: Session, vol: str, pool: str | None, bytes: bool, physical: bool) -> None:
    import libvirt

    obj = ctx.lookup.volume(vol, pool)
    name = obj.name()
    try:
        if physical:
            vol_type, capacity, allocation = obj.infoFlags(libvirt.VIR_STORAGE_VOL_GET_PHYSICAL)
        else:
            vol_type, capacity, allocation = obj.info()
    except libvirt.libvirtError:
        ctx.out.print(f"{'Name:':<15} {name}")
        raise

    def size(value: int) -> str:
        return printf("%llu %s", value, _("bytes")) if bytes else format_capacity(value)

    second = ("physical", "Physical:") if physical else ("allocation", "Allocation:")
    if ctx.out.json:
        ctx.out.data({"name": name, "type": type_name(vol_type), "capacity_bytes": capacity,
                      "allocation_bytes": None if physical else allocation,
                      "physical_bytes": allocation if physical else None})
        return
    ctx.out.kv([
        ("name", "Name:", name, name),
        ("type", "Type:", type_name(vol_type), _(type_name(vol_type))),
        ("capacity", "Capacity:", capacity, size(capacity)),
        (second[0], second[1], allocation, size(allocation)),
    ])


@command("vol-dumpxml", schema=XML,
         group="volume", help="vol information in XML",
         desc="Output the vol information as an XML dump to stdout.",
         opts=[common.VOLUME(), common.POOL_OPT(), common.XPATH(), common.WRAP])
def cmd_vol_dumpxml(ctx: Session, vol: str, pool: str | None, xpath: str | None, wrap: bool) -> None:
    obj = ctx.lookup.volume(vol, pool)
    common.dump_xml(ctx, obj.XMLDesc(0), xpath, wrap)


@command("vol-path", schema=single("path"),
         group="volume", help="returns the volume path for a given volume name or key",
         opts=[common.VOLUME("volume name or key"), common.POOL_OPT()])
def cmd_vol_path(ctx: Session, vol: str, pool: str | None) -> None:
    path = ctx.lookup.volume(vol, pool).path()
    ctx.out.data({"path": path}, path + "\n")


@command("vol-key", schema=single("key"),
         group="volume", help="returns the volume key for a given volume name or path",
         opts=[common.VOLUME("volume name or path"), common.POOL_OPT()])
def cmd_vol_key(ctx: Session, vol: str, pool: str | None) -> None:
    key = ctx.lookup.volume(vol, pool).key()
    ctx.out.data({"key": key}, key + "\n")


@command("vol-name", schema=single("name"),
         group="volume", help="returns the volume name for a given volume key or path",
         opts=[common.VOLUME("volume key or path")])
def cmd_vol_name(ctx: Session, vol: str) -> None:
    name = ctx.lookup.volume(vol, pool_opt=None).name()
    ctx.out.data({"name": name}, name + "\n")


@command("vol-pool", schema=obj(name="string", uuid="string"),
         group="volume", help="returns the storage pool for a given volume key or path",
         opts=[common.VOLUME("volume key or path"), Flag("uuid", "return the pool uuid rather than pool name")])
def cmd_vol_pool(ctx: Session, vol: str, uuid: bool) -> None:
    obj = ctx.lookup.volume(vol, pool_opt=None)
    with failing(msg("failed to get parent pool")):
        pool = obj.storagePoolLookupByVolume()
    text = pool.UUIDString() if uuid else pool.name()
    ctx.out.data({"name": pool.name(), "uuid": pool.UUIDString()}, text + "\n")


@command("vol-delete", group="volume", help="delete a vol", desc="Delete a given vol.",
         opts=[common.VOLUME(), common.POOL_OPT(),
               Flag("delete-snapshots",
                    "delete snapshots associated with volume (must be supported by storage driver)")])
def cmd_vol_delete(ctx: Session, vol: str, pool: str | None, delete_snapshots: bool) -> None:
    import libvirt

    obj = ctx.lookup.volume(vol, pool)
    with failing(msg("Failed to delete vol %s", vol)):
        obj.delete(ctx.flags(delete_snapshots=libvirt.VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS))
    ctx.out.extra(fmt("Vol %s deleted\n", vol), end="")


@command("vol-create", group="volume", help="create a vol from an XML file", desc="Create a vol.",
         opts=[common.POOL("pool name"), common.FILE("file containing an XML vol description")._replace(late=True),
               Flag("prealloc-metadata", "preallocate metadata (for qcow2 instead of full allocation)"),
               Flag("validate", "validate the XML against the schema")])
def cmd_vol_create(ctx: Session, pool: str, file: str, prealloc_metadata: bool, validate: bool) -> None:
    import libvirt

    obj = ctx.lookup.pool(pool)
    file = ctx.late("file", file)
    xml = ctx.read_file(file)
    flags = ctx.flags(prealloc_metadata=libvirt.VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA,
                      validate=libvirt.VIR_STORAGE_VOL_CREATE_VALIDATE)
    with failing(msg("Failed to create vol from %s", file)):
        vol = obj.createXML(xml, flags)
    ctx.out.extra(fmt("Vol %s created from %s\n", vol.name(), file), end="")


@command("vol-create-from", group="volume", help="create a vol, using another volume as input",
         desc="Create a vol from an existing volume.",
         opts=[common.POOL(), common.FILE("file containing an XML vol description")._replace(late=True),
               common.VOLUME()._replace(late=True),
               Str("inputpool", "pool name or uuid of the input volume's pool", complete="pool", late=True),
               Flag("prealloc-metadata", "preallocate metadata (for qcow2 instead of full allocation)"),
               Flag("reflink", "use btrfs COW lightweight copy"),
               Flag("validate", "validate the XML against the schema")])
def cmd_vol_create_from(ctx: Session, pool: str, file: str, vol: str, inputpool: str | None,
                        prealloc_metadata: bool, reflink: bool, validate: bool) -> None:
    import libvirt

    obj = ctx.lookup.pool(pool)
    file = ctx.late("file", file)
    vol = ctx.late("vol", vol)
    source = ctx.lookup.volume(vol, ctx.late("inputpool", inputpool), pool_opt="inputpool")
    xml = ctx.read_file(file)
    flags = ctx.flags(prealloc_metadata=libvirt.VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA,
                      reflink=libvirt.VIR_STORAGE_VOL_CREATE_REFLINK,
                      validate=libvirt.VIR_STORAGE_VOL_CREATE_VALIDATE)
    with failing(msg("Failed to create vol from %s", file)):
        new = obj.createXMLFrom(xml, source, flags)
    ctx.out.extra(fmt("Vol %s created from input vol %s\n", new.name(), source.name()), end="")


def _clone_xml(xml: str, new_name: str) -> str:
    """virshMakeCloneXML: the volume's XML with a new name, as libxml2 writes the root element."""
    from lxml import etree

    from vsh.xmldump import select

    root = etree.fromstring(xml.encode("utf-8"))
    found = root.xpath("/volume/name")
    if not found:
        raise VshError(msg("Failed to allocate XML buffer"))
    found[0].text = new_name
    text, _ = select(etree.tostring(root, encoding=str), "/volume", False)
    return text[:-1]


@command("vol-clone", schema=XML,
         group="volume", help="clone a volume.", desc="Clone an existing volume within the parent pool.",
         opts=[common.VOLUME(), Data("newname", "clone name", empty_ok=True), common.POOL_OPT(),
               Flag("prealloc-metadata", "preallocate metadata (for qcow2 instead of full allocation)"),
               Flag("reflink", "use btrfs COW lightweight copy"),
               Flag("print-xml", "print XML document rather than clone the volume")])
def cmd_vol_clone(ctx: Session, vol: str, newname: str, pool: str | None, prealloc_metadata: bool,
                  reflink: bool, print_xml: bool) -> None:
    import libvirt

    obj = ctx.lookup.volume(vol, pool)
    with failing(msg("failed to get parent pool")):
        parent = obj.storagePoolLookupByVolume()
    common.required("newname", newname)
    xml = _clone_xml(obj.XMLDesc(0), newname)
    if print_xml:
        # The document comes without a final newline; the blank line after the command ends it.
        ctx.out.xml(xml)
        return
    flags = ctx.flags(prealloc_metadata=libvirt.VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA,
                      reflink=libvirt.VIR_STORAGE_VOL_CREATE_REFLINK)
    with failing(msg("Failed to clone vol from %s", obj.name())):
        new = parent.createXMLFrom(xml, obj, flags)
    ctx.out.extra(fmt("Vol %s cloned from %s\n", new.name(), obj.name()), end="")


@command("vol-resize", group="volume", help="resize a vol",
         desc="Resizes a storage volume. This is safe only for storage volumes not in use by an active guest.\n"
              "See blockresize for live resizing.",
         opts=[common.VOLUME(),
               Data("capacity", "new capacity for the vol, as scaled integer (default bytes)", empty_ok=True),
               common.POOL_OPT(),
               Flag("allocate", "allocate the new capacity, rather than leaving it sparse"),
               Flag("delta", "use capacity as a delta to current size, rather than the new size"),
               Flag("shrink", "allow the resize to shrink the volume")])
def cmd_vol_resize(ctx: Session, vol: str, capacity: str, pool: str | None, allocate: bool, delta: bool,
                   shrink: bool) -> None:
    import libvirt

    obj = ctx.lookup.volume(vol, pool)
    common.required("capacity", capacity)
    text = capacity.lstrip(" \t\n\v\f\r")
    if text.startswith("-"):
        # The API wants a positive size; virsh takes a negative one as a shrinking delta.
        if not shrink:
            raise VshError(msg("negative size requires --shrink"))
        text, delta = text[1:], True
    size = parse_size(text)
    flags = ctx.flags(allocate=libvirt.VIR_STORAGE_VOL_RESIZE_ALLOCATE,
                      delta=libvirt.VIR_STORAGE_VOL_RESIZE_DELTA,
                      shrink=libvirt.VIR_STORAGE_VOL_RESIZE_SHRINK)
    how = "by" if delta else "to"
    with failing(msg("Failed to change size of volume '%s' " + how + " %s", obj.name(), text)):
        obj.resize(size, flags)
    ctx.out.extra(fmt("Size of volume '%s' successfully changed " + how + " %s\n", obj.name(), text), end="")


WIPE_ALGORITHMS = ("zero", "nnsa", "dod", "bsi", "gutmann", "schneier", "pfitzner7", "pfitzner33", "random", "trim")


@command("vol-wipe", group="volume", help="wipe a vol",
         desc="Ensure data previously on a volume is not accessible to future reads",
         opts=[common.VOLUME(), common.POOL_OPT(),
               Str("algorithm", "perform selected wiping algorithm", late=True,
                   choices=WIPE_ALGORITHMS)])
def cmd_vol_wipe(ctx: Session, vol: str, pool: str | None, algorithm: str | None) -> None:

    obj = ctx.lookup.volume(vol, pool)
    algorithm = ctx.late("algorithm", algorithm)
    if algorithm is not None and algorithm not in WIPE_ALGORITHMS:
        raise VshError(msg("Unsupported algorithm '%s'", algorithm))
    pattern = WIPE_ALGORITHMS.index(algorithm) if algorithm is not None else 0
    # virsh zeroes with virStorageVolWipe and uses the pattern call for the other algorithms.
    with failing(msg("Failed to wipe vol %s", vol)):
        if pattern == 0:
            obj.wipe(0)
        else:
            obj.wipePattern(pattern, 0)
    ctx.out.extra(fmt("Vol %s wiped\n", vol), end="")


# vol-upload / vol-download ---------------------------------------------------------------

_SPARSE = 1  # VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM == VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM


def _new_stream(ctx: Session) -> Any:
    with failing(msg("cannot create a new stream")):
        return ctx.conn.newStream(0)


def _size(fd: int) -> int:
    st = os.fstat(fd)
    if stat.S_ISBLK(st.st_mode):
        end = os.lseek(fd, 0, os.SEEK_END)
        os.lseek(fd, 0, os.SEEK_SET)
        return end
    return st.st_size


def _c_ull(value: int | None) -> int:
    """An unsigned long long for libvirt-python, which takes it signed: virsh's `-1` (wrapped to
    ULLONG_MAX) keeps its bit pattern, so libvirt answers exactly as it does to virsh."""
    if not value:
        return 0
    return value - 2**64 if value >= 2**63 else value


@command("vol-upload", group="volume", help="upload file contents to a volume",
         desc="Upload file contents to a volume",
         opts=[common.VOLUME(), common.FILE("file")._replace(late=True), common.POOL_OPT(),
               Int("offset", "volume offset to upload to", conv="pulong"),
               Int("length", "amount of data to upload", conv="ulong"),
               Flag("sparse", "preserve sparseness of volume")])
def cmd_vol_upload(ctx: Session, vol: str, file: str, pool: str | None, offset: int | None,
                   length: int | None, sparse: bool) -> None:
    from vsh import progress

    volume = ctx.lookup.volume(vol, pool=pool)
    file = ctx.late("file", file)
    try:
        fd = os.open(file, os.O_RDONLY)
    except OSError:
        raise VshError(msg("cannot read %s", file)) from None
    try:
        try:
            is_block = stat.S_ISBLK(os.fstat(fd).st_mode)
            total = _size(fd)
        except OSError:
            raise VshError(msg("unable to stat %s", file)) from None
        if length:
            total = min(total, length)
        stream = _new_stream(ctx)
        with failing(msg("cannot upload to volume %s", vol)):
            volume.upload(stream, _c_ull(offset), _c_ull(length), _SPARSE if sparse else 0)
        with progress.transfer(ctx.out, "Upload", total) as bar:
            try:
                if sparse:
                    sparse_send_all(stream, fd, is_block, bar)
                else:
                    send_all(stream, fd, bar)
            except BaseException as err:
                abort_stream(stream)
                failure = failed_transfer(msg("cannot send data to volume %s", vol), err, None, False)
                if isinstance(err, KeyboardInterrupt) and isinstance(failure, TransferError):
                    # Part of the file is in the volume now: say so rather than leave it unnoticed.
                    failure.note = f"volume {vol} is incomplete: {bar.done} bytes of {file} were sent"
                raise failure from None
            try:
                os.close(fd)
            except OSError:
                abort_stream(stream)
                raise VshError(msg("cannot close file %s", file)) from None
            finally:
                fd = -1
            with failing(msg("cannot close volume %s", vol)):
                stream.finish()
            bar.finish()
    finally:
        if fd >= 0:
            os.close(fd)


@command("vol-download", group="volume", help="download volume contents to a file",
         desc="Download volume contents to a file",
         opts=[common.VOLUME(), common.FILE("file")._replace(late=True), common.POOL_OPT(),
               Int("offset", "volume offset to download from", conv="pulong"),
               Int("length", "amount of data to download", conv="ulong"),
               Flag("sparse", "preserve sparseness of volume")])
def cmd_vol_download(ctx: Session, vol: str, file: str, pool: str | None, offset: int | None,
                     length: int | None, sparse: bool) -> None:
    import libvirt

    from vsh import progress

    volume = ctx.lookup.volume(vol, pool=pool)
    file = ctx.local_file(ctx.late("file", file))
    with Target(file, msg("cannot create %s", file)) as target:
        try:
            mode = os.fstat(target.fd).st_mode
            is_block = stat.S_ISBLK(mode)
            # Only a regular file can be left half-written (not /dev/null or a device).
            partial = file if stat.S_ISREG(mode) else None
        except OSError:
            raise VshError(msg("unable to stat %s", file)) from None
        stream = _new_stream(ctx)
        with failing(msg("cannot download from volume %s", vol)):
            volume.download(stream, _c_ull(offset), _c_ull(length), _SPARSE if sparse else 0)
        try:
            total = max(int(volume.info()[1]) - (offset or 0), 0)
        except libvirt.libvirtError:
            total = 0
        if length:
            total = min(total, length) if total else length
        with progress.transfer(ctx.out, "Download", total or None) as bar:
            target.receive(stream, bar, msg("cannot receive data from volume %s", vol), msg("cannot close volume %s", vol),
                           partial, is_block, sparse)
            bar.finish()
