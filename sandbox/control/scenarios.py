"""Scenarios: named stories (fixtures/scenarios/*.yaml) played from the seeded state.

A scenario is a list of steps: `place` an order for an account (`as` names it for later steps),
apply an `event` to a named order (the control API's events and payloads), `advance` the clock
(the schedule moves what falls due), add a `fault` rule (as `POST /_sandbox/faults` takes it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from sandbox.errors import ApiError, BadRequest, Conflict, NotFound
from sandbox.fixtures import closed
from sandbox.resources import read_yaml
from sandbox.runtime import Runtime
from sandbox.spec.messages import collect
from sandbox.world import lifecycle
from sandbox.world.clock import parse_duration


def scenario_schema(suppliers: list[str]) -> dict[str, Any]:
    """A scenario file's schema. An item of a `place` step names its product in the supplier's
    own words (Fixje's `sku`, vidaXL's `code`): the supplier reads it."""
    step = {
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
        "properties": {
            "place": {
                "type": "object",
                "required": ["api", "as", "account", "items"],
                "properties": {
                    "api": {"enum": suppliers},
                    "as": {"type": "string"},
                    "account": {"type": "string"},
                    "reference": {"type": "string"},
                    "items": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["quantity"],
                            "properties": {"quantity": {"type": "integer", "minimum": 1}},
                            "additionalProperties": {"type": "string"},
                        },
                    },
                },
            },
            "event": {"type": "object", "required": ["order", "event"]},
            "advance": {"type": "string"},
            "fault": {"type": "object"},
        },
    }
    found: dict[str, Any] = closed(
        {
            "type": "object",
            "required": ["description", "steps"],
            "properties": {"description": {"type": "string"}, "steps": {"type": "array", "items": step}},
        }
    )
    return found


class Scenarios:
    def __init__(self, directory: Path, runtime: Runtime) -> None:
        self.directory = directory
        self.runtime = runtime
        self.validator = Draft202012Validator(scenario_schema(list(runtime.suppliers)))

    def names(self) -> list[str]:
        return sorted(path.stem for path in self.directory.glob("*.yaml"))

    def load(self, name: str) -> dict[str, Any]:
        path = self.directory / f"{name}.yaml"
        if name not in self.names():
            raise NotFound(f"No scenario '{name}'; there are: {', '.join(self.names())}.")
        data = read_yaml(path.read_text(encoding="utf-8"))
        errors = collect(self.validator.iter_errors(data))
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
        self.runtime.reset()
        orders: dict[str, Any] = {}
        shown: dict[str, dict[str, Any]] = {}
        for number, step in enumerate(scenario["steps"], start=1):
            try:
                self._step(step, orders, shown)
            except (ApiError, lifecycle.Forbidden, KeyError) as error:
                message = getattr(error, "detail", "") or str(error)
                raise Conflict(f"Scenario '{name}', step {number}: {message}") from None
        for key, (api, order) in orders.items():  # as the play left them
            shown[key]["reference"] = order.reference
            shown[key]["status"] = self.runtime.suppliers[api].status(order)
        return {"scenario": name, "description": scenario["description"].strip(), "orders": shown}

    def _step(self, step: dict[str, Any], orders: dict[str, Any], shown: dict[str, dict[str, Any]]) -> None:
        runtime = self.runtime
        if "advance" in step:
            try:
                runtime.clock.advance(parse_duration(step["advance"]))
            except ValueError as error:
                raise BadRequest(str(error)) from None
            runtime.schedule.catch_up()
        elif "fault" in step:
            runtime.faults.add(step["fault"], "scenario")
        elif "place" in step:
            place = step["place"]
            name = place["api"]
            supplier, world = runtime.suppliers[name], runtime.worlds[name]
            order = supplier.place(world, place["account"], place["items"], place.get("reference"))
            orders[place["as"]] = (name, order)
            shown[place["as"]] = {"api": name, "orderId": str(order.id)}
        else:
            event = dict(step["event"])
            name, order = orders[event.pop("order")]
            runtime.move(
                runtime.suppliers[name], runtime.worlds[name], order, event["event"], event, "scenario"
            )
            runtime.schedule.touch(name, order)
