"""Shared fixtures: a sandbox app per test, checked against its specs, and logged-in clients of it.
What the tests share besides fixtures is in helpers.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from tests.helpers import FIXJE_OTHER, VIDAXL_OTHER, Customer, Partner, make_app


@pytest.fixture
def app() -> Starlette:
    return make_app()


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def shared() -> Iterator[TestClient]:
    """One app for the tests of a module that change nothing, or nothing the others look at."""
    with TestClient(make_app(), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def demo(client: TestClient) -> Partner:
    """Fixje's demo partner, logged in."""
    return Partner.login(client)


@pytest.fixture
def other(client: TestClient) -> Partner:
    """Fixje's second partner, logged in."""
    return Partner.login(client, FIXJE_OTHER)


@pytest.fixture
def customer(client: TestClient) -> Customer:
    """vidaXL's demo customer."""
    return Customer(client)


@pytest.fixture
def other_customer(client: TestClient) -> Customer:
    """vidaXL's second customer."""
    return Customer(client, VIDAXL_OTHER)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that asks for the plugin's `sandbox_server` (or a fixture built on it, such as
    `sandbox_control` and the tenants) talks to a real server process: `live`. Tests that start one
    themselves carry the marker in their module; those in tests/browser get it from its conftest."""
    for item in items:
        if "sandbox_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.live)
