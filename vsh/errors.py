"""Errors a user sees: one `error:` line each, never a traceback."""
from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class VshError(Exception):
    """A failure to report as virsh does: ``error: MESSAGE``, then the cause's own line.

    `cause` is the libvirt error behind it (or None).  `code` and `domain` carry libvirt's
    numeric error code and domain for the JSON error object.
    """

    def __init__(self, message: str, cause: BaseException | None = None, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.cause = cause
        self.hint = hint
        # The libvirt error this one reports, also when its message is the only line.
        self.origin: BaseException | None = cause

    def lines(self) -> list[str]:
        """The `error:` lines, in the order virsh prints them."""
        out = [self.message] if self.message else []
        if self.cause is not None:
            text = libvirt_message(self.cause)
            if text:
                out.append(text)
        return out

    def as_json(self) -> dict[str, Any]:
        """The error as the JSON object printed on stderr under --json."""
        obj: dict[str, Any] = {"message": self.message}
        if self.cause is not None:
            obj["detail"] = libvirt_message(self.cause)
        # Every error from libvirt carries its code and domain; vsh's own say "source": "vsh".
        origin = self.origin
        code = _call(origin, "get_error_code") if origin is not None else None
        if origin is not None and code is not None:
            obj["code"] = code
            obj["domain"] = _call(origin, "get_error_domain")
            obj["source"] = "libvirt"
        else:
            obj["source"] = "vsh"
        if self.hint:
            obj["hint"] = self.hint
        return {"error": obj}


class Bug(VshError):
    """An error vsh did not expect, reported by the one handler for them (vsh.session for a
    command, vsh.cli and vsh.repl around it): virsh's `error:` line naming it, a line saying
    it is a bug, and with VSH_TRACEBACK=1 the traceback after them."""

    def __init__(self, err: BaseException) -> None:
        super().__init__(f"internal error: {type(err).__name__}: {err}")
        self.trailer = ""
        import os

        if os.environ.get("VSH_TRACEBACK"):
            import traceback

            self.trailer = "".join(traceback.format_exception(type(err), err, err.__traceback__))

    def lines(self) -> list[str]:
        return [self.message, "this is a bug in vsh; run with VSH_TRACEBACK=1 to see where it happened"]


class Reported(VshError):
    """A failure whose `error:` lines are already out (each host's of `top --hosts`): the command
    fails, and nothing more is printed."""

    def __init__(self) -> None:
        super().__init__("")


def interrupted() -> VshError:
    """Ctrl-C (or SIGINT) stopped a command or the program."""
    return VshError("interrupted")


class Quit(Exception):
    """Raised by `quit`/`exit` to end the REPL or a command string."""


def libvirt_message(err: BaseException) -> str:
    """libvirt's own message for an error, as virsh prints it."""
    msg = _call(err, "get_error_message")
    return msg if msg else str(err)


def _call(err: BaseException, name: str) -> Any:
    fn = getattr(err, name, None)
    return fn() if callable(fn) else None


def from_libvirt(err: BaseException, message: str = "") -> VshError:
    """Wrap a libvirt error; with no message of ours it is the only `error:` line."""
    if message:
        return VshError(message, cause=err)
    wrapped = VshError(libvirt_message(err))
    wrapped.origin = err
    return wrapped


class failing:  # lower case: used as a function, `with failing(message):`
    """Turn a libvirt error raised inside the block into virsh's two-line failure.

    A class rather than a contextlib generator: this module loads on every run, and
    `contextlib` (with the `functools` and `collections` it imports) is start-up time."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None, _tb: object) -> None:
        if kind is not None:
            import libvirt

            if issubclass(kind, libvirt.libvirtError):
                raise VshError(self.message, cause=err) from None
