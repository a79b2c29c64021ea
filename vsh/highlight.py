"""XML syntax highlighting for a terminal, through rich (loaded only when used)."""
from __future__ import annotations


def highlight_xml(text: str) -> str:
    """`text` with ANSI colours for tags, attributes and values; the characters are unchanged."""
    from io import StringIO

    from rich.console import Console
    from rich.syntax import Syntax

    buf = StringIO()
    console = Console(file=buf, force_terminal=True, color_system="standard", width=100000,
                      highlight=False, soft_wrap=True)
    console.print(Syntax(text, "xml", theme="ansi_dark", background_color="default", word_wrap=False),
                  end="")
    out = buf.getvalue()
    # rich adds a final newline of its own; keep the document's trailing newlines exactly.
    return out.rstrip("\n") + "\n" * (len(text) - len(text.rstrip("\n")))
