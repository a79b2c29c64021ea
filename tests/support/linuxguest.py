"""A tiny Linux guest with a real qemu-guest-agent, for the guest-agent tests of the qemu tier.

Everything comes from Debian's packages, fetched with `apt-get download` and unpacked with `dpkg-deb -x`
(nothing is installed): the cloud kernel that `linux-image-cloud-amd64` depends on, `busybox-static` and
`qemu-guest-agent`. The agent's shared libraries are copied from the host at the paths `ldd` gives (they are
libvirt's and QEMU's own dependencies). The initramfs is a newc cpio archive written here in Python, so no
`cpio` program is needed. Its `/init` loads the virtio modules (busybox `insmod` resolves no dependencies, so
the order matters), formats the virtio disk with ext2 and mounts it (the agent reports only filesystems on
block devices, for `domfsinfo`, `domfsfreeze` and `guestinfo --disk`), mounts two tmpfs, brings up the
NIC, sets the host name and execs `qemu-ga` on the virtio port named `org.qemu.guest_agent.0`.

The kernel and initramfs are cached in `CACHE_DIR` under a key made of the package versions and this
module's init script, and are rebuilt when the key changes or the files are missing.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import stat
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import NamedTuple

AGENT_GUEST_NAME = "vsh-agent-guest"
GUEST_HOSTNAME = "vsh-agent"
AGENT_CHANNEL = "org.qemu.guest_agent.0"
CACHE_DIR = Path(os.environ.get("VSH_TEST_CACHE", "/var/cache/vsh-tests"))
GUEST_MAC = "52:54:00:a9:e7:01"
# The address the init script gives eth0: QEMU's user-mode network's default guest address.
GUEST_ADDRESS = "10.0.2.15"

# The load order busybox insmod needs: each module after the ones whose symbols it uses.
MODULES = (
    "kernel/drivers/virtio/virtio_ring.ko",
    "kernel/drivers/virtio/virtio.ko",
    "kernel/drivers/virtio/virtio_pci_legacy_dev.ko",
    "kernel/drivers/virtio/virtio_pci_modern_dev.ko",
    "kernel/drivers/virtio/virtio_pci.ko",
    "kernel/drivers/char/virtio_console.ko",
    "kernel/net/core/failover.ko",
    "kernel/drivers/net/net_failover.ko",
    "kernel/drivers/net/virtio_net.ko",
    "kernel/drivers/block/virtio_blk.ko",
)

INIT = f"""#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /run /tmp /var/run /var/log
mount -t tmpfs -o size=8m tmpfs /run
mount -t tmpfs -o size=16m tmpfs /tmp
for m in {' '.join('/modules/' + Path(m).name for m in MODULES)}; do insmod $m; done
mkdir -p /mnt/data
mke2fs /dev/vda >/dev/null 2>&1 && mount -t ext2 /dev/vda /mnt/data
hostname {GUEST_HOSTNAME}
ip link set lo up
echo 0 > /proc/sys/net/ipv6/conf/eth0/accept_ra 2>/dev/null
echo 0 > /proc/sys/net/ipv6/conf/eth0/autoconf 2>/dev/null
ip link set eth0 up
ip addr add {GUEST_ADDRESS}/24 dev eth0
port=
while [ -z "$port" ]; do
  for n in /sys/class/virtio-ports/*/name; do
    [ "$(cat $n 2>/dev/null)" = "{AGENT_CHANNEL}" ] && port=/dev/$(basename $(dirname $n))
  done
  [ -z "$port" ] && sleep 0.2
done
echo "vsh: starting qemu-ga on $port"
exec /usr/sbin/qemu-ga -m virtio-serial -p $port -t /run
"""


class LinuxGuestError(RuntimeError):
    """The guest's kernel or initramfs could not be built from Debian's packages."""


class LinuxGuest(NamedTuple):
    kernel: Path
    initrd: Path


def _run(cmd: list[str], cwd: Path | None = None) -> str:
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    if result.returncode != 0:
        raise LinuxGuestError(f"{' '.join(cmd)} failed:\n{result.stderr.strip()}")
    return result.stdout


def kernel_package() -> str:
    """The versioned kernel package `linux-image-cloud-amd64` depends on today."""
    out = _run(["apt-cache", "depends", "linux-image-cloud-amd64"])
    found = re.search(r"Depends: (linux-image-\S+-cloud-amd64)", out)
    if not found:
        raise LinuxGuestError("apt-cache finds no kernel that linux-image-cloud-amd64 depends on")
    return found.group(1)


def package_versions(packages: list[str]) -> list[str]:
    """`name=version` of each package's candidate, the cache key's input."""
    keys = []
    for name in packages:
        out = _run(["apt-cache", "policy", name])
        found = re.search(r"Candidate: (\S+)", out)
        if not found or found.group(1) == "(none)":
            raise LinuxGuestError(f"apt has no candidate for {name} (run apt-get update)")
        keys.append(f"{name}={found.group(1)}")
    return keys


class _Cpio:
    """A newc ("070701") cpio archive, the format the kernel unpacks as an initramfs."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.ino = 1

    def add(self, name: str, mode: int, data: bytes = b"") -> None:
        encoded = name.encode() + b"\0"
        fields = [self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(encoded), 0]
        header = b"070701" + b"".join(b"%08x" % f for f in fields)
        self.ino += 1
        self.chunks.append(header + encoded + b"\0" * (-(110 + len(encoded)) % 4))
        self.chunks.append(data + b"\0" * (-len(data) % 4))

    def dir(self, name: str) -> None:
        self.add(name, stat.S_IFDIR | 0o755)

    def file(self, name: str, data: bytes, perm: int = 0o755) -> None:
        self.add(name, stat.S_IFREG | perm, data)

    def symlink(self, name: str, target: str) -> None:
        self.add(name, stat.S_IFLNK | 0o777, target.encode())

    def finish(self) -> bytes:
        self.add("TRAILER!!!", 0)
        return b"".join(self.chunks)


def _shared_libraries(binary: Path) -> list[Path]:
    """The host paths of the libraries `ldd` resolves for `binary`, the loader included."""
    libs = []
    for line in _run(["ldd", str(binary)]).splitlines():
        if "not found" in line:
            raise LinuxGuestError(f"the host lacks a library qemu-ga needs: {line.strip()}")
        found = re.search(r"(/\S+) \(0x", line)
        if found:
            libs.append(Path(found.group(1)))
    return libs


def _initramfs(root: Path, version: str) -> bytes:
    cpio = _Cpio()
    dirs = ["bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "modules", "run", "tmp",
            "var", "lib", "lib64", "root"]
    for name in dirs:
        cpio.dir(name)
    busybox = root / "bin/busybox"
    cpio.file("bin/busybox", busybox.read_bytes())
    applets = _run([str(busybox), "--list-full"]).split()
    for applet in applets:
        if applet != "bin/busybox" and applet.split("/")[0] in ("bin", "sbin", "usr"):
            cpio.symlink(applet, "/bin/busybox")
    cpio.file("usr/sbin/qemu-ga", (root / "usr/sbin/qemu-ga").read_bytes())
    made = set(dirs)
    for lib in _shared_libraries(root / "usr/sbin/qemu-ga"):
        parts = lib.parts[1:]
        for depth in range(1, len(parts)):
            name = "/".join(parts[:depth])
            if name not in made:
                cpio.dir(name)
                made.add(name)
        cpio.file("/".join(parts), lib.resolve().read_bytes())
    for module in MODULES:
        cpio.file(f"modules/{Path(module).name}", (root / "lib/modules" / version / module).read_bytes(), 0o644)
    os_release = Path("/usr/lib/os-release")
    if os_release.exists():
        cpio.file("etc/os-release", os_release.read_bytes(), 0o644)
    cpio.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n", 0o644)
    cpio.file("etc/group", b"root:x:0:\n", 0o644)
    cpio.file("init", INIT.encode())
    return gzip.compress(cpio.finish(), compresslevel=1)


def build(cache: Path = CACHE_DIR) -> LinuxGuest:
    """The cached kernel and initramfs, built from Debian's packages first when missing or outdated."""
    for tool in ("apt-get", "apt-cache", "dpkg-deb", "ldd"):
        if shutil.which(tool) is None:
            raise LinuxGuestError(f"{tool} is needed to build the Linux guest")
    kernel_pkg = kernel_package()
    packages = [kernel_pkg, "busybox-static", "qemu-guest-agent"]
    key_text = "\n".join(package_versions(packages)) + "\n" + INIT
    key = hashlib.sha256(key_text.encode()).hexdigest()[:16]
    folder = cache / f"linuxguest-{key}"
    guest = LinuxGuest(folder / "vmlinuz", folder / "initrd.gz")
    if guest.kernel.exists() and guest.initrd.exists():
        return guest
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vsh-linuxguest-", dir=cache) as tmp:
        work = Path(tmp)
        _run(["apt-get", "download", "-q", *packages], cwd=work)
        root = work / "root"
        for deb in sorted(work.glob("*.deb")):
            _run(["dpkg-deb", "-x", str(deb), str(root)])
        version = kernel_pkg.removeprefix("linux-image-")
        kernel = root / "boot" / f"vmlinuz-{version}"
        if not kernel.exists():
            raise LinuxGuestError(f"{kernel_pkg} holds no {kernel.name}")
        staged = work / "out"
        staged.mkdir()
        shutil.copyfile(kernel, staged / "vmlinuz")
        (staged / "initrd.gz").write_bytes(_initramfs(root, version))
        (staged / "key").write_text(key_text)
        if folder.exists():
            shutil.rmtree(folder)
        staged.rename(folder)
    # Builds for older package versions are of no further use.
    for old in cache.glob("linuxguest-*"):
        if old != folder and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return guest


def data_disk(path: Path, size: int = 8 * 1024 * 1024) -> Path:
    """A sparse raw image for the guest's virtio disk; the guest formats it at every boot."""
    with open(path, "wb") as image:
        image.truncate(size)
    return path


def domain_xml(guest: LinuxGuest, disk: Path, name: str = AGENT_GUEST_NAME) -> str:
    """A TCG domain booting the kernel and initramfs directly, with the agent's virtio channel, `disk` as
    virtio disk vda, and one user-mode NIC (so the agent reports an interface with an address)."""
    domain = ET.Element("domain", type="qemu")
    ET.SubElement(domain, "name").text = name
    ET.SubElement(domain, "memory", unit="MiB").text = "256"
    ET.SubElement(domain, "vcpu").text = "1"
    os_el = ET.SubElement(domain, "os")
    ET.SubElement(os_el, "type", arch="x86_64", machine="pc").text = "hvm"
    ET.SubElement(os_el, "kernel").text = str(guest.kernel)
    ET.SubElement(os_el, "initrd").text = str(guest.initrd)
    ET.SubElement(os_el, "cmdline").text = "console=ttyS0 panic=-1 quiet"
    ET.SubElement(domain, "on_reboot").text = "destroy"
    devices = ET.SubElement(domain, "devices")
    disk_el = ET.SubElement(devices, "disk", type="file", device="disk")
    ET.SubElement(disk_el, "driver", name="qemu", type="raw", discard="unmap")
    ET.SubElement(disk_el, "source", file=str(disk))
    ET.SubElement(disk_el, "target", dev="vda", bus="virtio")
    iface = ET.SubElement(devices, "interface", type="user")
    ET.SubElement(iface, "mac", address=GUEST_MAC)
    ET.SubElement(iface, "model", type="virtio")
    serial = ET.SubElement(devices, "serial", type="pty")
    ET.SubElement(serial, "target", port="0")
    console = ET.SubElement(devices, "console", type="pty")
    ET.SubElement(console, "target", type="serial", port="0")
    channel = ET.SubElement(devices, "channel", type="unix")
    ET.SubElement(channel, "target", type="virtio", name=AGENT_CHANNEL)
    ET.SubElement(devices, "memballoon", model="none")
    ET.indent(domain)
    return ET.tostring(domain, encoding="unicode") + "\n"


class Running(NamedTuple):
    uri: str
    name: str
    boot_seconds: float  # from the domain's start to the agent's first answer to guest-ping


def start(uri: str, guest: LinuxGuest, disk: Path, name: str = AGENT_GUEST_NAME, timeout: float = 180) -> Running:
    """Start the guest as a transient domain and wait until its agent answers `guest-ping`."""
    import time

    import libvirt
    import libvirt_qemu

    # Polling the agent fails until it is up; keep libvirt's default handler from printing each failure.
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    conn = libvirt.open(uri)
    try:
        began = time.monotonic()
        dom = conn.createXML(domain_xml(guest, disk, name), 0)
        while True:
            try:
                libvirt_qemu.qemuAgentCommand(dom, '{"execute":"guest-ping"}', 2, 0)
                return Running(uri, name, time.monotonic() - began)
            except libvirt.libvirtError as err:
                if time.monotonic() - began > timeout:
                    try:
                        dom.destroy()
                    except libvirt.libvirtError:
                        pass
                    raise LinuxGuestError(f"the guest's agent did not answer in {timeout:.0f} s: {err}") from None
                time.sleep(0.25)
    finally:
        conn.close()


def stop(running: Running) -> None:
    """Destroy the guest if it still runs."""
    import libvirt

    try:
        conn = libvirt.open(running.uri)
    except libvirt.libvirtError:
        return
    try:
        conn.lookupByName(running.name).destroy()
    except libvirt.libvirtError:
        pass
    finally:
        conn.close()
