"""screenshot: the domain's console as an image, received through a virStream (vsh.streams).

A failed or interrupted transfer aborts the stream and never leaves a partial file
silently.  Under --json it prints ``{"file": FILE, "mime": TYPE}``.
"""
from __future__ import annotations

import os

from vsh.commands import common
from vsh.errors import VshError, failing
from vsh.registry import command
from vsh.schema import obj
from vsh.session import Session
from vsh.spec import Int, Str
from vsh.streams import abort_stream, failed_transfer, open_target, recv_all


# screenshot ------------------------------------------------------------------------------

_EXTENSIONS = {"image/x-portable-pixmap": ".ppm", "image/png": ".png"}


@command("screenshot", schema=obj(file="string", mime="string?"),
         group="domain",
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
    fd, created = open_target(file, f"cannot create file {file}")
    done = False
    try:
        with progress.transfer(ctx.out, "Screenshot") as bar:
            try:
                recv_all(stream, fd, False, bar)
            except BaseException as err:
                abort_stream(stream)
                raise failed_transfer(f"could not receive data from domain '{domain}'", err, file,
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
