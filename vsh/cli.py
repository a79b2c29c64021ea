"""The `vsh` program: global options, then one-shot, command string, batch or REPL mode.

This is the one place that turns a run into an exit status.  Global options follow
virsh's getopt rules (they must come before the command; short options bundle; long
options take `=VALUE` or the next word and may be abbreviated).
"""
from __future__ import annotations

import os
import sys

from vsh.errors import Bug, Quit, VshError, interrupted
from vsh.globalopts import GlobalOpt, scan, usage_block

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable
    from vsh.output import Printer


def usage_options() -> str:
    """The head of `vsh --help`: the synopsis and the global options (virsh's layout).

    In virsh's catalog this is one message, virsh's own options only: translated, it gets
    vsh's options (in English) before its last line.
    """
    from vsh import i18n

    head = "\n%s [options]... [<command_string>]\n%s [options]... <command> [args...]\n\n"
    tail = "  commands (non interactive mode):\n\n"
    if not i18n.translating():
        return i18n.printf(head, "vsh", "vsh") + usage_block() + tail
    from vsh.globalopts import OPTIONS, OWN, usage_lines

    virsh_opts = tuple(o for o in OPTIONS if o.long not in OWN)
    text = i18n.fmt(head + "  options:\n" + usage_lines(virsh_opts) + tail, "vsh", "vsh")
    at = text.rstrip("\n").rfind("\n") + 1
    return text[:at] + usage_lines(tuple(o for o in OPTIONS if o.long in OWN)) + text[at:]


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
        self.config: str | None = None
        self.config_uri: str | None = None  # `uri` from the config file, when -c and the environment name none
        self.hosts: str | None = None
        self.parallel: int | None = None  # vsh.fleet.PARALLEL
        self.host_timeout = 10.0
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
        elif name == "config":
            opts.config = value
        elif name == "hosts":
            opts.hosts = value
        elif name == "parallel":
            opts.parallel = _positive(value or "", "--parallel", int)
        elif name == "host-timeout":
            opts.host_timeout = _positive(value or "", "--host-timeout", float)
    walked = scan(argv, apply=apply)
    opts.keepalive = (keep["interval"], keep["count"])
    opts.args = argv[walked.rest:]
    if opts.hosts is not None and opts.uri is not None:
        raise _fail("options -c and --hosts are mutually exclusive: -c names one host, --hosts several")
    return opts


def _positive(text: str, option: str, kind: type) -> Any:
    try:
        value = kind(text)
    except ValueError:
        value = 0
    if not value > 0 or value != value or value == float("inf"):
        raise _fail(f"invalid value '{text}' for {option}: a positive number is needed")
    return value


def _debug_level(text: str) -> int:
    from vsh.values import parse_c_integer

    parsed = parse_c_integer(text)
    if parsed is None or parsed[1]:
        raise _fail("option -d takes a numeric argument")
    level = parsed[0]
    if level < 0 or level > 4:
        from vsh.i18n import _, fmt

        sys.stderr.write(_("error: ") + fmt("ignoring debug level %d out of range [%d-%d]", level, 0, 4) + "\n")
        return -1
    return level


def _escape(text: str) -> str:
    if (len(text) == 2 and text[0] == "^" and 64 <= ord(text[1]) <= 127) or (len(text) == 1 and text != "^"):
        return text
    from vsh.i18n import msg

    raise _fail(msg("Invalid string '%s' for escape sequence", text))


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

    from vsh.i18n import _

    return (usage_options() + group_listing(header=False, keyword_colon=False) +
            _("\n  (specify help <group> for details about the commands in the group)\n") +
            _("\n  (specify help <command> for details about the command)\n\n"))


def _act_on_sigint() -> None:
    """Ctrl-C and `kill -INT` interrupt vsh even when the parent ignored SIGINT (nohup, job
    runners), as they interrupt virsh, which installs its own handler.  Through `signal`'s own C
    module: `signal` builds its enums on import, which costs a one-shot command a tenth of its run."""
    import _signal

    try:
        _signal.signal(_signal.SIGINT, _signal.default_int_handler)
    except (ValueError, OSError):  # not the main thread
        pass


# Set by program(): the process ends right after this run (see program()).
_ending = False
# Set when such a run is over with its connection still open.
_leave_now = False


def program() -> int:
    """The `vsh` program (its console script and `python -m vsh`): main(), then the end.

    After a run the process ends here without closing the connection: closing a remote one
    costs two more round trips (unregistering the close callback, the close itself) that tell
    the daemon nothing it does not learn from the socket closing, and the interpreter's own
    teardown would make them anyway.  Everything written is flushed first.  main() itself, as
    other Python code calls it, closes the connection and returns.
    """
    global _ending
    _ending = True
    # Bind the C libraries' symbols when first called, as a C program such as virsh does, rather
    # than all of libvirt's (and its dependencies') at load: a third of the cost of loading it.
    sys.setdlopenflags(os.RTLD_LAZY)
    status = main()
    if _leave_now:
        for stream in (sys.stdout, sys.stderr):
            try:
                if stream is not None:
                    stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(status)
    return status


def main(argv: list[str] | None = None) -> int:
    """Run vsh; returns the exit status (0 success, 1 failure)."""
    return _main(argv)


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        # Buffer stdout even under PYTHONUNBUFFERED; the runner flushes after every command.
        sys.stdout.reconfigure(write_through=False)  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        pass
    from vsh.output import OutputError, Printer, guard_std_streams, lose_stdout

    guard_std_streams()
    from vsh import i18n

    i18n.setup()
    try:
        opts = parse_global(argv)
    except VshError as err:
        Printer(json_mode="--json" in argv or "--csv" in argv).report(err)
        return 1
    cfg = _read_config(opts)  # before an early open: the file may make it read-only
    if opts.json or opts.csv:
        i18n.english_messages()
    if not opts.action:
        _open_early(opts)
    printer = Printer(quiet=opts.quiet, json_mode=opts.json, csv_mode=opts.csv, no_color=opts.no_color)
    for level, text in cfg.problems:
        if level == "error":
            printer.error([text], {"error": {"message": text}})
        else:
            printer.warn(text)
    printer.pager = cfg.pager
    try:
        if opts.action == "help":
            printer.write(usage_text())
            return 0
        if opts.action in ("version", "version-long"):
            printer.write(_version_text(opts.action == "version-long"))
            return 0
        return _run(opts, printer)
    except KeyboardInterrupt:
        printer.report(interrupted())
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
    except Exception as err:  # noqa: BLE001 - a bug outside any command: never a traceback
        printer.report(Bug(err))
        return 1


def _read_config(opts: Options) -> Any:
    """The config file's defaults under the command line's options (a missing file costs a stat)."""
    from vsh import config

    cfg = config.load(opts.config)
    for key, given, source in (("uri", opts.uri is not None, "-c"), ("readonly", opts.readonly, "-r"),
                               ("json", opts.json, "--json"), ("timing", opts.timing, "-t"),
                               ("quiet", opts.quiet, "-q"), ("color", opts.no_color, "--no-color")):
        if given:
            config.override(key, opts.uri if key == "uri" else key != "color", source)
    if "NO_COLOR" in os.environ and not opts.no_color:
        config.override("color", False, "NO_COLOR")
    opts.readonly = opts.readonly or cfg.get("readonly")
    opts.json = opts.json or (cfg.get("json") and not opts.csv)  # --csv wins over `json = true`
    opts.no_color = opts.no_color or not cfg.get("color")
    cfg.pager = config.pager_command(cfg.get("pager"))
    if opts.uri is None and not os.environ.get("VIRSH_DEFAULT_CONNECT_URI") and not os.environ.get(
            "LIBVIRT_DEFAULT_URI"):
        opts.config_uri = cfg.get("uri")
    return cfg


_BAD_DEBUG = "VIRSH_DEBUG not set with a valid numeric value"


def _env_debug() -> int | None:
    """VIRSH_DEBUG as virsh reads it (strtol, base 10, all of it, 0 to 4); None when unset;
    -1 when it is not a valid level."""
    text = os.environ.get("VIRSH_DEBUG")
    if text is None:
        return None
    import re

    return int(text) if re.fullmatch(r"\s*[+-]?[0-9]+", text) and 0 <= int(text) <= 4 else -1


def _asks_for_data(args: list[str]) -> bool:
    """`--json` or `--csv` after the command (`list --bogus --json`): its grammar errors are JSON too."""
    words = args if len(args) > 1 else args[0].split()
    return any(w in ("--json", "--csv") for w in words)


def _open_early(opts: Options) -> None:
    args = opts.args
    if (opts.uri and opts.debug == -1 and opts.log is None and not opts.keepalive_forced
            and not os.environ.get("VIRSH_DEBUG") and not os.environ.get("VIRSH_LOG_FILE")
            and (args or not (sys.stdin is not None and sys.stdin.isatty()))):
        # A remote open is several round trips: let them run while the command is parsed.
        # Not where ssh could ask for a password on the terminal before a bad command string
        # is reported (virsh reports it without connecting).
        from vsh.connection import open_early, own_prompts

        if not (own_prompts(opts.uri) and sys.stdin is not None and sys.stdin.isatty()):
            open_early(opts.uri, opts.readonly, opts.keepalive)


def _run(opts: Options, printer: Printer) -> int:
    args = opts.args
    from vsh.connection import prepare_libvirt
    from vsh.session import Session, note_debug

    # virsh's vshInitDebug runs before its options and again after them: VIRSH_DEBUG sets the
    # level first, -d while the options are read, and VIRSH_DEBUG again after them where -d
    # left the default (ERROR); a bad value is reported each time.  -l wins over VIRSH_LOG_FILE.
    env_level = _env_debug()
    if env_level == -1:
        from vsh.i18n import _

        sys.stderr.write(_("error: ") + _(_BAD_DEBUG) + "\n")
    reading_level = opts.debug if opts.debug >= 0 or env_level is None else env_level
    if opts.log is None:
        opts.log = os.environ.get("VIRSH_LOG_FILE") or None
    if opts.log is not None:
        # Open before the command string is parsed: its debug line and errors are logged too.
        from vsh.logfile import open_log

        try:
            printer.log = open_log(opts.log)
        except OSError:
            from vsh.i18n import msg

            printer.error([msg("failed to open the log file. check the log file path")])
            return 1
    if env_level is not None and opts.debug in (-1, 4):
        if env_level == -1:
            printer.error([_BAD_DEBUG])
        else:
            opts.debug = env_level
    from vsh import dispatch, grammar
    from vsh.config import expand_aliases

    # VSH_TREE=1 sends every command through the Click tree, as the REPL does (the tests compare both).
    parse: Callable[[list[str]], Any] = dispatch.parse_in_tree if os.environ.get("VSH_TREE") else dispatch.parse
    # Parse before connecting, as virsh does: a bad command string runs nothing.
    parsed: Callable[[], list] | None = None
    if args:
        try:
            if len(args) == 1:
                if not args[0]:
                    return 1  # virsh rejects an empty command string silently
                note_debug(reading_level, 1, f'commands: "{args[0]}"', printer)
                invocations = grammar.parse_line(args[0], parse, expand_aliases)
            elif args[0].startswith("#"):
                invocations = []  # a comment, as in a command string: virsh runs nothing
            else:
                invocations = [parse(words) for words in expand_aliases([list(args)])]
        except VshError as err:
            if _asks_for_data(args):
                printer.set_mode("json")
            printer.report(err)
            return 1
        parsed = lambda: invocations  # noqa: E731
        if len(invocations) == 1 and opts.hosts is None:  # --hosts: one thread per connection
            from vsh import rpc

            rpc.enable()  # one command, then the process ends: see vsh.rpc on keepalive
    # Like virsh, commands read from stdin (a terminal or not) run in interactive mode.
    interactive = not args
    # help, echo and the like never touch libvirt: they do not import it (a connection that opens
    # later prepares it then, see vsh.connection).
    needs_libvirt = parsed is None or opts.uri is not None or any(getattr(getattr(inv, "spec", None), "connect", True) for inv in invocations)
    if needs_libvirt:
        _act_on_sigint()  # not for help, echo and the like: `signal` is a third of their start-up
    try:
        if needs_libvirt:
            prepare_libvirt()
    except ImportError:
        printer.error(["libvirt-python is not installed; run the set-up command from the README"])
        return 1
    session = Session(printer, uri=opts.uri if opts.uri is not None else opts.config_uri,
                      readonly=opts.readonly, timing=opts.timing,
                      escape=opts.escape, keepalive=opts.keepalive,
                      keepalive_forced=opts.keepalive_forced, debug=opts.debug,
                      interactive=interactive)
    session.parser = parse
    if parsed is not None:
        from vsh.session import note_parsed

        for inv in invocations:
            note_parsed(opts.debug, inv, printer)
    session.stop_on_error = opts.on_error == "stop"
    if opts.hosts is not None:
        # Every host opens when the first command needs it, all at once (vsh.fleet).
        from vsh.fleet import Fleet, parse_hosts

        try:
            session.fleet = Fleet(parse_hosts(opts.hosts), session, opts.parallel, opts.host_timeout,
                                  opts.readonly)
        except VshError as err:
            session.report(err)
            return 1
        if needs_libvirt and (args or sys.stdin is None or not sys.stdin.isatty()):
            # Not before the REPL's prompt: a password prompt would cross it.
            session.fleet.open_soon()
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
        if _ending and (session.connection.conn is not None or session.fleet is not None):
            global _leave_now
            _leave_now = True
        else:
            session.close()
