"""The journal: the most recent API requests, kept in a bounded buffer, each with its answer.

An entry is kept as it comes (a tuple of what the request and its response already hold: cheap on
the request's path) and made into what is shown (secrets masked, bodies decoded) only when it is
asked for. The control API's events on orders are kept too, for the order's page, but not listed
with the APIs' requests."""

from __future__ import annotations

import mmap
import re
import time
from array import array
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from sandbox.spec.router import FAULT, Observer, Reply
from sandbox.world.clock import Clock, rfc3339

BODY_SHOWN = 4096
"""Bytes of a request's and a response's body the journal keeps (the first 4 KiB)."""
HEADERS_KEPT = 8192
"""Bytes of a request's headers the journal keeps at most (the first)."""
CONTROL = "sandbox"
"""The control API's name in the journal: its entries (events on orders) show on the order's page."""
MASK = b"***"
SECRET_NAME = rb"\w*(?:secret|password|token)"
# a secret's value in a form or query (`client_secret=...`), JSON (`"access_token": "..."`) or a
# multipart part (`name="client_secret"` then a blank line, then the value)
SECRETS = re.compile(
    rb"((?:^|[&?])" + SECRET_NAME + rb"=)[^&\r\n]*"
    rb'|("' + SECRET_NAME + rb'"\s*:\s*")(?:[^"\\]|\\.)*'
    rb'|(name="' + SECRET_NAME + rb'"\r?\n(?:[^\r\n]+\r?\n)*\r?\n)[^\r\n]*',
    re.IGNORECASE,
)
SECRET_HEADERS = re.compile(r"authorization|cookie|token|secret|password|api-?key|session", re.IGNORECASE)
"""Headers whose values are credentials: shown masked (an Authorization's scheme, a cookie's name
kept)."""
COOKIE_VALUE = re.compile(r"=[^;,]*")

# the fields of an entry, in the order its tuple holds them
NUMBER, TIME, API, METHOD, PATH, QUERY, STATUS, CREDENTIAL, BODY = range(9)
OPERATION, DURATION, HEADERS, RESPONSE_HEADERS, RESPONSE_BODY, FAULT_FIRED, SUBJECTS = range(9, 16)
FIELDS = 16
OLD_FIELDS = 9
"""The fields of an entry a durable sandbox kept before the journal kept answers."""


def masked(body: bytes) -> bytes:
    """`body` with the values of secrets (a client secret, a password, a token) masked, as any log
    keeps them."""
    # any case: `clientSecret`, `Token`
    if b"ecret" not in body and b"assword" not in body and b"oken" not in body:
        return body
    return SECRETS.sub(lambda found: b"".join(part for part in found.groups() if part) + MASK, body)


def masked_header(name: str, value: str) -> str:
    """A header's value as the journal shows it: a credential masked (`Bearer ***`)."""
    if not SECRET_HEADERS.search(name):
        return value
    if "cookie" in name:
        return COOKIE_VALUE.sub("=***", value)
    scheme, _, rest = value.partition(" ")
    return f"{scheme} ***" if rest and "authorization" in name else "***"


def joined(headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    """Raw headers as the journal keeps them: one `name: value` line each, in one bytes object (a
    request's uvicorn list of tuples would hold two dozen objects for a thousand requests, which
    costs the server more in memory traffic than joining them does)."""
    return b"\n".join(map(b": ".join, headers))


def pairs(kept: bytes) -> list[tuple[str, str]]:
    """The (name, value) of each line of headers `joined` kept; a line cut short, as it is."""
    return [
        (name, value)
        for line in kept.decode("latin-1").split("\n")
        if line
        for name, _, value in [line.partition(": ")]
    ]


def headers_view(kept: bytes) -> dict[str, str]:
    """Kept headers as `{name: value}`, lower-case names, credentials masked, repeated ones joined."""
    shown: dict[str, str] = {}
    for raw_name, raw_value in pairs(kept):
        name = raw_name.lower()
        value = masked_header(name, raw_value)
        shown[name] = f"{shown[name]}, {value}" if name in shown else value
    return shown


class Answers:
    """The first BODY_SHOWN bytes of each entry's answer, in a slot of one buffer made once (entry
    number modulo the journal's size). Kept in a bytes object each, a thousand answers of a few KiB,
    freed in the order they came while the orders made between them stay, left the heap in pieces:
    a stored vidaXL order cost 2.8 KB of RSS rather than 1.2 (bench/memory.py). The buffer's pages
    become resident as slots are first written, so it costs nothing until answers come."""

    def __init__(self, size: int) -> None:
        self.size = max(size, 1)
        self.buffer = mmap.mmap(-1, self.size * BODY_SHOWN)
        self.owners = array("q", [-1]) * self.size
        """The number of the entry whose answer each slot holds."""

    def keep(self, number: int, answer: bytes) -> int:
        """Keeps the first BODY_SHOWN bytes of the answer of entry `number`; how many."""
        kept = min(len(answer), BODY_SHOWN)
        at = number % self.size * BODY_SHOWN
        self.buffer[at : at + kept] = answer if kept == len(answer) else memoryview(answer)[:kept]
        self.owners[number % self.size] = number
        return kept

    def get(self, number: int, kept: int | None) -> bytes | None:
        """What `keep` kept of entry `number`'s answer, or None (none kept, or its slot reused)."""
        if kept is None or self.owners[number % self.size] != number:
            return None
        at = number % self.size * BODY_SHOWN
        return self.buffer[at : at + kept]


class Journal:
    def __init__(self, clock: Clock, size: int) -> None:
        self.clock = clock
        # kept as they come (cheap on the request's path) and shown only when asked for
        self.entries: deque[tuple[Any, ...]] = deque(maxlen=size)
        self.answers = Answers(size)
        """The entries' answers: an entry's RESPONSE_BODY is how many bytes of its answer it holds."""
        self.count = 0
        self.listeners: list[Callable[[dict[str, Any]], None]] = []
        """Told of each API request as it comes (the dashboard's live feed); none, no cost."""
        self.log: Callable[[str], None] | None = None
        """Told of each API request as one line of JSON (`serve --log-format json`)."""
        self.cleared: Callable[[], None] | None = None
        """Told when the journal is cleared, by a durable sandbox's store."""

    def observer(
        self,
        api: str,
        credential: Callable[[Any], str | None],
        operation: str,
        caller: Callable[[Request], str] | None = None,
    ) -> Observer:
        """What the router calls after each request to `operation` of `api`; `credential` names
        the principal, `caller` (when given) who sent a request with none (the control API's
        events: "dashboard" or "control")."""

        def record(
            request: Request, principal: Any, body: bytes, reply: Reply, response: Response, started: float
        ) -> None:
            self.count += 1
            scope = request.scope
            answer: bytes | None = getattr(response, "body", None)  # None: streamed
            entry = (
                self.count,
                self.clock.now(),
                api,
                scope["method"],
                scope["path"],
                scope["query_string"],
                response.status_code,
                credential(principal) if principal is not None else caller(request) if caller else None,
                masked(body[:BODY_SHOWN]),
                operation,
                time.perf_counter() - started,
                joined(scope["headers"])[:HEADERS_KEPT],  # the whole object when shorter: no copy
                joined(response.raw_headers),
                self.answers.keep(self.count, answer) if answer is not None else None,
                scope.get(FAULT),
                reply.subjects,
            )
            self.entries.append(entry)
            if api == CONTROL:
                return
            if self.log is not None:
                self.log(log_line(entry))
            if self.listeners:
                shown = summary(entry)
                for listener in self.listeners:
                    listener(shown)

        return record

    def find(self, api: str | None, path: str | None, status: int | None) -> list[dict[str, Any]]:
        """The matching API requests, newest first."""
        return [
            self.view(entry)
            for entry in reversed(self.entries)
            if entry[API] != CONTROL
            and (api is None or entry[API] == api)
            and (path is None or entry[PATH].startswith(path))
            and (status is None or entry[STATUS] == status)
        ]

    def recent(self, most: int) -> list[dict[str, Any]]:
        """The newest `most` API requests, as a list shows them (`summary`), newest first."""
        found = []
        for entry in reversed(self.entries):
            if entry[API] != CONTROL:
                found.append(summary(entry))
                if len(found) >= most:
                    break
        return found

    def get(self, number: int) -> dict[str, Any] | None:
        """The entry numbered `number` in full, while the journal holds it."""
        for entry in reversed(self.entries):
            if entry[NUMBER] == number:
                return self.view(entry)
            if entry[NUMBER] < number:
                break
        return None

    def about(self, api: str, order_id: str, most: int) -> list[dict[str, Any]]:
        """The requests that made, read or changed the order `order_id` of `api` (its API's
        requests, and the control API's events on it), newest first, at most `most`."""
        qualified = f"{api}/{order_id}"
        found = []
        for entry in reversed(self.entries):
            if (entry[API] == api and order_id in entry[SUBJECTS]) or (
                entry[API] == CONTROL and qualified in entry[SUBJECTS]
            ):
                found.append(summary(entry))
                if len(found) >= most:
                    break
        return found

    def view(self, entry: tuple[Any, ...]) -> dict[str, Any]:
        return view(entry, self.answers.get(entry[NUMBER], entry[RESPONSE_BODY]))

    def clear(self) -> None:
        self.entries.clear()
        if self.cleared is not None:
            self.cleared()

    def since(self, number: int) -> list[list[Any]]:
        """The entries numbered after `number` that it still holds, oldest first, as JSON holds them
        (`stored`): what a durable sandbox's store has yet to write."""
        newer = []
        for entry in reversed(self.entries):
            if entry[NUMBER] <= number:
                break
            newer.append(stored(entry, self.answers.get(entry[NUMBER], entry[RESPONSE_BODY])))
        newer.reverse()
        return newer

    def load(self, kept: list[list[Any]]) -> None:
        """Entries a durable sandbox kept (`stored`), oldest first; numbering goes on after them."""
        for entry in kept:
            number, answer = entry[NUMBER], loaded_answer(entry)
            self.entries.append(
                loaded(entry, self.answers.keep(number, answer) if answer is not None else None)
            )
        if self.entries:
            self.count = max(self.count, self.entries[-1][NUMBER])


def text(data: bytes) -> str:
    return data.decode("latin-1")


def stored(entry: tuple[Any, ...], answer: bytes | None) -> list[Any]:
    """An entry as JSON holds it, its secrets masked (a durable sandbox's file never holds them)."""
    number, time, name, method, where, query, code, who, body, *rest = entry
    operation, duration, headers, response_headers, _, fault, subjects = rest
    return [
        number,
        time.isoformat(),
        name,
        method,
        where,
        text(masked(query)),
        code,
        who,
        text(body),
        operation,
        duration,
        [[key, masked_header(key.lower(), value)] for key, value in pairs(headers)],
        [[key, masked_header(key.lower(), value)] for key, value in pairs(response_headers)],
        None if answer is None else text(masked(answer)),
        fault,
        list(subjects),
    ]


def loaded_answer(kept: list[Any]) -> bytes | None:
    """The answer of an entry `stored` wrote (None: none kept, or an entry of nine fields)."""
    if len(kept) == OLD_FIELDS or kept[RESPONSE_BODY] is None:
        return None
    answer: bytes = kept[RESPONSE_BODY].encode("latin-1")
    return answer


def loaded(kept: list[Any], answer_kept: int | None) -> tuple[Any, ...]:
    """An entry `stored` wrote, or one of the nine fields kept before answers were (its answer
    unknown)."""
    number, time, name, method, where, query, code, who, body, *answer = kept
    if len(kept) == OLD_FIELDS:
        answer = [None, None, [], [], None, None, []]  # no headers kept, no answer
    operation, duration, headers, response_headers, _, fault, subjects = answer
    return (
        number,
        datetime.fromisoformat(time),
        name,
        method,
        where,
        query.encode("latin-1"),
        code,
        who,
        body.encode("latin-1"),
        operation,
        duration,
        joined((key.encode("latin-1"), value.encode("latin-1")) for key, value in headers),
        joined((key.encode("latin-1"), value.encode("latin-1")) for key, value in response_headers),
        answer_kept,
        fault,
        tuple(subjects),
    )


def milliseconds(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


def summary(entry: tuple[Any, ...]) -> dict[str, Any]:
    """What a list of requests shows of an entry (the live feed, an order's requests)."""
    number, time, name, method, where, query, code, who, *_ = entry
    return {
        "id": number,
        "time": rfc3339(time),
        "api": name,
        "method": method,
        "path": where,
        "query": masked(query).decode("latin-1"),
        "status": code,
        "credential": who,
        "operation": entry[OPERATION],
        "durationMs": milliseconds(entry[DURATION]),
        "fault": entry[FAULT_FIRED],
    }


def body_text(body: bytes | None) -> str | None:
    return masked(body).decode("utf-8", "replace") if body else None


def textual(kept: bytes) -> bool:
    """Whether kept headers name a body that is text (JSON, XML, CSV, a form), not bytes (a PDF)."""
    for name, value in pairs(kept):
        if name.lower() == "content-type":
            return any(kind in value for kind in ("json", "xml", "text/", "csv", "form"))
    return True


def view(entry: tuple[Any, ...], answer: bytes | None) -> dict[str, Any]:
    """A kept entry in full, with what it kept of its `answer`, as `GET /_sandbox/requests` shows it."""
    return {
        **summary(entry),
        "body": body_text(entry[BODY]),
        "requestHeaders": headers_view(entry[HEADERS]),
        "responseHeaders": headers_view(entry[RESPONSE_HEADERS]),
        "responseBody": body_text(answer) if textual(entry[RESPONSE_HEADERS]) else None,
    }


def log_line(entry: tuple[Any, ...]) -> str:
    """An entry as one line of the JSON log: `time` is the wall clock's, as a log collector orders
    lines by it (the virtual clock may stand still, or run fast), `sandboxTime` the sandbox's."""
    return (
        orjson.dumps(
            {
                "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "sandboxTime": rfc3339(entry[TIME]),
                "id": entry[NUMBER],
                "supplier": entry[API],
                "operation": entry[OPERATION],
                "method": entry[METHOD],
                "path": entry[PATH],
                "status": entry[STATUS],
                "durationMs": milliseconds(entry[DURATION]),
                "tenant": entry[CREDENTIAL],
                "fault": entry[FAULT_FIRED],
            }
        ).decode()
        + "\n"
    )
