"""The built-in commands, one module per virsh group (a package for a large group).

Conventions every module here follows:

- A command is a declaration (``@command`` from vsh.registry) and a short body that calls
  libvirt and hands plain data to the printer (``ctx.out``); shared options and helpers
  are in ``common``.
- ``import libvirt`` (and lxml, and any other heavy module) is written inside the body or
  helper that uses it, never at module level: loading a module to declare its commands
  (for `help`, completion, the man page, the index) then costs no import of the bindings,
  and a one-shot command pays only for what its own body uses.  Type hints name libvirt
  objects ``Any``.
"""
