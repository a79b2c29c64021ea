"""Generated files are fresh, and every command is documented where users look for it."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from vsh import docgen, helptext, manpage, registry, selftest
from vsh.output import Printer
from vsh.session import Session

ROOT = Path(__file__).resolve().parent.parent.parent


def test_committed_artefacts_are_fresh(tmp_path: Path) -> None:
    assert docgen.main(["--write", str(tmp_path)]) == 0
    stale = []
    for rel in docgen.artefacts():
        committed = ROOT / rel
        if not committed.exists() or committed.read_text(encoding="utf-8") != (tmp_path / rel).read_text(encoding="utf-8"):
            stale.append(rel)
    assert not stale, f"stale generated files {stale}: run `python -m vsh.docgen --write`"


def test_every_artefact_is_known_to_docgen() -> None:
    assert set(manpage.artefacts()) <= set(docgen.artefacts())
    assert {"man/vsh.1", "completions/vsh.bash", "completions/_vsh", "completions/vsh.fish"} <= set(docgen.artefacts())


def test_specs_pass_the_self_test() -> None:
    assert selftest.check_specs() == []


def _help_listing() -> str:
    out = io.StringIO()
    session = Session(Printer(out, io.StringIO()))
    assert session.run_line("help")
    return out.getvalue()


def test_every_command_is_in_help() -> None:
    listing = _help_listing()
    listed = {line.split()[0] for line in listing.splitlines() if line.startswith("    ")}
    visible = {s.name for s in registry.all_specs() if not s.hidden}
    assert visible - listed == set(), "commands missing from `help`"
    assert listed - visible == set()


def test_hidden_commands_are_not_listed() -> None:
    hidden = [s.name for s in registry.all_specs() if s.hidden]
    assert "complete" in hidden
    for listing in (_help_listing(), helptext.group_listing()):
        names = [line.split()[0] for line in listing.splitlines() if line.startswith("    ")]
        for name in hidden:
            assert name not in names


def test_every_command_is_in_the_man_page() -> None:
    page = manpage.render_man()
    for spec in registry.all_specs():
        heading = f".SS {manpage.esc(spec.name)}\n"
        assert (heading in page) != spec.hidden, spec.name


@pytest.mark.parametrize("section", ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "DIFFERENCES FROM VIRSH",
                                     "EXIT STATUS", "ENVIRONMENT", "FILES"])
def test_man_page_sections(section: str) -> None:
    assert f"\n.SH {section}\n" in manpage.render_man()


def test_man_page_documents_every_global_option() -> None:
    from vsh.globalopts import OPTIONS

    page = manpage.render_man()
    for short, long_name, *_rest in OPTIONS:
        if long_name:
            assert manpage.esc("--" + long_name) in page, long_name
        if short:
            assert manpage.esc("-" + short) in page, short


def test_man_page_shows_options_as_help_does() -> None:
    page = manpage.render_man()
    spec = registry.get("echo")
    assert spec is not None
    assert "\\fBecho\\fR [\\-\\-shell] [\\-\\-xml] [\\-\\-split] [\\-\\-err] [<string>]..." in page
    assert ".TP\n\\fB<string>\\fR\narguments to echo\n" in page


def test_roff_escapes() -> None:
    assert manpage.esc("a-b\\c") == "a\\-b\\ec"
    assert manpage.esc(".x\n'y") == "\\&.x\n\\&'y"
