"""Fixje's drift check (`sandbox verify`): sign in with the client credentials, then read the orders,
one order (as JSON and XML), the products, the shipping methods and the storefronts."""

from __future__ import annotations

from collections.abc import Mapping

from sandbox.fixje.fixture import FixjeFixture
from sandbox.probes import Credential, Probe, Probes

PAGE = {"page": "1", "pageSize": "10"}


def authorize(values: Mapping[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {values['access_token']}"}


def reference(fixture: FixjeFixture) -> dict[str, str]:
    partner = fixture.partners[0]
    return {"client_id": partner.client_id, "client_secret": partner.client_secret}


PROBES = Probes(
    credentials=(
        Credential("client_id", "the partner's OAuth client id"),
        Credential("client_secret", "the partner's OAuth client secret", secret=True),
    ),
    calls=(
        Probe(
            "login",
            "login",
            "/api/v1/login",
            method="POST",
            form={
                "grant_type": "client_credentials",
                "client_id": "{client_id}",
                "client_secret": "{client_secret}",
            },
            keep={"access_token": "access_token"},
            sign_in=True,
        ),
        Probe(
            "orders",
            "listOrders",
            "/api/v1/orders",
            query={"page": "1", "pagesize": "10"},
            keep={"order_id": "data[0].orderId"},
        ),
        Probe("order", "getOrder", "/api/v1/orders/{order_id}"),
        Probe("order-xml", "getOrder", "/api/v1/orders/{order_id}", accept="application/xml"),
        Probe("products", "listProducts", "/api/v1/products", query=PAGE),
        Probe("shipping-methods", "listShippingMethods", "/api/v1/shipping-methods", query=PAGE),
        Probe("storefronts", "listStoreFronts", "/api/v1/storefronts", query=PAGE),
    ),
    authorize=authorize,
    reference=reference,
)
"""What `sandbox verify` calls of a Fixje service."""
