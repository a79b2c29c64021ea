"""virsh's argument grammar: one command's words -> the values of its options.

Rules (virsh 9.0): `--opt value` and `--opt=value`; flags take no `=`; non-flag options
not marked named-only fill positional slots in declaration order, and an option given
by name leaves its slot; `--` ends options; the trailing list option takes every
remaining positional word; `--help` anywhere turns the command into its help, once the
rest of its words parse.  vsh adds `--json` and `--csv` anywhere among the options (the
output format of this one command), where the command has no option of that name.
Every error here rejects the whole command string before anything runs.
"""
from __future__ import annotations


from vsh import registry
from vsh.errors import VshError
from vsh.spec import ALIAS, ARGV, BOOL, DATA, INT, CommandSpec, Opt
from vsh.i18n import msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable


class Invocation:
    """A parsed built-in command: its spec and the raw option values (str, list of str, or True).

    `notes` are error lines the parser reported without rejecting the command (virsh
    does that only for `help`, whose bad options it skips).  Like the Click tree's parsed
    commands (vsh.tree), it says what virsh's -d shows for it and runs in a session.
    """

    __slots__ = ("spec", "values", "words", "notes", "output")

    def __init__(self, spec: CommandSpec, values: dict[str, Any], words: list[str],
                 notes: list[str] | None = None, output: str = "") -> None:
        self.spec, self.values, self.words = spec, values, words
        self.notes = notes or []
        # "json" or "csv" when given after the command (`list --all --json`), else "".
        self.output = output

    def given(self, name: str) -> bool:
        return name in self.values

    def debug_lines(self) -> list[str]:
        """What virsh's parser prints at -d 0/1: one line per option value."""
        lines = []
        for name, value in self.values.items():
            opt = self.spec.option(name)
            if opt is None:
                continue
            for item in value if isinstance(value, list) else [value]:
                kind, text = ("bool", "(none)") if opt.type == BOOL else ("optdata", item)
                lines.append(f"{self.spec.name}: {name}({kind}): {text}")
        return lines

    def run(self, session: Any) -> bool:
        return bool(session.run(self))


class GrammarErrors(VshError):
    """Several `error:` lines from one parse (virsh names every missing required option)."""

    def __init__(self, messages: list[str], hint: str = "") -> None:
        super().__init__(messages[0], hint=hint)
        self.messages = messages

    def lines(self) -> list[str]:
        return list(self.messages)


class UnknownCommand(GrammarErrors):
    """No built-in has this name.  The caller (vsh.dispatch) looks for a user command and,
    failing that, adds what only it knows: user-command load failures and a hint."""

    def __init__(self, name: str) -> None:
        super().__init__([msg("unknown command: '%s'", name)])
        self.name = name


def parse(words: list[str]) -> Invocation:
    """Parse one command (its name first) against its declaration."""
    name = words[0]
    spec = registry.get(name)
    if spec is None:
        raise UnknownCommand(name)
    walk = walk_words(spec, words[1:])
    if walk.help:
        inv = help_for(spec.name, words)
        inv.output = walk.output
        return inv
    missing: list[str] = []
    for opt in spec.table.required:
        if opt.name not in walk.values:
            if opt.type in (DATA, ARGV):
                missing.append(msg("command '%s' requires <%s> option", spec.name, opt.name))
            else:
                missing.append(msg("command '%s' requires --%s option", spec.name, opt.name))
    if missing:
        raise GrammarErrors(missing)
    return Invocation(spec, walk.values, list(words), walk.notes, walk.output)


OUTPUT_WORDS = {"--json": "json", "--csv": "csv"}


def output_word(spec: CommandSpec, word: str) -> str:
    """"json" or "csv" when `word` asks for that output format of this command, else ""."""
    mode = OUTPUT_WORDS.get(word, "")
    return mode if mode and spec.option(word[2:]) is None else ""


def user_output(command: Any, args: list[str]) -> tuple[list[str], str]:
    """A user command's words without `--json`/`--csv` (before any `--`), unless its click.Command
    has such an option; and "json" or "csv" when one was given, else ""."""
    own = {name for param in command.params for name in getattr(param, "opts", ())}
    kept: list[str] = []
    output = ""
    for n, word in enumerate(args):
        if word == "--":
            return kept + args[n:], output
        if word in OUTPUT_WORDS and word not in own:
            output = OUTPUT_WORDS[word]
            continue
        kept.append(word)
    return kept, output


def parse_line(line: str, parser: Callable[[list[str]], Any] | None = None,
               expand: Callable[[list[list[str]]], list[list[str]]] | None = None) -> list[Any]:
    """Parse a whole command string, command by command, as virsh reads it: the first error in
    reading order wins, so a bad command or option comes before a later missing `"`.
    `expand` turns one command into the commands it stands for (the user's aliases)."""
    # The lexer is loaded here, not with this module: a one-shot command never needs it.  A plain
    # `import`, as `from vsh.lexer import ...` would look up (and miss) the module's `__path__`
    # each time, which every line of a batch would pay for.
    import vsh.lexer

    one = parser or parse
    invocations: list[Any] = []
    try:
        for words in vsh.lexer.iter_words(line):
            for cmd in expand([words]) if expand else [words]:
                invocations.append(one(cmd))
    except vsh.lexer.LexError as err:
        if err.partial:
            _check_partial(err.partial, one)
        raise
    return invocations


def _check_partial(words: list[str], one: Callable[[list[str]], Any]) -> None:
    """Raise the error virsh finds in the words of a command read before a quoting error: an
    unknown command, an unknown or repeated option, surplus data (not what needs the end)."""
    spec = registry.get(words[0])
    if spec is None:
        one(words[:1])  # unknown unless it names a user command (whose own grammar reads later)
        return
    try:
        walk_words(spec, words[1:])
    except VshError as err:
        if not err.message.startswith("expected syntax"):
            raise


def is_option(word: str) -> bool:
    """virsh takes a word for an option name when it is `--` and an ASCII letter or digit."""
    return len(word) > 2 and word[:2] == "--" and word[2].isascii() and word[2].isalnum()


class Walk:
    """How far a walk of one command's words got.

    `values` as in Invocation; `slots` are the positional options still free; `pending`
    is a valued option whose value did not come (tolerant walks only); `data_only` says
    `--` was seen; `help` that `--help` was given.
    """

    __slots__ = ("values", "positional", "pending", "data_only", "help", "notes", "output")

    def __init__(self, spec: CommandSpec) -> None:
        self.output = ""
        self.values: dict[str, Any] = {}
        self.positional = spec.table.positional
        self.pending: Opt | None = None
        self.data_only = self.help = False
        self.notes: list[str] = []

    @property
    def slots(self) -> list[Opt]:
        """The positional options still free: those not given yet, and the trailing list (it
        takes every word left)."""
        return [o for o in self.positional if o.type == ARGV or o.name not in self.values]

    def next_slot(self) -> Opt | None:
        """The first free positional option (slots[0]), or None."""
        for opt in self.positional:
            if opt.type == ARGV or opt.name not in self.values:
                return opt
        return None

    def take(self, opt: Opt, value: str) -> None:
        if opt.type == ARGV:
            self.values.setdefault(opt.name, []).append(value)
        else:
            self.values[opt.name] = value


def walk_words(spec: CommandSpec, words: list[str], tolerant: bool = False) -> Walk:
    """The one walk of virsh's argument grammar over a command's words (its name left out).

    Strict (parsing): the first error raises, worded as virsh words it.  Tolerant
    (completion, on a half-typed line): unknown or repeated options and surplus data are
    skipped, and a valued option at the end is left `pending`.
    """
    walk = Walk(spec)
    values = walk.values
    options = spec.table.by_name
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if not walk.data_only and word == "--":
            walk.data_only = True
            continue
        if walk.data_only or not is_option(word):
            slot = walk.next_slot()
            if slot is None:
                if tolerant or (spec.name == "help" and "command" in values):
                    continue
                raise VshError(msg("unexpected data '%s'", word))
            walk.take(slot, word)
            continue
        mode = OUTPUT_WORDS.get(word)
        if mode and output_word(spec, word):
            if walk.output and walk.output != mode:
                raise VshError("options --json and --csv are mutually exclusive")  # vsh's own: English
            walk.output = mode
            continue
        if word.startswith("--help=") and not tolerant:
            raise VshError(msg("invalid '=' after option --%s", "help"))
        if word == "--help":
            # virsh keeps parsing: a grammar error after `--help` still rejects the command.
            walk.help = True
            continue
        optname, eq, optval = word[2:].partition("=")
        inline: str | None = optval if eq else None
        try:
            found = options.get(optname) if tolerant else _find(options, optname, values)
        except VshError as err:
            if spec.name != "help":
                raise
            # virsh reports a repeated option of `help`, skips it and still runs the command.
            walk.notes.append(err.message)
            continue
        if found is None:
            if tolerant or spec.name == "help":
                continue
            raise VshError(msg("command '%s' doesn't support option --%s", spec.name, optname),
                           hint=suggest(optname, [o.name for o in spec.visible_opts], "--") or
                           f"'help {spec.name}' lists its options")
        opt = found
        if opt.type == ALIAS:
            target, teq, tval = opt.target.partition("=")
            if teq:
                if inline is not None and not tolerant:
                    raise VshError(msg("invalid '=' after option --%s", opt.name))
                inline = tval
            aliased = options.get(target) if tolerant else _find(options, target, values)
            assert aliased is not None
            opt = aliased
        if opt.type == BOOL:
            if inline is not None and not tolerant:
                raise VshError(msg("invalid '=' after option --%s", opt.name))
            values[opt.name] = True
            continue
        if inline is None:
            if i >= len(words):
                if tolerant:
                    walk.pending = opt
                    return walk
                kind = msg("number") if opt.type == INT else msg("string")
                raise VshError(msg("expected syntax: --%s <%s>", opt.name, kind))
            inline = words[i]
            i += 1
        walk.take(opt, inline)
    return walk


def _find(options: dict[str, Opt], name: str, values: dict[str, Any]) -> Opt | None:
    opt = options.get(name)
    if opt is None:
        return None
    if opt.type not in (ARGV, ALIAS) and opt.name in values:
        raise VshError(msg("option --%s already seen", name))
    return opt


def help_for(name: str, words: list[str] | None = None) -> Invocation:
    """`CMD --help` is `help --command CMD`."""
    spec = registry.get("help")
    assert spec is not None
    return Invocation(spec, {"command": name}, words or ["help", name])


def suggest(word: str, names: list[str], prefix: str) -> str:
    """A "did you mean" hint for a mistyped command or option name (shown on a terminal only)."""
    import difflib

    close = difflib.get_close_matches(word, names, n=3, cutoff=0.6)
    if not close:
        return ""
    return "did you mean " + " or ".join(f"'{prefix}{c}'" for c in close) + "?"
