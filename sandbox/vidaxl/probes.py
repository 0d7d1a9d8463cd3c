"""vidaXL's drift check (`sandbox verify`): HTTP Basic on every call; the orders of the last 24 hours
as JSON, XML and CSV, one order by its id, and a page of products as JSON, XML and CSV."""

from __future__ import annotations

import base64
from collections.abc import Mapping

from sandbox.probes import Credential, Probe, Probes
from sandbox.vidaxl.fixture import VidaxlFixture

PRODUCTS = {"offset": "0", "limit": "10"}


def authorize(values: Mapping[str, str]) -> dict[str, str]:
    pair = f"{values['email']}:{values['token']}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}


def reference(fixture: VidaxlFixture) -> dict[str, str]:
    customer = next((c for c in fixture.customers if c.api_enabled), None)
    return {"email": customer.email, "token": customer.token} if customer is not None else {}


PROBES = Probes(
    credentials=(
        Credential("email", "the customer's e-mail address (the HTTP Basic user name)"),
        Credential("token", "the customer's API token (the HTTP Basic password)", secret=True),
    ),
    calls=(
        Probe(
            "orders-json", "listOrdersJson", "/api_customer/orders.json", keep={"order_id": "[0].order.id"}
        ),
        Probe("orders-xml", "listOrdersXml", "/api_customer/orders.xml", accept="application/xml"),
        Probe("orders-csv", "listOrdersCsv", "/api_customer/orders.csv", accept="text/csv"),
        Probe("order", "listOrdersJson", "/api_customer/orders.json", query={"id_eq": "{order_id}"}),
        Probe("products-json", "listProductsJson", "/api_customer/products.json", query=PRODUCTS),
        Probe(
            "products-xml",
            "listProductsXml",
            "/api_customer/products.xml",
            query=PRODUCTS,
            accept="application/xml",
        ),
        Probe(
            "products-csv", "listProductsCsv", "/api_customer/products.csv", query=PRODUCTS, accept="text/csv"
        ),
    ),
    authorize=authorize,
    reference=reference,
)
"""What `sandbox verify` calls of a vidaXL service."""
