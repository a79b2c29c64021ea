"""Domain state and state-reason names exactly as virsh 9.0 prints them.

`list`, `dominfo` and `domstate` use these tables; the event commands reuse them.  The
indexes are libvirt's numbers (virDomainState and the per-state reason enums); a number
virsh 9.0 does not know prints as "no state" (a state) or "unknown" (a reason), as in virsh.
"""
from __future__ import annotations

from vsh.i18n import _

#: virDomainState -> name (VIR_DOMAIN_NOSTATE .. VIR_DOMAIN_PMSUSPENDED).
STATES: tuple[str, ...] = (
    "no state", "running", "idle", "paused", "in shutdown", "shut off", "crashed", "pmsuspended",
)

NOSTATE, RUNNING, BLOCKED, PAUSED, SHUTDOWN, SHUTOFF, CRASHED, PMSUSPENDED = range(8)

#: Per state: reason number -> name (virsh's virshDomain*Reason tables in 9.0).
REASONS: dict[int, tuple[str, ...]] = {
    NOSTATE: ("unknown",),
    RUNNING: ("unknown", "booted", "migrated", "restored", "from snapshot", "unpaused",
              "migration canceled", "save canceled", "event wakeup", "crashed", "post-copy",
              "post-copy failed"),
    BLOCKED: ("unknown",),
    PAUSED: ("unknown", "user", "migrating", "saving", "dumping", "I/O error", "watchdog",
             "from snapshot", "shutting down", "creating snapshot", "crashed", "starting up",
             "post-copy", "post-copy failed"),
    SHUTDOWN: ("unknown", "user"),
    SHUTOFF: ("unknown", "shutdown", "destroyed", "crashed", "migrated", "saved", "failed",
              "from snapshot", "daemon"),
    CRASHED: ("unknown", "panicked"),
    PMSUSPENDED: ("unknown",),
}

#: What `list --managed-save` shows for a shut-off domain with a managed save image.
SAVED = "saved"


def state_text(state: int) -> str:
    """The state's name as virsh shows it, in the user's language (JSON keeps state_name)."""
    return _(state_name(state))


def reason_text(state: int, reason: int) -> str:
    """The reason's name as virsh shows it, in the user's language."""
    return _(reason_name(state, reason))


def state_name(state: int) -> str:
    """virshDomainStateToString: the name of a virDomainState number."""
    return STATES[state] if 0 <= state < len(STATES) else "no state"


def reason_name(state: int, reason: int) -> str:
    """virshDomainStateReasonToString: the name of a reason within its state."""
    names = REASONS.get(state, ())
    return names[reason] if 0 <= reason < len(names) else "unknown"
