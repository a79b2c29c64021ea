"""Host and Hypervisor, virsh's 'host' group (virsh-host.c): node, cpu and memory submodules.

The package itself declares nothing, so a one-shot command imports only its own submodule.
"""
