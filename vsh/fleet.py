"""Many connections at once (--hosts): parallel open, per-host errors, one merged output.

Each host gets a session of its own (its own connection, with the keepalive, authentication
and reconnect handling of a single one) whose printer records what the command hands it
instead of writing it.  A command runs on every host at once (at most `--parallel` at a
time).  Output that need not wait for every host goes out as it comes (vsh.fleetlive): each
whole line with a `HOST: ` prefix (pdsh's convention), or the event commands' JSON Lines with
a `host` key.  The rest is merged once all are done, in the order the hosts were given: the
rows of table commands become one table with a first column `Host`, and `--json` makes a list
of one object per host.  A host that fails says so in one `error: HOST: ...` line and the
others go on.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable, Iterable, NamedTuple, Sequence

from vsh.errors import VshError, libvirt_message
from vsh.fleetlive import EVENT_COMMANDS, Live, render_table, streams
from vsh.output import Column, Printer
from vsh.schema import tabular

#: Defaults of --parallel and --host-timeout.  64 hosts at once cover a typical group (a rack,
#: a cluster) in one wave: a host in flight costs a thread blocked in libvirt (the GIL released)
#: and, over ssh, an ssh process starting, as pdsh's and ClusterShell's fan-outs (32, 64) do.
PARALLEL = 64
HOST_TIMEOUT = 10.0
#: After Ctrl-C, how long the event commands of every host are given to end as they do on one
#: host (deregistering, saying how many events came) before the hosts still busy are left.
STOP_GRACE = 2.0

# Commands that hold the terminal (an editor, a console): they run one host after another,
# with their output straight on the terminal.
TERMINAL = frozenset({"console", "edit", "net-edit", "pool-edit", "managedsave-edit", "save-image-edit",
                      "snapshot-edit", "checkpoint-edit", "iface-edit", "nwfilter-edit"})

# Commands that take the hosts as a whole (`top`: one live view of every host): they run once,
# in the main session, and reach the hosts through `session.fleet.open_each()`.
WHOLE = frozenset({"top"})


class Target(NamedTuple):
    """One host: the name as the user gave it, and the URI (or libvirt URI alias) to open."""

    name: str
    uri: str


def group_members(name: str) -> list[str]:
    """The members of host group NAME ([groups] of vsh's config file); VshError if unknown."""
    from vsh import config

    return config.host_group(name)


def parse_hosts(text: str) -> list[Target]:
    """`--hosts LIST`: comma-separated URIs, libvirt URI aliases and `@GROUP` names, in order.

    libvirt itself resolves an alias (`uri_aliases` in libvirt.conf) when it opens it, so an
    alias is opened as given.  A host named twice is used once.
    """
    targets: list[Target] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            raise VshError(f"invalid host list '{text}': an empty name")
        if item.startswith("@"):
            targets += [Target(member, member) for member in group_members(item[1:])]
        else:
            targets.append(Target(item, item))
    seen: set[str] = set()
    unique = [t for t in targets if not (t.name in seen or seen.add(t.name))]  # type: ignore[func-returns-value]
    if not unique:
        raise VshError(f"host group '{text}' names no host")
    return unique


def keepalive_for(timeout: float) -> tuple[int, int]:
    """Keepalive that gives up on a host that stops answering after about `timeout` seconds."""
    interval = max(1, int(-(-timeout // 3)))
    return interval, 2


class HostPrinter(Printer):
    """A printer that records a command's output (text, table rows, JSON data, errors) for merging,
    or hands each piece to `sink` as it comes when the output goes out live (vsh.fleetlive)."""

    def __init__(self, quiet: bool, json_mode: bool) -> None:
        self.events: list[tuple[Any, ...]] = []
        self.sink: Callable[[tuple[Any, ...]], None] | None = None
        super().__init__(out=_Recorder(self.record), err=_Recorder(self.record, "err"),  # type: ignore[arg-type]
                         quiet=quiet, json_mode=json_mode, no_color=True)

    def record(self, event: tuple[Any, ...]) -> None:
        sink = self.sink
        if sink is not None:
            sink(event)
        else:
            self.events.append(event)

    def extra(self, text: str = "", end: str = "\n") -> None:
        if not self.quiet and not self.json:
            self.record(("extra", text + end))

    def data(self, obj: Any, text: str | None = None) -> None:
        if self.json:
            self.record(("data", obj))
        elif text is not None:
            self.record(("text", text))

    def table(self, columns: Sequence[Column], rows: Sequence[dict[str, Any]], json_obj: Any = None) -> None:
        if self.json:
            self.data(json_obj if json_obj is not None else list(rows))
        else:
            self.record(("table", list(columns), list(rows)))

    def error(self, lines: Iterable[str], obj: dict[str, Any] | None = None, hint: str = "") -> None:
        self.record(("error", list(lines), obj))

    def warn(self, text: str) -> None:
        self.record(("warn", text))

    def take(self) -> list[tuple[Any, ...]]:
        """The events so far (the list is emptied)."""
        taken = list(self.events)
        del self.events[:]
        return taken


class _Recorder:
    """A text stream whose writes become events of a HostPrinter."""

    def __init__(self, record: Callable[[tuple[Any, ...]], None], kind: str = "text") -> None:
        self.record, self.kind = record, kind

    def write(self, text: str) -> int:
        if text:
            self.record((self.kind, text))
        return len(text)

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return False


class Member:
    """A host of the fleet: its name and its own session."""

    def __init__(self, target: Target, session: Any) -> None:
        self.target = target
        self.session = session
        self.busy = False
        # Set while the connection opens ahead of the first command (Fleet.open_soon).
        self.opening: threading.Event | None = None
        self.open_error: VshError | None = None

    @property
    def name(self) -> str:
        return self.target.name


class Outcome(NamedTuple):
    ok: bool
    events: list[tuple[Any, ...]]


class Fleet:
    """The hosts of a `--hosts` run and how one command runs on all of them."""

    def __init__(self, targets: Sequence[Target], main: Any, parallel: int | None = None,
                 timeout: float = HOST_TIMEOUT, readonly: bool = False) -> None:
        self.main = main  # the session the user talks to (its printer is the real one)
        self.parallel = max(1, parallel or PARALLEL)
        self.timeout = timeout
        self.readonly = readonly
        self.suffixes = file_suffixes([t.name for t in targets])
        self.members = [Member(t, self._session(t)) for t in targets]
        self._caches: list[Any] | None = None  # completion's names, per host (the REPL)
        self._connectors: list[Any] = []

    def _session(self, target: Target) -> Any:
        from vsh.session import Session

        main = self.main
        forced = main.connection.keepalive_forced
        keepalive = main.connection.keepalive if forced else keepalive_for(self.timeout)
        session = Session(HostPrinter(main.out.quiet, main.out.json), uri=target.uri, readonly=self.readonly,
                          escape=main.escape, keepalive=keepalive, keepalive_forced=forced,
                          interactive=main.interactive)
        session.parser = main.parser
        session.connection.open_timeout = self.timeout
        session.connection.label = target.name
        session.stop = threading.Event()
        session.file_suffix = self.suffixes[target.name]
        return session

    def __len__(self) -> int:
        return len(self.members)

    @staticmethod
    def whole(name: str) -> bool:
        """Whether command NAME takes the hosts as a whole instead of running on each (WHOLE)."""
        return name in WHOLE

    # running ---------------------------------------------------------------------------
    def run(self, inv: Any) -> bool:
        """Run one parsed built-in on every host; print the merged output; True if all succeeded.

        The main session runs it as one command (its timing, the blank line after it, Ctrl-C);
        each host's session reports its own failures, which the merge prefixes with the host.
        """
        spec = inv.spec
        result = [False]

        def body() -> None:
            result[0] = self._run_in_turn(inv) if spec.name in TERMINAL else self._fan_out(inv)

        done = self.main.run_body(spec, spec.name, spec.json, body)
        self.main.last_ok = done and result[0]
        return self.main.last_ok

    def run_user(self, call: Any) -> bool:
        """A user's own command (a vsh.tree.Call) on every host, one after another: its Click
        context is one object, handed to each host's session in turn."""
        result = [False]

        def body() -> None:
            result[0] = self._fan_out(call, limit=1)

        done = self.main.run_body(None, call.name, True, body)
        self.main.last_ok = done and result[0]
        return self.main.last_ok

    def _fan_out(self, inv: Any, limit: int = 0) -> bool:
        """The command on every host; its output live (vsh.fleetlive) or merged once all are done.

        Ctrl-C asks every host's command to end (an event wait ends as with one host, saying
        how many events it saw) and waits a moment for them; then any host still busy is left.
        """
        members = list(self.members)
        spec = getattr(inv, "spec", None)
        name = spec.name if spec is not None else ""
        live = None
        if spec is not None and not limit and streams(name, inv.given("list"), tabular(spec.schema),
                                                      self.main.out.json):
            live = Live(self.main.out, self.report, self.main.out.json)
        jobs = [self._job(m, inv, live) for m in members]
        for member in members:
            member.busy = True
            member.session.stop.clear()
        grace = STOP_GRACE if name in EVENT_COMMANDS else 0.0

        def stop() -> float:
            for member in members:
                member.session.stop.set()
            return grace

        try:
            outcomes = run_bounded(jobs, limit or self.parallel, stop=stop,
                                   failure=(lambda: live.failure) if live is not None else None)
        except BaseException:
            self._abandon_busy()
            raise
        finally:
            if live is not None:
                live.close()
        if live is None:
            self._print(members, outcomes)
        return all(o.ok for o in outcomes)

    def open_soon(self) -> None:
        """Start opening every host now, on threads, while start-up and parsing go on; the
        first command takes each connection (or its failure) when it gets there."""
        gate = threading.Semaphore(self.parallel)

        def opener(member: Member) -> Callable[[], None]:
            def work() -> None:
                with gate:
                    try:
                        member.session.get_conn()
                    except VshError as err:
                        member.open_error = err
                    except Exception:  # noqa: BLE001 - the command's own open reports it
                        pass
                    finally:
                        assert member.opening is not None
                        member.opening.set()
            return work

        for member in self.members:
            member.opening = threading.Event()
            threading.Thread(target=opener(member), name="vsh-fleet-open", daemon=True).start()

    def _job(self, member: Member, inv: Any, live: Any = None) -> Callable[[], Outcome]:
        def job() -> Outcome:
            session = member.session
            lines = live.host(member.name) if live is not None else None
            session.out.sink = lines
            try:
                _opened(member)
                ok = inv.run(session)
            except VshError as err:
                session.out.record(_connect_failure(err))
                ok = False
            except Exception as err:  # noqa: BLE001 - one host's failure must not stop the others
                session.out.error([f"{type(err).__name__}: {err}"])
                ok = False
            finally:
                member.busy = False
                session.out.sink = None
                if lines is not None:
                    lines.end()
            return Outcome(ok, session.out.take())

        return job

    def _run_in_turn(self, inv: Any) -> bool:
        """A command that needs the terminal: host after host, its output straight on it."""
        ok = True
        for member in self.members:
            session = member.session
            recorder, session.out = session.out, self.main.out
            try:
                ok = session.run(inv) and ok
            finally:
                session.out = recorder
        return ok

    def _abandon_busy(self) -> None:
        """After Ctrl-C: hosts still working keep their old connection to themselves; the next
        command opens a new one."""
        for member in self.members:
            if member.busy:
                member.session = self._session(member.target)
                member.busy = False

    # merging ----------------------------------------------------------------------------
    def _print(self, members: list[Member], outcomes: list[Outcome]) -> None:
        out = self.main.out
        if out.json:
            out.data([_json_entry(m.name, o) for m, o in zip(members, outcomes)])
            return
        streams = [_without_trailer(o.events, out.quiet) for o in outcomes]
        table = _mergeable(streams)
        if table is not None:
            rows = [{"\0host": m.name, **row} for m, events in zip(members, streams)
                    for kind, *rest in events if kind == "table" for row in rest[1]]
            out.table([Column("\0host", "Host"), *table], rows)
            for member, events in zip(members, streams):
                self.report(member.name, [e for e in events if e[0] in ("error", "warn", "err")])
            return
        for member, events in zip(members, streams):
            text: list[str] = []
            for event in events:
                if event[0] in ("error", "warn", "err"):
                    self._text(member.name, text)
                    text = []
                    self.report(member.name, [event])
                elif event[0] == "table":
                    text.append(render_table(out.quiet, event[1], event[2]))
                else:
                    text.append(event[1])
            self._text(member.name, text)

    def _text(self, name: str, parts: list[str]) -> None:
        text = "".join(parts)
        if not text:
            return
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()
        self.main.out.out.write("".join(f"{name}: {line}\n" for line in lines))

    def report(self, name: str, events: list[tuple[Any, ...]]) -> None:
        """A host's recorded errors and warnings on stderr, each line prefixed with its name (under
        --json, an error with a JSON object is that object with the key `host`)."""
        out = self.main.out
        for event in events:
            if event[0] == "warn":
                out.warn(f"{name}: {event[1]}")
            elif event[0] == "error":
                obj = event[2] if len(event) > 2 and isinstance(event[2], dict) else None
                error = obj.get("error") if obj is not None else None
                out.error([f"{name}: {line}" for line in event[1]],
                          {"error": {**error, "host": name}} if isinstance(error, dict) else None)
            elif event[0] == "err":
                out.err.write("".join(f"{name}: {line}\n" for line in event[1].splitlines()))

    def connect_all(self) -> bool:
        """Open every host now (the REPL's `connect --hosts`); one line for each that fails."""
        opened, reports = self.open_each()
        for name, events in reports:
            self.report(name, events)
        return len(opened) == len(self.members)

    def open_each(self) -> tuple[list[tuple[str, Any]], list[tuple[str, list[tuple[Any, ...]]]]]:
        """Open every host at once: (name, connection) of those that opened, and (name, events to
        report: errors and warnings) of those with any (every host that failed), in the given order."""
        def job(member: Member) -> Callable[[], Outcome]:
            def opener() -> Outcome:
                try:
                    _opened(member)
                except VshError as err:
                    return Outcome(False, member.session.out.take() + [_connect_failure(err)])
                return Outcome(True, member.session.out.take())
            return opener

        outcomes = run_bounded([job(m) for m in self.members], self.parallel)
        opened = [(m.name, m.session.get_conn()) for m, o in zip(self.members, outcomes) if o.ok]
        reports = [(m.name, o.events) for m, o in zip(self.members, outcomes) if o.events]
        return opened, reports

    # the REPL ----------------------------------------------------------------------------
    def names(self, kind: str, given: dict) -> list[str]:
        """Completion: the union of the names every host offers, in host order."""
        if self._caches is None:
            from vsh import completion

            self._connectors = [completion.Connector(m.session.connection) for m in self.members]
            self._caches = [completion.NameCache(c.get) for c in self._connectors]
        caches = self._caches
        found: list[list[str]] = [[] for _ in caches]

        def fetch(i: int) -> Callable[[], None]:
            def job() -> None:
                found[i] = caches[i].names(kind, given)
            return job

        try:
            run_bounded([fetch(i) for i in range(len(caches))], self.parallel, wait=1.5)
        except TimeoutError:
            pass
        return list(dict.fromkeys(name for names in found for name in names))

    def invalidate(self) -> None:
        """A command ran: completion refreshes the names of every host."""
        for cache in self._caches or []:
            cache.invalidate()

    def close(self) -> None:
        """Close every connection at once; a host that does not answer is not waited for long."""
        closers = [m.session.close for m in self.members] + [c.close for c in self._connectors]
        try:
            run_bounded(closers, len(closers) or 1, wait=2.0)
        except TimeoutError:
            pass


def _opened(member: Member) -> None:
    """Make sure a host's connection is open, taking over an open begun by Fleet.open_soon."""
    if member.opening is not None:
        member.opening.wait()
        member.opening, failed, member.open_error = None, member.open_error, None
        if failed is not None:
            raise failed
    member.session.get_conn()


def _connect_failure(err: VshError) -> tuple[Any, ...]:
    """One line for a host that cannot be reached: vsh's words and libvirt's reason."""
    reason = libvirt_message(err.cause) if err.cause is not None else ""
    return ("error", [f"{err.message}: {reason}" if reason else err.message], err.as_json())


def _without_trailer(events: list[tuple[Any, ...]], quiet: bool) -> list[tuple[Any, ...]]:
    """A host's events without the blank line that ends every command (printed once for all)."""
    events = [e for e in events if e[0] != "extra" or e[1]]
    for i in range(len(events) - 1, -1, -1):
        if events[i][0] == "extra" and events[i][1] == "\n" and not quiet:
            return events[:i] + events[i + 1:]
        if events[i][0] not in ("error", "warn", "err"):
            break
    return events


def _mergeable(streams: list[list[tuple[Any, ...]]]) -> list[Column] | None:
    """The columns of one merged table when every host's output is one table of the same columns."""
    columns: list[Column] | None = None
    for events in streams:
        shown = [e for e in events if e[0] not in ("error", "warn", "err")]
        if not shown:
            continue
        if len(shown) != 1 or shown[0][0] != "table":
            return None
        titles = [c.title for c in shown[0][1]]
        if columns is not None and titles != [c.title for c in columns]:
            return None
        columns = shown[0][1]
    return columns


def _json_entry(name: str, outcome: Outcome) -> dict[str, Any]:
    data = [e[1] for e in outcome.events if e[0] == "data"]
    text = "".join(e[1] for e in outcome.events if e[0] == "text")
    errors = [e[2] for e in outcome.events if e[0] == "error"]
    result: Any = data[0] if len(data) == 1 else data if data else (text if text else None)
    error: Any = None
    if errors and not outcome.ok:
        obj = errors[-1] or {"error": {"message": "failed (virsh reports no reason)"}}
        error = dict(obj.get("error", obj))
        error.setdefault("source", "vsh")
    return {"host": name, "ok": outcome.ok, "result": result, "error": error}


def run_bounded(jobs: Sequence[Callable[[], Any]], limit: int, wait: float | None = None,
                stop: Callable[[], float] | None = None,
                failure: Callable[[], BaseException | None] | None = None) -> list[Any]:
    """Run `jobs` on at most `limit` threads at once; their results in order.

    The threads are daemon threads: Ctrl-C (KeyboardInterrupt in the caller) or `wait` seconds
    (TimeoutError) stop the waiting, and a host that hangs cannot hold up the exit.  With
    `stop`, Ctrl-C first calls it (it asks the jobs to end) and waits as many seconds as it
    returns for them before giving up (a second Ctrl-C gives up at once).  `failure` is checked
    while waiting: an exception it returns (the output failed) is raised at once.
    A job's exception is raised here once all have finished.
    """
    results: list[Any] = [None] * len(jobs)
    failures: list[BaseException] = []
    lock = threading.Lock()
    pending = list(range(len(jobs)))
    done = threading.Semaphore(0)

    def worker() -> None:
        while True:
            with lock:
                if not pending:
                    return
                index = pending.pop(0)
            try:
                results[index] = jobs[index]()
            except BaseException as err:  # noqa: BLE001 - handed to the waiting thread
                failures.append(err)
            done.release()

    for _ in range(min(limit, len(jobs))):
        threading.Thread(target=worker, name="vsh-fleet", daemon=True).start()
    deadline = None if wait is None else time.monotonic() + wait
    grace: float | None = None  # when the jobs asked to stop are given up
    left = len(jobs)
    while left:
        try:
            if done.acquire(timeout=0.1):
                left -= 1
                continue
        except KeyboardInterrupt:
            if stop is None or grace is not None:
                raise
            grace = time.monotonic() + stop()
        if grace is not None and time.monotonic() >= grace:
            raise KeyboardInterrupt
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError
        failed = failure() if failure is not None else None
        if failed is not None:
            raise failed
    if failures:
        raise failures[0]
    return results


def describe(fleet: Fleet | None) -> str:
    """How the prompt and toolbar name a fleet: `3 hosts`."""
    count = len(fleet) if fleet is not None else 0
    return f"{count} host" + ("" if count == 1 else "s")


def repl_connect(session: Any, words: list[str]) -> bool | None:
    """The REPL's `connect --hosts LIST [--readonly]`: switch the session to these hosts.

    None when the words are not that command (virsh's `connect URI` goes back to one host).
    """
    if not words or words[0] != "connect" or not any(w == "--hosts" or w.startswith("--hosts=") for w in words):
        return None
    hosts, readonly, rest = None, False, list(words[1:])
    while rest:
        word = rest.pop(0)
        if word == "--readonly":
            readonly = True
        elif word == "--hosts" and rest and hosts is None:
            hosts = rest.pop(0)
        elif word.startswith("--hosts=") and hosts is None:
            hosts = word[len("--hosts="):]
        else:
            raise VshError("usage: connect --hosts LIST [--readonly]")
    if hosts is None:
        raise VshError("usage: connect --hosts LIST [--readonly]")
    old = session.fleet
    fleet = Fleet(parse_hosts(hosts), session, old.parallel if old else PARALLEL,
                  old.timeout if old else HOST_TIMEOUT, readonly)
    if old is not None:
        old.close()
    session.connection.close()
    session.fleet = fleet
    return fleet.connect_all()


def file_suffixes(names: Sequence[str]) -> dict[str, str]:
    """The suffix of each host's local files (vol-download, screenshot): `.HOST`, as pdsh's
    rpdcp names them, so the hosts do not overwrite one another's.  The name is made safe for a
    file name (characters other than letters, digits, `.`, `_`, `-`, `+` and `@` become `_`);
    names that come out alike get `-2`, `-3`, ... in the order given."""
    import re

    suffixes: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        safe = base = re.sub(r"[^A-Za-z0-9._+@-]", "_", name)
        n = 1
        while safe in taken:
            n += 1
            safe = f"{base}-{n}"
        taken.add(safe)
        suffixes[name] = "." + safe
    return suffixes
