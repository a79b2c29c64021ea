"""wait: block until a domain reaches a state, has an IP address, or its guest agent answers.

The state wait is vsh.waiting's (libvirt's lifecycle events, a poll as fallback).  Addresses
and the agent have no event of their own: they are asked for every second, and the agent's
lifecycle event wakes the wait early.

JSON (--json): ``{"name": NAME, "condition": "state"|"ip"|"agent", "reached": TEXT,
"elapsed_seconds": FLOAT}``; `reached` is the state's name, the first address, or "answering";
--ip adds ``"addresses": [{"interface", "address", "prefix", "source"}]``.
"""
from __future__ import annotations


from vsh import waiting
from vsh.commands.common import DOMAIN
from vsh.errors import VshError
from vsh.registry import command
from vsh.schema import nullable, obj, rows
from vsh.session import Session
from vsh.spec import Flag, Int, Str

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: domifaddr's sources in the order they are asked: (name, VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_*).
_SOURCES = (("lease", 0), ("agent", 1), ("arp", 2))
#: How often addresses and the agent are asked for, in seconds.
_ASK = 1.0


def _addresses(dom: Any) -> list[dict[str, Any]]:
    """Every address domifaddr reports from the first source that has one (loopback and link-local
    addresses left out, as no one waits for those)."""
    import libvirt

    for source, code in _SOURCES:
        try:
            found = dom.interfaceAddresses(code, 0) or {}
        except libvirt.libvirtError:
            continue  # no lease database, no agent, no ARP entry yet
        rows = [{"interface": iface, "address": a["addr"], "prefix": a["prefix"], "source": source}
                for iface, info in sorted(found.items()) for a in (info.get("addrs") or [])
                if not a["addr"].startswith(("127.", "::1", "fe80:", "169.254."))]
        if rows:
            return rows
    return []


def _agent_answers(dom: Any) -> bool:
    """guest-ping through libvirt's QEMU pass-through; on other drivers, the agent-backed domtime."""
    import libvirt

    try:
        import libvirt_qemu

        libvirt_qemu.qemuAgentCommand(dom, '{"execute": "guest-ping"}', 5, 0)
        return True
    except libvirt.libvirtError as err:
        if err.get_error_code() == libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED:
            # No agent channel in the domain's XML: no agent will ever answer.
            raise VshError(f"domain '{dom.name()}' has no guest agent", cause=err) from None
        if err.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            return False  # not running yet, or the agent not (yet) connected
    try:
        dom.getTime(0)
        return True
    except libvirt.libvirtError as err:
        if err.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT:
            raise VshError("this driver cannot reach a guest agent", cause=err) from None
        return False


@command("wait", group="live", help="wait until a domain reaches a state, has an address or its agent answers",
         desc="Block until the domain is in the given state (one of virsh's state names:\n"
              "    running, idle, paused, in shutdown, shut off, crashed, pmsuspended),\n"
              "    until domifaddr reports an address for it (from the DHCP lease, the guest\n"
              "    agent or the ARP table), or until its guest agent answers.",
         opts=[DOMAIN(),
               Str("state", "the state to wait for", choices=tuple(s for s in waiting.domstate.STATES), named_only=True),
               Flag("ip", "wait until the domain has an IP address"),
               Flag("agent", "wait until the guest agent answers"),
               Int("timeout", "give up after this many seconds", conv="puint", named_only=True)],
         exclusive=[("state", "ip", "agent")],
         schema=obj(name="string", condition="string", reached="string", elapsed_seconds="number",
                    addresses=nullable(rows(interface="string?", address="string", prefix="integer?",
                                            source="string"))))
def cmd_wait(ctx: Session, domain: str, state: str | None, ip: bool, agent: bool, timeout: int | None) -> None:
    if state is None and not ip and not agent:
        raise VshError("one of --state, --ip or --agent is required")
    goal = waiting.state_goal(state) if state is not None else None
    dom = ctx.lookup.domain(domain)
    name = dom.name()
    # Every key always (null: not asked); `addresses` only with --ip.
    report: dict[str, Any] = {"name": name, "condition": None, "reached": None, "elapsed_seconds": None,
                              "addresses": None}
    with waiting.Watch(ctx, dom) as watch:
        if goal is not None:
            reached, seconds = waiting.wait_for(ctx, watch, name, goal, timeout)
            report.update(condition="state", reached=reached)
            text = f"Domain '{name}' is {reached}"
        else:
            # Nothing signals an address or an agent: ask every second, and on any event.
            found, seconds = _ask(watch, (lambda: _addresses(dom)) if ip else (lambda: _agent_answers(dom)),
                                  f"domain '{name}' to have an IP address" if ip
                                  else f"the guest agent of domain '{name}' to answer", timeout)
            if ip:
                first = found[0]
                report.update(condition="ip", reached=first["address"], addresses=found)
                text = f"Domain '{name}' has address {first['address']}/{first['prefix']} on {first['interface']} " \
                       f"(from {first['source']})"
            else:
                report.update(condition="agent", reached="answering")
                text = f"The guest agent of domain '{name}' answers"
    report["elapsed_seconds"] = round(seconds, 3)
    ctx.out.data(report, f"{text} after {seconds:.1f} seconds\n")


def _ask(watch: waiting.Watch, probe: Any, what: str, timeout: int | None) -> tuple[Any, float]:
    try:
        found, seconds = watch.until(probe, timeout, poll=_ASK)
    except KeyboardInterrupt:
        raise VshError(f"interrupted while waiting for {what}") from None
    if not found:
        raise VshError(f"timed out after {waiting.seconds_words(timeout)} waiting for {what}; "
                       f"the domain is {waiting.state_words(watch.state())}")
    return found, seconds
