"""Byte streams between vsh and the daemon, for vol-upload, vol-download and screenshot.

Data moves through a virStream (send/recv, and sendHole/recvHole for --sparse) in
chunks of one RPC message, with a progress bar on a terminal and nothing extra in a
pipe.  A failed or interrupted transfer aborts the stream and never leaves a partial
file silently: a target vsh created is removed, and a file that existed before is
named as incomplete in the error.  Under --json, screenshot prints
``{"file": FILE, "mime": TYPE}``; the volume commands report no data.
"""
from __future__ import annotations

import os

from vsh.errors import VshError, failing
from vsh.i18n import msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


#: virStreamSendAll/RecvAll's chunk: one RPC message's payload (VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX).
CHUNK = 256 * 1024


_STOP_AT_HOLE = 1  # VIR_STREAM_RECV_STOP_AT_HOLE


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


def abort_stream(stream: Any) -> None:
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


def open_target(path: str, message: str) -> tuple[int, bool]:
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


class Target:
    """The file a received stream goes into (screenshot, vol-download): opened as virsh opens it,
    closed once, and removed when the command fails after creating it.

    Use it as a context manager around everything that follows the open.
    """

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.fd, self.created = open_target(path, message)
        self.done = False

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if not self.done and self.created:
            try:
                os.unlink(self.path)
            except OSError:
                pass

    def receive(self, stream: Any, bar: Any, failure: str, finish_failure: str, partial: str | None,
                is_block: bool = False, sparse: bool = False) -> None:
        """The end of a download in virsh's order: all of the stream into the file, close the
        file, finish the stream; a failure aborts the stream and says what became of the file."""
        try:
            recv_all(stream, self.fd, is_block, bar, sparse)
        except BaseException as err:
            abort_stream(stream)
            raise failed_transfer(failure, err, partial, self.created) from None
        fd, self.fd = self.fd, -1
        try:
            os.close(fd)
        except OSError:
            abort_stream(stream)
            raise VshError(msg("cannot close file %s", self.path)) from None
        with failing(finish_failure):
            stream.finish()
        self.done = True


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


def failed_transfer(message: str, err: BaseException, path: str | None, created: bool) -> VshError:
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
