"""What a supplier tells `sandbox verify`, the drift check: the credentials it signs in with, how
they go on a request, and the read-only calls to make of the real service and of the sandbox alike.

A call's path, query and form take `{name}` from the values known so far: the credentials (by
their names), and what earlier calls kept from their JSON answers (`keep`). A call whose values
are missing (an earlier list came back empty) is skipped, and the report says why."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

READS = ("GET", "HEAD")
"""The methods of the check's calls, but the one that signs in."""


@dataclass(frozen=True)
class Credential:
    """One credential of the check: `--NAME` on the command line (underscores as dashes), or the
    environment variable `SANDBOX_VERIFY_NAME`."""

    name: str
    help: str
    secret: bool = False
    """A secret (a password, a client secret, a token): better kept off the command line."""

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def env(self) -> str:
        return "SANDBOX_VERIFY_" + self.name.upper()


@dataclass(frozen=True)
class Probe:
    """One read-only call: `name` names it in the report, `operation` is the operationId of the
    supplier's spec whose answers it is checked against."""

    name: str
    operation: str
    path: str
    method: str = "GET"
    query: Mapping[str, str] = field(default_factory=dict)
    accept: str = "application/json"
    form: Mapping[str, str] | None = None
    """A form body (`application/x-www-form-urlencoded`), for signing in."""
    keep: Mapping[str, str] = field(default_factory=dict)
    """Values for later calls: name -> where it is in this call's JSON answer (`data[0].orderId`)."""
    sign_in: bool = False
    """The call that signs in: it goes without `Probes.authorize`'s headers, what it keeps is as
    secret as the credentials, and a 401 or 403 answer means the credentials were refused."""


@dataclass(frozen=True)
class Probes:
    """A supplier's drift check."""

    credentials: tuple[Credential, ...]
    calls: tuple[Probe, ...]
    """In order; a call that signs in comes first."""
    authorize: Callable[[Mapping[str, str]], dict[str, str]]
    """The headers every call but the sign-in carries, from the values known (credentials, and
    what the sign-in kept)."""
    reference: Callable[[Any], dict[str, str]]
    """The credentials of the sandbox's own first account, from the supplier's fixture, for the
    same calls made of the sandbox; `{}` when the fixture has none."""

    def __post_init__(self) -> None:
        for call in self.calls:
            if call.method not in READS and not call.sign_in:
                raise ValueError(f"the drift check only reads: {call.name} is a {call.method}")
