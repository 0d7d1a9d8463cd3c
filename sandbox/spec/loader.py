"""Load an OpenAPI 3.1 document and compile its operations, once, at start-up."""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from sandbox.resources import read_yaml

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", re.ASCII)
# jsonschema's own uuid check takes any Unicode hex digit (full-width ones too)
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _format_checker() -> FormatChecker:
    checker = FormatChecker([])

    @checker.checks("uuid")
    def is_uuid(value: object) -> bool:
        return not isinstance(value, str) or bool(UUID.match(value))

    @checker.checks("email")
    def is_email(value: object) -> bool:
        return not isinstance(value, str) or bool(EMAIL.match(value))

    @checker.checks("date", raises=ValueError)
    def is_date(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not DATE.match(value):
            return False
        datetime.date.fromisoformat(value)
        return True

    @checker.checks("date-time", raises=ValueError)
    def is_date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not DATE_TIME.match(value):
            return False
        datetime.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        return True

    return checker


FORMATS = _format_checker()


def _lenient(check: Callable[[object], bool], raises: Any) -> Callable[[object], bool]:
    def checked(value: object) -> bool:
        try:
            return bool(check(value))
        except raises:
            return False

    return checked


FAST_FORMATS = {name: _lenient(check, raises) for name, (check, raises) in FORMATS.checkers.items()}
"""The same format checks for jsonschema-rs."""

Accepts = Callable[[Any], bool]


def fast_validator(schema: Any) -> Accepts | None:
    """A compiled check of `schema` (jsonschema-rs: Draft 2020-12 in Rust, some thirty times as fast
    as `jsonschema` on an order) that only ever waves a valid instance through: whatever it does not
    pass, `jsonschema` looks at again, and decides and words every refusal. None when it cannot
    compile the schema (a recursive one, whose references it cannot follow)."""
    try:
        compiled = jsonschema_rs.Draft202012Validator(schema, formats=FAST_FORMATS, validate_formats=True)
    except (ValueError, jsonschema_rs.ReferencingError):
        return None

    def accepts(instance: Any) -> bool:
        try:
            return bool(compiled.is_valid(instance))
        except (ValueError, TypeError, OverflowError):  # a value it cannot read: jsonschema decides
            return False

    return accepts


def escape_pointer(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    required: bool
    schema: dict[str, Any]
    validator: Draft202012Validator
    aliases: tuple[str, ...] = ()
    """Other names the parameter is taken under (`x-sandbox-aliases`): spellings real clients use
    that the spec does not list as parameters of their own."""
    fast: Accepts | None = None
    """What lets a valid value through without `jsonschema` (`fast_validator`)."""


@dataclass(frozen=True)
class MediaType:
    name: str
    validator: Draft202012Validator
    schema: dict[str, Any]
    fast: Accepts | None = None
    """For a request body: what lets a valid body through without `jsonschema` (`fast_validator`)."""


@dataclass
class OperationSpec:
    """What the spec says of one operation, with its validators compiled."""

    operation_id: str
    method: str
    path: str
    security: list[str]
    parameters: list[Parameter]
    body_required: bool
    bodies: dict[str, MediaType]
    responses: dict[str, dict[str, MediaType]] = field(default_factory=dict)
    headers: dict[str, list[str]] = field(default_factory=dict)
    body_limit: int | None = None
    """The most bytes the request body may have (`x-sandbox-body-limit`), when the operation
    takes more or less than the app's limit."""
    variant_of: str | None = None
    """The operation this one is another path or format of (`x-sandbox-variant-of`: a list's
    `.xml` path); coverage counts them as one."""


class Spec:
    """An OpenAPI document, its `$ref` registry and its operations in document order."""

    def __init__(self, document: dict[str, Any], uri: str) -> None:
        self.document = document
        self.uri = uri
        self._inlined: dict[str, Any] = {}
        self.registry: Registry[Any] = Registry().with_resource(
            uri, Resource.from_contents(document, default_specification=DRAFT202012)
        )
        self.operations = [
            self._operation(path, method, item[method], item)
            for path, item in document.get("paths", {}).items()
            for method in METHODS
            if method in item
        ]

    def resolve(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follow local `$ref`s from `node` (found at `pointer`) to what they name."""
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"only local $refs are supported, not {ref!r}")
            pointer = ref[1:]
            node = self.registry.resolver().lookup(f"{self.uri}#{pointer}").contents
        return node, pointer

    def operation(self, operation_id: str) -> OperationSpec:
        return next(op for op in self.operations if op.operation_id == operation_id)

    def properties(self, schema: Any) -> dict[str, Any]:
        """An object schema's properties in order, those of its `allOf` parts first."""
        node, _ = self.resolve(schema, "")
        if not isinstance(node, dict):
            return {}
        found: dict[str, Any] = {}
        for part in node.get("allOf", []):
            found.update(self.properties(part))
        found.update(node.get("properties", {}))
        return found

    def validator(self, pointer: str) -> Draft202012Validator:
        """A validator for the schema at `pointer`, with its `$ref`s inlined so that validating
        follows no reference (a recursive schema keeps its references, resolved in this spec)."""
        try:
            schema = self.inline({"$ref": f"#{pointer}"}, ())
        except RecursionError:
            schema = {"$ref": f"{self.uri}#{pointer}"}
        return Draft202012Validator(schema, registry=self.registry, format_checker=FORMATS)

    def inline(self, node: Any, seen: tuple[str, ...]) -> Any:
        """`node` with every local `$ref` replaced by a copy of what it names."""
        if isinstance(node, list):
            return [self.inline(item, seen) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in seen:
                raise RecursionError(f"recursive schema at {ref}")
            if ref not in self._inlined:
                target, _ = self.resolve({"$ref": ref}, "")
                self._inlined[ref] = self.inline(target, (*seen, ref))
            if len(node) == 1:
                return self._inlined[ref]
            siblings = {key: self.inline(value, seen) for key, value in node.items() if key != "$ref"}
            return {**self._inlined[ref], **siblings}
        return {key: self.inline(value, seen) for key, value in node.items()}

    def _media(self, content: dict[str, Any], pointer: str) -> dict[str, MediaType]:
        media = {}
        for name, item in content.items():
            schema_pointer = f"{pointer}/{escape_pointer(name)}/schema"
            schema, schema_pointer = self.resolve(item.get("schema", {}), schema_pointer)
            media[name] = MediaType(name, self.validator(schema_pointer), schema)
        return media

    def _operation(self, path: str, method: str, node: dict[str, Any], item: dict[str, Any]) -> OperationSpec:
        base = f"/paths/{escape_pointer(path)}"
        pointer = f"{base}/{method}"
        security = node.get("security", self.document.get("security", []))
        parameters = [
            self._parameter(raw, f"{where}/parameters/{index}")
            for where, owner in ((base, item), (pointer, node))
            for index, raw in enumerate(owner.get("parameters", []))
        ]
        body, body_pointer = self.resolve(node.get("requestBody", {}), f"{pointer}/requestBody")
        responses: dict[str, dict[str, MediaType]] = {}
        headers: dict[str, list[str]] = {}
        for status, raw in node.get("responses", {}).items():
            response, response_pointer = self.resolve(raw, f"{pointer}/responses/{status}")
            content = response.get("content", {})
            responses[status] = self._media(content, f"{response_pointer}/content")
            headers[status] = list(response.get("headers", {}))
        return OperationSpec(
            operation_id=node["operationId"],
            method=method.upper(),
            path=path,
            security=[name for requirement in security for name in requirement],
            parameters=parameters,
            body_required=bool(body.get("required", False)),
            bodies=self._bodies(body, body_pointer),
            responses=responses,
            headers=headers,
            body_limit=body.get("x-sandbox-body-limit"),
            variant_of=node.get("x-sandbox-variant-of"),
        )

    def _bodies(self, body: dict[str, Any], pointer: str) -> dict[str, MediaType]:
        """The request body's media types; `x-sandbox-also-accepts` names more that are read
        against the first one's schema (forms that clients send but generators should not)."""
        bodies = {
            name: replace(media, fast=fast_validator(media.validator.schema))
            for name, media in self._media(body.get("content", {}), f"{pointer}/content").items()
        }
        if bodies:
            first = next(iter(bodies.values()))
            for name in body.get("x-sandbox-also-accepts", ()):
                bodies[name] = replace(first, name=name)
        return bodies

    def _parameter(self, raw: dict[str, Any], pointer: str) -> Parameter:
        node, pointer = self.resolve(raw, pointer)
        schema, _ = self.resolve(node.get("schema", {}), f"{pointer}/schema")
        validator = self.validator(f"{pointer}/schema")
        return Parameter(
            name=node["name"],
            location=node["in"],
            required=bool(node.get("required", False)),
            schema=schema,
            validator=validator,
            aliases=tuple(node.get("x-sandbox-aliases", ())),
            fast=fast_validator(validator.schema),
        )


def load_spec(path: Path, suppliers: tuple[str, ...] = (), events: tuple[str, ...] = ()) -> Spec:
    """Read and compile the OpenAPI document at `path`; a compiled spec is never changed, so one
    compiled copy serves every app of a process while the file stays as it was.

    A schema marked `x-sandbox-suppliers` is completed with the registered suppliers: `names`
    makes its `enum` their names (`names-and-control`: and `sandbox`, the control API's), `events`
    the events of their lifecycles; an object
    (`{properties: SCHEMA, required: true}`) gives the schema a property per supplier that it
    does not describe already, required when `required` is true. Without suppliers the document
    stays as written (it names the two built-in ones)."""
    return _compiled(path.resolve(), path.stat().st_mtime_ns, suppliers, events)


@functools.lru_cache(maxsize=16)
def _compiled(path: Path, version: int, suppliers: tuple[str, ...], events: tuple[str, ...]) -> Spec:
    with path.open(encoding="utf-8") as handle:
        document = read_yaml(handle)
    if suppliers:
        _complete(document, suppliers, events)
    return Spec(document, f"urn:supplier-sandbox:spec:{path.stem}")


def _complete(node: Any, suppliers: tuple[str, ...], events: tuple[str, ...]) -> None:
    if isinstance(node, list):
        for item in node:
            _complete(item, suppliers, events)
        return
    if not isinstance(node, dict):
        return
    marker = node.get("x-sandbox-suppliers")
    if marker == "names":
        node["enum"] = list(suppliers)
    elif marker == "names-and-control":
        node["enum"] = [*suppliers, "sandbox"]
    elif marker == "events":
        node["enum"] = list(events)
    elif isinstance(marker, dict):
        properties = node.setdefault("properties", {})
        for name in suppliers:
            properties.setdefault(name, marker["properties"])
        if marker.get("required"):
            node["required"] = [
                *node.get("required", []),
                *(n for n in suppliers if n not in node.get("required", [])),
            ]
    for key, value in node.items():
        if key != "x-sandbox-suppliers":
            _complete(value, suppliers, events)
