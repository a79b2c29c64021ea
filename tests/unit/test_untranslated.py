"""Every message virsh translates is translated by vsh too: no output literal that is one of
virsh's msgids may bypass vsh.i18n.

An AST walk over vsh/ finds the literals that reach the user: arguments of the printer's
output calls, of VshError and `failing`, and of every function that hands a parameter on to
one of those (found by following parameters, to a fixed point).  A literal there (a string,
an f-string or a concatenation, read as a printf template) that is a msgid of any of
libvirt's catalogs must go through `_`, `fmt` or `msg`, or virsh and vsh part ways in that
language.  Labels of `kv` blocks are the printer's to translate, so only their texts count.

The other way round, every msgid vsh looks up (the i18n functions' literals, kv labels, column
titles) must be a string of virsh or libvirt as built: a near miss would find no translation.
"""
from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCALEDIR = Path("/usr/share/locale")

#: The functions that translate their first argument.
I18N = {"_", "fmt", "msg", "Message"}
#: Where text reaches the user, by the positions of the message arguments.
OUTPUT = {"VshError": {0}, "failing": {0}, "print": {0}, "extra": {0}, "write": {0}, "warn": {0},
          "error": {0}, "data": {1}, "NoEvents": {0}, "kv": {0}}
#: A printf conversion as C reads it (vsh.i18n's rule); an f-string's hole matches any.
_CONVERSION = re.compile(r"%(?:\d+\$)?[-+ #0']*(?:\*|\d+)?(?:\.(?:\*|\d*))?(?:hh|h|ll|l|L|q|j|z|t)?[diouxXeEfFgGcs]")
HOLE = "\x00"


def _name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def normal(msgid: str) -> str:
    """A msgid with each conversion as a hole, so that `f"{n} KiB"` meets `"%llu KiB"`."""
    return _CONVERSION.sub(HOLE, msgid)


def template(node: ast.AST) -> str | None:
    """The text a literal stands for, each value filled in at run time as a hole."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return normal(node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(p.value if isinstance(p, ast.Constant) else HOLE for p in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = template(node.left), template(node.right)
        if left is None and right is None:
            return None
        return (HOLE if left is None else left) + (HOLE if right is None else right)
    return None


def _params(fn: ast.FunctionDef) -> list[str]:
    names = [a.arg for a in fn.args.posonlyargs + fn.args.args]
    return names[1:] if names and names[0] in ("self", "cls") else names


def _arguments(call: ast.Call, positions: set[int | str]) -> list[ast.expr]:
    found = [a for i, a in enumerate(call.args) if i in positions]
    return found + [k.value for k in call.keywords if k.arg in positions]


def _names(node: ast.AST) -> set[str]:
    """Names whose value is the argument itself, not something computed from it by a call."""
    if isinstance(node, ast.Call):
        return set()
    if isinstance(node, ast.Name):
        return {node.id}
    return set().union(*(_names(c) for c in ast.iter_child_nodes(node)))


def message_positions(trees: list[ast.Module]) -> tuple[dict[str, set[int | str]], dict[str, set[int | str]]]:
    """(outputs, translators): per function name, the parameters (index and name) that reach
    the user untranslated, and those it translates itself."""
    outputs: dict[str, set[int | str]] = {k: set(v) for k, v in OUTPUT.items()}
    translators: dict[str, set[int | str]] = {}
    # A class is called by its name: its __init__'s parameters are the call's.
    functions = [(fn.name, fn) for tree in trees for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef)]
    functions += [(cls.name, fn) for tree in trees for cls in ast.walk(tree) if isinstance(cls, ast.ClassDef)
                  for fn in cls.body if isinstance(fn, ast.FunctionDef) and fn.name == "__init__"]
    changed = True
    while changed:
        changed = False
        for fname, fn in functions:
            if fname in OUTPUT:
                continue
            params = _params(fn)
            for call in ast.walk(fn):
                if not isinstance(call, ast.Call):
                    continue
                name = _name(call.func)
                if name in I18N:
                    table, positions = translators, {0}
                elif name in outputs:
                    table, positions = outputs, outputs[name]
                else:
                    continue
                for arg in _arguments(call, positions):
                    for used in _names(arg) & set(params):
                        known = table.setdefault(fname, set())
                        if used not in known:
                            known.update({params.index(used), used})
                            changed = True
    return outputs, translators


def _literals(node: ast.AST) -> Iterator[ast.expr]:
    """The literals an argument is made of (not those given to other calls, nor dict keys)."""
    if isinstance(node, ast.Call):
        return
    if isinstance(node, ast.Dict):
        for value in node.values:
            yield from _literals(value)
        return
    if isinstance(node, (ast.Constant, ast.JoinedStr, ast.BinOp)) and template(node) is not None:
        yield node  # type: ignore[misc]
        return
    for child in ast.iter_child_nodes(node):
        yield from _literals(child)


def _assignments(tree: ast.Module) -> dict[ast.FunctionDef, dict[str, list[ast.expr]]]:
    """Per function, the values each local name is given (`text = f"..."`, then `write(text)`)."""
    found: dict[ast.FunctionDef, dict[str, list[ast.expr]]] = {}
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef):
            names = found.setdefault(fn, {})
            for node in ast.walk(fn):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            names.setdefault(target.id, []).append(node.value)
    return found


def untranslated(sources: dict[str, str], msgids: set[str]) -> list[str]:
    """`file:line: msgid` for each output literal that is a msgid but bypasses the catalog."""
    trees = {path: ast.parse(text) for path, text in sources.items()}
    outputs, translators = message_positions(list(trees.values()))
    wanted = {normal(m): m for m in msgids if re.search("[A-Za-z]{3}", m)}
    found = set()
    for path, tree in trees.items():
        for fn, assigned in _assignments(tree).items():
            for call in ast.walk(fn):
                if not isinstance(call, ast.Call):
                    continue
                name = _name(call.func)
                if name is None or name not in outputs:
                    continue
                args = _arguments(call, outputs[name] - translators.get(name, set()))
                if name == "kv":
                    # The printer translates each label (item 1); the text (item 3) is shown as given.
                    args = [item.elts[3] for a in call.args[:1] if isinstance(a, ast.List) for item in a.elts
                            if isinstance(item, ast.Tuple) and len(item.elts) == 4]
                args += [value for arg in args for used in _names(arg) for value in assigned.get(used, [])]
                for arg in args:
                    for lit in _literals(arg):
                        text = template(lit)
                        hit = next((wanted[t] for t in (text, text + "\n") if t in wanted), None) if text else None
                        if hit is not None:
                            found.add(f"{path}:{lit.lineno}: {hit!r}")
    return sorted(found)


@pytest.fixture(scope="module")
def msgids() -> set[str]:
    """The msgids of every installed translation of libvirt (each catalog lacks some)."""
    found: set[str] = set()
    for path in sorted(LOCALEDIR.glob("*/LC_MESSAGES/libvirt.mo")):
        with path.open("rb") as f:
            catalog = gettext.GNUTranslations(f)._catalog  # type: ignore[attr-defined]
        found.update(k for k in catalog if isinstance(k, str) and k)
    if len(found) < 1000:
        pytest.skip("libvirt's catalogs are not installed (libvirt-l10n)")
    return found


def test_every_output_msgid_goes_through_the_catalog(msgids: set[str]) -> None:
    sources = {str(p.relative_to(ROOT)): p.read_text() for p in sorted((ROOT / "vsh").rglob("*.py"))
               if p.name != "_index.py"}
    assert len(sources) > 80
    found = untranslated(sources, msgids)
    assert not found, "virsh translates these; pass them through vsh.i18n (_, fmt, msg):\n" + "\n".join(found)


#: Where virsh's messages live: virsh itself, and libvirt's libraries for their own errors.
PROGRAMS = ["/usr/bin/virsh", "/usr/lib/x86_64-linux-gnu/libvirt.so.0", "/usr/lib/x86_64-linux-gnu/libvirt-lxc.so.0",
            "/usr/lib/x86_64-linux-gnu/libvirt-qemu.so.0"]


def _looked_up(call: ast.Call) -> list[ast.expr]:
    """The msgids a call looks up: the first argument of the i18n functions, the labels of a
    `kv` block and a table's column titles (the printer translates those)."""
    name = _name(call.func)
    if name in I18N:
        return call.args[:1]
    if name == "kv" and call.args and isinstance(call.args[0], ast.List):
        return [item.elts[1] for item in call.args[0].elts if isinstance(item, ast.Tuple) and len(item.elts) == 4]
    if name == "Column":
        return call.args[1:2]
    return []


def test_every_msgid_looked_up_is_one_virsh_has() -> None:
    """A msgid vsh looks up must be virsh's (or libvirt's) exact text: a near miss finds no
    translation, or another message's, where virsh finds its own.  vsh's own messages are
    plain English strings, never looked up."""
    found = [Path(p) for p in PROGRAMS if Path(p).exists()]
    if not found or not str(found[0]).endswith("virsh"):
        pytest.skip("virsh is not installed")
    data = b"\0".join(p.read_bytes() for p in found)
    checked, missing = 0, []
    for path in sorted((ROOT / "vsh").rglob("*.py")):
        for call in ast.walk(ast.parse(path.read_text())):
            if not isinstance(call, ast.Call):
                continue
            for first in _looked_up(call):
                if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value:
                    checked += 1
                    if first.value.encode() + b"\0" not in data:  # C strings may share tails
                        missing.append(f"{path.relative_to(ROOT)}:{first.lineno}: {first.value!r}")
    assert checked > 500
    assert not missing, "not a message of virsh 9.0 or libvirt:\n" + "\n".join(missing)


def test_the_check_finds_an_untranslated_message(msgids: set[str]) -> None:
    """Direct output, f-strings, and a helper that prints its parameter are all caught; the
    i18n functions and kv labels pass."""
    source = '''
def report(ctx, text):
    ctx.out.extra(text)

def translated(ctx, label):
    ctx.out.print(_(label))

def cmd(ctx, name):
    raise VshError(f"failed to get domain '{name}'")
    ctx.out.print("Failed to get disk information")
    report(ctx, f"Network {name} started")
    translated(ctx, "Name:")
    ctx.out.extra(fmt("Network %s started\\n", name))
    ctx.out.kv([("name", "Name:", name, "running")])
    ctx.out.data({"Name:": 1}, msg("Failed to start network %s", name))
    text = f"Network {name} destroyed"
    ctx.out.write(text + "\\n")
'''
    found = untranslated({"x.py": source}, msgids)
    assert found == ["x.py:10: 'Failed to get disk information'", "x.py:11: 'Network %s started\\n'",
                     "x.py:14: 'running'", "x.py:16: 'Network %s destroyed\\n'",
                     "x.py:9: \"failed to get domain '%s'\""]
