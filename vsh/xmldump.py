"""`--xpath`/`--wrap` of the *dumpxml commands: virsh's virshDumpXML, byte for byte.

virsh parses the document with blank text dropped, evaluates the expression with the
root element as context node and prints each selected node with libxml2's xmlNodeDump
(two-space indentation unless an element holds text), or one `<nodes>` document holding
copies of them.  lxml finds the nodes; the small serializer below re-does libxml2's
output rules, quirks included (non-ASCII attribute characters become `&#xHH;` except in
a whole-document dump), because lxml's own serializer differs in those details.
Load this module only when --xpath is given: it imports lxml.
"""
from __future__ import annotations


from vsh.errors import VshError
from vsh.i18n import msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'
_XML_NS = "http://www.w3.org/XML/1998/namespace"

#: XPath 1.0 functions and node tests libxml2 knows, to name the unknown one as it does.
_KNOWN_FUNCS = frozenset((
    "last", "position", "count", "id", "local-name", "namespace-uri", "name", "string", "concat",
    "starts-with", "contains", "substring-before", "substring-after", "substring", "string-length",
    "normalize-space", "translate", "boolean", "not", "true", "false", "lang", "number", "sum",
    "floor", "ceiling", "round", "escape-uri", "node", "text", "comment", "processing-instruction",
))


def select(xml: str, xpath: str, wrap: bool) -> tuple[str, str]:
    """virshDumpXML with --xpath: (the text to print, libxml2's diagnostics for stderr).

    Each selected node is printed on its own line, or all of them copied into one
    <nodes> element with `wrap`.  A bad expression selects nothing and yields the
    diagnostics libxml2 itself writes to stderr (virsh still succeeds); a result that
    is not a node set fails with libvirt's "Incorrect xpath" error.
    """
    from lxml import etree

    root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(remove_blank_text=True))
    diagnostics = ""
    try:
        result = root.xpath(xpath)
    except etree.XPathError as err:
        diagnostics, result = _diagnostic(xpath, err), []
    if not isinstance(result, list):
        raise VshError(msg("internal error: %s", msg("Incorrect xpath '%s'", xpath)))
    nodes = [_node(item) for item in result]
    # lxml leaves the document node out of results; it comes first in document order.
    if not diagnostics and root.xpath(f"count(({xpath})[not(..)])"):
        nodes.insert(0, _document(root))
    pieces = [_dump_wrapped(nodes)] if wrap else [_dump_top(node) for node in nodes]
    return "".join(piece + "\n" for piece in pieces), diagnostics


# libxml2's error reporting -------------------------------------------------------------------

def _diagnostic(xpath: str, err: Any) -> str:
    """What libxml2's default error handler prints for a failed XPath evaluation."""
    entries = list(getattr(err, "error_log", []) or [])
    entry = entries[-1] if entries else None
    message = entry.message if entry is not None else str(err)
    column = entry.column if entry is not None else 0
    kind = entry.type_name if entry is not None else ""
    if kind == "XPATH_UNDEF_PREFIX_ERROR":
        call = _first_call(xpath, qualified=True)
        if call is not None:
            prefix, _, name = call.partition(":")
            return f"xmlXPathCompOpEval: function {name} bound to undefined prefix {prefix}\n"
    text = ""
    if kind == "XPATH_UNKNOWN_FUNC_ERROR":
        call = _first_call(xpath, qualified=False)
        if call is not None:
            text = f"xmlXPathCompOpEval: function {call} not found\n"
    text += f"XPath error : {message}\n"
    if 0 <= column < 100 and column < len(xpath.encode("utf-8")):
        text += xpath + "\n" + " " * column + "^\n"
    return text


def _first_call(xpath: str, qualified: bool) -> str | None:
    """The first function called in `xpath` that libxml2 would not find."""
    i, n = 0, len(xpath)
    while i < n:
        ch = xpath[i]
        if ch in "\"'":
            end = xpath.find(ch, i + 1)
            i = n if end < 0 else end + 1
            continue
        if ch.isalpha() or ch == "_":
            j = i
            while j < n and (xpath[j].isalnum() or xpath[j] in "_-.:"):
                j += 1
            name = xpath[i:j]
            k = j
            while k < n and xpath[k] in " \t\r\n":
                k += 1
            if k < n and xpath[k] == "(":
                if qualified and ":" in name:
                    return name
                if not qualified and ":" not in name and name not in _KNOWN_FUNCS:
                    return name
            i = j
            continue
        i += 1
    return None


# a neutral node model --------------------------------------------------------------------------

class _Node:
    """A node as libxml2 sees it: kind is element, text, comment, pi, attr, doc or ns."""

    __slots__ = ("kind", "name", "value", "attrs", "nsdefs", "children")

    def __init__(self, kind: str, name: str = "", value: str = "") -> None:
        self.kind, self.name, self.value = kind, name, value
        self.attrs: list[tuple[str, str]] = []
        self.nsdefs: list[tuple[str | None, str]] = []
        self.children: list[_Node] = []


def _qname(tag: str, nsmap: dict[str | None, str]) -> str:
    if not tag.startswith("{"):
        return tag
    uri, _, local = tag[1:].partition("}")
    if uri == _XML_NS:
        return "xml:" + local
    for prefix, href in nsmap.items():
        if href == uri and prefix:
            return f"{prefix}:{local}"
    return local


def _element(el: Any) -> _Node:
    from lxml import etree

    if isinstance(el, etree._Comment):
        return _Node("comment", value=el.text or "")
    if isinstance(el, etree._ProcessingInstruction):
        return _Node("pi", name=el.target, value=el.text or "")
    node = _Node("element", _qname(el.tag, el.nsmap))
    parent = el.getparent()
    inherited = parent.nsmap if parent is not None else {}
    node.nsdefs = [(p, u) for p, u in el.nsmap.items() if inherited.get(p) != u]
    node.attrs = [(_qname(k, el.nsmap), v) for k, v in el.attrib.items()]
    if el.text:
        node.children.append(_Node("text", value=el.text))
    for child in el:
        if isinstance(child, etree._Entity):
            continue
        node.children.append(_element(child))
        if child.tail:
            node.children.append(_Node("text", value=child.tail))
    return node


def _node(item: Any) -> _Node:
    """A node of an lxml XPath result."""
    if isinstance(item, tuple):
        return _Node("ns", name=item[0] or "", value=item[1])
    if isinstance(item, str):
        if getattr(item, "is_attribute", False):
            smart: Any = item  # lxml's smart string: an attribute value that knows its element
            parent = smart.getparent()
            name = _qname(smart.attrname, parent.nsmap if parent is not None else {})
            return _Node("attr", name=name, value=str(item))
        return _Node("text", value=str(item))
    return _element(item)


def _document(root: Any) -> _Node:
    doc = _Node("doc")
    doc.children = ([_element(s) for s in reversed(list(root.itersiblings(preceding=True)))]
                    + [_element(root)] + [_element(s) for s in root.itersiblings()])
    return doc


# libxml2's xmlNodeDump ---------------------------------------------------------------------------

def _esc_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _esc_attr(text: str, ascii_only: bool) -> str:
    out = []
    for ch in text:
        if ch == "&":
            out.append("&amp;")
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        elif ch == '"':
            out.append("&quot;")
        elif ch == "\n":
            out.append("&#10;")
        elif ch == "\r":
            out.append("&#13;")
        elif ch == "\t":
            out.append("&#9;")
        elif ascii_only and ord(ch) >= 0x80:
            out.append(f"&#x{ord(ch):X};")
        else:
            out.append(ch)
    return "".join(out)


class _Dumper:
    """One xmlNodeDump call: the indentation level and format flag it carries along."""

    def __init__(self, ascii_attrs: bool, raw_documents: bool = True) -> None:
        self.raw_documents = raw_documents
        self.level = 0
        self.format = True
        self.ascii = ascii_attrs
        self.out: list[str] = []

    def node(self, node: _Node) -> None:
        kind = node.kind
        if kind == "text":
            self.out.append(_esc_text(node.value))
        elif kind == "comment":
            self.out.append(f"<!--{node.value}-->")
        elif kind == "pi":
            self.out.append(f"<?{node.name} {node.value}?>" if node.value else f"<?{node.name}?>")
        elif kind == "attr":
            self.out.append(f' {node.name}="{_esc_attr(node.value, self.ascii)}"')
        elif kind == "ns":
            self.out.append("(null)")
        elif kind == "doc":
            self.document(node)
        else:
            self.element(node)

    def document(self, doc: _Node) -> None:
        # A document dumped by itself is written with its encoding known, so attributes
        # stay raw (not so for a copy inside <nodes>); it leaves the level at 0 for
        # whatever follows it.
        inner = _Dumper(ascii_attrs=not self.raw_documents)
        for child in doc.children:
            inner.node(child)
            inner.out.append("\n")
        self.out.append(_XML_DECL + "".join(inner.out))
        self.level = 0

    def element(self, el: _Node) -> None:
        saved = self.format
        if self.format and any(c.kind == "text" for c in el.children):
            self.format = False
        out = self.out
        out.append("<" + el.name)
        for prefix, uri in el.nsdefs:
            out.append(f' xmlns:{prefix}="{_esc_attr(uri, self.ascii)}"' if prefix
                       else f' xmlns="{_esc_attr(uri, self.ascii)}"')
        for name, value in el.attrs:
            out.append(f' {name}="{_esc_attr(value, self.ascii)}"')
        if not el.children:
            out.append("/>")
            self.format = saved
            return
        out.append(">")
        if self.format:
            out.append("\n")
        self.level += 1
        for child in el.children:
            if self.format and child.kind in ("element", "comment", "pi"):
                out.append("  " * self.level)
            self.node(child)
            if self.format:
                out.append("\n")
        if self.level > 0:
            self.level -= 1
        if self.format:
            out.append("  " * self.level)
        out.append(f"</{el.name}>")
        self.format = saved


def _dump_top(node: _Node, raw_documents: bool = True) -> str:
    # The parsed document declares no encoding, so node dumps escape non-ASCII attributes.
    dumper = _Dumper(ascii_attrs=True, raw_documents=raw_documents)
    dumper.node(node)
    return "".join(dumper.out)


def _dump_wrapped(nodes: list[_Node]) -> str:
    """Copies of the nodes under a new <nodes> root, added the way xmlAddChild adds them."""
    wrapper = _Node("element", "nodes")
    for node in nodes:
        if node.kind == "ns":
            continue  # virsh 9.0 crashes here; print the rest
        if node.kind == "attr":
            wrapper.attrs = [a for a in wrapper.attrs if a[0] != node.name] + [(node.name, node.value)]
        elif node.kind == "text" and wrapper.children and wrapper.children[-1].kind == "text":
            wrapper.children[-1] = _Node("text", value=wrapper.children[-1].value + node.value)
        else:
            wrapper.children.append(node)
    return _dump_top(wrapper, raw_documents=False)


# public helpers for commands that print a device they edited ---------------------------------------

def node_text(el: Any) -> str:
    """virXMLNodeToString: one lxml element as libxml2's unformatted xmlNodeDump writes it.

    Attributes come double-quoted with non-ASCII characters as `&#xHH;`, the element's own
    whitespace as parsed, and no tail.
    """
    dumper = _Dumper(ascii_attrs=True)
    dumper.format = False
    dumper.node(_element(el))
    return "".join(dumper.out)


def xpath_nodes(root: Any, xpath: str) -> tuple[list[Any], str]:
    """virXPathNodeSet as virsh uses it: (the nodes, libxml2's stderr text for a bad expression).

    A bad expression selects nothing, and libxml2 prints its own diagnostics on stderr.
    """
    from lxml import etree

    try:
        result = root.xpath(xpath)
    except etree.XPathError as err:
        return [], _diagnostic(xpath, err)
    return (list(result) if isinstance(result, list) else []), ""
