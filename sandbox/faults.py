"""Fault rules: answer matching API requests late, with a server error, or not at all.

A rule is checked after authentication and before anything is read or stored, so a faulted
request changes nothing. Chance (a `probability`, a latency range) comes from a generator of the
rule's own, seeded from the sandbox's seed and the rule's id: the same requests meet the same
faults."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from jsonschema import Draft202012Validator
from starlette.requests import Request

from sandbox.errors import ApiError, BadRequest, Conflict, NotFound
from sandbox.spec.messages import collect, summary
from sandbox.spec.router import FAULT, DroppedConnection, Gate

SERVER_ERRORS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
RULE_LIMIT = 100
"""The most rules in force at once; a spent rule (its `times` used up) does not count."""
SPENT_KEPT = 100
"""How many spent rules stay listed (with `remaining: 0`); past it the first added of them goes."""


class ServerFault(ApiError):
    """The status a fault rule answers, in the API's own error shape."""

    def __init__(self, status: int, retry_after: int | None) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        super().__init__(
            "The service is temporarily unavailable; try again later."
            if status == 503
            else f"{SERVER_ERRORS[status]} (a fault rule of the sandbox).",
            code="temporarily_unavailable" if status == 503 else "server_error",
            headers=headers,
        )
        self.status = status
        self.title = SERVER_ERRORS[status]


@dataclass
class Rule:
    id: str
    fields: dict[str, Any]
    """The rule as it was given (the request body, or the fixtures' entry)."""
    source: str
    rng: random.Random
    fired: int = 0

    @property
    def remaining(self) -> int | None:
        times = self.fields.get("times")
        return None if times is None else times - self.fired

    def matches(self, api: str, method: str, path: str, credential: str | None) -> bool:
        wanted = self.fields
        return (
            wanted["api"] == api
            and wanted.get("method", method) == method
            and fnmatchcase(path, wanted.get("path", "*"))
            and (
                "credential" not in wanted
                or (credential is not None and wanted["credential"].casefold() == credential.casefold())
            )
        )

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            **self.fields,
            "fired": self.fired,
            "remaining": self.remaining,
            "source": self.source,
        }


@dataclass
class Fault:
    """What one request meets: a delay, then an error or a dropped connection (or neither)."""

    delay: float
    error: ServerFault | None = None
    drop: bool = False
    rules: list[str] = field(default_factory=list)
    """The ids of the rules that fired."""

    async def happen(self) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.drop:
            raise DroppedConnection
        if self.error is not None:
            raise self.error


@dataclass
class Faults:
    """The fault rules in force, in the order they were added."""

    seed: int
    schema: Draft202012Validator
    """The control API's FaultRequest schema: rules from the fixtures and scenarios meet it too."""
    rules: list[Rule] = field(default_factory=list)
    count: int = 0
    consulted: Callable[[str, str, str, str | None], None] | None = None
    """Told of each request a rule drew a chance for or fired on (api, method, path, credential),
    by a durable sandbox's store, which checks it again on replay: the same counts and draws."""
    fired: Callable[[str, str | None, str, str], None] | None = None
    """Told of each rule that fires (api, credential, rule id, and what it does: a status, "drop" or
    "delay"), by the coverage."""

    def add(self, fields: Mapping[str, Any], source: str = "api") -> Rule:
        """A rule that meets the schema; a Conflict when RULE_LIMIT rules are in force."""
        errors = collect(self.schema.iter_errors(fields))
        if errors:
            raise BadRequest(f"This is not a fault rule ({summary(errors)}).", errors=errors)
        if sum(rule.remaining != 0 for rule in self.rules) >= RULE_LIMIT:
            raise Conflict(
                f"{RULE_LIMIT} fault rules are in force, the most there can be; remove "
                "one (DELETE /_sandbox/faults/{id}) or all first."
            )
        self.count += 1
        rule_id = f"fault-{self.count}"
        rule = Rule(rule_id, dict(fields), source, random.Random(f"{self.seed}:{rule_id}"))
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """No rules; the next is numbered 1 again."""
        self.rules.clear()
        self.count = 0

    def remove(self, rule_id: str) -> None:
        kept = [rule for rule in self.rules if rule.id != rule_id]
        if len(kept) == len(self.rules):
            raise NotFound(f"No fault rule '{rule_id}'.")
        self.rules[:] = kept

    def check(self, api: str, method: str, path: str, credential: str | None) -> Fault | None:
        """What this request meets: the delays of every rule that fires, added up, and the error
        or drop of the first rule that has one (later ones with an error do not fire). A rule
        fires when it matches, its chance comes up, and it is not spent."""
        fault: Fault | None = None
        spent = consulted = False
        for rule in self.rules:
            if rule.remaining == 0 or not rule.matches(api, method, path, credential):
                continue
            wanted = rule.fields
            fails = "status" in wanted or wanted.get("drop") is True
            if fails and fault is not None and (fault.error is not None or fault.drop):
                continue
            consulted = True
            if "probability" in wanted and rule.rng.random() >= wanted["probability"]:
                continue
            rule.fired += 1
            spent = spent or rule.remaining == 0
            fault = fault or Fault(0.0)
            fault.rules.append(rule.id)
            delay = wanted.get("latencyMs", 0)
            if "latencyMaxMs" in wanted:  # either way round: drawn between the smaller and the larger
                low, high = sorted((delay, wanted["latencyMaxMs"]))
                delay = rule.rng.randint(low, high)
            fault.delay += delay / 1000
            if "status" in wanted:
                fault.error = ServerFault(wanted["status"], wanted.get("retryAfter"))
            fault.drop = fault.drop or wanted.get("drop") is True
            if self.fired is not None:
                effect = (
                    str(wanted["status"]) if "status" in wanted else "drop" if wanted.get("drop") else "delay"
                )
                self.fired(api, credential, rule.id, effect)
        if spent:
            self._forget_spent()
        if consulted and self.consulted is not None:
            self.consulted(api, method, path, credential)
        return fault

    def _forget_spent(self) -> None:
        """Keep SPENT_KEPT spent rules listed: past it, those added first go."""
        spent = [rule for rule in self.rules if rule.remaining == 0]
        if len(spent) > SPENT_KEPT:
            gone = {id(rule) for rule in spent[: len(spent) - SPENT_KEPT]}
            self.rules[:] = [rule for rule in self.rules if id(rule) not in gone]

    def gate(self, api: str, credential: Callable[[Any], str]) -> Gate:
        """The router's gate for `api`; `credential` names an authenticated principal."""

        async def check(request: Request, principal: Any) -> None:
            if not self.rules:
                return
            fault = self.check(
                api,
                request.scope["method"],
                request.scope["path"],
                credential(principal) if principal is not None else None,
            )
            if fault is not None:
                request.scope[FAULT] = ", ".join(fault.rules)  # for the journal
                await fault.happen()

        return check
