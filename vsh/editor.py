"""The *-edit loop shared by edit, net-edit, pool-edit: dump -> $EDITOR -> define -> ask again.

It follows virsh's vshEdit* helpers and virsh-edit.c: the XML goes into a private
`$TMPDIR/vshXXXXXXXX.xml` (mode 0600); the editor is $VISUAL, else $EDITOR, else `vi`,
run directly when its name is plain and through `sh -c "EDITOR FILE"` otherwise, on
the terminal vsh has; unchanged text defines nothing; a failed define asks
`Failed. Try again? [y,n,i,f,?]:` with one key read raw from the terminal.

One deliberate difference: the user's text is never lost without a word.  When the
define fails and they give up (`n`, end of input, Ctrl-C, or input that is not a
terminal), or anything else fails once the text differs from the original, vsh keeps
the temporary file and ends with `error: your changes are kept in PATH` (exit status
1).  virsh deletes the file; off a terminal it even prints `Domain '(null)' XML
configuration edited.` and exits 0 although nothing was defined.
"""
from __future__ import annotations

import os
import sys

from vsh.errors import VshError, from_libvirt
from vsh.i18n import _, msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable
    from vsh.session import Session

#: virsh's VSH_MAX_XML_FILE: the edited file is read back up to this size.
MAX_XML = 10 * 1024 * 1024

# Characters virsh accepts in $EDITOR (and in the file name) without a shell.
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-/_.:@")
# Characters that make virCommandToString quote an argument (virBufferEscapeShell).
_SHELL_META = frozenset("\r\t\n !\"#$&'()*;<>?[\\]^`{|}~")

_CHANGED = "The XML configuration was changed by another user."
_FAILED = "Failed."


class _Line(Exception):
    """A second `error:` line that is not libvirt's own."""

    def get_error_message(self) -> str:
        return str(self)


class _GaveUp(Exception):
    """The define failed and the user did not try again (or could not be asked)."""

    def __init__(self, msg: str, failure: BaseException | None, asked: bool) -> None:
        super().__init__(msg)
        self.msg, self.failure, self.asked = msg, failure, asked


def edit_xml(ctx: Any, fetch: Callable[[], str], define: Callable[[str], Any],
             relax: Callable[[], None] | None = None, unchanged_too: bool = False) -> Any:
    """Let the user edit the XML that `fetch()` returns and `define()` the result.

    Returns what `define` returned, or None when the text was not changed.  `relax`,
    when given, turns validation off for the `i` answer (only `edit` has it, as in
    virsh).  The temporary file is removed on every way out, except when it holds
    changes the user has not got defined: then it is kept and the error says where.
    `unchanged_too` defines even unchanged text (snapshot-edit --current does, as in virsh).
    """
    original = fetch()
    path = write_temp(original)
    keep = False
    try:
        return _loop(ctx, path, original, fetch, define, relax, unchanged_too)
    except BaseException as exc:
        keep = _differs(path, original)
        if keep or isinstance(exc, _GaveUp):
            raise _ending(exc, path if keep else None) from None
        raise
    finally:
        if not keep:
            try:
                os.unlink(path)
            except OSError:
                pass


def _loop(ctx: Any, path: str, doc: str, fetch: Callable[[], str], define: Callable[[str], Any],
          relax: Callable[[], None] | None, unchanged_too: bool = False) -> Any:
    import libvirt

    while True:
        # virsh offers `i` again after every re-edit, even once validation is off.
        relax_avail = relax is not None
        run_editor(ctx, path)
        edited = read_back(path)
        if edited == doc and not unchanged_too:
            return None
        while True:
            failure: BaseException | None = None
            # Re-read the object: did someone else change it while it was being edited?
            current = fetch()
            if current != doc:
                msg = _CHANGED
                doc = current
            else:
                try:
                    return define(edited)
                except libvirt.libvirtError as err:
                    failure = err
                    msg = _FAILED
            answer = ask(ctx, msg, relax_avail, failure)
            if answer == "y":
                break
            if answer == "f":
                continue
            if answer == "i" and relax is not None:
                relax()
                relax_avail = False
                continue
            raise _GaveUp(msg, failure, asked=answer is not None)


class EditError(VshError):
    """A failed edit; its last line says where the user's text is kept, if it is."""

    def __init__(self, message: str, cause: BaseException | None = None, kept: str | None = None) -> None:
        super().__init__(message, cause=cause)
        self.kept = kept

    def lines(self) -> list[str]:
        out = super().lines()
        return out + [f"your changes are kept in {self.kept}"] if self.kept else out

    def as_json(self) -> dict[str, Any]:
        obj = super().as_json()
        lines = self.lines()
        if not obj["error"]["message"] and lines:
            obj["error"]["message"] = lines[0]
        if self.kept:
            obj["error"]["kept"] = self.kept
        return obj


def _ending(exc: BaseException, kept: str | None) -> VshError:
    """The one error that ends an edit: what failed, then where the user's text is kept."""
    if isinstance(exc, _GaveUp):
        if exc.asked:
            # On a terminal the failure was shown before the question; the user said no.
            return EditError("", kept=kept)
        return EditError(exc.msg, cause=exc.failure, kept=kept)
    if isinstance(exc, VshError):
        return EditError(exc.message, cause=exc.cause, kept=kept)
    if isinstance(exc, KeyboardInterrupt):
        return EditError("interrupted", kept=kept)
    if hasattr(exc, "get_error_message"):
        return EditError("", cause=exc, kept=kept)
    if isinstance(exc, OSError):
        return EditError(exc.strerror or str(exc), kept=kept)
    return EditError(f"{type(exc).__name__}: {exc}", kept=kept)


def _differs(path: str, original: str) -> bool:
    """Whether the file holds text of the user's (it can be read and is not the original)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_XML + 1)
    except OSError:
        return False
    return data.decode("utf-8", "surrogateescape") != original


# The temporary file ---------------------------------------------------------------------

def write_temp(doc: str) -> str:
    """A new private file (0600) holding `doc`, in $TMPDIR or /tmp (virsh's rule: an empty one is /)."""
    import tempfile

    tmpdir = os.environ.get("TMPDIR")
    if tmpdir is None:
        tmpdir = "/tmp"
    try:
        fd, path = tempfile.mkstemp(prefix="vsh", suffix=".xml", dir=tmpdir or "/")
    except OSError as err:
        raise VshError(msg("g_mkstemp_full: failed to create temporary file: %s", err.strerror)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(doc.encode("utf-8", "surrogateescape"))
    except OSError as err:
        try:
            os.unlink(path)
        except OSError:
            pass
        raise VshError(msg("write: %s: failed to write to temporary file: %s", path, err.strerror)) from None
    return path


def read_back(path: str) -> str:
    """The edited text, read as virsh's virFileReadAll does (its two error lines included)."""
    def failed(strerror: str, what: str) -> VshError:
        return VshError(msg("%s: failed to read temporary file: %s", path, strerror),
                        cause=_Line(f"Failed to {what} file '{path}': {strerror}"))

    try:
        fh = open(path, "rb")
    except IsADirectoryError as err:
        raise failed(err.strerror or "", "read") from None
    except OSError as err:
        raise failed(err.strerror or "", "open") from None
    with fh:
        try:
            data = fh.read(MAX_XML + 1)
        except OSError as err:
            raise failed(err.strerror or "", "read") from None
    if len(data) > MAX_XML:
        import errno

        raise failed(os.strerror(errno.EOVERFLOW), "read")
    return data.decode("utf-8", "surrogateescape")


# The editor -----------------------------------------------------------------------------

def editor_argv(path: str) -> list[str]:
    """virsh's rule: run a plain $EDITOR directly, anything else through `sh -c`."""
    editor = os.environ.get("VISUAL")
    if editor is None:
        editor = os.environ.get("EDITOR")
    if editor is None:
        editor = "vi"
    if set(editor) <= _PLAIN:
        return [editor, path]
    if not set(path) <= _PLAIN:
        raise VshError(msg("%s: temporary filename contains shell meta or other unacceptable characters (is $TMPDIR wrong?)", path))
    return ["sh", "-c", f"{editor} {path}"]


def command_text(argv: list[str]) -> str:
    """A command line as libvirt shows it in errors (virCommandToString)."""
    out = []
    for arg in argv:
        if arg and not set(arg) & _SHELL_META:
            out.append(arg)
        else:
            out.append("'" + arg.replace("'", "'\\''") + "'")
    return " ".join(out)


def run_editor(ctx: Any, path: str) -> None:
    """Run the editor on `path` with vsh's terminal; fail as libvirt's virCommand does."""
    import shutil
    import subprocess

    argv = editor_argv(path)
    program = argv[0]
    executable = program
    if "/" not in program:
        found = shutil.which(program)
        if found is None:
            raise VshError(f"Cannot find '{program}' in path: No such file or directory")
        executable = found
    ctx.out.flush()
    ctx.out.err.flush()
    with _sigint_to_child():
        try:
            status = subprocess.Popen(argv, executable=executable).wait()
        except OSError as err:
            import errno

            # libvirt's child reports a failed exec itself, then exits 127 or 126.
            ctx.out.err.write(f"libvirt:  error : cannot execute binary {program}: {err.strerror}\n")
            ctx.out.err.flush()
            status = 127 if err.errno == errno.ENOENT else 126
    if status < 0:
        raise VshError(msg("internal error: %s", f"Child process ({command_text(argv)}) unexpected fatal signal {-status}"))
    if status > 0:
        raise VshError(msg("internal error: %s", f"Child process ({command_text(argv)}) unexpected exit status {status}"))


class _sigint_to_child:
    """While the editor runs, Ctrl-C belongs to it: vsh catches SIGINT and SIGQUIT and does nothing.

    A handler (not SIG_IGN) is used so that the editor, after exec, gets the default
    action back; this is what system(3) achieves by ignoring them only in the parent.
    """

    def __enter__(self) -> None:
        import signal
        import threading

        self.saved: list[tuple[int, Any]] = []
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGINT, signal.SIGQUIT):
            try:
                self.saved.append((sig, signal.signal(sig, _ignore)))
            except (ValueError, OSError):
                pass

    def __exit__(self, *exc: object) -> None:
        import signal

        for sig, handler in self.saved:
            signal.signal(sig, handler)


def _ignore(_signum: int, _frame: Any) -> None:
    pass


# The question -----------------------------------------------------------------------------

def ask(ctx: Any, msg: str, relax_avail: bool, failure: BaseException | None = None) -> str | None:
    """virsh's vshAskReedit: 'y', 'n', 'f' or 'i' (when `relax_avail`), read raw from the terminal.

    Returns None when input is not a terminal (nobody to ask).  End of input, Ctrl-C
    and Ctrl-D answer 'n' (virsh would ask forever).  The failure is reported first.
    """
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, ValueError, OSError):
        return None
    if not os.isatty(fd):
        return None
    if failure is not None:
        ctx.report(from_libvirt(failure))
    import termios
    import tty

    try:
        saved = termios.tcgetattr(fd)
        tty.setraw(fd, termios.TCSAFLUSH)
    except termios.error:
        return None
    # The question goes where virsh prints it (stdout), or to stderr so --json output stays one document.
    stream = ctx.out.err if ctx.out.json else ctx.out.out
    choices = "[y,n,i,f,?]" if relax_avail else "[y,n,f,?]"
    valid = "ynfi" if relax_avail else "ynf"
    answer = "n"
    try:
        while True:
            stream.write(f"\r{_(msg)} {_('Try again?')} {choices}: ")
            stream.flush()
            try:
                byte = os.read(fd, 1)
            except OSError:
                byte = b""
            if byte in (b"", b"\x03", b"\x04"):
                break
            key = byte.decode("latin-1").lower()
            if key == "?":
                lines = ["", "y - yes, start editor again", "n - no, stop here (your changes stay in the file named below)"]
                if relax_avail:
                    lines.append("i - turn off validation and try to redefine again")
                lines += ["f - force, try to redefine again", "? - print this help"]
                stream.write("".join(line + "\r\n" for line in lines))
                continue
            if key in valid:
                answer = key
                break
    finally:
        termios.tcsetattr(fd, termios.TCSAFLUSH, saved)
    stream.write("\r\n")
    stream.flush()
    return answer


# What the edit commands share around the loop ---------------------------------------------

def report_edited(ctx: Session, kind: str, name: str, changed: bool, text: str) -> None:
    """The closing message of edit, net-edit and pool-edit, or under --json {"name": NAME, "changed": bool}
    (vsh.schema.EDITED; `kind` names the object in the text alone)."""
    if ctx.out.json:
        ctx.out.data({"name": name, "changed": changed})
    else:
        ctx.out.extra(text, end="")


def inactive_xml(obj: Any, inactive_flag: int) -> str:
    """The inactive XML; drivers that reject the flag (the test driver does) give their only XML."""
    import libvirt

    try:
        return obj.XMLDesc(inactive_flag)
    except libvirt.libvirtError as err:
        if err.get_error_code() != libvirt.VIR_ERR_INVALID_ARG:
            raise
    return obj.XMLDesc(0)


class Failure(VshError):
    """An edit that failed after the object was found: its lines, then virsh's closing lines.

    `first` are lines that come before (a libvirt error reported on the spot); a line
    naming the file that keeps the user's text stays last.
    """

    def __init__(self, inner: VshError | None, closing: list[str], first: list[str] | None = None) -> None:
        super().__init__(inner.message if inner is not None else closing[0],
                         cause=inner.cause if inner is not None else None)
        self.inner, self.closing, self.first = inner, closing, first or []

    def lines(self) -> list[str]:
        inner = self.inner.lines() if self.inner is not None else []
        kept = getattr(self.inner, "kept", None)
        tail: list[str] = [inner.pop()] if kept and inner and inner[-1].endswith(kept) else []
        return self.first + inner + self.closing + tail

    def as_json(self) -> dict[str, Any]:
        obj: dict[str, Any] = self.inner.as_json() if self.inner is not None else {"error": {"message": ""}}
        lines = self.lines()
        if not obj["error"].get("message") and lines:
            obj["error"]["message"] = lines[0]
        obj["error"]["lines"] = lines
        return obj


def report_edit(ctx: Session, kind: str, name: str, was: str, changed: bool, text: str) -> None:
    """The closing message, or under --json the object, of a snapshot or checkpoint edit."""
    if ctx.out.json:
        ctx.out.data({"name": name, "changed": changed, "from": was})
    elif text:
        ctx.out.extra(text, end="")
