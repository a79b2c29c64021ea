"""The progress reporter: virsh's job text in a pipe, a rich bar only on a terminal."""
from __future__ import annotations

import io

import pytest

from vsh import progress
from vsh.output import Printer


class Tty(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _printer(err: io.StringIO, **kw: bool) -> Printer:
    return Printer(io.StringIO(), err, **kw)


@pytest.mark.parametrize("remaining,total,percent", [
    (0, 1, 100), (0, 0, 100), (100, 100, 0), (55, 100, 45), (1, 1000, 99), (1, 10**12, 99), (999, 1000, 0),
])
def test_job_percent_is_virshs(remaining: int, total: int, percent: int) -> None:
    assert progress.job_percent(remaining, total) == percent


def test_verbose_job_in_a_pipe_prints_virshs_text() -> None:
    err = io.StringIO()
    with progress.job(_printer(err), "Save", verbose=True) as bar:
        assert bar.mode == progress.TEXT
        bar.job(550, 1000)
        bar.job(5, 1000)
        bar.job(0, 0)  # no total yet: virsh prints nothing
        bar.finish()
    assert err.getvalue() == "\rSave: [ 45 %]\rSave: [ 99 %]\rSave: [100 %]"


def test_job_without_verbose_or_under_json_prints_nothing() -> None:
    for printer in (_printer(io.StringIO()), _printer(Tty(), json_mode=True)):
        with progress.job(printer, "Dump", verbose=printer.json) as bar:
            bar.job(10, 100)
            bar.finish()
        assert bar.mode == progress.NONE and printer.err.getvalue() == ""


def test_a_failed_job_has_no_final_100() -> None:
    err = io.StringIO()
    with pytest.raises(RuntimeError):
        with progress.job(_printer(err), "Managedsave", verbose=True) as bar:
            bar.job(50, 100)
            raise RuntimeError("job failed")
    assert err.getvalue() == "\rManagedsave: [ 50 %]"


def test_transfer_in_a_pipe_is_silent() -> None:
    err = io.StringIO()
    with progress.transfer(_printer(err), "Download", 1000) as bar:
        bar.advance(500)
        bar.finish()
    assert bar.mode == progress.NONE and err.getvalue() == ""


def test_terminal_gets_a_bar_with_bytes_rate_and_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    err = Tty()
    printer = _printer(err)
    with progress.transfer(printer, "Upload", 4 * 1024 * 1024) as bar:
        assert bar.mode == progress.BAR
        bar.advance(1024 * 1024)
        bar._bar.refresh()
        shown = err.getvalue()
        bar.finish()
    assert "Upload" in shown and "1.0/4.2 MB" in shown and "25%" in shown
    with progress.job(printer, "Save", verbose=True) as job:
        assert job.mode == progress.BAR


@pytest.mark.parametrize("env,no_color,term", [({"NO_COLOR": "1"}, False, "xterm"), ({}, True, "xterm"),
                                               ({}, False, "dumb")])
def test_no_bar_with_no_color_or_dumb_terminal(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                               no_color: bool, term: str) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("TERM", term)
    printer = _printer(Tty(), no_color=no_color)
    assert progress.transfer(printer, "Download").mode == progress.NONE
    assert progress.job(printer, "Save", verbose=True).mode == progress.TEXT
    assert not progress.terminal_wanted(io.StringIO())


def test_quiet_hides_transfer_bars(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert progress.transfer(_printer(Tty(), quiet=True), "Download").mode == progress.NONE


def test_rich_is_not_imported_without_a_bar() -> None:
    import subprocess
    import sys

    code = ("import io, sys; from vsh import progress; from vsh.output import Printer; "
            "p = progress.job(Printer(io.StringIO(), io.StringIO()), 'Save', True); p.job(1, 2); p.finish(); "
            "print('rich' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
