"""The `vsh` program: global options, then one-shot, command string, batch or REPL mode.

This is the one place that turns a run into an exit status.  Global options follow
virsh's getopt rules (they must come before the command; short options bundle; long
options take `=VALUE` or the next word and may be abbreviated).
"""
from __future__ import annotations

import os
import sys
from typing import Callable

from vsh.errors import Quit, VshError

from vsh.globalopts import GlobalOpt, scan, usage_block


def usage_options() -> str:
    """The head of `vsh --help`: the synopsis and the global options (virsh's layout)."""
    return ("\nvsh [options]... [<command_string>]\nvsh [options]... <command> [args...]\n\n" + usage_block() +
            "  commands (non interactive mode):\n\n")


class Options:
    """The global options of one run; `action` is "help", "version", "version-long" or ""."""

    def __init__(self) -> None:
        self.uri: str | None = None
        self.debug = -1
        self.escape = "^]"
        self.keepalive = (5, 6)
        self.keepalive_forced = False
        self.log: str | None = None
        self.quiet = self.readonly = self.timing = self.json = self.csv = self.no_color = False
        self.on_error = "continue"
        self.action = ""
        self.args: list[str] = []


def _fail(message: str) -> VshError:
    return VshError(message)


def parse_global(argv: list[str]) -> Options:
    """virsh's getopt_long with "+:c:d:e:hk:K:l:qrtvV": stops at the first non-option."""
    opts = Options()
    keep: dict[str, int] = {"interval": 5, "count": 6}

    def apply(opt: GlobalOpt, value: str | None) -> None:
        name = opt.key
        if name == "c":
            opts.uri = value
        elif name == "d":
            opts.debug = _debug_level(value or "")
        elif name == "e":
            opts.escape = _escape(value or "")
        elif name == "h":
            opts.action = "help"
        elif name == "k":
            keep["interval"] = _keepalive(value or "", "k")
            opts.keepalive_forced = True
        elif name == "K":
            keep["count"] = _keepalive(value or "", "K")
            opts.keepalive_forced = True
        elif name == "l":
            opts.log = value
        elif name == "q":
            opts.quiet = True
        elif name == "r":
            opts.readonly = True
        elif name == "t":
            opts.timing = True
        elif name == "v":
            opts.action = "version"
        elif name == "V":
            opts.action = "version-long"
        elif name == "version":
            opts.action = "version-long" if value == "long" else "version"
        elif name in ("json", "csv"):
            setattr(opts, name, True)
            if opts.json and opts.csv:
                raise _fail("options --json and --csv are mutually exclusive")
        elif name == "no-color":
            opts.no_color = True
        elif name == "on-error":
            if value not in ("stop", "continue"):
                raise _fail(f"invalid value '{value}' for --on-error: use 'stop' or 'continue'")
            opts.on_error = value
    walked = scan(argv, apply=apply)
    opts.keepalive = (keep["interval"], keep["count"])
    opts.args = argv[walked.rest:]
    return opts


def _debug_level(text: str) -> int:
    from vsh.values import parse_c_integer

    parsed = parse_c_integer(text)
    if parsed is None or parsed[1]:
        raise _fail("option -d takes a numeric argument")
    level = parsed[0]
    if level < 0 or level > 4:
        sys.stderr.write(f"error: ignoring debug level {level} out of range [0-4]\n")
        return -1
    return level


def _escape(text: str) -> str:
    if (len(text) == 2 and text[0] == "^" and 64 <= ord(text[1]) <= 127) or (len(text) == 1 and text != "^"):
        return text
    raise _fail(f"Invalid string '{text}' for escape sequence")


def _keepalive(text: str, letter: str) -> int:
    from vsh.values import parse_c_integer

    parsed = parse_c_integer(text)
    if parsed is None or parsed[1] or not (-(2**31) <= parsed[0] < 2**31):
        raise _fail(f"Invalid value for option -{letter}")
    if parsed[0] < 0:
        raise _fail(f"option -{letter} requires a positive integer argument")
    return parsed[0]


def _version_text(long: bool) -> str:
    import libvirt

    from vsh import __version__

    major, rest = divmod(libvirt.getVersion(), 1000000)
    minor, micro = divmod(rest, 1000)
    short = f"{major}.{minor}.{micro}"
    if not long:
        return short + "\n"
    return (f"Virsh command line tool of libvirt {short}\n"
            f"vsh {__version__}, a virtualization shell on libvirt-python\n"
            "See web site at https://libvirt.org/\n")


def usage_text() -> str:
    from vsh.helptext import group_listing

    return (usage_options() + group_listing(header=False, keyword_colon=False) +
            "\n  (specify help <group> for details about the commands in the group)\n\n"
            "  (specify help <command> for details about the command)\n\n")


def _act_on_sigint() -> None:
    """Ctrl-C and `kill -INT` interrupt vsh even when the parent ignored SIGINT (nohup, job
    runners), as they interrupt virsh, which installs its own handler."""
    import signal

    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    except (ValueError, OSError):  # not the main thread
        pass


def main(argv: list[str] | None = None) -> int:
    """Run vsh; returns the exit status (0 success, 1 failure)."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        # Buffer stdout even under PYTHONUNBUFFERED; the runner flushes after every command.
        sys.stdout.reconfigure(write_through=False)  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        pass
    from vsh.output import OutputError, Printer, guard_std_streams, lose_stdout

    guard_std_streams()
    _act_on_sigint()

    try:
        opts = parse_global(argv)
    except VshError as err:
        Printer(json_mode="--json" in argv or "--csv" in argv).report(err)
        return 1
    printer = Printer(quiet=opts.quiet, json_mode=opts.json, csv_mode=opts.csv, no_color=opts.no_color)
    try:
        if opts.action == "help":
            printer.write(usage_text())
            return 0
        if opts.action in ("version", "version-long"):
            printer.write(_version_text(opts.action == "version-long"))
            return 0
        return _run(opts, printer)
    except KeyboardInterrupt:
        printer.error(["interrupted"])
        return 1
    except BrokenPipeError:
        # The reader of a pipe went away (`vsh list | head -1`); nothing more to say.
        lose_stdout()
        return 1
    except OutputError as err:
        # stdout is closed or full: virsh loses the output silently; vsh says so, once.
        lose_stdout()
        printer.error([f"cannot write output: {err.strerror}"])
        return 1
    except Exception as err:  # noqa: BLE001 - the last line of defence: never a traceback
        printer.error([f"internal error: {type(err).__name__}: {err}",
                       "this is a bug in vsh; run with VSH_TRACEBACK=1 to see where it happened"])
        if os.environ.get("VSH_TRACEBACK"):
            raise
        return 1


_BAD_DEBUG = "VIRSH_DEBUG not set with a valid numeric value"


def _env_debug() -> int | None:
    """VIRSH_DEBUG as virsh reads it (strtol, base 10, all of it, 0 to 4); None when unset;
    -1 when it is not a valid level."""
    import re

    text = os.environ.get("VIRSH_DEBUG")
    if text is None:
        return None
    return int(text) if re.fullmatch(r"\s*[+-]?[0-9]+", text) and 0 <= int(text) <= 4 else -1


def _asks_for_data(args: list[str]) -> bool:
    """`--json` or `--csv` after the command (`list --bogus --json`): its grammar errors are JSON too."""
    words = args if len(args) > 1 else args[0].split()
    return any(w in ("--json", "--csv") for w in words)


def _run(opts: Options, printer: object) -> int:
    from vsh.connection import silence_libvirt
    from vsh.session import Session, note_debug

    args = opts.args
    # virsh's vshInitDebug runs before its options and again after them: VIRSH_DEBUG sets the
    # level first, -d while the options are read, and VIRSH_DEBUG again after them where -d
    # left the default (ERROR); a bad value is reported each time.  -l wins over VIRSH_LOG_FILE.
    env_level = _env_debug()
    if env_level == -1:
        sys.stderr.write(f"error: {_BAD_DEBUG}\n")
    reading_level = opts.debug if opts.debug >= 0 or env_level is None else env_level
    if opts.log is None:
        opts.log = os.environ.get("VIRSH_LOG_FILE") or None
    if opts.log is not None:
        # Open before the command string is parsed: its debug line and errors are logged too.
        from vsh.logfile import open_log

        try:
            printer.log = open_log(opts.log)  # type: ignore[attr-defined]
        except OSError:
            printer.error(["failed to open the log file. check the log file path"])  # type: ignore[attr-defined]
            return 1
    if env_level is not None and opts.debug in (-1, 4):
        if env_level == -1:
            printer.error([_BAD_DEBUG])  # type: ignore[attr-defined]
        else:
            opts.debug = env_level
    from vsh import grammar

    parse = grammar.parse
    if os.environ.get("VSH_TREE"):
        # Every command through the Click tree, as the REPL runs them (the tests compare both).
        from vsh.tree import TREE

        parse = lambda words: TREE.parse(None, words)  # noqa: E731
    # Parse before connecting, as virsh does: a bad command string runs nothing.
    parsed: Callable[[], list] | None = None
    if args:
        try:
            if len(args) == 1:
                from vsh.lexer import split_words

                if not args[0]:
                    return 1  # virsh rejects an empty command string silently
                note_debug(reading_level, 1, f'commands: "{args[0]}"', printer)  # type: ignore[arg-type]
                invocations = [parse(words) for words in split_words(args[0])]
            else:
                invocations = [parse(list(args))]
        except VshError as err:
            if _asks_for_data(args):
                printer.set_mode("json")  # type: ignore[attr-defined]
            printer.report(err)  # type: ignore[attr-defined]
            return 1
        parsed = lambda: invocations  # noqa: E731
    # Like virsh, commands read from stdin (a terminal or not) run in interactive mode.
    interactive = not args
    try:
        silence_libvirt()
        from vsh import rawbytes

        rawbytes.install()
    except ImportError:
        printer.error(["libvirt-python is not installed; run the set-up command from the README"])  # type: ignore[attr-defined]
        return 1
    session = Session(printer, uri=opts.uri, readonly=opts.readonly, timing=opts.timing,  # type: ignore[arg-type]
                      escape=opts.escape, keepalive=opts.keepalive,
                      keepalive_forced=opts.keepalive_forced, debug=opts.debug,
                      interactive=interactive)
    session.parser = parse
    if parsed is not None:
        from vsh.session import note_parsed

        for inv in invocations:
            note_parsed(opts.debug, inv, printer)  # type: ignore[arg-type]
    session.stop_on_error = opts.on_error == "stop"
    if opts.uri is not None:
        # A named URI, even an empty one, opens at start-up (virsh connects before any command).
        try:
            session.connection.open()
        except VshError as err:
            session.report(err)
            return 1
    try:
        if parsed is not None:
            try:
                return 0 if session.run_all(parsed()) else 1
            except Quit:
                return 0  # `quit` succeeds, whatever came before it (as in virsh)
        if sys.stdin is not None and sys.stdin.isatty():  # a closed stdin is an empty batch
            from vsh.repl import run_repl

            return run_repl(session)
        from vsh.batch import run_batch

        return run_batch(session, sys.stdin, stop_on_error=(opts.on_error == "stop"))
    finally:
        session.close()
