"""screenshot: the domain's console as an image, received through a virStream (vsh.streams).

A failed or interrupted transfer aborts the stream and never leaves a partial file
silently.  Under --json it prints ``{"file": FILE, "mime": TYPE}``.
"""
from __future__ import annotations


from vsh.commands import common
from vsh.errors import failing
from vsh.registry import command
from vsh.schema import obj
from vsh.session import Session
from vsh.spec import Int, Str
from vsh.streams import Target
from vsh.i18n import fmt, msg


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
    with failing(msg("could not take a screenshot of %s", domain)):
        mime = dom.screenshot(stream, screen or 0, 0)
    if file is None:
        # virsh's name: DOMAIN-YYYY-MM-DD-hh:mm:ss plus an extension for the known types.
        file = f"{dom.name()}-{time.strftime('%Y-%m-%d-%H:%M:%S')}{_EXTENSIONS.get(mime, '')}"
    file = ctx.local_file(file)
    with Target(file, msg("cannot create file %s", file)) as target, progress.transfer(ctx.out, "Screenshot") as bar:
        target.receive(stream, bar, msg("could not receive data from domain '%s'", domain),
                       msg("cannot close stream on domain '%s'", domain), partial=file)
    if ctx.out.json:
        ctx.out.data({"file": file, "mime": mime})
    else:
        ctx.out.extra(fmt("Screenshot saved to %s, with type of %s", file, mime), end="")
