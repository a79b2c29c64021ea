"""Completion: what the cursor is on in a half-typed line, and the words that fit there.

One engine serves the REPL (prompt_toolkit) and `vsh complete -- WORDS` (the bash, zsh
and fish scripts).  Deciding the spot is pure: the line is lexed in tolerant mode and
walked with virsh's grammar (non-flag options that are not named-only fill positional
slots in declaration order; an option given by name leaves its slot).  Object names come
from a `NameCache` that fetches on worker threads and serves stale names while a refresh
runs, so a slow remote connection never blocks typing.
"""
from __future__ import annotations

import os
import re
import threading
import time

from vsh import registry
from vsh.spec import ALIAS, ARGV, CommandSpec, Opt

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable, NamedTuple

    #: A source of object names: names(completer, given options) -> names.
    Names = Callable[[str, dict], list]
else:
    from vsh.records import NamedTuple


class Candidate(NamedTuple):
    """A word that may replace the one under the cursor, with a short description."""

    text: str
    meta: str = ""


class Spot(NamedTuple):
    """What the cursor is on.

    `kind` is "command", "option", "value" (of `opt`), "positional" (`opt` is the slot,
    None when every slot is taken), "user" (a user command: Click completes it) or "none".
    `prefix` is the typed part being completed; `lead` is kept in front of every candidate (`--domain=`).  `given` holds
    the options given so far (for `--pool` when completing a volume); `output` is "json" or "csv"
    when the command's words already hold `--json` or `--csv`.
    """

    kind: str
    spec: CommandSpec | None = None
    opt: Opt | None = None
    prefix: str = ""
    lead: str = ""
    given: dict = {}
    output: str = ""


#: The name source of the completion running now, for a user command's object-name arguments.
USER_NAMES: Names | None = None


# where is the cursor ----------------------------------------------------------------------

def locate(words: list[str], prefix: str) -> Spot:
    """The spot for `prefix`, the word under the cursor, after the complete `words`.

    The words are walked with the grammar's own walk, in its tolerant mode.
    """
    from vsh import grammar

    if not words:
        return Spot("command", prefix=prefix)
    spec = registry.get(words[0])
    if spec is None:
        from vsh import usercmds

        if usercmds.find(words[0]) is not None:
            return Spot("user", prefix=prefix, given={"command": words[0], "argv": list(words[1:])})
        return Spot("command", prefix=prefix)  # after an unknown command virsh offers command names again
    walk = grammar.walk_words(spec, list(words[1:]), tolerant=True)
    given = walk.values
    if walk.pending is not None:
        return Spot("value", spec, walk.pending, prefix, "", given)
    if not walk.data_only and prefix.startswith("-"):
        name, eq, value = prefix[2:].partition("=")
        if prefix.startswith("--") and eq:
            opt = spec.option(name)
            if opt is not None and opt.type == ALIAS:
                opt = spec.option(opt.target.partition("=")[0])
            if opt is None or not opt.takes_value:
                return Spot("none", spec, prefix=prefix, given=given)
            return Spot("value", spec, opt, value, prefix[:len(name) + 3], given)
        return Spot("option", spec, prefix=prefix, given=given, output=walk.output)
    return Spot("positional", spec, walk.slots[0] if walk.slots else None, prefix, "", given, walk.output)


# what fits there -------------------------------------------------------------------------

def candidates(spot: Spot, names: Names, formats: bool = False) -> list[Candidate]:
    """The candidates for a spot; `names` supplies object names (see NameCache.names).
    `formats` adds `--json`/`--csv` after a data command's options (see option_names)."""
    if spot.kind == "command":
        return command_names(spot.prefix)
    if spot.kind == "user":
        from vsh.usercmds import complete

        global USER_NAMES
        USER_NAMES = names  # what vsh.clicktypes' object-name types complete from
        return [Candidate(t, m) for t, m in complete(spot.given["command"], spot.given["argv"], spot.prefix)]
    if spot.kind == "option":
        return option_names(spot, formats)
    if spot.kind == "value" and spot.opt is not None:
        return [Candidate(spot.lead + text, meta) for text, meta in _values(spot, spot.opt, names)]
    if spot.kind == "positional":
        found = [Candidate(t, m) for t, m in _values(spot, spot.opt, names)] if spot.opt else []
        # Nothing to offer in the slot: list the options, as virsh does for any word.
        if not found and not spot.prefix:
            return option_names(spot, formats)
        return found
    return []


def command_names(prefix: str) -> list[Candidate]:
    """Command names in virsh's order: its groups, and each group's commands, as `help` lists them."""
    from vsh import usercmds

    return [Candidate(s.name, s.help) for specs in registry.by_group(usercmds.entries()).values() for s in specs
            if s.name.startswith(prefix)]


def option_names(spot: Spot, formats: bool = False) -> list[Candidate]:
    """Options not given yet (lists may repeat), leaving out those excluded by one given.

    With `formats`, `--json` (a command that declares a schema) and `--csv` (one whose output
    is a table) follow the command's own options, unless one of them is given already.  Only
    vsh's own completion asks for them: virsh's `complete` command offers virsh's words alone.
    """
    spec = spot.spec
    if spec is None:
        return []
    excluded: set[str] = set()
    for group in spec.exclusive:
        if any(n in spot.given for n in group):
            excluded.update(n for n in group if n not in spot.given)
    out = []
    for opt in spec.opts:
        if opt.type == ALIAS or opt.name in excluded or (opt.type != ARGV and opt.name in spot.given):
            continue
        word = "--" + opt.name
        if word.startswith(spot.prefix):
            out.append(Candidate(word, opt.help))
    if formats and spec.schema is not None and not spot.output:
        from vsh.grammar import output_word
        from vsh.schema import tabular

        words = (("--json", "print the result as JSON"),
                 ("--csv", "print the table as CSV") if tabular(spec.schema) else None)
        out += [Candidate(word, text) for word, text in filter(None, words)
                if word.startswith(spot.prefix) and output_word(spec, word)]
    return out


def _values(spot: Spot, opt: Opt, names: Names) -> list[tuple[str, str]]:
    if not opt.comma:
        return _items(spot, opt, names, spot.prefix)
    # virshCommaStringListComplete: the items not given yet, after those given.
    head, sep, _tail = spot.prefix.rpartition(",")
    lead = head + sep
    given = set(head.split(",")) if sep else set()
    return [(lead + w, m) for w, m in _items(spot, opt, names, "")
            if w not in given and (lead + w).startswith(spot.prefix)]


def _items(spot: Spot, opt: Opt, names: Names, prefix: str) -> list[tuple[str, str]]:
    kind, given = opt.complete, spot.given
    if opt.choices:
        return [(w, "") for w in opt.choices if w.startswith(prefix)]
    if not kind:
        return []
    if kind in ("file", "dir"):
        return [(p, "") for p in paths(prefix, dirs_only=(kind == "dir"))]
    if kind == "command":
        return [(c.text, c.meta) for c in command_names(prefix)]  # virsh offers no group keywords
    if kind == "keycode":
        return [(w, "") for w in _keycode_names(given) if w.startswith(prefix)]
    if kind in ("uri", "event"):
        words = URIS if kind == "uri" else _events(spot.spec)
        return [(w, "") for w in words if w.startswith(prefix)]
    if kind not in FETCHERS:
        return []
    try:
        found = names(kind, given)
    except Exception:  # noqa: BLE001 - completion must never break typing
        return []
    # Object names sorted (libvirt lists them in hash order); the rest (page sizes, cells, CPUs,
    # a domain's disks) in the order of the host or the XML, as virsh offers them.
    ordered = sorted(set(found)) if kind.partition(":")[0] in _NAMED_OBJECTS else dict.fromkeys(found)
    return [(n, "") for n in ordered if n.startswith(prefix)]


_NAMED_OBJECTS = frozenset(("domain", "network", "pool", "volume", "interface", "secret", "nodedev", "nwfilter",
                            "snapshot", "checkpoint", "nwfilter-binding", "domain-uuid", "network-uuid",
                            "interface-mac"))


#: A few URIs worth offering to `connect` and `-c`.
URIS = ("qemu:///system", "qemu:///session", "lxc:///system", "xen:///system", "ch:///system",
        "test:///default")


def _keycode_names(given: dict) -> list[str]:
    """send-key's key names in the codeset given with --codeset (linux by default), as virsh offers them."""
    from vsh import keycodes

    codeset = given.get("codeset") or "linux"
    return list(keycodes.NAMES.get("qnum" if codeset == "rfb" else codeset, {}))


def _events(spec: CommandSpec | None) -> tuple[str, ...]:
    """The event names the `*event` command of `spec` waits for."""
    try:
        from vsh import eventnames
    except ImportError:
        return ()
    table = {"event": "DOMAIN_EVENTS", "net-event": "NETWORK_EVENTS", "pool-event": "POOL_EVENTS",
             "nodedev-event": "NODEDEV_EVENTS", "secret-event": "SECRET_EVENTS"}
    return tuple(getattr(eventnames, table.get(spec.name if spec else "", ""), ()))


def paths(prefix: str, dirs_only: bool = False) -> list[str]:
    """Paths starting with `prefix`; directories end in '/'.  Dot files only when asked for."""
    head, sep, base = prefix.rpartition("/")
    lead = head + sep
    folder = lead or "."
    try:
        entries = os.listdir(folder)
    except OSError:
        return []
    out = []
    for entry in sorted(entries):
        if not entry.startswith(base) or (entry.startswith(".") and not base.startswith(".")):
            continue
        if os.path.isdir(os.path.join(folder, entry)):
            out.append(lead + entry + "/")
        elif not dirs_only:
            out.append(lead + entry)
    return out


# object names ------------------------------------------------------------------------------

def _pool(conn: Any, name: str) -> Any:
    import libvirt

    try:
        return conn.storagePoolLookupByName(name)
    except libvirt.libvirtError:
        return conn.storagePoolLookupByUUIDString(name)


def _volumes(conn: Any, given: dict) -> list[str]:
    """Volume names inside the --pool given, else the paths of every active pool's volumes."""
    pool = given.get("pool")
    if isinstance(pool, str):
        return [v.name() for v in _pool(conn, pool).listAllVolumes(0)]
    out = []
    for p in conn.listAllStoragePools(0):
        if p.isActive():
            out += [v.path() for v in p.listAllVolumes(0)]
    return out


def _domain(conn: Any, given: dict) -> Any:
    import libvirt

    name = given.get("domain")
    if not isinstance(name, str):
        return None
    try:
        return conn.lookupByName(name)
    except libvirt.libvirtError:
        return conn.lookupByUUIDString(name)


def _snapshots(conn: Any, given: dict) -> list[str]:
    dom = _domain(conn, given)
    return [s.getName() for s in dom.listAllSnapshots(0)] if dom is not None else []


def _checkpoints(conn: Any, given: dict) -> list[str]:
    dom = _domain(conn, given)
    return [c.getName() for c in dom.listAllCheckpoints(0)] if dom is not None else []


def _domain_interfaces(conn: Any, given: dict, by_mac: bool = False) -> list[str]:
    """The domain's interfaces by target device, or by MAC where there is none or `by_mac`
    (virsh's virshDomainInterfaceCompleter)."""
    from lxml import etree

    dom = _domain(conn, given)
    if dom is None:
        return []
    out = []
    for iface in etree.fromstring(dom.XMLDesc(0).encode("utf-8")).findall("devices/interface"):
        dev = iface.find("target")
        mac = iface.find("mac")
        name = dev.get("dev") if dev is not None and not by_mac else None
        if not name and mac is not None:
            name = mac.get("address")
        if name:
            out.append(name)
    return out


def _domain_interface_state(conn: Any, given: dict) -> list[str]:
    """The link state to set an interface to: the other one (virshDomainInterfaceStateCompleter)."""
    from lxml import etree

    dom, iface = _domain(conn, given), given.get("interface")
    if dom is None or not isinstance(iface, str):
        return []
    mac = _mac(iface) if re.fullmatch(r"([0-9A-Fa-f]{1,2}[:-]){5}[0-9A-Fa-f]{1,2}", iface) else None
    found = []
    for el in etree.fromstring(dom.XMLDesc(0).encode("utf-8")).findall("devices/interface"):
        target, address = el.find("target"), el.find("mac")
        if (target is not None and target.get("dev") == iface) or (
                mac is not None and address is not None and _mac(address.get("address", "")) == mac):
            found.append(el)
    if len(found) != 1:
        return []
    link = found[0].find("link")
    return ["up"] if link is not None and link.get("state") == "down" else ["down"]


def _mac(text: str) -> str:
    """A MAC address as virMacAddrFormat writes it: two lower-case digits per byte."""
    return ":".join(part.zfill(2) for part in re.split("[:-]", text.lower()))


def _domain_disks(conn: Any, given: dict) -> list[str]:
    """The domain's disk targets (virsh's virshDomainDiskTargetCompleter)."""
    from lxml import etree

    dom = _domain(conn, given)
    if dom is None:
        return []
    root = etree.fromstring(dom.XMLDesc(0).encode("utf-8"))
    return [t.get("dev") for t in root.findall("devices/disk/target") if t.get("dev")]


def _domain_aliases(conn: Any, given: dict) -> list[str]:
    """The aliases of the domain's devices (virsh's virshDomainDeviceAliasCompleter)."""
    from lxml import etree

    dom = _domain(conn, given)
    if dom is None:
        return []
    root = etree.fromstring(dom.XMLDesc(0).encode("utf-8"))
    return [str(name) for name in root.xpath("devices/*/alias/@name")]


def _domain_mountpoints(conn: Any, given: dict) -> list[str]:
    """The guest's mount points as its agent reports them (virsh's virshDomainFSMountpointsCompleter)."""
    dom = _domain(conn, given)
    return [info[0] for info in dom.fsInfo(0)] if dom is not None else []


def _domain_iothreads(conn: Any, given: dict) -> list[str]:
    """The domain's IOThread IDs (virsh's virshDomainIOThreadIdCompleter)."""
    dom = _domain(conn, given)
    return [str(n) for n, _map in dom.ioThreadInfo(0)] if dom is not None else []


def _domain_vcpus(conn: Any, given: dict) -> list[str]:
    """vCPU numbers up to the maximum of the persistent definition (virshDomainVcpuCompleter)."""
    from lxml import etree

    dom = _domain(conn, given)
    if dom is None:
        return []
    text = etree.fromstring(dom.XMLDesc(2).encode("utf-8")).findtext("vcpu") or "0"
    return [str(n) for n in range(int(text))]


def _domain_disk_chain(conn: Any, given: dict) -> list[str]:
    """Disk targets and their chain members as `hda[1]` (virshDomainBlockjobBaseTopCompleter).

    Like virsh, only the disk's <source> and its first <backingStore> are looked at, and
    only the disk named by --path when it is one of the domain's targets.
    """
    from lxml import etree

    dom = _domain(conn, given)
    if dom is None:
        return []
    disks = etree.fromstring(dom.XMLDesc(0).encode("utf-8")).findall("devices/disk")
    targets = [str(d.xpath("string(target/@dev)")) for d in disks]
    path = given.get("path") if given.get("path") in targets else None
    out: list[str] = []
    for disk, target in zip(disks, targets):
        if not target or (path and path != target):
            continue
        out.append(target)
        out += [f"{target}[{el.get('index')}]" for el in disk.xpath("source|backingStore") if el.get("index")]
    return out


def _hostcaps() -> Any:
    from vsh import hostcaps

    return hostcaps


#: completer -> (options whose values it depends on, fetch(conn, given) -> names).
FETCHERS: dict[str, tuple[tuple[str, ...], Callable[[Any, dict], list]]] = {
    "domain": ((), lambda conn, _g: [d.name() for d in conn.listAllDomains(0)]),
    "network": ((), lambda conn, _g: [n.name() for n in conn.listAllNetworks(0)]),
    "pool": ((), lambda conn, _g: [p.name() for p in conn.listAllStoragePools(0)]),
    "volume": (("pool",), _volumes),
    "interface": ((), lambda conn, _g: [i.name() for i in conn.listAllInterfaces(0)]),
    "secret": ((), lambda conn, _g: [s.UUIDString() for s in conn.listAllSecrets(0)]),
    "nodedev": ((), lambda conn, _g: [d.name() for d in conn.listAllDevices(0)]),
    "nwfilter": ((), lambda conn, _g: [f.name() for f in conn.listAllNWFilters(0)]),
    "snapshot": (("domain",), _snapshots),
    "checkpoint": (("domain",), _checkpoints),
    "domain-interface": (("domain",), _domain_interfaces),
    "domain-disk": (("domain",), _domain_disks),
    "domain-mac": (("domain",), lambda conn, g: _domain_interfaces(conn, g, by_mac=True)),
    "domain-uuid": ((), lambda conn, _g: [d.UUIDString() for d in conn.listAllDomains(0)]),
    "network-uuid": ((), lambda conn, _g: [n.UUIDString() for n in conn.listAllNetworks(0)]),
    "interface-mac": ((), lambda conn, _g: [i.MACString() for i in conn.listAllInterfaces(0)]),
    "domain-interface-state": (("domain", "interface"), _domain_interface_state),
    "domain-mountpoint": (("domain",), _domain_mountpoints),
    "domain-alias": (("domain",), _domain_aliases),
    # Host completers (vsh.hostcaps): cell numbers, page sizes, host CPUs, CPU models, filter bindings.
    "cellno": ((), lambda conn, g: _hostcaps().complete_cells(conn, g)),
    "pagesize": (("cellno",), lambda conn, g: _hostcaps().complete_pagesizes(conn, g)),
    "node-cpu": ((), lambda conn, g: _hostcaps().complete_node_cpus(conn, g)),
    "cpu-model": (("virttype", "emulator", "arch", "machine"),
                  lambda conn, g: _hostcaps().complete_cpu_models(conn, g)),
    "nwfilter-binding": ((), lambda conn, g: _hostcaps().complete_nwfilter_bindings(conn, g)),
    "domain-iothread": (("domain",), _domain_iothreads),
    "domain-vcpu": (("domain",), _domain_vcpus),
    "host-cpu": ((), lambda conn, _g: [str(n) for n in range(conn.getCPUMap(0)[0])]),
    "domain-disk-chain": (("domain", "path"), _domain_disk_chain),
}


#: State filters of object completers, as virsh's completer flags (.completer_flags) give them:
#: "domain:inactive" offers what listAllDomains(VIR_CONNECT_LIST_DOMAINS_INACTIVE) lists;
#: "+" joins filters ("domain:checkpoint+active").  Plain "domain" stays unfiltered.
STATE_FILTERS: dict[str, tuple[str, str, dict[str, str]]] = {
    "domain": ("listAllDomains", "VIR_CONNECT_LIST_DOMAINS_", {
        "active": "ACTIVE", "inactive": "INACTIVE", "persistent": "PERSISTENT", "transient": "TRANSIENT",
        "running": "RUNNING", "paused": "PAUSED", "shutoff": "SHUTOFF", "other": "OTHER",
        "managedsave": "MANAGEDSAVE", "snapshot": "HAS_SNAPSHOT", "checkpoint": "HAS_CHECKPOINT"}),
    "network": ("listAllNetworks", "VIR_CONNECT_LIST_NETWORKS_", {
        "active": "ACTIVE", "inactive": "INACTIVE", "persistent": "PERSISTENT", "transient": "TRANSIENT"}),
    "pool": ("listAllStoragePools", "VIR_CONNECT_LIST_STORAGE_POOLS_", {
        "active": "ACTIVE", "inactive": "INACTIVE", "persistent": "PERSISTENT", "transient": "TRANSIENT"}),
    "interface": ("listAllInterfaces", "VIR_CONNECT_LIST_INTERFACES_", {"active": "ACTIVE", "inactive": "INACTIVE"}),
}
#: Joined filters a declaration uses (each single filter is known by itself).
_JOINED_FILTERS = ("domain:checkpoint+active",)


def _state_fetcher(kind: str, filters: list[str]) -> Callable[[Any, dict], list]:
    method, prefix, names = STATE_FILTERS[kind]

    def fetch_names(conn: Any, _given: dict) -> list[str]:
        import libvirt

        flags = 0
        for name in filters:
            flags |= getattr(libvirt, prefix + names[name])
        return [o.name() for o in getattr(conn, method)(flags)]
    return fetch_names


for _kind, (_method, _prefix, _names) in STATE_FILTERS.items():
    for _filter in _names:
        FETCHERS[f"{_kind}:{_filter}"] = ((), _state_fetcher(_kind, [_filter]))
for _joined in _JOINED_FILTERS:
    _kind, _, _rest = _joined.partition(":")
    FETCHERS[_joined] = ((), _state_fetcher(_kind, _rest.split("+")))


#: Completers that need no connection.
STATIC_COMPLETERS = ("file", "dir", "command", "uri", "event", "keycode")


def known_completers() -> set[str]:
    """Every completer name a declaration may use (checked by vsh.selftest)."""
    return set(FETCHERS) | set(STATIC_COMPLETERS)


def fetch(conn: Any, kind: str, given: dict) -> list[str]:
    """Object names straight from a connection (no cache); [] for unknown completers."""
    entry = FETCHERS.get(kind)
    if entry is None or conn is None:
        return []
    return list(entry[1](conn, given))


class _Entry:
    __slots__ = ("names", "stamp", "stale", "done")

    def __init__(self) -> None:
        self.names: list[str] = []
        self.stamp = 0.0
        self.stale = True
        self.done = threading.Event()


class NameCache:
    """Object names per completer, fetched on worker threads, kept for `ttl` seconds.

    A lookup of missing or stale names starts one refresh and waits at most `wait`
    seconds for it; when it is late, the stale names (or none) are served and the
    refresh lands for the next keystroke.  `get_conn` runs on the worker thread only.
    """

    def __init__(self, get_conn: Callable[[], Any], ttl: float = 5.0, wait: float = 1.0) -> None:
        self.get_conn = get_conn
        self.ttl = ttl
        self.wait = wait
        self._lock = threading.Lock()
        self._entries: dict[tuple, _Entry] = {}
        self._busy: set[tuple] = set()

    def names(self, kind: str, given: dict) -> list[str]:
        entry_spec = FETCHERS.get(kind)
        if entry_spec is None:
            return []
        key = (kind,) + tuple(str(given.get(dep)) for dep in entry_spec[0])
        with self._lock:
            entry = self._entries.setdefault(key, _Entry())
            fresh = not entry.stale and time.monotonic() - entry.stamp < self.ttl
            if not fresh and key not in self._busy:
                self._busy.add(key)
                entry.done.clear()
                threading.Thread(target=self._refresh, args=(key, entry, kind, dict(given)),
                                 name="vsh-complete", daemon=True).start()
        if not fresh:
            entry.done.wait(self.wait)
        return list(entry.names)

    def _refresh(self, key: tuple, entry: _Entry, kind: str, given: dict) -> None:
        try:
            names = fetch(self.get_conn(), kind, given)
        except Exception:  # noqa: BLE001 - a failed refresh leaves no names, retried after ttl
            names = []
        with self._lock:
            entry.names, entry.stamp, entry.stale = names, time.monotonic(), False
            self._busy.discard(key)
        entry.done.set()

    def cached(self, kind: str) -> list[str]:
        """Names of `kind` (any state filter) already fetched; never fetches (did-you-mean hints)."""
        with self._lock:
            found = {n for key, entry in self._entries.items() if key[0].partition(":")[0] == kind
                     for n in entry.names}
        return sorted(found)

    def warm(self, kinds: Iterable[str] = ("domain", "network", "pool")) -> None:
        """Start refreshing these names in the background, waiting for nothing (after each command)."""
        for kind in kinds:
            key = (kind,)
            with self._lock:
                entry = self._entries.setdefault(key, _Entry())
                if key in self._busy:
                    continue
                self._busy.add(key)
                entry.done.clear()
            threading.Thread(target=self._refresh, args=(key, entry, kind, {}), name="vsh-complete",
                             daemon=True).start()

    def invalidate(self) -> None:
        """Names may have changed (a command ran): refresh on next use, serving these meanwhile."""
        with self._lock:
            for entry in self._entries.values():
                entry.stale = True

    def clear(self) -> None:
        """Another connection: forget every name."""
        with self._lock:
            self._entries = {}


class Connector:
    """The connection completion reads names from, without ever prompting.

    The session's own connection when it is open; otherwise a private read-only one,
    opened with an authentication callback that refuses to ask, so completing never
    prompts for a password nor prints connection errors.
    """

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self._private: Any = None
        self._failed_at = -1e9
        self._lock = threading.Lock()

    def get(self) -> Any:
        conn = self.connection.conn
        with self._lock:
            if conn is not None and not self.connection.disconnected:
                self._close_private()
                return conn
            if self._private is None and time.monotonic() - self._failed_at > 5.0:
                try:
                    self._private = _open_quietly(self.connection.uri)
                except Exception:  # noqa: BLE001 - no names then; retried a little later
                    self._failed_at = time.monotonic()
            return self._private

    def _close_private(self) -> None:
        if self._private is not None:
            try:
                self._private.close()
            except Exception:  # noqa: BLE001 - closing a connection nobody else uses
                pass
            self._private = None

    def close(self) -> None:
        with self._lock:
            self._close_private()


def _quiet_uri(uri: str | None) -> str | None:
    """An ssh transport would ask for a password on the terminal itself; `no_tty=1` stops it."""
    if not uri or not uri.split(":", 1)[0].endswith("+ssh") or "no_tty=" in uri:
        return uri
    return uri + ("&" if "?" in uri else "?") + "no_tty=1"


def _open_quietly(uri: str | None) -> Any:
    import libvirt

    from vsh.connection import start_event_loop

    uri = _quiet_uri(uri)
    start_event_loop()
    creds = [libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_ECHOPROMPT, libvirt.VIR_CRED_REALM,
             libvirt.VIR_CRED_PASSPHRASE, libvirt.VIR_CRED_NOECHOPROMPT, libvirt.VIR_CRED_EXTERNAL]
    return libvirt.openAuth(uri, [creds, lambda _creds, _opaque: -1, None], libvirt.VIR_CONNECT_RO)


# entry points ----------------------------------------------------------------------------

def complete_words(words: list[str], prefix: str, names: Names, formats: bool = False) -> list[Candidate]:
    """Candidates for `prefix` after the whole words of one command."""
    return candidates(locate(words, prefix), names, formats)


def complete_text(text: str, names: Names, formats: bool = True) -> tuple[int, list[Candidate]]:
    """For the text before the cursor: where the word being completed starts, and its candidates
    (the REPL's completer: `--json`/`--csv` included unless `formats` is false)."""
    from vsh.lexer import split_line

    commands = split_line(text, tolerant=True)
    tokens = commands[-1] if commands else []
    tail = text[tokens[-1].end:] if tokens else text
    state = _tail_state(tail)
    if state == "comment":
        return len(text), []
    if state == "new":
        tokens = []
    if tokens and not tail:
        last = tokens[-1]
        return last.start, complete_words([t.text for t in tokens[:-1]], last.text, names, formats)
    return len(text), complete_words([t.text for t in tokens], "", names, formats)


def _tail_state(tail: str) -> str:
    """After the last word: "same" command, a "new" command (after ';' or a newline), or a "comment"."""
    state, i = "same", 0
    while i < len(tail):
        ch = tail[i]
        if ch == "\\" and tail.startswith("\n", i + 1):
            i += 2
            continue
        if ch in ";\n":
            state = "new"
        elif ch == "#" and state != "comment":
            state = "comment"
        i += 1
    return state


def complete_argv(argv: list[str], names: Names, formats: bool = False) -> list[Candidate]:
    """`vsh complete -- WORDS`: the words after `vsh` (global options first); the last is the prefix.
    `formats`: offer `--json`/`--csv` too (the shell scripts ask; virsh's `complete` does not)."""
    from vsh.globalopts import OPTIONS, scan

    words, prefix = (list(argv[:-1]), argv[-1]) if argv else ([], "")
    walked = scan(words, tolerant=True)
    if walked.pending is not None:
        return _global_value(walked.pending.long or walked.pending.key, prefix, "")
    if walked.rest == len(words) and (not words or words[-1] != "--"):
        if prefix.startswith("--") and "=" in prefix:
            name, _eq, value = prefix[2:].partition("=")
            return _global_value(name, value, prefix[:len(name) + 3])
        if prefix.startswith("-"):
            return [Candidate("--" + o.long, o.help) for o in OPTIONS if o.long and ("--" + o.long).startswith(prefix)]
    # A global --json or --csv already chose the format of the whole run.
    formats = formats and not {"--json", "--csv"} & set(words[:walked.rest])
    return complete_words(words[walked.rest:], prefix, names, formats)


def _global_value(name: str, prefix: str, lead: str) -> list[Candidate]:
    from vsh.globalopts import CHOICES, OPTIONS

    kind = next((o.complete for o in OPTIONS if o.long == name or o.key == name), None)
    if kind in CHOICES:
        found: Iterable[str] = [v for v in CHOICES[kind] if v.startswith(prefix)]
    elif kind == "uri":
        found = [u for u in URIS if u.startswith(prefix)]
    elif kind == "file":
        found = paths(prefix)
    else:
        found = []
    return [Candidate(lead + v) for v in found]
