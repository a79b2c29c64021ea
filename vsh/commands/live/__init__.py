"""Live views and waiting, vsh's own commands (no virsh counterpart): top and wait."""
