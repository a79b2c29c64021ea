"""Byte streams between vsh and the daemon: vol-upload, vol-download, screenshot.

Data moves through a virStream (send/recv, and sendHole/recvHole for --sparse) in
chunks of one RPC message, with a progress bar on a terminal and nothing extra in a
pipe.  A failed or interrupted transfer aborts the stream and never leaves a partial
file silently: a target vsh created is removed, and a file that existed before is
named as incomplete in the error.  Under --json, screenshot prints
``{"file": FILE, "mime": TYPE}``; the volume commands report no data.
"""
from __future__ import annotations

import os
import stat
from typing import Any

from vsh.commands import common
from vsh.errors import VshError, failing
from vsh.registry import command
from vsh.session import Session
from vsh.spec import Flag, Int, Str

#: virStreamSendAll/RecvAll's chunk: one RPC message's payload (VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX).
CHUNK = 256 * 1024
_STOP_AT_HOLE = 1  # VIR_STREAM_RECV_STOP_AT_HOLE
_SPARSE = 1  # VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM == VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM
_HOLE = -3  # recvFlags' answer when the stream is at a hole


class _Line(Exception):
    """A second `error:` line that is not libvirt's own."""

    def get_error_message(self) -> str:
        return str(self)


def _read(fd: int, size: int) -> bytes:
    try:
        return os.read(fd, size)
    except OSError as err:
        # libvirt's virStreamSendAll wording for a failing source.
        raise _Line(f"send handler failed: {err.strerror}") from None


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view):]
    except OSError as err:
        raise _Line(f"recv handler failed: {err.strerror}") from None


def _abort(stream: Any) -> None:
    import libvirt

    try:
        stream.abort()
    except libvirt.libvirtError:
        pass


def in_data(fd: int, is_block: bool) -> tuple[bool, int]:
    """virFileInData: whether the position is in data, and how long that section is."""
    if is_block:
        # A block device is all data; the reader hits its end gracefully (as virsh does).
        return True, 1024 * 1024
    cur = os.lseek(fd, 0, os.SEEK_CUR)
    try:
        try:
            data = os.lseek(fd, cur, os.SEEK_DATA)
        except OSError as err:
            if err.errno != 6:  # ENXIO: no data after `cur`, a hole up to the end
                raise
            end = os.lseek(fd, 0, os.SEEK_END)
            return False, end - cur
        if data > cur:
            return False, data - cur
        hole = os.lseek(fd, cur, os.SEEK_HOLE)
        return True, hole - cur
    finally:
        os.lseek(fd, cur, os.SEEK_SET)


def send_all(stream: Any, fd: int, bar: Any) -> None:
    """virStreamSendAll: the file from its position to its end."""
    while True:
        data = _read(fd, CHUNK)
        if not data:
            return
        _send(stream, data)
        bar.advance(len(data))


def sparse_send_all(stream: Any, fd: int, is_block: bool, bar: Any) -> None:
    """virStreamSparseSendAll: data sections as data, holes as sendHole."""
    left = 0
    while True:
        if not left:
            inside, length = in_data(fd, is_block)
            if not inside and length:
                stream.sendHole(length, 0)
                os.lseek(fd, length, os.SEEK_CUR)
                bar.advance(length)
                continue
            left = length
        data = _read(fd, min(CHUNK, left))
        if not data:
            return
        _send(stream, data)
        left -= len(data)
        bar.advance(len(data))


def _send(stream: Any, data: bytes) -> None:
    while data:
        data = data[stream.send(data):]


def recv_all(stream: Any, fd: int, is_block: bool, bar: Any, sparse: bool = False) -> None:
    """virStreamRecvAll, or with `sparse` virStreamSparseRecvAll (holes stay holes, zeros on a device)."""
    while True:
        got = stream.recvFlags(CHUNK, _STOP_AT_HOLE) if sparse else stream.recv(CHUNK)
        if got == _HOLE:
            length = stream.recvHole(0)
            _skip(fd, length, is_block)
            bar.advance(length)
            continue
        if isinstance(got, int):
            raise VshError(f"unexpected answer {got} from the stream")
        if not got:
            return
        _write(fd, got)
        bar.advance(len(got))


def _skip(fd: int, length: int, is_block: bool) -> None:
    """virshStreamSkip: a hole in a file; written zeros on a block device."""
    if is_block:
        zeros = bytes(min(length, 1024 * 1024))
        while length:
            chunk = min(length, len(zeros))
            _write(fd, zeros[:chunk])
            length -= chunk
        return
    try:
        os.ftruncate(fd, os.lseek(fd, length, os.SEEK_CUR))
    except OSError as err:
        raise _Line(f"hole handler failed: {err.strerror}") from None


def _new_stream(ctx: Session) -> Any:
    with failing("cannot create a new stream"):
        return ctx.conn.newStream(0)


def _open_target(path: str, message: str) -> tuple[int, bool]:
    """Open a download target as virsh does: create it, or truncate the existing file."""
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), True
    except FileExistsError:
        pass
    except OSError:
        raise VshError(message) from None
    try:
        return os.open(path, os.O_WRONLY | os.O_TRUNC), False
    except OSError:
        raise VshError(message) from None


class TransferError(VshError):
    """A transfer that broke off; its last line says what became of a partial target file."""

    def __init__(self, message: str, cause: BaseException | None, note: str = "") -> None:
        super().__init__(message, cause=cause)
        self.note = note

    def lines(self) -> list[str]:
        return super().lines() + ([self.note] if self.note else [])

    def as_json(self) -> dict[str, Any]:
        obj = super().as_json()
        if self.note:
            obj["error"]["file"] = self.note
        return obj


def _failed_transfer(message: str, err: BaseException, path: str | None, created: bool) -> VshError:
    """The error for a transfer that broke off, saying what became of a partial target."""
    if isinstance(err, VshError):
        return err
    if isinstance(err, KeyboardInterrupt):
        cause: BaseException = _Line("interrupted")
    elif isinstance(err, _Line):
        cause = err
    elif isinstance(err, OSError):
        cause = _Line(f"{err.strerror or err}")
    else:
        cause = err
    # virsh removes a target it created when the transfer fails, silently, but leaves it on
    # Ctrl-C, and leaves a file it truncated as it is: vsh removes or names it every time.
    note = ""
    if path is not None and not created:
        note = f"{path} is incomplete"
    elif path is not None and isinstance(err, KeyboardInterrupt):
        note = f"removed the partial file {path}"
    return TransferError(message, cause, note)


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


# vol-upload / vol-download ---------------------------------------------------------------

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
        raise VshError(f"cannot read {file}") from None
    try:
        try:
            is_block = stat.S_ISBLK(os.fstat(fd).st_mode)
            total = _size(fd)
        except OSError:
            raise VshError(f"unable to stat {file}") from None
        if length:
            total = min(total, length)
        stream = _new_stream(ctx)
        with failing(f"cannot upload to volume {vol}"):
            volume.upload(stream, _c_ull(offset), _c_ull(length), _SPARSE if sparse else 0)
        with progress.transfer(ctx.out, "Upload", total) as bar:
            try:
                if sparse:
                    sparse_send_all(stream, fd, is_block, bar)
                else:
                    send_all(stream, fd, bar)
            except BaseException as err:
                _abort(stream)
                failure = _failed_transfer(f"cannot send data to volume {vol}", err, None, False)
                if isinstance(err, KeyboardInterrupt) and isinstance(failure, TransferError):
                    # Part of the file is in the volume now: say so rather than leave it unnoticed.
                    failure.note = f"volume {vol} is incomplete: {bar.done} bytes of {file} were sent"
                raise failure from None
            try:
                os.close(fd)
            except OSError:
                _abort(stream)
                raise VshError(f"cannot close file {file}") from None
            finally:
                fd = -1
            with failing(f"cannot close volume {vol}"):
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
    file = ctx.late("file", file)
    fd, created = _open_target(file, f"cannot create {file}")
    done = False
    try:
        try:
            mode = os.fstat(fd).st_mode
            is_block = stat.S_ISBLK(mode)
            # Only a regular file can be left half-written (not /dev/null or a device).
            partial = file if stat.S_ISREG(mode) else None
        except OSError:
            raise VshError(f"unable to stat {file}") from None
        stream = _new_stream(ctx)
        with failing(f"cannot download from volume {vol}"):
            volume.download(stream, _c_ull(offset), _c_ull(length), _SPARSE if sparse else 0)
        try:
            total = max(int(volume.info()[1]) - (offset or 0), 0)
        except libvirt.libvirtError:
            total = 0
        if length:
            total = min(total, length) if total else length
        with progress.transfer(ctx.out, "Download", total or None) as bar:
            try:
                recv_all(stream, fd, is_block, bar, sparse)
            except BaseException as err:
                _abort(stream)
                raise _failed_transfer(f"cannot receive data from volume {vol}", err, partial, created) from None
            try:
                os.close(fd)
            except OSError:
                _abort(stream)
                raise VshError(f"cannot close file {file}") from None
            finally:
                fd = -1
            with failing(f"cannot close volume {vol}"):
                stream.finish()
            bar.finish()
        done = True
    finally:
        if fd >= 0:
            os.close(fd)
        if not done and created:
            try:
                os.unlink(file)
            except OSError:
                pass


# screenshot ------------------------------------------------------------------------------

_EXTENSIONS = {"image/x-portable-pixmap": ".ppm", "image/png": ".png"}


@command("screenshot", group="domain",
         help="take a screenshot of a current domain console and store it into a file",
         desc="screenshot of a current domain console",
         opts=[common.DOMAIN(complete="domain:active"), Str("file", "where to store the screenshot", complete="file"),
               Int("screen", "ID of a screen to take screenshot of", conv="puint")])
def cmd_screenshot(ctx: Session, domain: str, file: str | None, screen: int | None) -> None:
    import time

    from vsh import progress

    dom = ctx.lookup.domain(domain)
    stream = ctx.conn.newStream(0)
    with failing(f"could not take a screenshot of {domain}"):
        mime = dom.screenshot(stream, screen or 0, 0)
    if file is None:
        # virsh's name: DOMAIN-YYYY-MM-DD-hh:mm:ss plus an extension for the known types.
        file = f"{dom.name()}-{time.strftime('%Y-%m-%d-%H:%M:%S')}{_EXTENSIONS.get(mime, '')}"
    fd, created = _open_target(file, f"cannot create file {file}")
    done = False
    try:
        with progress.transfer(ctx.out, "Screenshot") as bar:
            try:
                recv_all(stream, fd, False, bar)
            except BaseException as err:
                _abort(stream)
                raise _failed_transfer(f"could not receive data from domain '{domain}'", err, file,
                                       created) from None
            try:
                os.close(fd)
            except OSError:
                raise VshError(f"cannot close file {file}") from None
            finally:
                fd = -1
            with failing(f"cannot close stream on domain '{domain}'"):
                stream.finish()
        done = True
    finally:
        if fd >= 0:
            os.close(fd)
        if not done and created:
            try:
                os.unlink(file)
            except OSError:
                pass
    if ctx.out.json:
        ctx.out.data({"file": file, "mime": mime})
    else:
        ctx.out.extra(f"Screenshot saved to {file}, with type of {mime}", end="")
