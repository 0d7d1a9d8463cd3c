"""The drift check's comparison of two answers to the same call, one from a real service and one from
the sandbox: shapes, not values.

An answer's status, media type and the headers its spec documents are compared first. A JSON body
is walked into a shape: each field's path (`data[].orderItems[].sku`, every item of a list merged
into `[]`, the entries of a map the spec declares into `*`) with the types seen there and, for
text, a guess at its format (date-time, date, decimal, uuid, email, uri, else text). Null goes
with any type. An XML body gives the paths of its elements (`orders/order/id`) with their `type`
attribute, if any; a CSV body its header row. The real answer is also checked against the spec:
each schema error is a difference. An empty list (or element) on one side leaves what is under it
uncompared: that is a note, not a difference."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from jsonschema.protocols import Validator

from sandbox.spec.loader import DATE, DATE_TIME, EMAIL, UUID, OperationSpec
from sandbox.spec.messages import collect

DECIMAL = re.compile(r"^-?\d+\.\d+$", re.ASCII)
URI = re.compile(r"^https?://\S+$")
FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("uuid", UUID),
    ("date-time", DATE_TIME),
    ("date", DATE),
    ("decimal", DECIMAL),
    ("email", EMAIL),
    ("uri", URI),
)
"""The formats a text is guessed to have, tried in order."""
EMPTY = "empty"
"""The kind of an XML element with neither text nor children (an empty string, or an empty list)."""
NOTHING = {"null", EMPTY}
"""Kinds that go with any other."""
CONTAINERS = {"object", "array", "element"}
INDEX = re.compile(r"\[\d+\]")


def guess(text: str) -> str:
    """The format a piece of text looks like: `date-time`, `date`, `decimal` (`"95.97"`), `uuid`,
    `email`, `uri`, or `text`."""
    return next((name for name, pattern in FORMATS if pattern.match(text)), "text")


def shown(path: str) -> str:
    return path or "$"


@dataclass
class Node:
    """What one path of an answer held, over all the items merged into it."""

    parent: str | None
    kinds: set[str] = field(default_factory=set)
    formats: set[str] = field(default_factory=set)
    """The formats of its non-empty text."""
    filled: bool = False
    """Whether anything was seen under it (a member, an item, a child element)."""

    def types(self) -> set[str]:
        """Its kinds that say something: integer and number are one JSON type."""
        return {"number" if kind == "integer" else kind for kind in self.kinds - NOTHING}

    def format(self) -> str | None:
        """Its one format, `text` when its texts differ, None when it held no text."""
        if not self.formats:
            return None
        return next(iter(self.formats)) if len(self.formats) == 1 else "text"

    def hollow(self) -> bool:
        """Whether it is a list, object or element with nothing under it, or only null."""
        return not self.filled and (not self.types() or bool(self.kinds & CONTAINERS))

    def described(self) -> str:
        return " or ".join(sorted(self.kinds - NOTHING)) or "null"


Shape = dict[str, Node]


def json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def member(schema: Any, key: str) -> tuple[Any, bool]:
    """The schema of an object's member `key`, and whether the object is a map (no properties,
    `additionalProperties` a schema), whose keys are data, not field names."""
    if not isinstance(schema, dict):
        return None, False
    properties: dict[str, Any] = {}
    for part in [schema, *schema.get("allOf", []), *schema.get("anyOf", []), *schema.get("oneOf", [])]:
        if isinstance(part, dict):
            properties.update(part.get("properties", {}))
    if key in properties:
        return properties[key], False
    extra = schema.get("additionalProperties")
    return (extra, True) if isinstance(extra, dict) and not properties else (None, False)


def json_shape(value: Any, schema: Any = None) -> Shape:
    """The paths of a JSON value; `schema` (its spec's, inlined) tells maps from objects."""
    shape: Shape = {}
    _walk(shape, value, "", None, schema)
    return shape


def _walk(shape: Shape, value: Any, path: str, parent: str | None, schema: Any) -> None:
    node = shape.setdefault(path, Node(parent))
    node.kinds.add(json_kind(value))
    if isinstance(value, str) and value:
        node.formats.add(guess(value))
    elif isinstance(value, dict):
        for key, child in value.items():
            inner, is_map = member(schema, key)
            name = "*" if is_map else key
            node.filled = True
            _walk(shape, child, f"{path}.{name}" if path else name, path, inner)
    elif isinstance(value, list):
        items = schema.get("items") if isinstance(schema, dict) else None
        for item in value:
            node.filled = True
            _walk(shape, item, f"{path}[]", path, items)


def local(tag: str) -> str:
    """An element's name without its namespace."""
    return tag.rpartition("}")[2]


def xml_shape(document: bytes) -> Shape:
    """The element paths of an XML document (ValueError when it is not XML)."""
    try:
        root = ElementTree.fromstring(document)
    except ElementTree.ParseError as error:
        raise ValueError(str(error)) from None
    shape: Shape = {}
    _walk_xml(shape, root, local(root.tag), None)
    return shape


def _walk_xml(shape: Shape, element: ElementTree.Element, path: str, parent: str | None) -> None:
    node = shape.setdefault(path, Node(parent))
    attributes = {local(name): value for name, value in element.attrib.items()}
    children = list(element)
    text = (element.text or "").strip()
    if attributes.get("nil") == "true":
        node.kinds.add("null")
    elif children:
        node.kinds.add(attributes.get("type", "element"))
        node.filled = True
    elif text:
        node.kinds.add(attributes.get("type", "text"))
        node.formats.add(guess(text))
    else:
        node.kinds.add(attributes.get("type", EMPTY))
    for child in children:
        _walk_xml(shape, child, f"{path}/{local(child.tag)}", path)


def csv_header(document: bytes) -> list[str]:
    """The first row of a CSV document (ValueError when it cannot be read)."""
    text = document.decode("utf-8-sig", errors="replace")
    try:
        return next(csv.reader(io.StringIO(text)), [])
    except csv.Error as error:  # a cell past the csv module's size limit, say
        raise ValueError(str(error)) from None


@dataclass(frozen=True)
class Difference:
    """One way the real answer differs from the sandbox's, or from the spec."""

    kind: str
    """status, media-type, undocumented, header, body, schema, extra, missing, type, format or
    column-order."""
    path: str
    real: str | int | None
    sandbox: str | int | None
    message: str

    def json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.path,
            "real": self.real,
            "sandbox": self.sandbox,
            "message": self.message,
        }


def compare_shapes(real: Shape, sandbox: Shape) -> tuple[list[Difference], list[str]]:
    """The differences of two shapes, and notes on what could not be compared."""
    found: list[Difference] = []
    notes: list[str] = []
    for path in sorted(real.keys() | sandbox.keys()):
        mine, theirs = real.get(path), sandbox.get(path)
        if mine is not None and theirs is not None:
            found += _compared(path, mine, theirs)
            notes += _hollow(path, mine, theirs)
        elif mine is not None:
            found += _one_sided("extra", path, mine, real, sandbox)
        elif theirs is not None:
            found += _one_sided("missing", path, theirs, sandbox, real)
    return found, notes


def _compared(path: str, real: Node, sandbox: Node) -> list[Difference]:
    where = shown(path)
    if real.types() and sandbox.types() and real.types() != sandbox.types():
        mine, theirs = real.described(), sandbox.described()
        return [Difference("type", where, mine, theirs, f"{where}: real {mine}, sandbox {theirs}")]
    mine_format, their_format = real.format(), sandbox.format()
    if mine_format and their_format and mine_format != their_format:
        message = f"{where}: real {mine_format}, sandbox {their_format}"
        return [Difference("format", where, mine_format, their_format, message)]
    return []


def _hollow(path: str, real: Node, sandbox: Node) -> list[str]:
    where = shown(path)
    if real.hollow() and sandbox.filled:
        return [f"{where}: empty or null in the real answer, so the sandbox's content of it was not compared"]
    if sandbox.hollow() and real.filled:
        return [f"{where}: empty or null in the sandbox's answer, so the real content of it was not compared"]
    if real.hollow() and sandbox.hollow() and "array" in real.kinds | sandbox.kinds:
        return [f"{where}: empty in both answers, so its items were not compared"]
    return []


def _one_sided(kind: str, path: str, node: Node, own: Shape, other: Shape) -> list[Difference]:
    """A path of one side (`own`) only: a difference when the other side has its parent, of the
    same type, with things under it (else the parent's own difference, or a note, says it)."""
    parent = other.get(node.parent) if node.parent is not None else None
    if parent is None or not parent.filled or not parent.types() & own[node.parent or ""].types():
        return []
    where, what = shown(path), node.described()
    if kind == "extra":
        return [
            Difference(
                kind, where, what, None, f"{where}: the real service sends it ({what}); the sandbox does not"
            )
        ]
    return [
        Difference(
            kind, where, None, what, f"{where}: the sandbox sends it ({what}); the real service does not"
        )
    ]


def header_differences(real: list[str], sandbox: list[str]) -> list[Difference]:
    """The columns of two CSV header rows."""
    found = [
        Difference(
            "extra", name, "column", None, f"column {name}: the real service sends it; the sandbox does not"
        )
        for name in real
        if name not in sandbox
    ]
    found += [
        Difference(
            "missing", name, None, "column", f"column {name}: the sandbox sends it; the real service does not"
        )
        for name in sandbox
        if name not in real
    ]
    if not found and real != sandbox:
        message = "the same columns, in another order"
        found.append(Difference("column-order", "", ",".join(real), ",".join(sandbox), message))
    return found


def schema_differences(validator: Validator, body: Any) -> list[Difference]:
    """The real answer's breaches of its schema, one per field path (with the items of lists
    merged, `data[].sku`), its first message and how many more there were."""
    grouped: dict[str, list[str]] = {}
    for path, messages in collect(validator.iter_errors(body)).items():
        grouped.setdefault(INDEX.sub("[]", path), []).extend(messages)
    found = []
    for path, messages in grouped.items():
        more = f" (and {len(messages) - 1} more like it)" if len(messages) > 1 else ""
        found.append(Difference("schema", path, messages[0] + more, None, f"{path}: {messages[0]}{more}"))
    return found


@dataclass(frozen=True)
class Answer:
    """An HTTP answer as the check sees it: header names in lower case."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def media(self) -> str:
        """The media type of its Content-Type, without parameters, in lower case."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self) -> dict[str, Any]:
        return {"status": self.status, "mediaType": self.media}


def documented(op: OperationSpec, status: int) -> str | None:
    """The key of the spec's response for `status` (`200`, `5XX`, `default`), if it has one."""
    return next((k for k in (str(status), f"{status // 100}XX", "default") if k in op.responses), None)


def is_json(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def is_xml(media: str) -> bool:
    return media in ("application/xml", "text/xml") or media.endswith("+xml")


def compare(op: OperationSpec, real: Answer, sandbox: Answer) -> tuple[list[Difference], list[str]]:
    """How the real answer to a call of `op` differs from the spec and from the sandbox's answer to
    the same call, and notes on what could not be compared."""
    found = _against_spec(op, real, sandbox)
    if real.status != sandbox.status:
        found.insert(
            0,
            Difference(
                "status",
                "",
                real.status,
                sandbox.status,
                f"status: real {real.status}, sandbox {sandbox.status}",
            ),
        )
        return found, ["the statuses differ, so the bodies were not compared"]
    if real.media != sandbox.media:
        message = f"Content-Type: real {real.media or 'none'}, sandbox {sandbox.media or 'none'}"
        found.insert(0, Difference("media-type", "", real.media, sandbox.media, message))
        return found, ["the media types differ, so the bodies were not compared"]
    differences, notes = _bodies(real, sandbox, _schema(op, real))
    return found + differences, notes


def _against_spec(op: OperationSpec, real: Answer, sandbox: Answer) -> list[Difference]:
    key = documented(op, real.status)
    if key is None:
        message = f"{op.operation_id} documents no {real.status} answer"
        return [Difference("undocumented", "", real.status, None, message)]
    found = []
    for name in op.headers.get(key, []) if real.status == sandbox.status else []:
        mine, theirs = name.lower() in real.headers, name.lower() in sandbox.headers
        if mine != theirs:
            said = (
                "the sandbox sends it, the real service does not"
                if theirs
                else "the real service sends it, the sandbox does not"
            )
            found.append(
                Difference(
                    "header",
                    name,
                    "present" if mine else "absent",
                    "present" if theirs else "absent",
                    f"header {name} (documented for {key}): {said}",
                )
            )
    content = op.responses[key]
    if content and real.media not in content:
        message = f"{op.operation_id} documents no {real.media or 'untyped'} answer for {key}"
        found.append(Difference("undocumented", "", real.media, None, message))
    elif real.media in content and is_json(real.media):
        try:
            body = json.loads(real.body)
        except (ValueError, RecursionError):
            return found  # the body's own difference says it
        found += schema_differences(content[real.media].validator, body)
    return found


def _schema(op: OperationSpec, answer: Answer) -> Any:
    key = documented(op, answer.status)
    media = op.responses.get(key, {}).get(answer.media) if key is not None else None
    return media.validator.schema if media is not None else None


def _bodies(real: Answer, sandbox: Answer, schema: Any) -> tuple[list[Difference], list[str]]:
    media = real.media
    read: Callable[[bytes], Any]
    if is_json(media):
        kind, read = "JSON", lambda body: json_shape(json.loads(body), schema)
    elif is_xml(media):
        kind, read = "XML", xml_shape
    elif media == "text/csv":
        kind, read = "CSV", csv_header
    else:
        return [], [f"a {media or 'untyped'} body is not compared"] if real.body or sandbox.body else []
    found: list[Any] = []
    for side, answer in (("real", real), ("sandbox", sandbox)):
        try:
            found.append(read(answer.body))
        except (ValueError, RecursionError) as error:
            why = str(error).splitlines()[0] if str(error) else type(error).__name__
            return [Difference("body", "", side, None, f"the {side} answer is not {kind}: {why}")], []
    mine, theirs = found
    if kind == "CSV":
        return header_differences(mine, theirs), []
    return compare_shapes(mine, theirs)
