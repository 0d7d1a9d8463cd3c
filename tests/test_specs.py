"""The specs themselves: valid OpenAPI 3.1, and their examples valid against their schemas."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

from sandbox.resources import spec_path
from sandbox.spec.loader import METHODS, Spec, escape_pointer, load_spec
from sandbox.spec.messages import collect

NAMES = ["fixje", "vidaxl", "sandbox"]


@pytest.mark.parametrize("name", NAMES)
def test_the_spec_is_valid_openapi_3_1(name: str) -> None:
    document = yaml.safe_load(spec_path(name).read_text(encoding="utf-8"))
    assert document["openapi"].startswith("3.1")
    validate(document)


def examples(spec: Spec) -> list[tuple[str, Any]]:
    """(pointer of the schema, example) for every schema and media type example in the spec."""
    found = []
    for name, schema in spec.document.get("components", {}).get("schemas", {}).items():
        if "example" in schema:
            found.append((f"/components/schemas/{name}", schema["example"]))
    for path, item in spec.document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            for media, body in content.items():
                if "example" in body:
                    where = f"/paths/{escape_pointer(path)}/{method}/requestBody/content"
                    found.append((f"{where}/{escape_pointer(media)}/schema", body["example"]))
    return found


@pytest.mark.parametrize("name", NAMES)
def test_every_example_matches_its_schema(name: str) -> None:
    spec = load_spec(spec_path(name))
    cases = examples(spec)
    assert len(cases) >= {"fixje": 4, "vidaxl": 3, "sandbox": 2}[name]
    for pointer, example in cases:
        assert collect(spec.validator(pointer).iter_errors(example)) == {}, pointer


@pytest.mark.parametrize("name", NAMES)
def test_operation_ids_are_unique_within_a_spec(name: str) -> None:
    ids = [op.operation_id for op in load_spec(spec_path(name)).operations]
    assert len(ids) == len(set(ids))
