"""Scenarios: named stories (fixtures/scenarios/*.yaml) played from the seeded state.

A scenario is a list of steps: `place` an order for an account (`as` names it for later steps),
apply an `event` to a named order (the control API's events and payloads), `advance` the clock
(the schedule moves what falls due), add a `fault` rule (as `POST /_sandbox/faults` takes it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from sandbox.control.faults import Faults
from sandbox.errors import ApiError, BadRequest, Conflict, NotFound
from sandbox.fixje import lifecycle as fixje_lifecycle
from sandbox.fixje.orders import Address
from sandbox.fixje.world import FixjeWorld, LineRequest
from sandbox.fixtures import closed
from sandbox.spec.messages import collect
from sandbox.vidaxl import lifecycle as vidaxl_lifecycle
from sandbox.vidaxl.world import NewLine, VidaxlWorld
from sandbox.world import lifecycle
from sandbox.world.clock import Clock, parse_duration
from sandbox.world.schedule import Schedule

STEP = {
    "type": "object",
    "minProperties": 1,
    "maxProperties": 1,
    "properties": {
        "place": {
            "type": "object",
            "required": ["api", "as", "account", "items"],
            "properties": {
                "api": {"enum": ["fixje", "vidaxl"]},
                "as": {"type": "string"},
                "account": {"type": "string"},
                "reference": {"type": "string"},
                "items": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["quantity"],
                        "properties": {
                            "sku": {"type": "string"},
                            "code": {"type": "string"},
                            "quantity": {"type": "integer", "minimum": 1},
                        },
                    },
                },
            },
        },
        "event": {"type": "object", "required": ["order", "event"]},
        "advance": {"type": "string"},
        "fault": {"type": "object"},
    },
}
SCENARIO = Draft202012Validator(
    closed(
        {
            "type": "object",
            "required": ["description", "steps"],
            "properties": {"description": {"type": "string"}, "steps": {"type": "array", "items": STEP}},
        }
    )
)
ADDRESS = Address(
    first_name="Sanne",
    last_name="de Vries",
    street="Stationsstraat",
    house_number="12",
    zip_code="5038 EA",
    city="Tilburg",
    country_code="NL",
)


class Scenarios:
    def __init__(
        self,
        directory: Path,
        clock: Clock,
        fixje: FixjeWorld,
        vidaxl: VidaxlWorld,
        schedule: Schedule,
        reset: Callable[[], None],
        faults: Faults,
    ) -> None:
        self.directory = directory
        self.clock = clock
        self.fixje = fixje
        self.vidaxl = vidaxl
        self.schedule = schedule
        self.reset = reset
        self.faults = faults

    def names(self) -> list[str]:
        return sorted(path.stem for path in self.directory.glob("*.yaml"))

    def load(self, name: str) -> dict[str, Any]:
        path = self.directory / f"{name}.yaml"
        if name not in self.names():
            raise NotFound(f"No scenario '{name}'; there are: {', '.join(self.names())}.")
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        errors = collect(SCENARIO.iter_errors(data))
        if errors:
            raise BadRequest(f"The scenario '{name}' is malformed.", errors=errors)
        return data  # type: ignore[no-any-return]

    def describe(self) -> list[dict[str, str]]:
        return [
            {"name": name, "description": self.load(name)["description"].strip()} for name in self.names()
        ]

    def play(self, name: str) -> dict[str, Any]:
        """Reset to the seeded state, then play every step; a step that fails stops the play."""
        scenario = self.load(name)
        self.reset()
        orders: dict[str, Any] = {}
        shown: dict[str, dict[str, Any]] = {}
        for number, step in enumerate(scenario["steps"], start=1):
            try:
                self._step(step, orders, shown)
            except (ApiError, lifecycle.Forbidden, KeyError) as error:
                message = getattr(error, "detail", "") or str(error)
                raise Conflict(f"Scenario '{name}', step {number}: {message}") from None
        return {"scenario": name, "description": scenario["description"].strip(), "orders": shown}

    def _step(self, step: dict[str, Any], orders: dict[str, Any], shown: dict[str, dict[str, Any]]) -> None:
        if "advance" in step:
            try:
                self.clock.advance(parse_duration(step["advance"]))
            except ValueError as error:
                raise BadRequest(str(error)) from None
            self.schedule.catch_up()
        elif "fault" in step:
            self.faults.add(step["fault"], "scenario")
        elif "place" in step:
            place = step["place"]
            order = self._place(place)
            orders[place["as"]] = (place["api"], order)
            shown[place["as"]] = {"api": place["api"], "orderId": str(order.id)}
        else:
            event = dict(step["event"])
            api, order = orders[event.pop("order")]
            if api == "fixje":
                fixje_lifecycle.apply_event(self.fixje, order, event["event"], event, cause="scenario")
            else:
                vidaxl_lifecycle.apply_event(self.vidaxl, order, event["event"], event, cause="scenario")
            self.schedule.touch(api, order)

    def _place(self, place: dict[str, Any]) -> Any:
        if place["api"] == "fixje":
            partner = self.fixje.partner_by_client(place["account"])
            if partner is None:
                raise NotFound(f"No Fixje partner '{place['account']}'.")
            lines = [
                LineRequest(self.fixje.catalogue.by_sku[item["sku"]], item["quantity"])
                for item in place["items"]
            ]
            method = next(m for m in self.fixje.shipping_methods if "NL" in m.countries)
            return self.fixje.place(
                partner,
                lines,
                reference=place.get("reference"),
                shipping_address=ADDRESS,
                shipping_method=method,
                storefront=partner.storefronts[0],
                cause="scenario",
            )
        customer = self.vidaxl.customer_by_email(place["account"])
        if customer is None:
            raise NotFound(f"No vidaXL customer '{place['account']}'.")
        address = self.vidaxl.add_addressbook(
            customer,
            address="Stationsstraat 12",
            city="Tilburg",
            postal_code="5038 EA",
            country="NL",
            name="Sanne de Vries",
            phone="0131234567",
        )
        new_lines = [
            NewLine(self.vidaxl.by_code[item["code"]], item["quantity"], address) for item in place["items"]
        ]
        return self.vidaxl.place(
            customer,
            new_lines,
            reference=place.get("reference"),
            comments=None,
            addressbook=address,
            cause="scenario",
        )
