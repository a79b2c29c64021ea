"""A tiny bootable guest for the qemu tier: a boot sector that talks on COM1, and its domain XML."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

GUEST_NAME = "vsh-guest"
BANNER = "VSH-GUEST READY"
IMAGE_SIZE = 1024 * 1024
BOOT_SIGNATURE = b"\x55\xaa"

# SeaBIOS loads the first sector of the boot disk at 0:7c00 and jumps there in 16-bit real mode. QEMU drops
# serial output while no console is attached, so the banner is repeated every 9 timer ticks (~0.5 s, the BIOS
# counts 18.2 ticks per second at 0:046c) until a byte arrives; from then on every byte read is written back,
# a carriage return followed by a line feed. `hlt` waits for the next interrupt, so the guest stays idle.
BOOT_ASM = rf"""
    .code16
    .text
    .globl _start
    .set ORG, 0x7c00
    .set COM1, 0x3f8
    .set TICKS, 0x46c
_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $ORG, %sp
    cld
    ljmp $0, $(ORG + init - _start)     # some BIOSes enter at 07c0:0000; use 0000:7c00
init:
    mov $(COM1 + 1), %dx                # IER: no serial interrupts, the guest polls
    xor %al, %al
    out %al, %dx
    mov $(COM1 + 3), %dx                # LCR: divisor latch access
    mov $0x80, %al
    out %al, %dx
    mov $COM1, %dx                      # divisor 1: 115200 baud
    mov $1, %al
    out %al, %dx
    mov $(COM1 + 1), %dx
    xor %al, %al
    out %al, %dx
    mov $(COM1 + 3), %dx                # LCR: 8 data bits, no parity, 1 stop bit
    mov $3, %al
    out %al, %dx
    mov $(COM1 + 2), %dx                # FCR: FIFOs on and cleared
    mov $0xc7, %al
    out %al, %dx
    mov $(COM1 + 4), %dx                # MCR: DTR and RTS
    mov $3, %al
    out %al, %dx
    sti                                 # the BIOS timer interrupt updates TICKS and ends each hlt
banner:
    mov $(ORG + message - _start), %si
1:  lodsb
    test %al, %al
    jz 2f
    call putc
    jmp 1b
2:  mov TICKS, %bx
3:  call rxready
    jnz echo
    hlt
    mov TICKS, %ax
    sub %bx, %ax
    cmp $9, %ax
    jb 3b
    jmp banner
echo:
    call rxready
    jz 4f
    mov $COM1, %dx
    in %dx, %al
    call putc
    cmp $'\r', %al
    jne echo
    mov $'\n', %al
    call putc
    jmp echo
4:  hlt
    jmp echo
rxready:                                # ZF clear when a received byte waits (LSR bit 0)
    mov $(COM1 + 5), %dx
    in %dx, %al
    test $1, %al
    ret
putc:                                   # write AL once the transmitter is empty (LSR bit 5)
    push %ax
    mov $(COM1 + 5), %dx
5:  in %dx, %al
    test $0x20, %al
    jz 5b
    pop %ax
    mov $COM1, %dx
    out %al, %dx
    ret
message:
    .asciz "{BANNER}\r\n"
    .org 510
    .byte 0x55, 0xaa
"""


class GuestBuildError(RuntimeError):
    """The boot sector could not be assembled (binutils missing or failing)."""


def assemble_boot_sector() -> bytes:
    """Assemble BOOT_ASM with binutils' `as` and `objcopy` into the 512 bytes of a boot sector.

    Addresses are written relative to `_start` plus 0x7c00, so no linker is needed.
    """
    assembler, objcopy = shutil.which("as"), shutil.which("objcopy")
    if assembler is None or objcopy is None:
        raise GuestBuildError("binutils (as, objcopy) are needed to build the guest")
    with tempfile.TemporaryDirectory(prefix="vsh-guest-") as tmp:
        source, obj, binary = Path(tmp, "boot.S"), Path(tmp, "boot.o"), Path(tmp, "boot.bin")
        source.write_text(BOOT_ASM)
        for cmd in ([assembler, "--32", "-o", str(obj), str(source)],
                    [objcopy, "-O", "binary", "-j", ".text", str(obj), str(binary)]):
            result = subprocess.run(cmd, capture_output=True, text=True)
            if result.returncode != 0:
                raise GuestBuildError(f"{' '.join(cmd)} failed:\n{result.stderr}")
        sector = binary.read_bytes()
    if len(sector) != 512 or not sector.endswith(BOOT_SIGNATURE):
        raise GuestBuildError(f"assembled boot sector is malformed ({len(sector)} bytes)")
    return sector


def build_image(path: Path, size: int = IMAGE_SIZE) -> Path:
    """Write a raw disk image whose first sector is the boot sector, padded with zeros to `size` bytes."""
    sector = assemble_boot_sector()
    with open(path, "wb") as image:
        image.write(sector)
        image.truncate(size)
    return path


def own_copy(image: Path, folder: Path, name: str, *, vnc: bool = False) -> Path:
    """A guest of a test module's own: a copy of the boot image in `folder` and domain XML for it
    named `name`; returns the XML file."""
    disk = folder / "disk.img"
    shutil.copyfile(image, disk)
    xml = folder / f"{name}.xml"
    xml.write_text(domain_xml(disk, name=name, vnc=vnc))
    return xml


def domain_xml(image: Path, name: str = GUEST_NAME, *, vnc: bool = True) -> str:
    """Domain XML for the guest: TCG, 32 MiB, one vCPU, the image as IDE disk, a pty serial console and,
    with `vnc`, a VNC display on loopback (for `vncdisplay` and `domdisplay`)."""
    domain = ET.Element("domain", type="qemu")
    ET.SubElement(domain, "name").text = name
    ET.SubElement(domain, "memory", unit="MiB").text = "32"
    ET.SubElement(domain, "vcpu").text = "1"
    os_el = ET.SubElement(domain, "os")
    ET.SubElement(os_el, "type", arch="x86_64", machine="pc").text = "hvm"
    ET.SubElement(os_el, "boot", dev="hd")
    devices = ET.SubElement(domain, "devices")
    disk = ET.SubElement(devices, "disk", type="file", device="disk")
    ET.SubElement(disk, "driver", name="qemu", type="raw")
    ET.SubElement(disk, "source", file=str(image))
    ET.SubElement(disk, "target", dev="hda", bus="ide")
    serial = ET.SubElement(devices, "serial", type="pty")
    ET.SubElement(serial, "target", port="0")
    console = ET.SubElement(devices, "console", type="pty")
    ET.SubElement(console, "target", type="serial", port="0")
    if vnc:
        ET.SubElement(devices, "graphics", type="vnc", port="-1", listen="127.0.0.1")
    ET.indent(domain)
    return ET.tostring(domain, encoding="unicode") + "\n"
