"""Build Starlette routes from a spec: each operation is matched, authenticated, validated, then
handed to the handler named by its `operationId`; the handler's reply is rendered as JSON or XML."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import re
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import orjson
from jsonschema import Draft202012Validator
from jsonschema.protocols import Validator
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from sandbox.errors import ApiError, BadRequest, InternalError, UnsupportedMediaType
from sandbox.spec import http
from sandbox.spec.loader import MediaType, OperationSpec, Parameter, Spec
from sandbox.spec.messages import collect
from sandbox.spec.xmlcodec import ItemText, XmlDocument, xml_writer

INTEGER = re.compile(r"^[+-]?\d{1,18}$", re.ASCII)
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$", re.ASCII)
CONTENT_TYPES = {
    ("json", False): "application/json; charset=utf-8",
    ("xml", False): "application/xml; charset=utf-8",
    ("json", True): "application/problem+json; charset=utf-8",
    ("xml", True): "application/problem+xml; charset=utf-8",
}


@dataclass
class Call:
    """One validated request as a handler sees it."""

    request: Request
    principal: Any
    params: dict[str, Any]
    body: Any


@dataclass
class Reply:
    """What a handler answers: a status, a JSON-shaped body, and extra headers."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    problem: bool = False
    media: str | None = None
    """Set for a body that is not JSON-shaped (bytes or text sent as they are)."""
    encoded: bytes | None = None
    """`body` already encoded as JSON, when the handler has it at hand."""
    format: str | None = None
    """"json" or "xml" when the operation decides (a `.xml` path), not the Accept header."""
    subjects: tuple[str, ...] = ()
    """What the request concerned (the ids of an order it made, read or changed), for the journal:
    the spec core gives them no meaning."""


Item = tuple[Any, bytes | None]
"""An item of a `Listing`: its JSON-shaped view, and that view as JSON when the handler has it."""


@dataclass
class Listing:
    """The body of a `Reply` that is a list of any length, its items made as they are read. The
    router answers it whole (with a Content-Length) when its answer fits in one chunk, otherwise in
    chunks (`Transfer-Encoding: chunked`), giving the event loop back between two chunks: a long
    list neither holds other requests up nor is held whole in memory. The items are found and
    made lazily, so they must not raise an ApiError (check the request before returning)."""

    items: Iterator[Item | None]
    """The items in order, and None now and then while none is found (after a few dozen orders
    the filters leave out, say), so that looking through many is done a little at a time too."""
    text: Callable[[Any], bytes] | None = None
    """For a list sent as text (a `Reply.media`, such as CSV): the text of one item's view."""
    head: bytes = b""
    """For a list sent as text: what comes before the first item (a header row)."""


CHUNK_BYTES = 256 * 1024
"""A listing's answer is sent whole up to this size, beyond it in chunks of about this size."""
CHUNK_SECONDS = 0.005
"""The most time a listing's items are made for before the event loop has its turn."""

Handler = Callable[[Call], Reply]
Limiter = Callable[[Any], dict[str, str]]
"""Counts a request of an authenticated principal: headers to add, or TooManyRequests."""
Gate = Callable[[Request, Any], Awaitable[None]]
"""Looks at a request of a principal before anything is read: returns to let it through, or
raises an ApiError to answer it, or DroppedConnection to leave it unanswered."""
Recorder = Callable[[str, Request, bytes, Callable[[], Reply]], Awaitable[Reply]]
"""Runs the handler of an operation that changes the state (given its operationId, the request and
its body), and keeps the change for a durable sandbox: the reply once the change is kept."""
Observer = Callable[[Request, Any, bytes, Reply, Response, float], None]
"""Told of every request an operation answered: the request, its principal (None when refused
before), the body it sent, the reply, the response, and when the request came in
(`time.perf_counter()`)."""
Observing = Callable[[OperationSpec], Observer | None]
"""What gives an operation its `Observer` (None: its requests are not observed)."""
Counted = Callable[[Request, Any, Mapping[str, Any], bytes, Reply, str, ApiError | None], None]
"""Told of every request an operation answered, for coverage: the request, its principal (None
when refused before), its parameters (empty when refused before they were read), the body it
sent, the reply, its format ("json" or "xml"), and the ApiError it answers (None for a
handler's own reply)."""
Counting = Callable[[OperationSpec], Counted]
"""What gives an operation its `Counted`."""


FAULT = "sandbox.fault"
"""Set in the scope of a request that a fault rule fired on: the rule's id (the ids, comma-separated,
when the delays of several added up)."""

REPLAY = "sandbox.replay"
"""Set in the scope of a request a durable sandbox replays at start: a change that was allowed when
it was made (no client can set a scope's keys)."""


class SpecApi(Protocol):
    """What an emulated API gives the router."""

    def handlers(self) -> Mapping[str, Handler]: ...

    def authenticate(self, schemes: list[str], request: Request) -> Any: ...

    def error_reply(self, operation_id: str | None, error: ApiError) -> Reply: ...


class DroppedConnection(Exception):
    """Raised by a gate: the connection closes without an answer."""


class Dropped(Response):
    """No answer: the server closes the connection (a client sees it closed without response,
    as when a proxy dies)."""

    def __init__(self) -> None:
        super().__init__(status_code=502)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # ASGI has no message to close a connection. A server closes it when the app fails after
        # the answer started; uvicorn counts the answer as started before it checks the headers,
        # and refuses this one before writing a byte of it.
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": [(b"x-sandbox-fault", b"drop\n")],
                }
            )
        finally:
            raise DroppedConnection


class ResponseContractError(AssertionError):
    """A reply that breaks the spec (raised only when responses are checked)."""


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""The standard library's compact JSON, which the answers have always been written in."""


def json_bytes(value: Any) -> bytes:
    """`value` as compact JSON in UTF-8, as `_JSON` writes it. orjson writes it about ten times as
    fast (16 to 1.3 µs for a vidaXL order) and the same byte for byte, but for what it refuses (a
    key that is not a string, an integer past 64 bits), which `_JSON` writes, and a float under
    1e-4, which it writes in full (0.00001 for 1e-05: the same number; no view of the APIs holds
    one, a fault rule's probability may). `check_json` compares the two on every answer checked."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return stdlib_json(value)


def stdlib_json(value: Any) -> bytes:
    return _JSON.encode(value).encode("utf-8")


class Operation:
    """The endpoint of one operation."""

    def __init__(
        self,
        spec: Spec,
        op: OperationSpec,
        api: SpecApi,
        handler: Handler,
        *,
        body_limit: int,
        check_responses: bool,
        observe: Observer | None = None,
        limiter: Limiter | None = None,
        gate: Gate | None = None,
        recorder: Recorder | None = None,
        counted: Counted | None = None,
    ) -> None:
        self.spec = spec
        self.op = op
        self.api = api
        self.handler = handler
        self.body_limit = op.body_limit if op.body_limit is not None else body_limit
        self.check_responses = check_responses
        self.observe = observe
        self.limiter = limiter
        self.gate = gate
        self.recorder = recorder if op.method not in ("GET", "HEAD") else None
        self.counted = counted
        self.xml = xml_writer(spec)
        self.declared = tuple(op.bodies)
        self.query = [p for p in op.parameters if p.location == "query"]
        self.spellings = [
            (p, (p.name,) if array else (p.name, *p.aliases), array)
            for p in self.query
            for array in [p.schema.get("type") == "array"]
        ]
        """Each query parameter, the names it may be given by (its own first), and whether it is an
        array (given by its own name only)."""
        self.path_params = [p for p in op.parameters if p.location == "path"]
        self.offers_xml = offers_xml(spec)
        self.item_validators: dict[int, Validator] = {}
        """With `check_responses`: for a streamed listing, its array's item schema by the array's."""

    async def endpoint(self, request: Request) -> Response:
        started = time.perf_counter() if self.observe is not None else 0.0
        fmt = http.negotiate(request.headers.get("accept")) if self.offers_xml else "json"
        principal, raw, limits, failed = None, b"", {}, None
        params: dict[str, Any] = {}
        try:
            principal = self.api.authenticate(self.op.security, request) if self.op.security else None
            if self.limiter is not None and principal is not None:
                limits = self.limiter(principal)
            if self.gate is not None:
                await self.gate(request, principal)
            params, raw = await self.read(request)
            reply = await self.answer(request, principal, params, raw)
        except ApiError as error:
            reply, failed = self.api.error_reply(self.op.operation_id, error), error
        except DroppedConnection:
            return Dropped()
        if limits:  # a reply of its own: a handler may answer the same one again
            reply = replace(reply, headers={**limits, **reply.headers})
        fmt = reply.format or fmt
        if self.counted is not None:
            self.counted(request, principal, params, raw, reply, fmt, failed)
        if isinstance(reply.body, Listing):
            response = await self.render_listing(reply, reply.body, fmt)
        else:
            response = self.render(reply, fmt)
        if self.observe is not None:
            self.observe(request, principal, raw, reply, response, started)
        return response

    async def read(self, request: Request) -> tuple[dict[str, Any], bytes]:
        """The request's parameters, and its body as sent."""
        params = self.read_params(request) if self.op.parameters else {}
        return params, (await http.read_body(request, self.body_limit) if self.declared else b"")

    async def answer(self, request: Request, principal: Any, params: dict[str, Any], raw: bytes) -> Reply:
        """The handler's reply, once the body is parsed and checked."""
        body = await self.parse_body(request, raw) if self.declared else None
        call = Call(request, principal, params, body)
        if self.recorder is None:
            return self.handler(call)
        return await self.recorder(self.op.operation_id, request, raw, lambda: self.handler(call))

    async def replay(self, request: Request) -> Reply:
        """The reply to a recorded change made again (`store.Recorder.replaying`): as `endpoint`,
        without the fault rules, rate limits and journal, which had their say when it was made."""
        try:
            principal = self.api.authenticate(self.op.security, request) if self.op.security else None
            params, raw = await self.read(request)
            return await self.answer(request, principal, params, raw)
        except ApiError as error:
            return self.api.error_reply(self.op.operation_id, error)

    def read_params(self, request: Request) -> dict[str, Any]:
        values: dict[str, Any] = {}
        spelled: dict[str, str] = {}
        errors = self.read_values(self.path_params, request.path_params, values, spelled)
        if request.scope["query_string"]:
            query = parsed_query(request.scope["query_string"])
            errors.update(self.read_query(query, values, spelled) if self.query else {})
        else:  # nothing to parse: only a required parameter has something to say
            errors.update({p.name: [required(p.name)] for p in self.query if p.required})
        for param in self.op.parameters:
            value = values.get(param.name, _INVALID)
            if value is _INVALID:
                continue
            large = isinstance(value, int) and abs(value) >= 2**53  # a double to jsonschema-rs
            if (not large and self.fast_passes(param, value)) or param.validator.is_valid(value):
                continue
            errors.update(collect(param.validator.iter_errors(value), [spelled[param.name]]))
        if errors:
            raise BadRequest(errors=errors)
        return values

    def fast_passes(self, checked: Parameter | MediaType, value: Any) -> bool:
        """Whether the compiled check passes `value` (then it is valid); if not, `jsonschema`
        decides. With `check_responses` (the tests) `jsonschema` must agree with what it passes."""
        if checked.fast is None or not checked.fast(value):
            return False
        if self.check_responses:
            disagreement = collect(checked.validator.iter_errors(value))
            if disagreement:
                took = f"{checked.name} {value!r}" if isinstance(checked, Parameter) else checked.name
                raise ResponseContractError(
                    f"{self.op.operation_id}: jsonschema-rs took {took}: {disagreement}"
                )
        return True

    def read_query(
        self, query: QueryParams, values: dict[str, Any], spelled: dict[str, str]
    ) -> dict[str, list[str]]:
        """Put the query parameters, as their schemas' types, into `values`; the errors."""
        errors = {}
        present = query.keys()
        for param, spellings, array in self.spellings:
            for given in spellings:
                if given in present:
                    break
            else:
                if param.required and not array:
                    errors[param.name] = [required(param.name)]
                continue
            if array:
                values[param.name] = query.getlist(param.name)
                spelled[param.name] = param.name
                continue
            errors.update(self.read_values([param], {param.name: query[given]}, values, spelled, given))
        return errors

    @staticmethod
    def read_values(
        params: list[Parameter],
        raw: Mapping[str, str],
        values: dict[str, Any],
        spelled: dict[str, str],
        given: str | None = None,
    ) -> dict[str, list[str]]:
        """Put each of `params` from `raw`, as its schema's type, into `values` (and the name the
        client used into `spelled`); the errors."""
        errors = {}
        for param in params:
            name = given or param.name
            coerced = coerce(raw[param.name], param.schema)
            if coerced is _INVALID:
                errors[name] = [f"The value '{raw[param.name]}' is not valid for {name}."]
            else:
                values[param.name] = coerced
                spelled[param.name] = name
        return errors

    async def parse_body(self, request: Request, raw: bytes) -> Any:
        name, params = http.media_type(request.headers.get("content-type"))
        if not raw and (not name or self.op.body_required):
            if self.op.body_required:
                raise BadRequest.field("$", "A non-empty request body is required.")
            return None
        declared = http.match_content_type(name, self.declared)
        if declared is None:
            accepted = ", ".join(self.declared)
            shown = name or "none"
            raise UnsupportedMediaType(
                f"Content type {shown!r} is not supported here; send {accepted}.",
                errors={"Content-Type": [f"Expected one of: {accepted}."]},
            )
        if declared == "application/x-www-form-urlencoded":
            body: Any = http.parse_urlencoded(raw)
        elif declared == "multipart/form-data":
            body = await http.parse_multipart(request, raw)
        else:
            body = http.parse_json(raw, params.get("charset"))
        media = self.op.bodies[declared]
        if not LONG_NUMBER.search(raw) and self.fast_passes(media, body):
            return body
        found = collect(media.validator.iter_errors(body))
        if found:
            raise BadRequest(errors=found)
        return body

    def render(self, reply: Reply, fmt: str) -> Response:
        media = CONTENT_TYPES[(fmt, reply.problem)].split(";")[0]
        if self.check_responses:
            self.check(reply, media)
        if fmt != "xml":
            return respond(reply, fmt)
        found = (self.documented(reply.status) or {}).get(media)
        return respond(reply, fmt, self.xml, found.schema if found else {})

    async def render_listing(self, reply: Reply, listing: Listing, fmt: str) -> Response:
        """The answer to a `Listing`: whole when it fits in a chunk, else streamed."""
        media = reply.media or CONTENT_TYPES[(fmt, reply.problem)]
        chunks = Chunks(listing, *self.list_format(reply, listing, media.split(";")[0]))
        chunks.made = [] if self.check_responses else None
        while not chunks.done and chunks.size < CHUNK_BYTES:
            chunks.make(CHUNK_SECONDS, CHUNK_BYTES)
            if not chunks.done and chunks.size < CHUNK_BYTES:
                await asyncio.sleep(0)  # a list the filters mostly leave out: the others' turn
        made, chunks.made = chunks.made or [], None
        if self.check_responses and chunks.done:  # as any reply: the whole against the schema
            whole = [view for view, _ in made]
            encoded = b"[" + b",".join(json_of(item) for item in made) + b"]"
            self.check(replace(reply, body=whole, encoded=encoded), media.split(";")[0])
        elif self.check_responses:
            chunks.checks = self.item_check(reply, media.split(";")[0])
            for item in made:
                chunks.checks(item)
        if chunks.done:
            return Response(chunks.take(), reply.status, reply.headers, media)
        return StreamingResponse(stream(chunks), reply.status, reply.headers, media)

    def list_format(self, reply: Reply, listing: Listing, media: str) -> tuple[bytes, ItemText, bytes, bytes]:
        """How a listing's answer as `media` is written: its start, an item's text, what goes
        between two items, its end."""
        if reply.media is not None:
            text = listing.text
            if text is None:
                raise InternalError(f"{self.op.operation_id}: a listing as {reply.media} needs its text")
            return listing.head, lambda item: text(item[0]), b"", b""
        if media.endswith("xml"):
            found = (self.documented(reply.status) or {}).get(media)
            head, text, tail = self.xml.listing(found.schema if found else {}, "response")
            return head, lambda item: text(item[0]), b"", tail
        return b"[", json_of, b",", b"]"

    def item_check(self, reply: Reply, media: str) -> Callable[[Item], None]:
        """With `check_responses`, a streamed listing's status and media checked against the spec
        now, and what checks each of its items against the array's item schema as it is made."""
        validator = self.body_validator(reply, media)
        if validator is None:
            return lambda item: None
        each = self.item_validators.get(id(validator))
        if each is None:
            items = validator.schema.get("items") if isinstance(validator.schema, dict) else None
            if not isinstance(items, dict):
                raise ResponseContractError(f"{self.op.operation_id}: a listing whose schema is no array")
            each = self.item_validators[id(validator)] = validator.evolve(schema=items)
        where = f"{self.op.operation_id} {reply.status} {media} item"
        return lambda item: self.check_json(each, item[0], item[1], where)

    def documented(self, status: int) -> dict[str, MediaType] | None:
        """The media types the spec documents for `status`, its range (`5XX`) or its default;
        None if none of them."""
        responses = self.op.responses
        for key in (str(status), f"{status // 100}XX", "default"):
            if key in responses:
                return responses[key]
        return None

    def check(self, reply: Reply, media: str) -> None:
        validator = self.body_validator(reply, media)
        if validator is not None:
            where = f"{self.op.operation_id} {reply.status} {media}"
            self.check_json(validator, reply.body, reply.encoded, where)

    def body_validator(self, reply: Reply, media: str) -> Draft202012Validator | None:
        """The validator of `reply`'s body once its status and media are found documented (else
        ResponseContractError); None when there is no JSON-shaped body to check."""
        content = self.documented(reply.status)
        where = f"{self.op.operation_id} {reply.status} {media}"
        if content is None:
            raise ResponseContractError(f"{where}: status not documented")
        if not content and reply.body is None:
            return None
        if reply.media is not None:
            if reply.media.split(";")[0] not in content:
                raise ResponseContractError(f"{where}: media {reply.media} not documented")
            return None
        if media not in content:
            raise ResponseContractError(f"{where}: media not documented")
        return content[media].validator

    @staticmethod
    def check_json(validator: Validator, body: Any, sent: bytes | None, where: str) -> None:
        """`body` (and `sent`, its JSON when the handler made it) against `validator`."""
        encoded = json_bytes(body)
        if sent is not None and sent != encoded:
            raise ResponseContractError(f"{where}: the encoded body is not the body")
        key = (id(validator), hashlib.blake2b(encoded, digest_size=16).digest())
        if key in _PASSED:  # these bytes were compared and checked when they first passed
            _PASSED.move_to_end(key)
            return
        written = stdlib_json(body)
        if encoded != written and json.loads(encoded) != json.loads(written):  # 0.00001 and 1e-05 are one
            raise ResponseContractError(f"{where}: orjson and the standard library write it differently")
        errors = collect(validator.iter_errors(body))
        if errors:
            raise ResponseContractError(f"{where}: {errors}")
        _PASSED[key] = validator
        if len(_PASSED) > _PASSED_MAX:
            _PASSED.popitem(last=False)


_PASSED: OrderedDict[tuple[int, bytes], Validator] = OrderedDict()
"""The answers `check_responses` has seen pass, by validator and digest of the JSON sent: the same
bytes pass the same schema again, so a test suite that fetches the same large answer (a state
export, a list) in many tests checks it once. The validator is held so that its id is not reused."""
_PASSED_MAX = 1024


LONG_NUMBER = re.compile(rb"\d{16}")
"""Sixteen digits in a row: perhaps an integer past 2**53, which jsonschema-rs compares as a float
(999...9, 99 nines, is at most 1e99 to it and more to Python): jsonschema alone checks such a body."""

_INVALID = object()


@functools.lru_cache(maxsize=256)
def _parsed(raw: bytes) -> QueryParams:
    return QueryParams(raw)


def parsed_query(raw: bytes) -> QueryParams:
    """The parameters of a query string, kept for the short ones a client asks again and again (a
    `QueryParams` does not change)."""
    return _parsed(raw) if len(raw) <= 256 else QueryParams(raw)


def required(name: str) -> str:
    return f"The {name} field is required."


def json_of(item: Item) -> bytes:
    return item[1] if item[1] is not None else json_bytes(item[0])


class Chunks:
    """A listing's answer made a chunk at a time: `make` adds to what waits to be sent, `take`
    hands it over."""

    def __init__(self, listing: Listing, head: bytes, text: ItemText, between: bytes, tail: bytes) -> None:
        self.items = listing.items
        self.text = text
        self.between = between
        self.tail = tail
        self.parts = [head]
        self.size = len(head)
        self.count = 0
        self.done = False
        self.made: list[Item] | None = None
        """Given a list, the items made are added to it (the first chunk's, to be checked)."""
        self.checks: Callable[[Item], None] | None = None
        """Told of each item made once the answer streams (`check_responses`)."""

    def make(self, seconds: float, most: int) -> None:
        """Make items' text until `most` bytes wait, the items end, or `seconds` have passed."""
        deadline = time.perf_counter() + seconds
        parts, text, check, made = self.parts, self.text, self.checks, self.made
        for item in self.items:
            if item is not None:
                if check is not None:
                    check(item)
                elif made is not None:
                    made.append(item)
                if self.count:
                    parts.append(self.between)
                data = text(item)
                parts.append(data)
                self.count += 1
                self.size += len(data)
                if self.size >= most:
                    return
            if time.perf_counter() >= deadline:
                return
        parts.append(self.tail)
        self.done = True

    def take(self) -> bytes:
        made = b"".join(self.parts)
        self.parts, self.size = [], 0
        return made


async def stream(chunks: Chunks) -> AsyncIterator[bytes]:
    yield chunks.take()
    while not chunks.done:
        await asyncio.sleep(0)  # the event loop's turn between two chunks
        chunks.make(CHUNK_SECONDS, CHUNK_BYTES)
        if chunks.size or chunks.done:
            yield chunks.take()


def offers_xml(spec: Spec) -> bool:
    """Whether the API answers XML at all (the control API does not)."""
    return any(
        media.endswith("xml")
        for op in spec.operations
        for content in op.responses.values()
        for media in content
    )


def respond(reply: Reply, fmt: str, xml: XmlDocument | None = None, schema: Any = None) -> Response:
    """The HTTP response for `reply`, as JSON or (given a writer) as XML named after `schema`."""
    if reply.status == 204:
        return Response(status_code=204, headers=reply.headers)
    if reply.media is not None:
        content = reply.body if isinstance(reply.body, bytes) else str(reply.body).encode()
        return Response(content, reply.status, reply.headers, media_type=reply.media)
    if fmt == "xml" and xml is not None:
        content = xml.document(reply.body, schema or {}, "problem" if reply.problem else "response")
        return Response(content, reply.status, reply.headers, CONTENT_TYPES[(fmt, reply.problem)])
    content = reply.encoded if reply.encoded is not None else json_bytes(reply.body)
    return Response(content, reply.status, reply.headers, CONTENT_TYPES[("json", reply.problem)])


def coerce(raw: str, schema: Mapping[str, Any]) -> Any:
    """A query string value as the type its schema names, or `_INVALID`."""
    kinds = schema.get("type", "string")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "integer" in kinds:
        return int(raw) if INTEGER.match(raw.strip()) else _INVALID
    if "number" in kinds:
        return float(raw) if NUMBER.match(raw.strip()) else _INVALID
    if "boolean" in kinds:
        lowered = raw.lower()
        return {"true": True, "false": False}.get(lowered, _INVALID)
    return raw


class PathEndpoint:
    """All operations on one path, chosen by method (Starlette answers 405 for the others)."""

    def __init__(self, operations: dict[str, Operation]) -> None:
        self.operations = operations
        if "GET" in operations and "HEAD" not in operations:
            self.operations = {**operations, "HEAD": operations["GET"]}

    async def __call__(self, request: Request) -> Response:
        return await self.operations[request.method].endpoint(request)


def build_routes(
    spec: Spec,
    api: SpecApi,
    *,
    body_limit: int,
    check_responses: bool = False,
    observing: Observing | None = None,
    limiter: Limiter | None = None,
    gate: Gate | None = None,
    recorder: Recorder | None = None,
    by_id: dict[str, Operation] | None = None,
    counting: Counting | None = None,
) -> list[Route]:
    """One route per path of `spec`; every operationId must have a handler. `by_id`, when given,
        gets each operation by its operationId; `observing` and `counting`, when given, give each operation
    what is told of its requests (the journal) and what counts them."""
    handlers = api.handlers()
    missing = [op.operation_id for op in spec.operations if op.operation_id not in handlers]
    if missing:
        raise InternalError(f"no handler for operations: {', '.join(missing)}")
    by_path: dict[str, dict[str, Operation]] = {}
    for op in spec.operations:
        operation = by_path.setdefault(op.path, {})[op.method] = Operation(
            spec,
            op,
            api,
            handlers[op.operation_id],
            body_limit=body_limit,
            check_responses=check_responses,
            observe=observing(op) if observing is not None else None,
            limiter=limiter,
            gate=gate,
            recorder=recorder,
            counted=counting(op) if counting is not None else None,
        )
        if by_id is not None:
            by_id[op.operation_id] = operation
    return [
        Route(path, PathEndpoint(operations).__call__, methods=list(operations))
        for path, operations in by_path.items()
    ]
