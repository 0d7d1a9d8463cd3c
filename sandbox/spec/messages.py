"""Turn jsonschema errors into `{field path: [message]}`, naming fields as clients spell them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from jsonschema import ValidationError

JSON_TYPES = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}
FORMATS = {
    "uuid": "UUID",
    "email": "e-mail address",
    "date": "date (YYYY-MM-DD)",
    "date-time": "date and time (RFC 3339)",
    "uri": "URI",
}


def field_path(parts: Iterable[str | int], root: str = "$") -> str:
    """`["orderItems", 1, "sku"]` -> `orderItems[1].sku`; no parts -> `root`."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or root


def _show(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: object) -> str:
    for name, python in (
        ("null", type(None)),
        ("boolean", bool),
        ("string", str),
        ("array", list),
        ("object", dict),
    ):
        if isinstance(value, python):
            return JSON_TYPES[name]
    return "an integer" if isinstance(value, int) else "a number"


def describe(error: ValidationError, prefix: Sequence[str | int] = ()) -> tuple[str, str]:
    """The field path and a sentence for one validation error."""
    parts = [*prefix, *error.absolute_path]
    value = error.instance
    rule: Any = error.validator_value
    name = next((str(part) for part in reversed(parts) if isinstance(part, str)), "body")
    match error.validator:
        case "required":
            missing = next(
                (
                    key
                    for key in rule
                    if isinstance(value, dict) and key not in value and error.message.startswith(repr(key))
                ),
                str(rule[0]),
            )
            return field_path([*parts, missing]), f"The {missing} field is required."
        case "type":
            wanted = rule if isinstance(rule, list) else [rule]
            expected = " or ".join(JSON_TYPES.get(str(t), str(t)) for t in wanted)
            return field_path(parts), f"Expected {expected}, got {_kind(value)}: {_show(value)}."
        case "format":
            kind = FORMATS.get(str(rule), str(rule))
            return field_path(parts), f"The value {_show(value)} is not a valid {kind}."
        case "minimum":
            return field_path(parts), f"The field {name} must be at least {rule}."
        case "maximum":
            return field_path(parts), f"The field {name} must be at most {rule}."
        case "minLength":
            if rule == 1:
                return field_path(parts), f"The {name} field must not be empty."
            return field_path(parts), f"The field {name} must be at least {rule} characters long."
        case "maxLength":
            return field_path(parts), f"The field {name} must be at most {rule} characters long."
        case "minProperties":
            return field_path(parts), f"The {name} must have at least {rule} field(s)."
        case "minItems":
            return field_path(parts), f"The field {name} must have at least {rule} item(s)."
        case "maxItems":
            return field_path(parts), f"The field {name} must have at most {rule} items."
        case "enum":
            allowed = ", ".join(map(str, rule))
            return field_path(parts), f"The value {_show(value)} is not one of: {allowed}."
        case "const":
            return field_path(parts), f"The value {_show(value)} must be {_show(rule)}."
        case "anyOf" if all(set(option) == {"required"} for option in rule):
            names = ", ".join(name for option in rule for name in option["required"])
            return field_path(parts), f"One of the fields {names} is required."
        case "not" if isinstance(rule, dict) and set(rule) == {"required"}:
            return field_path(parts), f"The fields {' and '.join(rule['required'])} cannot be used together."
        case "dependentRequired" if isinstance(value, dict):
            key, missing = next(
                (key, dep) for key, deps in rule.items() if key in value for dep in deps if dep not in value
            )
            return field_path([*parts, missing]), f"The {missing} field is required with {key}."
        case "additionalProperties" if rule is False and isinstance(value, dict):
            schema = error.schema if isinstance(error.schema, dict) else {}
            known = list(schema.get("properties", {}))
            extra = [key for key in value if key not in known]
            expected = f" (expected one of: {', '.join(known)})" if known else ""
            return field_path([*parts, extra[0]]), f"Unknown field '{extra[0]}'{expected}."
        case "pattern":
            schema = error.schema if isinstance(error.schema, dict) else {}
            rule_text = f" {schema['description']}" if schema.get("description") else ""
            return field_path(parts), f"The value {_show(value)} is not valid for {name}.{rule_text}"
    return field_path(parts), error.message


def collect(errors: Iterable[ValidationError], prefix: Sequence[str | int] = ()) -> dict[str, list[str]]:
    """Every error, grouped by field path, each message once."""
    out: dict[str, list[str]] = {}
    for error in errors:
        path, message = describe(error, prefix)
        messages = out.setdefault(path, [])
        if message not in messages:
            messages.append(message)
    return out


def summary(errors: dict[str, list[str]]) -> str:
    """Every field's messages on one line: `orderItems[0].sku: The sku field is required.; ...`."""
    return "; ".join(f"{path}: {' '.join(messages)}" for path, messages in errors.items())
