"""The specs themselves: valid OpenAPI 3.1, and their examples valid against their schemas."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from httpx2 import USE_CLIENT_DEFAULT
from openapi_spec_validator import validate
from starlette.testclient import TestClient

from sandbox.resources import spec_path
from sandbox.spec.loader import METHODS, Spec, escape_pointer, load_spec
from sandbox.spec.messages import collect
from tests.helpers import VIDAXL_DEMO, bearer, login, make_app

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
def test_every_request_body_and_parameter_has_a_compiled_check_that_agrees_with_jsonschema(name: str) -> None:
    """jsonschema-rs lets valid bodies through without jsonschema (which words every refusal): it
    compiles each body schema, takes each example, and refuses what jsonschema refuses."""
    spec = load_spec(spec_path(name))
    bodies = {(op.operation_id, media): body for op in spec.operations for media, body in op.bodies.items()}
    assert bodies and all(body.fast is not None for body in bodies.values()), bodies
    for pointer, example in examples(spec):
        if "/requestBody/" in pointer:
            schema = spec.validator(pointer).schema
            checked = next(body for body in bodies.values() if body.validator.schema == schema)
            assert checked.fast is not None and checked.fast(example), pointer
    parameters = [(op.operation_id, param) for op in spec.operations for param in op.parameters]
    assert all(param.fast is not None for _, param in parameters)
    for operation_id, param in parameters:
        for value in (0, -1, 2**40, 1.5, "", "x", "2026-11-02", "00000000-0000-4000-8000-000000000000", True):
            agreed = param.fast is not None and param.fast(value) == param.validator.is_valid(value)
            assert agreed, (operation_id, param.name, value)
    for (operation_id, media), body in bodies.items():
        wrongs: list[Any] = [[], "text", 12, None, {"\u0000": {"nested": [1.5, True]}}]
        for wrong in wrongs:
            refused = bool(collect(body.validator.iter_errors(wrong)))
            assert body.fast is not None and body.fast(wrong) == (not refused), (operation_id, media, wrong)


@pytest.mark.parametrize("name", NAMES)
def test_operation_ids_are_unique_within_a_spec(name: str) -> None:
    ids = [op.operation_id for op in load_spec(spec_path(name)).operations]
    assert len(ids) == len(set(ids))


# --- the specs as tools read them (Swagger UI, client generators) --------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_no_yaml_anchors_aliases_or_merge_keys(name: str) -> None:
    """Swagger UI and most generators do not resolve them: every node is written out."""
    events = list(yaml.parse(spec_path(name).read_text(encoding="utf-8")))
    anchored = [event for event in events if getattr(event, "anchor", None)]
    assert anchored == []
    assert not any(isinstance(event, yaml.AliasEvent) for event in events)
    assert "<<" not in spec_path(name).read_text(encoding="utf-8")


# Each vidaXL path's suffix and the media types its 200 declares: what the path really answers.
VIDAXL_MEDIA = {
    "": ["application/json", "application/xml"],
    ".json": ["application/json"],
    ".xml": ["application/xml"],
    ".csv": ["text/csv"],
    ".pdf": ["application/pdf"],
}


def test_every_vidaxl_operation_declares_the_media_type_it_answers() -> None:
    spec = load_spec(spec_path("vidaxl"))
    gets = [op for op in spec.operations if op.method == "GET"]
    assert len(gets) == 19
    for op in gets:
        suffix = next((ext for ext in (".json", ".xml", ".csv", ".pdf") if op.path.endswith(ext)), "")
        assert list(op.responses["200"]) == VIDAXL_MEDIA[suffix], op.path
        # errors are JSON whatever the suffix
        assert all(
            list(content) == ["application/json"]
            for status, content in op.responses.items()
            if status != "200"
        ), op.path


def error_examples(spec: Spec) -> Iterator[tuple[str, str, str, Any, str]]:
    """(operation, status, media type, example, schema pointer) of every error answer."""
    for path, item in spec.document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            for status, raw in operation["responses"].items():
                if status.startswith("2"):
                    continue
                where = f"/paths/{escape_pointer(path)}/{method}/responses/{status}"
                response, pointer = spec.resolve(raw, where)
                for media, body in response.get("content", {}).items():
                    yield (
                        operation["operationId"],
                        status,
                        media,
                        body.get("example"),
                        f"{pointer}/content/{escape_pointer(media)}/schema",
                    )


@pytest.mark.parametrize("name", NAMES)
def test_each_error_status_shows_an_example_of_its_own(name: str) -> None:
    spec = load_spec(spec_path(name))
    by_operation: dict[str, dict[str, str]] = {}
    for operation, status, media, example, pointer in error_examples(spec):
        where = f"{operation} {status} {media}"
        assert example is not None, f"{where}: no example"
        assert collect(spec.validator(pointer).iter_errors(example)) == {}, where
        if isinstance(example.get("status"), int):  # a ProblemDetails says its own status
            assert str(example["status"]) == status or status == f"{example['status'] // 100}XX", where
        shown = by_operation.setdefault(operation, {})
        assert json.dumps(example) not in [v for k, v in shown.items() if k != status], (
            f"{where}: the example of another status"
        )
        shown[status] = json.dumps(example)
    assert by_operation


def test_fixje_lists_show_one_page_size_and_take_both_spellings() -> None:
    spec = load_spec(spec_path("fixje"))
    lists = [op for op in spec.operations if op.method == "GET" and op.path != "/api/v1/orders/{orderId}"]
    assert len(lists) == 4
    for op in lists:
        sizes = [p for p in op.parameters if p.name.lower() == "pagesize"]
        documented = "pagesize" if op.path == "/api/v1/orders" else "pageSize"
        other = {"pagesize": "pageSize", "pageSize": "pagesize"}[documented]
        assert [(p.name, p.aliases) for p in sizes] == [(documented, (other,))], op.path


def test_the_login_declares_a_form_and_takes_multipart_and_json_too() -> None:
    login = next(op for op in load_spec(spec_path("fixje")).operations if op.operation_id == "login")
    document = yaml.safe_load(spec_path("fixje").read_text(encoding="utf-8"))
    declared = document["paths"]["/api/v1/login"]["post"]["requestBody"]["content"]
    assert list(declared) == ["application/x-www-form-urlencoded"]
    assert list(login.bodies) == [
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "application/json",
    ]


@pytest.mark.parametrize("name", NAMES)
def test_every_operation_is_tagged_with_a_declared_tag(name: str) -> None:
    document = yaml.safe_load(spec_path(name).read_text(encoding="utf-8"))
    declared = [tag["name"] for tag in document["tags"]]
    for item in document["paths"].values():
        for method, operation in item.items():
            if method in METHODS:
                tags = operation.get("tags")
                assert tags and set(tags) <= set(declared), operation["operationId"]


# --- every request body example works on the seeded world --------------------------------------

# The path parameters of the operations whose examples run, and the operations whose examples need
# more than a fresh sandbox (they are listed, not run).
PATH_VALUES = {"tokenFault": {"api": "fixje", "action": "revoke"}}
NOT_ON_A_FRESH_SANDBOX = {"applyEvent": "names an order whose status allows shipping its FX100001"}


def body_examples(name: str) -> list[tuple[str, str, str, str, Any]]:
    """(operationId, method, path, media type, example) of each request body example of a spec,
    those of shared request bodies (`$ref`) included."""
    spec = load_spec(spec_path(name))
    found = []
    for path, item in spec.document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            where = f"/paths/{escape_pointer(path)}/{method}/requestBody"
            body, _ = spec.resolve(operation.get("requestBody", {}), where)
            for media, content in body.get("content", {}).items():
                if "example" in content:
                    found.append((operation["operationId"], method.upper(), path, media, content["example"]))
    return found


EXAMPLES = [
    pytest.param(name, *case, id=f"{name}.{case[0]}")
    for name in NAMES
    for case in body_examples(name)
    if case[0] not in NOT_ON_A_FRESH_SANDBOX
]


def test_the_body_examples_of_both_apis_are_all_run() -> None:
    ran = {str(param.id) for param in EXAMPLES}
    assert {id for id in ran if not id.startswith("sandbox.")} == {
        "fixje.createOrder",
        "vidaxl.createOrder",
        "vidaxl.createOrderJson",
    }
    assert {
        "sandbox.moveClock",
        "sandbox.tokenFault",
        "sandbox.createTenant",
        "sandbox.addFault",
        "sandbox.setRateLimits",
    } <= ran
    held_back = [case[0] for case in body_examples("sandbox") if case[0] in NOT_ON_A_FRESH_SANDBOX]
    assert held_back == ["applyEvent"]


@pytest.mark.parametrize(("name", "operation_id", "method", "path", "media", "example"), EXAMPLES)
def test_each_body_example_succeeds_on_a_fresh_sandbox(
    name: str,
    operation_id: str,
    method: str,
    path: str,
    media: str,
    example: Any,
) -> None:
    """The docs' examples name the seeded world's shipping methods, storefronts and products, so that
    "Try it out" works as shown (default fixtures, seed 42)."""
    assert media == "application/json"
    with TestClient(make_app(), raise_server_exceptions=False) as client:
        token = login(client)  # a token of the demo partner, for Fixje and for the token fault
        headers = bearer(token) if name == "fixje" else {}
        auth = VIDAXL_DEMO if name == "vidaxl" else USE_CLIENT_DEFAULT  # the client has no credentials
        response = client.request(
            method, path.format(**PATH_VALUES.get(operation_id, {})), json=example, headers=headers, auth=auth
        )
    assert 200 <= response.status_code < 300, response.text
    if operation_id == "createOrder" and name == "fixje":
        assert response.json()["creationWarnings"] == []  # the catalogue price, a method that serves NL
