"""Fewer round trips: a command's independent libvirt calls, concurrently on its one connection.

On a remote link nearly all of a command's time is spent waiting for replies, one per call; virsh
makes its calls one after another.  libvirt's connection is thread-safe and libvirt-python releases
the GIL in every call, so the calls a command would make in a row go out together from a few
threads, at most `limit()` at once.  libvirtd serves 5 calls of one client at a time by default
(`max_client_requests`) and reads the next as soon as one is done: a few more waiting on the socket
start without a round trip of their own (the 100 calls of `snapshot-list --tree` over a 20 ms link
take 0.86 s with 5 in flight, 0.70 s with 8), while a much deeper queue would hold the client's
keepalive replies behind it.  Each call's outcome,
value or libvirt error, comes back in the order the calls were given, so the command interprets
them exactly as virsh would have, one by one: same output, same error, same order.

On libvirt's in-process test driver (`test:///...`) there is nothing to wait for: the calls run
in a row in the calling thread.

Calls from several threads run only in a one-shot run of a single command (cli calls enable()):
libvirt 9.0's client mishandles a connection that keepalive declares dead while several threads
wait on it (it wakes one; another polls the frozen peer forever and crashes the process if the
peer answers or the socket is shut down).  A one-shot command reports the first call's keepalive
error for every call still waiting and the process ends; a batch or the REPL, which would go on
using and reconnecting that connection, keeps virsh's one call at a time.  The bulk calls (one
call instead of many) are used everywhere.  Commands import it
lazily, so paths that never need it pay nothing.
"""
from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable, Sequence, TypeVar

    T = TypeVar("T")
    R = TypeVar("R")

#: libvirtd's default max_client_requests (5 calls of one client served at once), and 3 queued behind.
DEFAULT_IN_FLIGHT = 8


class Outcome:
    """What one call gave: its value, or the libvirt error it raised (never both)."""

    __slots__ = ("value", "error")

    def __init__(self, value: Any = None, error: Exception | None = None) -> None:
        self.value = value
        self.error = error

    @property
    def ok(self) -> bool:
        return self.error is None

    def get(self) -> Any:
        """The value, or the call's libvirt error raised here, where virsh would have met it."""
        if self.error is not None:
            raise self.error
        return self.value

    def value_or(self, default: Any) -> Any:
        """The value, or `default` when the call failed (virsh's "ignore and go on" calls)."""
        return default if self.error is not None else self.value


_enabled = False


def enable() -> None:
    """Allow calls from several threads for the rest of this process (see the module's notes)."""
    global _enabled
    _enabled = True


def limit() -> int:
    """Calls in flight at once: VSH_RPC_IN_FLIGHT when set (1 makes every call wait its turn)."""
    try:
        value = int(os.environ.get("VSH_RPC_IN_FLIGHT", ""))
    except ValueError:
        return DEFAULT_IN_FLIGHT
    return max(1, value)


def is_local(conn: Any) -> bool:
    """Whether the connection is libvirt's in-process test driver, where a call costs no round trip."""
    try:
        uri = conn.getURI()  # local: the driver keeps the URI it opened
    except Exception:  # noqa: BLE001 - a connection that cannot say is treated as remote
        return False
    return isinstance(uri, str) and uri.startswith("test:///")


def attempt(fn: Callable[[], Any]) -> Outcome:
    """fn() here and now, its libvirt error kept in the Outcome."""
    import libvirt

    try:
        return Outcome(fn())
    except libvirt.libvirtError as err:
        return Outcome(error=err)


def each(conn: Any, fn: Callable[[T], R], items: Iterable[T]) -> list[Outcome]:
    """fn(item) for every item, concurrently on `conn`, outcomes in the items' order.

    `fn` may make several calls of its own (they run in a row inside its thread).  A libvirt
    error is kept in its Outcome; any other exception (a bug, Ctrl-C) is raised here.
    """
    return run(conn, [_bind(fn, item) for item in items])


def run(conn: Any, calls: Sequence[Callable[[], Any]]) -> list[Outcome]:
    """Every call of `calls`, concurrently on `conn`, outcomes in the given order."""
    # (In the order of their cost: a batch, never enabled, reads no environment variable.)
    if not _enabled or len(calls) <= 1 or limit() <= 1 or is_local(conn):
        return [attempt(call) for call in calls]
    import threading

    width = min(limit(), len(calls))
    outcomes: list[Outcome | None] = [None] * len(calls)
    failures: list[Outcome] = []
    todo = list(range(len(calls)))
    changed = threading.Condition()
    stop = False
    crashed: dict[int, BaseException] = {}

    def work() -> None:
        while True:
            with changed:
                if stop or not todo:
                    return
                index = todo.pop(0)
            try:
                got = attempt(calls[index])
            except BaseException as err:  # noqa: BLE001 - raised again in the caller's thread
                crashed[index] = err
                got = Outcome(error=Exception(str(err)))
            with changed:
                outcomes[index] = got
                if not got.ok:
                    failures.append(got)
                changed.notify_all()

    # Daemon threads: a call that never returns must not hold up the end of the program.
    for n in range(width):
        threading.Thread(target=work, name=f"vsh-rpc-{n}", daemon=True).start()
    try:
        with changed:
            while any(o is None for o in outcomes):
                changed.wait(0.1)
                # libvirt wakes only one of the threads waiting on a connection that keepalive
                # closed; once it is dead, the calls still waiting get the error it gave.
                if failures and any(o is None for o in outcomes) and _dead(conn):
                    outcomes[:] = [o if o is not None else failures[0] for o in outcomes]
    finally:
        stop = True  # on Ctrl-C nothing more goes out; calls on the wire finish in their threads
    if crashed:
        # What a call raised beyond libvirt (a lookup's own error, a bug): the first in the calls'
        # order, as running them one by one would have met it.
        raise crashed[min(crashed)]
    return [o for o in outcomes if o is not None]


def _dead(conn: Any) -> bool:
    try:
        return conn.isAlive() == 0  # local: the client's own view of the socket
    except Exception:  # noqa: BLE001
        return True


def states(conn: Any, domains: Sequence[Any]) -> list[Outcome]:
    """Each domain's (state, reason), as virshDomainState gives it, in the domains' order.

    One bulk call (virDomainListGetStats with the state group) answers for all domains; a domain
    it leaves out (undefined meanwhile) or a server without the call falls back to asking that
    domain alone, so a vanished domain fails just as virsh's own call for it would.
    """
    import libvirt

    found: dict[str, tuple[int, int]] = {}
    if len(domains) > 1 and not is_local(conn):
        try:
            records = conn.domainListGetStats(list(domains), libvirt.VIR_DOMAIN_STATS_STATE, 0)
        except libvirt.libvirtError:
            records = []
        for dom, params in records:
            if "state.state" in params:
                found[dom.UUIDString()] = (params["state.state"], params.get("state.reason", 0))
    missing = [d for d in domains if d.UUIDString() not in found]
    asked = iter(each(conn, domain_state, missing))
    return [Outcome(found[d.UUIDString()]) if d.UUIDString() in found else next(asked) for d in domains]


def listed_states(conn: Any, flags: int) -> list[tuple[Any, Outcome]] | None:
    """The domains virConnectListAllDomains(flags) would list, each with its state, in one call.

    virConnectGetAllDomainStats takes the same bits for activity, persistence and state (the
    lowest eight); for other filters, or where the call fails or runs in process, None: the
    caller lists and asks as usual, and meets the error virsh would.
    """
    import libvirt

    if flags & ~0xFF or is_local(conn):
        return None
    try:
        records = conn.getAllDomainStats(libvirt.VIR_DOMAIN_STATS_STATE, flags)
    except libvirt.libvirtError:
        return None
    if any("state.state" not in params for _dom, params in records):
        return None
    return [(dom, Outcome((params["state.state"], params.get("state.reason", 0)))) for dom, params in records]


def domain_state(dom: Any) -> tuple[int, int]:
    """virshDomainState: (state, reason), through virDomainGetInfo where GetState is missing."""
    import libvirt

    try:
        state, reason = dom.state(0)
        return state, reason
    except libvirt.libvirtError as err:
        if err.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            raise
    return dom.info()[0], -1


class Answered:
    """A libvirt object whose answers to some calls were fetched ahead: calling one of those
    gives the fetched value or raises the fetched error, just as the call would have; any other
    attribute is the object's own.  A loop written call by call, as virsh's is, stays as it is."""

    def __init__(self, obj: Any, answers: dict[tuple[Any, ...], Outcome]) -> None:
        self._obj = obj
        self._answers = answers

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._obj, name)
        if not callable(real) or not any(key[0] == name for key in self._answers):
            return real

        def call(*args: Any) -> Any:
            got = self._answers.get((name, *args))
            return got.get() if got is not None else real(*args)

        return call


def prefetch(conn: Any, objects: Sequence[Any], calls: Sequence[tuple[Any, ...]]) -> list[Any]:
    """`objects`, each wrapped as Answered with its answers to `calls` ((method, *args) tuples),
    all fetched concurrently on `conn`.  In process (test:///) the objects come back unwrapped:
    their calls are made when the caller makes them, as before."""
    if not objects or not calls or not _enabled or limit() <= 1 or is_local(conn):
        return list(objects)
    pairs = [(obj, call) for obj in objects for call in calls]
    outcomes = run(conn, [_caller(obj, call) for obj, call in pairs])
    wrapped = []
    for i, obj in enumerate(objects):
        mine = outcomes[i * len(calls):(i + 1) * len(calls)]
        wrapped.append(Answered(obj, {call: got for call, got in zip(calls, mine)}))
    return wrapped


def _bind(fn: Callable[[T], R], item: T) -> Callable[[], R]:
    return lambda: fn(item)


def _caller(obj: Any, call: tuple[Any, ...]) -> Callable[[], Any]:
    return lambda: getattr(obj, call[0])(*call[1:])


def find_domains(conn: Any, find: Callable[[str], Any], names: Sequence[str], quiet: bool) -> list[Any]:
    """The domains named on a command line, each as find(name) would find it (by ID, UUID, then
    name), in order; the first name that finds nothing fails as it would alone.

    Plain names (not ID-like, not UUID-long) are matched in one listing of all domains; the rest,
    and names the listing lacks, are looked up one by one, concurrently.  `quiet` False (-d
    shows each lookup's steps) keeps virsh's one-by-one lookups and their lines in order.
    """
    import re

    import libvirt

    if len(names) <= 1 or not quiet or is_local(conn):
        return [find(name) for name in names]
    listed: dict[str, Any] = {}
    try:
        for dom in conn.listAllDomains(0):
            listed.setdefault(dom.name(), dom)
    except libvirt.libvirtError:
        pass

    def plain(name: str) -> bool:
        return len(name) != 36 and not re.fullmatch(r"\s*[+-]?[0-9]+.*", name, re.S)

    found = [listed.get(name) if plain(name) else None for name in names]
    rest = [name for name, dom in zip(names, found) if dom is None]
    looked = iter(each(conn, find, rest))
    return [dom if dom is not None else next(looked).get() for dom in found]
