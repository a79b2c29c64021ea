"""The line lexer on virsh's quoting cases."""
from __future__ import annotations

import pytest

from vsh.errors import VshError
from vsh.lexer import quote, split_line, split_words


@pytest.mark.parametrize("line,expected", [
    ("echo a b", [["echo", "a", "b"]]),
    ('echo "a b" c', [["echo", "a b", "c"]]),
    ("echo 'a \"b' c", [["echo", 'a "b', "c"]]),
    ('echo "a\\"b"', [["echo", 'a"b']]),
    ("echo 'c\\d'", [["echo", "c\\d"]]),
    ("echo e\\ f", [["echo", "e f"]]),
    ("a;b", [["a"], ["b"]]),
    ("a\nb", [["a"], ["b"]]),
    (";; a ;;", [["a"]]),
    ("a #b c; d\ne", [["a"], ["e"]]),
    ("a b#c", [["a", "b#c"]]),
    ("echo 'unterminated", [["echo", "unterminated"]]),
    ("echo a\\\nb", [["echo", "ab"]]),
    ("  \t echo\t a  ", [["echo", "a"]]),
    ('echo ""', [["echo", ""]]),
    ('echo "a;b"', [["echo", "a;b"]]),
    ("", []),
    ("'#x' y; b", [["b"]]),
    ("a; \\#x 'y; z'\nb", [["a"], ["b"]]),
    ("'#x' \"y; b", []),
    ("a '#x'", [["a", "#x"]]),
])
def test_split(line: str, expected: list[list[str]]) -> None:
    assert split_words(line) == expected


@pytest.mark.parametrize("line,message", [('echo "a', 'missing "'), ("echo a\\", "dangling \\")])
def test_errors(line: str, message: str) -> None:
    with pytest.raises(VshError) as exc:
        split_words(line)
    assert exc.value.message == message


def test_tolerant_mode_keeps_spans_and_open_quote() -> None:
    cmds = split_line('start "my dom', tolerant=True)
    tok = cmds[0][1]
    assert tok.text == "my dom" and tok.start == 6 and tok.end == 13 and tok.open_quote == '"'


@pytest.mark.parametrize("word,quoted", [("abc", "abc"), ("", "''"), ("a b", "'a b'"),
                                         ("it's", "'it'\\''s'"), ("$x", "'$x'")])
def test_quote_like_echo_shell(word: str, quoted: str) -> None:
    assert quote(word) == quoted
    assert split_words("x " + quoted)[0][1] == word


def test_plain_line_spans_match_a_quoted_one() -> None:
    """A line without quotes, escapes or `#` is split by a faster road: same words, same spans
    (completion reads them) as the character-by-character reader gives a line that needs it."""
    plain = " ab\t-c;;d\re  \nf"
    quoted = " ab\t-c;;d\re  \n'f'"
    tokens = [[(t.text, t.start, t.end, t.open_quote) for t in cmd] for cmd in split_line(plain, tolerant=True)]
    assert tokens == [[("ab", 1, 3, ""), ("-c", 4, 6, "")], [("d\re", 8, 11, "")], [("f", 14, 15, "")]]
    slow = [[(t.text, t.start) for t in cmd] for cmd in split_line(quoted)]
    assert slow == [[(text, start) for text, start, _end, _quote in cmd] for cmd in tokens]
    assert split_words(plain) == [["ab", "-c"], ["d\re"], ["f"]]
