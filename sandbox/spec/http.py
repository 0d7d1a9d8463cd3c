"""Reading requests: body size limit, content types, body parsing, and the Accept header."""

from __future__ import annotations

import json
import math
import re
import sys
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect, Request
from starlette.types import Message

from sandbox.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from sandbox.spec.messages import field_path

DOUBLE_MAX = int(sys.float_info.max)
JSON_ALIASES = ("application/json", "text/json")
XML_TYPES = ("application/xml", "text/xml")
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
SURROGATE = re.compile("[\ud800-\udfff]")


def media_type(header: str | None) -> tuple[str, dict[str, str]]:
    """`"Application/JSON; charset=UTF-8"` -> `("application/json", {"charset": "utf-8"})`."""
    if not header:
        return "", {}
    name, _, rest = header.partition(";")
    params = {}
    for part in rest.split(";"):
        key, _, value = part.partition("=")
        if key.strip():
            params[key.strip().lower()] = value.strip().strip('"').lower()
    return name.strip().lower(), params


def match_content_type(name: str, declared: tuple[str, ...]) -> str | None:
    """The declared media type that `name` satisfies; JSON also as text/json and */*+json."""
    if name in declared:
        return name
    if "application/json" in declared and (
        name in JSON_ALIASES or (name.startswith("application/") and name.endswith("+json"))
    ):
        return "application/json"
    return None


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refusing more than `limit` bytes before reading them all."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    size, chunks = 0, []
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
            chunks.append(chunk)
    except ClientDisconnect:
        # nobody is left to read the answer, but a refusal (unlike a crash) keeps the log clean
        raise BadRequest("The client closed the connection before the whole body arrived.") from None
    return b"".join(chunks)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite(text: str) -> float | int:
    """A JSON number with a fraction or exponent; an integral one (`2.0`) as the integer it is."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return int(value) if value.is_integer() else value


def _finite_int(text: str) -> int:
    """An integer, refused when no double could hold it (as .NET refuses it)."""
    value = int(text)
    if abs(value) > DOUBLE_MAX:
        raise ValueError(f"the number {text[:40]}... is out of range")
    return value


_DECODER = json.JSONDecoder(parse_constant=_no_constants, parse_float=_finite, parse_int=_finite_int)
"""One decoder for every body (`json.loads` with options makes one a call)."""


def parse_json(body: bytes, charset: str | None) -> Any:
    if charset not in (None, "utf-8", "utf8"):
        message = f"The charset {charset!r} is not supported; send UTF-8."
        raise UnsupportedMediaType(message, errors={"Content-Type": [message]})
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest.field("$", f"The body is not valid UTF-8 (byte {error.start}).") from None
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as error:
        message = f"The JSON body is malformed: {error.msg} at line {error.lineno}, column {error.colno}."
        raise BadRequest.field("$", message) from None
    except ValueError as error:
        raise BadRequest.field("$", f"The JSON body is malformed: {error}.") from None
    except RecursionError:
        raise BadRequest.field("$", "The JSON body is nested too deeply.") from None
    if SURROGATE_ESCAPE.search(text) and (parts := _lone_surrogate(value)) is not None:
        raise BadRequest.field(
            field_path(parts),
            "A lone surrogate (an escaped \\ud800 to \\udfff without its pair) is not a Unicode character.",
        )
    return value


def _lone_surrogate(value: Any) -> list[str | int] | None:
    """Where a string or key holds a lone surrogate (JSON can escape one; UTF-8 cannot hold it)."""
    stack: list[tuple[list[str | int], Any]] = [([], value)]
    while stack:
        parts, item = stack.pop()
        if isinstance(item, str) and SURROGATE.search(item):
            return parts
        if isinstance(item, dict):
            if any(SURROGATE.search(key) for key in item):
                return parts
            stack.extend(([*parts, key], child) for key, child in item.items())
        elif isinstance(item, list):
            stack.extend(([*parts, index], child) for index, child in enumerate(item))
    return None


def parse_urlencoded(body: bytes) -> dict[str, str]:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise BadRequest.field("$", "The form body is not valid UTF-8.") from None
    return _single_values(pairs)


async def parse_multipart(request: Request, body: bytes) -> dict[str, str]:
    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form()
    except Exception as error:  # the multipart parser raises several kinds of error
        raise BadRequest.field("$", f"The multipart body is malformed: {error}") from None
    pairs = []
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            raise BadRequest.field(key, f"The {key} field must be a text field, not a file.")
        pairs.append((key, value))
    return _single_values(pairs)


def _single_values(pairs: list[tuple[str, str]]) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in pairs:
        if key in values:
            raise BadRequest.field(key, f"The {key} parameter is included more than once.")
        values[key] = value
    return values


@lru_cache(maxsize=512)
def negotiate(accept: str | None) -> str:
    """`"xml"` when the Accept header prefers XML to JSON, else `"json"`."""
    if not accept:
        return "json"
    ranked = []
    for position, item in enumerate(accept.split(",")):
        name, params = media_type(item)
        try:
            quality = float(params.get("q", "1"))
        except ValueError:
            quality = 1.0
        if quality > 0:
            ranked.append((-quality, position, name))
    for _, _, name in sorted(ranked):
        if name in XML_TYPES or name.endswith("+xml"):
            return "xml"
        if name in JSON_ALIASES or name.endswith("+json") or name in ("*/*", "application/*"):
            return "json"
    return "json"
