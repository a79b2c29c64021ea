"""Domain Monitoring, virsh's 'monitor' group (virsh-domain-monitor.c): list, dominfo, domstate, domstats, dommemstat,
domblklist, domblkinfo, domblkstat, domblkerror, domiflist, domifstat, domifaddr, domif-getlink,
domcontrol, domtime.

JSON shapes (--json):
  list      [{"id": int|null, "name", "uuid", "state", "persistent": bool, "autostart": bool,
              "managed_save": bool, "title": str|null}, ...] (filters apply); with --uuid,
            --id or --name each object has only those keys ({"uuid", "id", "name"})
  dominfo   {"id": int|null, "name", "uuid", "os_type", "state", "cpus": int,
             "cpu_time": float|null (seconds), "max_memory_kib": int|null (null: no limit),
             "used_memory_kib": int, "persistent": bool|null, "autostart": bool|null,
             "managed_save": bool|null, "security_model", "security_doi", "security_label",
             "security_enforcing": bool|null, "messages": [str]}
  domstate  {"state": str, "reason": str}     (always with the reason)
  domstats  [{"domain": NAME, "stats": {KEY: value}}]
  dommemstat  {TAG: value}
  domblklist, domiflist  a list of row objects with every column
  domblkinfo  {"capacity", "allocation", "physical"} in bytes (a list with "target" under --all)
  domblkstat  {"device": DEV, "stats": {FIELD: value}}
  domifstat   {"interface": DEV, FIELD: value}
  domblkerror [{"disk": str, "error": str}, ...]  ([] when there are none)
  domifaddr   [{"name": str, "mac": str|null, "addresses": [{"type": "ipv4"|"ipv6", "address": str,
               "prefix": int}]}, ...]
  domif-getlink  {"interface": str, "state": "up"|"down"}
  domcontrol  {"state": str, "reason": str|null, "state_time": float|null (seconds)}
  domtime     {"seconds": int, "nseconds": int, "time": str}  (`time`: UTC, "YYYY-MM-DD HH:MM:SS")
State and reason strings are virsh's own ("shut off", "booted"; see vsh.domstate).

The package itself declares nothing, so a one-shot command imports only its own submodule:
listing (list), info (dominfo, domstate, domcontrol, domtime), stats (domstats, dommemstat),
block (domblk*), iface (domif*); query holds what several of them ask of a domain.
"""
