"""Options shared by many commands, declared once (virsh's option macros)."""
from __future__ import annotations

from vsh.spec import Data, Flag, Opt, Str


def DOMAIN(help: str = "domain name, id or uuid") -> Opt:
    return Data("domain", help, complete="domain")


def NETWORK(help: str = "network name or uuid") -> Opt:
    return Data("network", help, complete="network")


def POOL(help: str = "pool name or uuid", name: str = "pool") -> Opt:
    return Data(name, help, complete="pool")


def VOLUME(help: str = "vol name, key or path") -> Opt:
    return Data("vol", help, complete="volume")


def POOL_OPT(help: str = "pool name or uuid") -> Opt:
    """The optional --pool beside a volume."""
    return Str("pool", help, complete="pool")


def FILE(help: str) -> Opt:
    return Data("file", help, complete="file")


CONFIG = Flag("config", "affect next boot")
LIVE = Flag("live", "affect running domain")
CURRENT = Flag("current", "affect current domain")
