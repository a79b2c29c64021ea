"""Names virsh gives events and their details, in libvirt's enum order (virsh-*-event tables).

One place for every event table, so `event --list`, completion and the printed lines agree.
Lists are indexed by libvirt's numeric value; `name(table, i)` gives virsh's fallback for
values newer than libvirt 9.0.
"""
from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Sequence

#: Domain event types, by VIR_DOMAIN_EVENT_ID_* (libvirt 9.0 has 27).
DOMAIN_EVENTS: tuple[str, ...] = (
    "lifecycle", "reboot", "rtc-change", "watchdog", "io-error", "graphics", "io-error-reason",
    "control-error", "block-job", "disk-change", "tray-change", "pm-wakeup", "pm-suspend",
    "balloon-change", "pm-suspend-disk", "device-removed", "block-job-2", "tunable",
    "agent-lifecycle", "device-added", "migration-iteration", "job-completed",
    "device-removal-failed", "metadata-change", "block-threshold", "memory-failure",
    "memory-device-size-change",
)
NETWORK_EVENTS: tuple[str, ...] = ("lifecycle",)
POOL_EVENTS: tuple[str, ...] = ("lifecycle", "refresh")
NODEDEV_EVENTS: tuple[str, ...] = ("lifecycle", "update")
SECRET_EVENTS: tuple[str, ...] = ("lifecycle", "value-changed")

#: Domain lifecycle events (VIR_DOMAIN_EVENT_*) and, per event, the names of its details.
DOMAIN_LIFECYCLE: tuple[str, ...] = (
    "Defined", "Undefined", "Started", "Suspended", "Resumed", "Stopped", "Shutdown",
    "PMSuspended", "Crashed",
)
DOMAIN_LIFECYCLE_DETAIL: tuple[tuple[str, ...], ...] = (
    ("Added", "Updated", "Renamed", "Snapshot"),
    ("Removed", "Renamed"),
    ("Booted", "Migrated", "Restored", "Snapshot", "Event wakeup"),
    ("Paused", "Migrated", "I/O Error", "Watchdog", "Restored", "Snapshot", "API error",
     "Post-copy", "Post-copy Error"),
    ("Unpaused", "Migrated", "Snapshot", "Post-copy", "Post-copy Error"),
    ("Shutdown", "Destroyed", "Crashed", "Migrated", "Saved", "Failed", "Snapshot"),
    ("Finished", "Finished after guest request", "Finished after host request"),
    ("Memory", "Disk"),
    ("Panicked", "Crashloaded"),
)

NETWORK_LIFECYCLE: tuple[str, ...] = ("Defined", "Undefined", "Started", "Stopped")
POOL_LIFECYCLE: tuple[str, ...] = ("Defined", "Undefined", "Started", "Stopped", "Created", "Deleted")
NODEDEV_LIFECYCLE: tuple[str, ...] = ("Created", "Deleted", "Defined", "Undefined")
SECRET_LIFECYCLE: tuple[str, ...] = ("Defined", "Undefined")

WATCHDOG_ACTION: tuple[str, ...] = ("none", "pause", "reset", "poweroff", "shutdown", "debug", "inject-nmi")
IO_ERROR_ACTION: tuple[str, ...] = ("none", "pause", "report")
GRAPHICS_PHASE: tuple[str, ...] = ("connect", "initialize", "disconnect")
GRAPHICS_ADDRESS: tuple[str, ...] = ("IPv4", "IPv6", "unix")
BLOCK_JOB_TYPE: tuple[str, ...] = ("Unknown job", "Block Pull", "Block Copy", "Block Commit",
                                   "Active Block Commit", "Backup")
BLOCK_JOB_STATUS: tuple[str, ...] = ("completed", "failed", "canceled", "ready")
DISK_CHANGE_REASON: tuple[str, ...] = ("changed", "dropped")
TRAY_CHANGE_REASON: tuple[str, ...] = ("opened", "closed")
AGENT_STATE: tuple[str, ...] = ("unknown", "connected", "disconnected")
AGENT_REASON: tuple[str, ...] = ("unknown", "domain started", "channel event")
METADATA_TYPE: tuple[str, ...] = ("description", "title", "element")
MEMORY_FAILURE_RECIPIENT: tuple[str, ...] = ("hypervisor", "guest")
MEMORY_FAILURE_ACTION: tuple[str, ...] = ("ignore", "inject", "fatal", "reset")


def name(table: Sequence[str], value: int, fallback: str = "unknown") -> str:
    """virsh's XXXTypeToString with its fallback for values it does not know."""
    if 0 <= value < len(table):
        return table[value]
    return fallback


def lifecycle_detail(event: int, detail: int) -> str:
    """virshDomainEventDetailToString: the detail's name within its lifecycle event."""
    if 0 <= event < len(DOMAIN_LIFECYCLE_DETAIL):
        return name(DOMAIN_LIFECYCLE_DETAIL[event], detail)
    return "unknown"
