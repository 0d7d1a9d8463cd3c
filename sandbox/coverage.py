"""Contract coverage: what the clients of each supplier's API exercised, per tenant and in total,
set against what its spec documents (`GET /_sandbox/coverage`).

Each API's documented surface is a list of items in six areas: each operation with each status it
documents, its other paths and media types, its query parameters under each spelling, its pages
past the first, the lifecycle's transitions, and the error statuses. The router counts every
request an operation answers; the runtime counts every transition. An item never counted is a
gap. Counts are of this process's life: a reset keeps them, `clear()` starts over."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from sandbox.errors import ApiError
from sandbox.report import score
from sandbox.spec import http
from sandbox.spec.loader import OperationSpec, Spec
from sandbox.spec.router import CONTENT_TYPES, Counted, Counting, Reply, parsed_query

AREAS = {
    "operations": "Operations and statuses",
    "formats": "Paths, request bodies and answer formats",
    "filters": "Query parameters, by spelling",
    "pagination": "Pages past the first",
    "transitions": "Lifecycle transitions",
    "errors": "Error statuses",
}
"""The areas of an API's coverage, in the order they are shown."""
FIRST_PAGES = {"page": 1, "offset": 0}
"""A query parameter that pages a list, and its value on the first page."""
QUERIES_KEPT = 256
"""The query strings an operation keeps what it counts of (a test suite asks the same few again
and again); past it they are forgotten, and worked out again when asked."""
KEYS_KEPT = 1_000
"""The most things counted per tenant of an API (an API's items are a few hundred at most); past
it, what is new (an error's message) is counted as "(others)" in its area."""
NAME_LENGTH = 200
"""The most characters of a detail's name (an error's message is cut short there)."""
INDEX = re.compile(r"\[\d+\]")

Key = tuple[str, str]
"""What one count is of: its area and its name (a documented item, or a detail beside them)."""
REQUESTS: Key = ("requests", "")
"""The count of a tenant's requests."""
Counts = dict[tuple[Key, ...], int]
"""A tenant's hits of an API: by the keys one request (or transition, or fault) counts at once,
made once and shared, so that a request adds to one count (the report adds them up by key)."""


@dataclass(frozen=True)
class Family:
    """An operation and its variants (`x-sandbox-variant-of`): the other paths or formats of it."""

    name: str
    variants: list[OperationSpec]
    sends: list[str]
    """The request media types it takes, when it takes more than one."""
    answers: list[str]
    """The media types of its successful answers, when there is more than one."""
    query: dict[str, tuple[str, ...]]
    """Its query parameters, each with its spellings (its own name first)."""
    paged: list[str]
    """Its query parameters that page (`FIRST_PAGES`)."""


def families(spec: Spec) -> list[Family]:
    """The spec's operations, each variant with the operation it is a variant of."""
    grouped: dict[str, list[OperationSpec]] = {}
    for op in spec.operations:
        grouped.setdefault(op.variant_of or op.operation_id, []).append(op)
    unknown = [name for name in grouped if not any(op.operation_id == name for op in spec.operations)]
    if unknown:
        raise ValueError(f"x-sandbox-variant-of names no operation: {', '.join(unknown)}")
    found = []
    for name, variants in grouped.items():
        sends = list(dict.fromkeys(media for op in variants for media in op.bodies))
        answers = list(
            dict.fromkeys(
                media
                for op in variants
                for status, content in op.responses.items()
                if status.startswith("2")
                for media in content
            )
        )
        query = {
            p.name: (p.name, *p.aliases) for op in variants for p in op.parameters if p.location == "query"
        }
        paged = [name for name in query if name in FIRST_PAGES]
        found.append(
            Family(
                name,
                variants,
                sends if len(sends) > 1 else [],
                answers if len(answers) > 1 else [],
                query,
                paged,
            )
        )
    return found


def status_key(status: int, documented: Mapping[str, Any]) -> str:
    """How the spec names `status` among an operation's answers (`5XX` for a range)."""
    exact = str(status)
    if exact in documented:
        return exact
    ranged = f"{status // 100}XX"
    return ranged if ranged in documented else exact


@dataclass
class Surface:
    """One API's documented items, by area, in the order they are shown."""

    api: str
    title: str
    families: list[Family]
    items: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, api: str, title: str, spec: Spec, transitions: Mapping[str, Mapping[Any, Any]]) -> Surface:
        areas: dict[str, dict[str, None]] = {area: {} for area in AREAS}
        errors: set[str] = set()
        found = families(spec)
        for family in found:
            for op in family.variants:
                for status in op.responses:
                    if status != "default":
                        areas["operations"][f"{family.name} {status}"] = None
                        if status[0] in "45":
                            errors.add(status)
            if len(family.variants) > 1:
                for op in family.variants:
                    areas["formats"][f"{family.name} via {op.method} {op.path}"] = None
            for media in family.sends:
                areas["formats"][f"{family.name} sends {media}"] = None
            for media in family.answers:
                areas["formats"][f"{family.name} answers {media}"] = None
            for spellings in family.query.values():
                for spelling in spellings:
                    areas["filters"][f"{family.name} ?{spelling}"] = None
            if family.paged:
                areas["pagination"][f"{family.name} past the first page"] = None
        for event, moves in transitions.items():
            for before in moves:
                areas["transitions"][f"{event} from {before}"] = None
        for status in sorted(errors, key=lambda s: (s.endswith("XX"), s)):
            areas["errors"][status] = None
        return cls(api, title, found, {area: list(names) for area, names in areas.items() if names})


class Coverage:
    """What was exercised of each API, counted per tenant (the credential that made the request,
    or the owner of the order that moved; None for a request refused before it named one)."""

    def __init__(self, surfaces: Sequence[Surface]) -> None:
        self.surfaces = {surface.api: surface for surface in surfaces}
        self.counts: dict[tuple[str, str | None], Counts] = {}
        self.paused = False

    def bucket(self, api: str, tenant: str | None) -> Counts:
        counts = self.counts.get((api, tenant))
        if counts is None:
            counts = self.counts[(api, tenant)] = {}
        return counts

    @staticmethod
    def add(counts: Counts, key: Key) -> None:
        """One hit of `key`, or of its area's "(others)" when KEYS_KEPT things are counted."""
        keys = (key,)
        hits = counts.get(keys)
        if hits is not None:
            counts[keys] = hits + 1
        elif len(counts) < KEYS_KEPT:
            counts[keys] = 1
        else:
            others = ((key[0], "(others)"),)
            counts[others] = counts.get(others, 0) + 1

    def counting(
        self, api: str, credential: Callable[[Any], str], claimant: Callable[[Request, bytes], str | None]
    ) -> Counting:
        """The router's counting for the operations of `api`: `credential` names a principal,
        `claimant` the account a request without one names (a sign-in, a refused request)."""
        spec_families: dict[str, Family] = {}
        for family in self.surfaces[api].families:
            for op in family.variants:
                spec_families[op.operation_id] = family

        def operation(op: OperationSpec) -> Counted:
            family = spec_families[op.operation_id]
            name, responses = family.name, op.responses
            via = ("formats", f"{name} via {op.method} {op.path}") if len(family.variants) > 1 else None
            spellings = [
                (spelling, ("filters", f"{name} ?{spelling}"))
                for names in family.query.values()
                for spelling in names
            ]
            past = ("pagination", f"{name} past the first page")
            declared = tuple(op.bodies)
            sends = bool(family.sends and declared)
            queried = bool(spellings or family.paged)
            by_query: dict[bytes, tuple[Key, ...]] = {}
            """The keys a successful request counts by its query string (its filters and page)."""

            def query_keys(query: bytes, params: Mapping[str, Any]) -> tuple[Key, ...]:
                present = set(parsed_query(query).keys())
                found = [item for spelling, item in spellings if spelling in present]
                for param in family.paged:
                    value = params.get(param)
                    if isinstance(value, int) and value > FIRST_PAGES[param]:
                        found.append(past)
                        break
                return tuple(found)

            plain: dict[tuple[int, str], tuple[Key, ...]] = {}
            """The keys a request counts by its status and format alone."""
            add, buckets = self.add, self.counts

            def keys(status: int, media: str) -> tuple[Key, ...]:
                key = status_key(status, responses)
                if status >= 400:
                    return (REQUESTS, ("operations", f"{name} {key}"), ("errors", key))
                found = [REQUESTS, ("operations", f"{name} {key}")]
                if via is not None:
                    found.append(via)
                if family.answers:
                    found.append(("formats", f"{name} answers {media.split(';')[0]}"))
                return tuple(found)

            def counted(
                request: Request,
                principal: Any,
                params: Mapping[str, Any],
                body: bytes,
                reply: Reply,
                fmt: str,
                error: ApiError | None,
            ) -> None:
                tenant = credential(principal) if principal is not None else claimant(request, body)
                counts = buckets.get((api, tenant))
                if counts is None:
                    counts = buckets[(api, tenant)] = {}
                status = reply.status
                media = reply.media or fmt
                found = plain.get((status, media))
                if found is None:
                    found = plain[(status, media)] = keys(status, reply.media or CONTENT_TYPES[(fmt, False)])
                counts[found] = counts.get(found, 0) + 1
                if status >= 400:
                    if error is not None:
                        self.error_details(counts, status, error)
                    return
                if sends:
                    sent = http.match_content_type(
                        http.media_type(request.headers.get("content-type"))[0], declared
                    )
                    if sent is not None:
                        add(counts, ("formats", f"{name} sends {sent}"))
                query = request.scope["query_string"]
                if query and queried:
                    extra = by_query.get(query)
                    if extra is None:
                        if len(by_query) >= QUERIES_KEPT:
                            by_query.clear()
                        extra = by_query[query] = query_keys(query, params)
                    if extra:
                        counts[extra] = counts.get(extra, 0) + 1

            return counted

        return operation

    def error_details(self, counts: Counts, status: int, error: ApiError) -> None:
        """Beside the status: a 400's fields, a 409's or 422's message."""
        if status == 400 and error.errors:
            for name in error.errors:
                self.add(counts, ("errors", f"400 {INDEX.sub('[]', name)}"[:NAME_LENGTH]))
        elif status in (409, 422):
            self.add(counts, ("errors", f"{status} {error.detail or error.title}"[:NAME_LENGTH]))

    def transition(
        self, api: str, tenant: str | None, event: str, before: str, after: str, cause: str
    ) -> None:
        """An order of `tenant` moved from `before` to `after` on `event`, by `cause`."""
        if self.paused:
            return
        counts = self.bucket(api, tenant)
        self.add(counts, ("transitions", f"{event} from {before}"))
        self.add(counts, ("transitions", f"{event}: {before} → {after} by {cause}"))

    def fault(self, api: str, tenant: str | None, rule: str, effect: str) -> None:
        """A fault rule fired on a request of `tenant`."""
        if not self.paused:
            self.add(self.bucket(api, tenant), ("errors", f"fault {rule}: {effect}"))

    @contextmanager
    def pause(self) -> Iterator[None]:
        """Count nothing meanwhile (a durable sandbox's replay of what it counted before)."""
        self.paused = True
        try:
            yield
        finally:
            self.paused = False

    def clear(self) -> None:
        self.counts.clear()

    def report(self, api: str | None = None, tenants: Sequence[str] = ()) -> dict[str, Any]:
        """The coverage of every API (or `api`), of all tenants (or those named)."""
        apis = []
        for name, surface in self.surfaces.items():
            if api is not None and name != api:
                continue
            merged: Counter[Key] = Counter()
            for (counted_api, tenant), counts in self.counts.items():
                if counted_api == name and (not tenants or tenant in tenants):
                    for keys, hits in counts.items():
                        for key in keys:
                            merged[key] += hits
            apis.append(self.api_report(surface, merged, merged[REQUESTS]))
        return {
            "filter": {"api": api, "tenants": list(tenants)},
            **score(apis),
            "apis": apis,
            "tenants": [
                {"api": counted_api, "tenant": tenant, "requests": requests(counts)}
                for (counted_api, tenant), counts in self.counts.items()
                if tenant is not None and (api is None or counted_api == api)
            ],
        }

    @staticmethod
    def api_report(surface: Surface, counts: Counter[Key], requests: int) -> dict[str, Any]:
        areas = []
        for area, names in surface.items.items():
            known = set(names)
            areas.append(
                {
                    "area": area,
                    "title": AREAS[area],
                    **score([{"covered": sum(counts[(area, n)] > 0 for n in names), "count": len(names)}]),
                    "items": [{"name": n, "hits": counts[(area, n)]} for n in names],
                    "gaps": [n for n in names if not counts[(area, n)]],
                    "details": [
                        {"name": n, "hits": counts[(area, n)]}
                        for n in sorted(n for a, n in counts if a == area and n not in known)
                    ],
                }
            )
        return {
            "api": surface.api,
            "title": surface.title,
            "requests": requests,
            **score(areas),
            "areas": areas,
        }


def requests(counts: Counts) -> int:
    """The requests counted in `counts`."""
    return sum(hits for keys, hits in counts.items() if keys[0] == REQUESTS)
