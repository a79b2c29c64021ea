"""vsh's global options, declared once: the parser, `--help`, the man page and completion derive from it.

The rules are virsh's getopt_long with "+:c:d:e:hk:K:l:qrtvV": options stop at the
first word that is not one; short options bundle (`-rq`); a short option's value may be
glued (`-cURI`) or the next word; long options take `=VALUE` or the next word and may be
abbreviated to any unique prefix.
"""
from __future__ import annotations


from vsh.errors import VshError
from vsh.i18n import msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, NamedTuple
else:
    from vsh.records import NamedTuple

NONE, REQUIRED, OPTIONAL = "none", "required", "optional"


class GlobalOpt(NamedTuple):
    """One global option; `label` is how `--help` shows it, `complete` names its value's completer."""

    short: str | None
    long: str | None
    kind: str
    label: str
    help: str
    complete: str | None = None
    own: bool = False  # vsh's own, not virsh's: an abbreviation that fits a virsh option too is virsh's

    @property
    def key(self) -> str:
        return self.short or self.long or ""


OPTIONS: tuple[GlobalOpt, ...] = (
    GlobalOpt("c", "connect", REQUIRED, "-c | --connect=URI", "hypervisor connection URI", "uri"),
    GlobalOpt("d", "debug", REQUIRED, "-d | --debug=NUM", "debug level [0-4]"),
    GlobalOpt("e", "escape", REQUIRED, "-e | --escape <char>", "set escape sequence for console"),
    GlobalOpt("h", "help", NONE, "-h | --help", "this help"),
    GlobalOpt("k", "keepalive-interval", REQUIRED, "-k | --keepalive-interval=NUM",
              "keepalive interval in seconds, 0 for disable"),
    GlobalOpt("K", "keepalive-count", REQUIRED, "-K | --keepalive-count=NUM",
              "number of possible missed keepalive messages"),
    GlobalOpt("l", "log", REQUIRED, "-l | --log=FILE", "output logging to file", "file"),
    GlobalOpt("q", "quiet", NONE, "-q | --quiet", "quiet mode"),
    GlobalOpt("r", "readonly", NONE, "-r | --readonly", "connect readonly"),
    GlobalOpt("t", "timing", NONE, "-t | --timing", "print timing information"),
    GlobalOpt("v", None, NONE, "-v", "short version"),
    GlobalOpt("V", None, NONE, "-V", "long version"),
    GlobalOpt(None, "version", OPTIONAL, "     --version[=TYPE]", "version, TYPE is short or long (default short)"),
    GlobalOpt(None, "json", NONE, "     --json", "machine-readable output (JSON) for commands that report data",
              own=True),
    GlobalOpt(None, "csv", NONE, "     --csv", "CSV for commands whose output is a table", own=True),
    GlobalOpt(None, "no-color", NONE, "     --no-color", "no colour, even on a terminal (so does NO_COLOR)", own=True),
    GlobalOpt(None, "on-error", REQUIRED, "     --on-error=MODE",
              "batch from stdin: 'continue' (default) or 'stop' at the first failure", "on-error", own=True),
    GlobalOpt(None, "config", REQUIRED, "     --config=FILE",
              "settings, aliases and host groups from FILE (default ~/.config/vsh/config.toml)", "file", own=True),
    GlobalOpt(None, "hosts", REQUIRED, "     --hosts=LIST",
              "run every command on these hosts: URIs, URI aliases, @GROUP names, comma-separated "
              "(a local FILE that vol-download or screenshot writes becomes FILE.HOST)", own=True),
    GlobalOpt(None, "parallel", REQUIRED, "     --parallel=NUM", "--hosts: hosts worked on at once (default 64)",
              own=True),
    GlobalOpt(None, "host-timeout", REQUIRED, "     --host-timeout=SECONDS",
              "--hosts: give up on a host that does not answer (default 10)", own=True),
)

#: Fixed values offered for an option's value.
CHOICES = {"on-error": ("continue", "stop")}


#: The global options vsh adds to virsh's.
OWN = ("json", "no-color", "on-error")


def usage_lines(options: tuple[GlobalOpt, ...] = OPTIONS) -> str:
    """Options as `vsh --help` lists them, in virsh's layout (a long label gets a line of its own)."""
    lines = []
    for opt in options:
        if len(opt.label) > 23:
            lines.append(f"    {opt.label}\n{'':28}{opt.help}")
        else:
            lines.append(f"    {opt.label:<24}{opt.help}")
    return "".join(line + "\n" for line in lines)


def usage_block() -> str:
    """The options part of `vsh --help`."""
    return "  options:\n" + usage_lines()


def valued_words(skip: tuple[str, ...] = ("c",)) -> list[str]:
    """`-d`, `--debug`, ...: the words after which the next word is an option's value (shell scripts)."""
    shorts = [f"-{o.short}" for o in OPTIONS if o.kind == REQUIRED and o.short and o.key not in skip]
    longs = [f"--{o.long}" for o in OPTIONS if o.kind == REQUIRED and o.long and o.key not in skip]
    return shorts + longs


class Scan(NamedTuple):
    """A walk over the global options: what was given, where the command starts, what waits for a value."""

    given: list[tuple[GlobalOpt, str | None]]
    rest: int
    pending: GlobalOpt | None


class _Given(list):
    def __init__(self, apply: Callable[[GlobalOpt, str | None], None] | None) -> None:
        super().__init__()
        self.apply = apply

    def append(self, item: tuple[GlobalOpt, str | None]) -> None:
        super().append(item)
        if self.apply is not None:
            self.apply(*item)


def _both(opt: GlobalOpt) -> str:
    """How virsh's getopt names an option in its messages: `'-c'/'--connect'`."""
    if opt.short and opt.long:
        return f"'-{opt.short}'/'--{opt.long}'"
    return f"'-{opt.short}'" if opt.short else f"'--{opt.long}'"


def _unsupported(word: str) -> VshError:
    return VshError(msg("unsupported option '%s'. See --help.", word))


def scan(argv: list[str], tolerant: bool = False,
         apply: Callable[[GlobalOpt, str | None], None] | None = None) -> Scan:
    """The one getopt walk. Strict: errors raise as virsh words them.  Tolerant (completion):
    unknown options are skipped, and an option whose value is missing at the end is `pending`.

    `apply` sees each option as soon as it is read, so a bad value fails before a later
    bad option, in getopt's order.
    """
    given = _Given(apply)
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--":
            i += 1
            break
        if not word.startswith("-") or word == "-":
            break
        i += 1
        if word.startswith("--"):
            name, eq, value = word[2:].partition("=")
            matches = [o for o in OPTIONS if o.long == name] or [o for o in OPTIONS if o.long and
                                                                   o.long.startswith(name)]
            if len(matches) > 1 and len([o for o in matches if not o.own]) == 1:
                matches = [o for o in matches if not o.own]  # `--con` stays virsh's --connect
            if len(matches) != 1 or not name:
                if tolerant:
                    continue
                raise _unsupported(word)
            opt = matches[0]
            if opt.kind == NONE and eq:
                if tolerant:
                    continue
                raise _unsupported(f"-{opt.short}" if opt.short else word)  # getopt's optopt
            if opt.kind == REQUIRED and not eq:
                if i >= len(argv):
                    if tolerant:
                        return Scan(given, i, opt)
                    raise VshError(f"option {_both(opt)} requires an argument")
                value, eq = argv[i], "="
                i += 1
            given.append((opt, value if eq else None))
            continue
        j = 1
        while j < len(word):
            ch = word[j]
            found = [o for o in OPTIONS if o.short == ch]
            if not found:
                if tolerant:
                    j += 1
                    continue
                raise VshError(msg("unsupported option '-%c'. See --help.", ch))
            opt = found[0]
            if opt.kind == REQUIRED:
                value = word[j + 1:]
                if not value:
                    if i >= len(argv):
                        if tolerant:
                            return Scan(given, i, opt)
                        raise VshError(f"option {_both(opt)} requires an argument")
                    value = argv[i]
                    i += 1
                given.append((opt, value))
                break
            given.append((opt, None))
            j += 1
    return Scan(given, i, None)
