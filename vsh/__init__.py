"""vsh: a virtualization shell on libvirt, a drop-in for virsh."""

__version__ = "0.1.0"
