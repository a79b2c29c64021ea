"""Domain Management, virsh's 'domain' group (virsh-domain.c), one submodule per theme.

lifecycle, devices, block, cpu, resources, tune, update, migrate, misc, qemu, agent, save,
console, edit, screenshot, info, jobs.  The package itself declares nothing, so a one-shot
command imports only its own submodule.
"""
