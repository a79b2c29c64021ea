"""Domain Monitoring, virsh's 'monitor' group (virsh-domain-monitor.c): list, dominfo, domstate, domstats, dommemstat,
domblklist, domblkinfo, domblkstat, domblkerror, domiflist, domifstat, domifaddr, domif-getlink,
domcontrol, domtime.

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).

The package itself declares nothing, so a one-shot command imports only its own submodule:
listing (list), info (dominfo, domstate, domcontrol, domtime), stats (domstats, dommemstat),
block (domblk*), iface (domif*); query holds what several of them ask of a domain.
"""
