"""vsh.i18n's printf (C's rules, as virsh's output follows them) and messages that keep their msgid."""
from __future__ import annotations

import io

import pytest

from vsh.errors import VshError
from vsh.i18n import Message, msg, printf, shown, system_error
from vsh.output import Printer


@pytest.mark.parametrize("template, args, expected", [
    ("%-15s %s\n", ("Name:", "test"), "Name:           test\n"),
    # %-15s pads by bytes: "Kapazität:" is 11 bytes for 10 characters, so one space less.
    ("%-15s %s", ("Kapazität:", "1"), "Kapazität:     1"),
    ("%-12s|", ("最大",), "最大      |"),
    ("%5s|%-5s|", ("ab", "cd"), "   ab|cd   |"),
    ("%.3s", ("abcdef",), "abc"),
    # Length modifiers as C spells them; %u is unsigned decimal.
    ("%llu KiB %zu %lu %d %u", (8388608, 3, 4, -5, 6), "8388608 KiB 3 4 -5 6"),
    ("%3d|%-4d|%05d", (7, 8, 9), "  7|8   |00009"),
    ("%.1lfs %.2f %5.1lf", (1796540667.64, 100.0, 3.14159), "1796540667.6s 100.00   3.1"),
    ("%x %X %o %c", (255, 255, 8, 65), "ff FF 10 A"),
    # Argument numbers, as translations may reorder; %% is a percent sign.
    ("%2$s then %1$s, 100%%", ("a", "b"), "b then a, 100%"),
    ("%-*s|", (6, "ab"), "ab    |"),
])
def test_printf_follows_c(template: str, args: tuple[object, ...], expected: str) -> None:
    assert printf(template, *args) == expected


def test_printf_shows_a_number_given_as_text() -> None:
    assert printf("vcpu %d is out of range", "12x") == "vcpu 12x is out of range"


def test_printf_without_arguments_leaves_text_alone() -> None:
    assert printf("100% sure") == "100% sure"
    assert printf("100%% sure") == "100% sure"


def test_message_is_english_text_that_knows_its_msgid() -> None:
    m = msg("Failed to destroy domain '%s'", "web")
    assert m == "Failed to destroy domain 'web'" and isinstance(m, str)
    assert (m.msgid, m.args) == ("Failed to destroy domain '%s'", ("web",))
    assert shown(m) == "Failed to destroy domain 'web'"  # the C locale: English
    assert shown("plain text") == "plain text"
    nested = msg("invalid argument: %s", msg("unknown suffix '%s'", "QB"))
    assert nested == "invalid argument: unknown suffix 'QB'"
    assert isinstance(system_error(msg("Failed to open file '%s'", "/x"), "No such file"), Message)


def test_error_lines_json_and_log_keep_english() -> None:
    out, err = io.StringIO(), io.StringIO()
    p = Printer(out, err, json_mode=True)
    p.report(VshError(msg("failed to get domain '%s'", "x")))
    assert '"message": "failed to get domain \'x\'"' in err.getvalue()


def test_kv_pads_labels_by_bytes_as_virsh() -> None:
    out = io.StringIO()
    Printer(out, io.StringIO()).kv([("a", "Kapazität:", 1, "1"), ("b", "Name:", "x", "x")])
    assert out.getvalue() == "Kapazität:     1\nName:           x\n"
