"""Waiting until a domain reaches a state: `--wait` of the lifecycle commands and the `wait` command.

The wait is driven by libvirt's domain events (lifecycle, reboot, agent lifecycle) on the
connection's event loop thread: every event wakes the waiting thread, which then reads the
domain's state.  The state is also read every POLL seconds, so a driver that sends no events
(or an event that came before the callbacks were registered) still ends the wait.
A domain that no longer exists (a transient domain after it stopped) counts as shut off.
"""
from __future__ import annotations

import time

from vsh import domstate
from vsh.errors import VshError
from vsh.spec import BOOL, INT, Opt

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, NamedTuple
else:
    from vsh.records import NamedTuple

#: Seconds between two reads of the state when no event came.
POLL = 0.5
#: What the state reads as once the domain is gone.
GONE = "gone"

_EVENT_LIFECYCLE, _EVENT_REBOOT, _EVENT_AGENT = 0, 1, 18
_STARTED, _STOPPED = 2, 5


def wait_opts(goal: str, force: str = "") -> list[Opt]:
    """vsh's own --wait and --timeout (and --force where given) for a lifecycle command.

    They are named-only, so virsh's positional slots and grammar stay as they are."""
    opts = [Opt("wait", BOOL, f"wait until the domain is {goal} (vsh)", own=True),
            Opt("timeout", INT, "with --wait: give up after this many seconds (vsh)", conv="puint",
                named_only=True, own=True)]
    if force:
        opts.append(Opt("force", BOOL, force, own=True))
    return opts


#: The constraints that go with wait_opts.
WAIT_REQUIRES = [("timeout", "wait")]


class Goal(NamedTuple):
    """A state to wait for: its words for messages and the test on (state number or GONE, watch)."""

    words: str
    reached: Callable[[Any, Watch], bool]


def _in(*states: int) -> Callable[[Any, Watch], bool]:
    return lambda state, _watch: state in states


SHUT_OFF = Goal("shut off", lambda state, _w: state in (domstate.SHUTOFF, GONE))
RUNNING = Goal("running", _in(domstate.RUNNING, domstate.BLOCKED))
PAUSED = Goal("paused", _in(domstate.PAUSED))
ACTIVE = Goal("running or paused", _in(domstate.RUNNING, domstate.BLOCKED, domstate.PAUSED))
UNDEFINED = Goal("gone", lambda state, _w: state == GONE)


def _rebooted(state: Any, watch: Watch) -> bool:
    return watch.rebooted and state in (domstate.RUNNING, domstate.BLOCKED)


REBOOTED = Goal("running again after the reboot", _rebooted)


def state_goal(name: str) -> Goal:
    """A goal from one of virsh's state names (`wait --state`)."""
    if name not in domstate.STATES:
        raise VshError(f"unknown state '{name}', expecting one of: "
                       + ", ".join(f"'{s}'" for s in domstate.STATES))
    number = domstate.STATES.index(name)
    if number == domstate.SHUTOFF:
        return SHUT_OFF
    return Goal(name, _in(number))


class Watch:
    """Domain events for one domain (or for one name, before the domain exists) while a wait lasts.

    Use as a context manager around the action, so that an event the action causes (a reboot)
    is seen even when it comes before the wait begins.
    """

    def __init__(self, ctx: Any, dom: Any) -> None:
        import threading  # here, not for every lifecycle command

        self.ctx, self.dom = ctx, dom
        self.wake = threading.Event()
        self.rebooted: bool = False
        self.stopped: bool = False
        self.events = True
        self._ids: list[int] = []

    def __enter__(self) -> Watch:
        import libvirt

        conn = self.ctx.conn
        for event_id, cb in ((_EVENT_LIFECYCLE, self._lifecycle), (_EVENT_REBOOT, self._reboot),
                             (_EVENT_AGENT, self._other)):
            try:
                self._ids.append(conn.domainEventRegisterAny(self.dom, event_id, cb, None))
            except libvirt.libvirtError:
                # A driver without events: the poll alone ends the wait.
                if event_id == _EVENT_LIFECYCLE:
                    self.events = False
        return self

    def __exit__(self, *exc: Any) -> None:
        import libvirt

        for cb_id in self._ids:
            try:
                self.ctx.conn.domainEventDeregisterAny(cb_id)
            except libvirt.libvirtError:
                pass  # the connection went away; its callbacks went with it
        self._ids = []

    # callbacks, on the event loop thread
    def _lifecycle(self, _conn: Any, _dom: Any, event: int, _detail: int, _opaque: Any) -> int:
        if event == _STOPPED:
            self.stopped = True
        elif event == _STARTED and self.stopped:
            self.rebooted = True
        self.wake.set()
        return 0

    def _reboot(self, _conn: Any, _dom: Any, _opaque: Any) -> int:
        self.rebooted = True
        self.wake.set()
        return 0

    def _other(self, *_args: Any) -> int:
        self.wake.set()
        return 0

    # the waiting thread
    def state(self) -> Any:
        """The domain's virDomainState number, or GONE."""
        import libvirt

        try:
            return self.dom.state(0)[0]
        except libvirt.libvirtError as err:
            if err.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return GONE
            raise

    def until(self, check: Callable[[], Any], timeout: float | None, poll: float = POLL) -> tuple[Any, float]:
        """Call `check` on every event and every POLL seconds until it returns something true.

        Returns (what check returned, seconds waited); (None, seconds) when the time ran out.
        """
        start = time.monotonic()
        deadline = None if timeout is None else start + timeout
        while True:
            self.wake.clear()
            found = check()
            now = time.monotonic()
            if found:
                return found, now - start
            if deadline is not None and now >= deadline:
                return None, now - start
            step = poll if deadline is None else min(poll, deadline - now)
            self.wake.wait(step)


def seconds_words(n: int | None) -> str:
    return f"{n} second" if n == 1 else f"{n} seconds"


def state_words(state: Any) -> str:
    return "gone" if state == GONE else domstate.state_name(state)


def wait_for(ctx: Any, watch: Watch, name: str, goal: Goal, timeout: int | None) -> tuple[str, float]:
    """Block until the domain reaches `goal`; returns (the state's words, seconds waited).

    A timeout or Ctrl-C is one `error:` line naming the state the domain is in.
    """
    last: list[Any] = [None]

    def check() -> bool:
        last[0] = watch.state()
        return goal.reached(last[0], watch)

    try:
        found, seconds = watch.until(check, timeout)
    except KeyboardInterrupt:
        raise VshError(f"interrupted while waiting for domain '{name}' to be {goal.words}; "
                       f"it is {state_words(last[0])}") from None
    if not found:
        raise Timeout(f"timed out after {seconds_words(timeout)} waiting for domain '{name}' to be {goal.words}; "
                      f"it is {state_words(last[0])}")
    return state_words(last[0]), seconds


class Timeout(VshError):
    """A wait that ran out of time (shutdown --force acts on it)."""


class _NoWatch:
    """What `watching` gives when --wait is not given: nothing registered, nothing waited for."""

    def __enter__(self) -> _NoWatch:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None


def watching(ctx: Any, dom: Any, wait: bool) -> Any:
    """A Watch on `dom` when --wait was given, else a context that does nothing (virsh's behaviour)."""
    return Watch(ctx, dom) if wait else _NoWatch()


def after(ctx: Any, watch: Any, name: str, goal: Goal, timeout: int | None) -> None:
    """The end of a lifecycle command run with --wait (a no-op without it)."""
    if isinstance(watch, Watch):
        wait_for(ctx, watch, name, goal, timeout)


def settle(ctx: Any, dom: Any, name: str, wait: bool, goal: Goal, timeout: int | None) -> None:
    """--wait after a call that returns once it is done (start, suspend, save...): confirm the
    state, which is normally there at once; a no-op without --wait."""
    if wait:
        with Watch(ctx, dom) as watch:
            wait_for(ctx, watch, name, goal, timeout)


def is_synchronous_reboot(conn: Any) -> bool:
    """The test driver reboots within the call and sends no event for it."""
    try:
        return bool(conn.getType() == "TEST")
    except Exception:  # noqa: BLE001 - only a hint; the event path still works
        return False
