"""JSON Schemas of the commands' output, declared beside their options (one source).

A data command passes `schema=` to its declaration (vsh.registry.command); the printer
(CSV header), `help COMMAND`, the man page, `vsh schema COMMAND` and the schema test all
read it.  The helpers keep declarations short: a property is a type word ("string",
"integer", "number", "boolean"; a trailing "?" adds null) or a nested schema, and every
property of an object is required (absent values are null, never missing keys).  The
vocabulary the keys follow is written down in docs/json.md.
"""
from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Union

    Prop = Union[str, dict[str, Any]]

_TYPES = ("string", "integer", "number", "boolean", "object", "array")


def prop(kind: Prop) -> dict[str, Any]:
    """One property's schema from a type word ("integer?", "string|integer") or a schema."""
    if isinstance(kind, dict):
        return kind
    nullable = kind.endswith("?")
    words = kind.rstrip("?").split("|")
    for word in words:
        if word not in _TYPES:
            raise ValueError(f"unknown JSON type {word!r}")
    types: list[str] = words + (["null"] if nullable else [])
    return {"type": types[0] if len(types) == 1 else types}


def obj(props: dict[str, Prop] | None = None, /, *, extra: Prop | None = None, **kw: Prop) -> dict[str, Any]:
    """An object with exactly these keys, all present; `extra` admits other keys of that type
    (libvirt's open-ended stats)."""
    merged = {**(props or {}), **kw}
    schema: dict[str, Any] = {"type": "object", "properties": {k: prop(v) for k, v in merged.items()},
                              "required": list(merged)}
    schema["additionalProperties"] = prop(extra) if extra is not None else False
    return schema


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema, or null."""
    return {"anyOf": [schema, {"type": "null"}]}


def rows(item: dict[str, Any] | None = None, **kw: Prop) -> dict[str, Any]:
    """A table: an array of row objects (CSV prints these)."""
    return {"type": "array", "items": item if item is not None else obj(**kw)}


def array(kind: Prop) -> dict[str, Any]:
    """An array of values of one kind."""
    return {"type": "array", "items": prop(kind)}


def single(key: str, kind: Prop = "string") -> dict[str, Any]:
    """A one-key object: `{"uri": "test:///default"}`."""
    return obj({key: kind})


#: `{"xml": "<domain ...>"}`: every command that prints an XML document.
XML = single("xml")


def document(schema: dict[str, Any], name: str) -> dict[str, Any]:
    """The published form: a JSON Schema document with its dialect and title."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": f"vsh {name} --json", **schema}


def tabular(schema: dict[str, Any] | None) -> bool:
    """Whether the output is a table of rows, which --csv can print."""
    if not schema or schema.get("type") != "array":
        return False
    items = schema.get("items") or {}
    return items.get("type") == "object"


def _type_words(schema: dict[str, Any]) -> str:
    if "anyOf" in schema:
        return " or ".join(_type_words(s) for s in schema["anyOf"])
    kind = schema.get("type", "any")
    kinds = kind if isinstance(kind, list) else [kind]
    words = []
    for k in kinds:
        if k == "array" and "items" in schema and schema["items"].get("type") != "object":
            words.append(f"array of {_type_words(schema['items'])}")
        elif k == "array":
            words.append("array of objects")
        else:
            words.append(k)
    return " or ".join(words)


def shape_lines(schema: dict[str, Any], indent: int = 0) -> list[str]:
    """The shape as `help` and the man page show it: one key per line, nested keys indented."""
    pad = " " * indent
    if "anyOf" in schema:
        inner: dict[str, Any] = next((s for s in schema["anyOf"] if s.get("type") != "null"), {})
        return shape_lines(inner, indent) if inner.get("type") in ("object", "array") else [pad + _type_words(schema)]
    kind = schema.get("type")
    if kind == "array" and (schema.get("items") or {}).get("type") == "object":
        return [pad + "an array of objects:"] + _object_lines(schema["items"], indent + 2)
    if kind == "object":
        return [pad + "an object:"] + _object_lines(schema, indent + 2)
    return [pad + _type_words(schema)]


def _object_lines(schema: dict[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    lines = []
    props = schema.get("properties") or {}
    width = max((len(k) for k in props), default=0)
    for key, sub in props.items():
        inner = sub
        if "anyOf" in sub:
            inner = next((s for s in sub["anyOf"] if s.get("type") != "null"), sub)
        nested = inner.get("type") == "object" and inner.get("properties") or (
            inner.get("type") == "array" and (inner.get("items") or {}).get("type") == "object")
        if nested:
            null = " or null" if inner is not sub else ""
            what = "object" if inner.get("type") == "object" else "array of objects"
            lines.append(f"{pad}{key:<{width}}  {what}{null}:")
            lines += _object_lines(inner if inner.get("type") == "object" else inner["items"], indent + 2)
        else:
            lines.append(f"{pad}{key:<{width}}  {_type_words(sub)}")
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        lines.append(f"{pad}{'...':<{width}}  other keys: {_type_words(extra)}")
    return lines


#: `{"name": "test", "changed": true}`: what an edit command reports (edit, net-edit, ...).
EDITED = obj(name="string", changed="boolean")

#: An edit that may rename or clone (snapshot-edit, checkpoint-edit): `from` is the name before.
EDITED_FROM = obj({"name": "string", "changed": "boolean", "from": "string"})

#: Libvirt's open-ended typed parameters passed through under snake_case keys.
PARAMS = obj({}, extra="string|integer|number|boolean")
