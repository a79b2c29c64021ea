"""`python -m vsh`."""
from vsh.cli import main

raise SystemExit(main())
