"""Serialise a JSON-shaped value as XML, naming elements from the schema's `xml` hints.

Objects become elements with one child per property, in order; arrays are wrapped in their
property's element with one child per item (named by the item schema's `xml.name`, else `item`);
maps (`additionalProperties`) give one `<item key="...">` per entry; null is `xsi:nil="true"`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar, Protocol
from xml.sax.saxutils import escape, quoteattr

from sandbox.spec.loader import Spec

XSI = "http://www.w3.org/2001/XMLSchema-instance"
ItemText = Callable[[Any], bytes]
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
NAME = re.compile(r"^[A-Za-z_][\w.-]*$")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(ILLEGAL.sub("\ufffd", str(value))).replace("\r", "&#13;")


class XmlWriter:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self._resolved: dict[int, tuple[Any, dict[str, Any], dict[str, Any]]] = {}
        """Each schema of the spec met, by its id: itself (so that the id stays its own), what it
        names, and its properties (following `$ref`s takes most of a document's time)."""

    def _known(self, schema: Any) -> tuple[Any, dict[str, Any], dict[str, Any]]:
        known = self._resolved.get(id(schema))
        if known is None or known[0] is not schema:
            node, _ = self.spec.resolve(schema or {}, "")
            node = node if isinstance(node, dict) else {}
            known = (schema, node, self.spec.properties(node))
            if schema:  # the spec's own; an empty one may be made for the call
                self._resolved[id(schema)] = known
        return known

    def _schema(self, schema: Any) -> dict[str, Any]:
        return self._known(schema)[1]

    def _name(self, schema: dict[str, Any], fallback: str) -> str:
        name = schema.get("xml", {}).get("name")
        return name if isinstance(name, str) else fallback

    def _members(self, parts: list[str], value: dict[str, Any], schema: dict[str, Any]) -> None:
        """An object's members: one element per property, `<item key="...">` per map entry."""
        properties = self._known(schema)[2]
        extra = schema.get("additionalProperties")
        for key, child in value.items():
            if key in properties or not isinstance(extra, dict):
                self._element(parts, key, child, self._schema(properties.get(key, {})))
            else:
                self._element(parts, "item", child, self._schema(extra), f" key={quoteattr(key)}")

    def _root(self, resolved: dict[str, Any], fallback: str) -> tuple[str, str]:
        namespace = resolved.get("xml", {}).get("namespace")
        attributes = f' xmlns:xsi="{XSI}"'
        if namespace:
            attributes = f" xmlns={quoteattr(namespace)}" + attributes
        return self._name(resolved, fallback), attributes

    def document(self, value: Any, schema: Any, fallback: str = "response") -> bytes:
        resolved = self._schema(schema)
        name, attributes = self._root(resolved, fallback)
        parts = ['<?xml version="1.0" encoding="utf-8"?>']
        self._element(parts, name, value, resolved, attributes)
        return "".join(parts).encode("utf-8")

    def listing(self, schema: Any, fallback: str = "response") -> tuple[bytes, ItemText, bytes]:
        """The document of a list (`schema` an array) in three parts: its start, the text of one
        item, its end; together they are `document` of the items."""
        resolved = self._schema(schema)
        name, attributes = self._root(resolved, fallback)
        if not NAME.match(name):
            attributes = f" key={quoteattr(name)}" + attributes
            name = "item"
        items = self._schema(resolved.get("items", {}))
        item_name = self._name(items, "item")

        def item(value: Any) -> bytes:
            parts: list[str] = []
            self._element(parts, item_name, value, items)
            return "".join(parts).encode("utf-8")

        head = f'<?xml version="1.0" encoding="utf-8"?><{name}{attributes}>'
        return head.encode("utf-8"), item, f"</{name}>".encode()

    def _element(
        self, parts: list[str], name: str, value: Any, schema: dict[str, Any], attributes: str = ""
    ) -> None:
        if not NAME.match(name):
            attributes = f" key={quoteattr(name)}" + attributes
            name = "item"
        if value is None:
            parts.append(f'<{name}{attributes} xsi:nil="true"/>')
            return
        parts.append(f"<{name}{attributes}>")
        if isinstance(value, dict):
            self._members(parts, value, schema)
        elif isinstance(value, list):
            items = self._schema(schema.get("items", {}))
            item_name = self._name(items, "item")
            for child in value:
                self._element(parts, item_name, child, items)
        else:
            parts.append(_text(value))
        parts.append(f"</{name}>")


class RailsXmlWriter(XmlWriter):
    """XML as Rails' `to_xml` writes it: dashed names, `type` and `nil` attributes, arrays as
    `<orders type="array">`, and a one-key wrapper (`{"order": {...}}`) as the item itself."""

    TYPES: ClassVar[dict[str, str]] = {"decimal": "decimal", "date-time": "dateTime", "date": "date"}

    def document(self, value: Any, schema: Any, fallback: str = "response") -> bytes:
        resolved = self._schema(schema)
        parts = ['<?xml version="1.0" encoding="UTF-8"?>']
        self._element(parts, self._name(resolved, fallback), value, resolved)
        return "".join(parts).encode("utf-8")

    def listing(self, schema: Any, fallback: str = "response") -> tuple[bytes, ItemText, bytes]:
        resolved = self._schema(schema)
        name = self._name(resolved, fallback)
        tag, attributes = name.replace("_", "-"), ""
        if not NAME.match(tag):
            attributes, tag = f" key={quoteattr(name)}", "item"
        items = self._schema(resolved.get("items", {}))

        def item(value: Any) -> bytes:
            parts: list[str] = []
            self._item(parts, name, value, items)
            return "".join(parts).encode("utf-8")

        head = f'<?xml version="1.0" encoding="UTF-8"?><{tag}{attributes} type="array">'
        return head.encode("utf-8"), item, f"</{tag}>".encode()

    def _element(
        self, parts: list[str], name: str, value: Any, schema: dict[str, Any], attributes: str = ""
    ) -> None:
        tag = name.replace("_", "-")
        if not NAME.match(tag):
            attributes = f" key={quoteattr(name)}" + attributes
            tag = "item"
        if value is None:
            parts.append(f'<{tag}{attributes} nil="true"/>')
        elif isinstance(value, dict):
            parts.append(f"<{tag}{attributes}>")
            self._members(parts, value, schema)
            parts.append(f"</{tag}>")
        elif isinstance(value, list):
            parts.append(f'<{tag}{attributes} type="array">')
            items = self._schema(schema.get("items", {}))
            for child in value:
                self._item(parts, name, child, items)
            parts.append(f"</{tag}>")
        else:
            kind = self._kind(value, schema)
            typed = f' type="{kind}"' if kind else ""
            parts.append(f"<{tag}{attributes}{typed}>{_text(value)}</{tag}>")

    def _item(self, parts: list[str], name: str, child: Any, items: dict[str, Any]) -> None:
        """An item of the array `name`: a one-key wrapper (`{"order": {...}}`) as the item itself."""
        inner = items.get("properties", {})
        if len(inner) == 1 and isinstance(child, dict) and len(child) == 1 and next(iter(child)) in inner:
            key, content = next(iter(child.items()))
            self._element(parts, key, content, self._schema(inner[key]))
        else:
            self._element(parts, self._name(items, name.rstrip("s")), child, items)

    def _kind(self, value: Any, schema: dict[str, Any]) -> str | None:
        if isinstance(value, bool):
            return "boolean"
        if isinstance(value, int):
            return "integer"
        if isinstance(value, float):
            return "float"
        return self.TYPES.get(str(schema.get("format")))


class XmlDocument(Protocol):
    def document(self, value: Any, schema: Any, fallback: str = "response") -> bytes: ...

    def listing(self, schema: Any, fallback: str = "response") -> tuple[bytes, ItemText, bytes]: ...


def xml_writer(spec: Spec) -> XmlDocument:
    """The XML dialect the spec asks for (`info.x-sandbox-xml: rails`), else the plain one."""
    if spec.document.get("info", {}).get("x-sandbox-xml") == "rails":
        return RailsXmlWriter(spec)
    return XmlWriter(spec)
