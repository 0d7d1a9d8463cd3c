"""Clients generated from the specs work against a real server: `openapi-python-client` (pinned in
the test extras) generates a package from `specs/fixje.yaml` and from `specs/vidaxl.yaml`, and the
generated code logs in, lists, creates and gets orders, and reads the CSV, XML and PDF answers."""

from __future__ import annotations

import csv
import importlib
import io
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from uuid import UUID

import pytest
import yaml

from sandbox.resources import spec_path
from tests.helpers import FIXJE_DEMO, VIDAXL_DEMO
from tests.live import Server, serve

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
# The generator reads JSON and text answers; XML it leaves to the caller (the raw bytes are in
# `sync_detailed(...).content`), and binary answers it reads when told they are a stream.
EXPECTED_WARNING = re.compile(r"Unsupported content_type application/xml\)")


pytestmark = [pytest.mark.live, pytest.mark.slow]


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with serve() as running:
        yield running


def generate(name: str, directory: Path) -> tuple[ModuleType, str]:
    """Generate the client of spec `name` as the package `<name>_client`; (the package, what the
    generator printed)."""
    config = directory / f"{name}.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "package_name_override": f"{name}_client",
                "project_name_override": f"{name}-client",
                "post_hooks": [],  # no formatter run: the code is used, not read
                "content_type_overrides": {"application/pdf": "application/octet-stream"},
            }
        )
    )
    done = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(spec_path(name)),
            "--output-path",
            str(directory / f"{name}_client"),
            "--meta",
            "none",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(directory))
    try:
        package = importlib.import_module(f"{name}_client")
    finally:
        sys.path.remove(str(directory))
    return package, done.stdout + done.stderr


def submodule(package: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{package.__name__}.{name}")


@pytest.fixture(scope="module")
def fixje(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    package, printed = generate("fixje", tmp_path_factory.mktemp("fixje"))
    assert "WARNING" not in printed, printed
    yield package
    for module in [m for m in sys.modules if m.split(".")[0] == package.__name__]:
        del sys.modules[module]


@pytest.fixture(scope="module")
def vidaxl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    package, printed = generate("vidaxl", tmp_path_factory.mktemp("vidaxl"))
    warnings = [block for block in printed.split("WARNING parsing")[1:]]
    # exactly the XML answers: the orders, products and documents lists' `.xml` paths
    assert len(warnings) == 5 and all(EXPECTED_WARNING.search(block) for block in warnings), printed
    yield package
    for module in [m for m in sys.modules if m.split(".")[0] == package.__name__]:
        del sys.modules[module]


def test_the_generated_fixje_client_logs_in_and_walks_an_order(fixje: ModuleType, server: Server) -> None:
    login = submodule(fixje, "api.authentication.login")
    models = submodule(fixje, "models")
    with fixje.Client(base_url=server.url) as anonymous:
        token, refused = (
            login.sync(
                client=anonymous,
                body=models.LoginRequest(
                    grant_type="client_credentials", client_id=FIXJE_DEMO[0], client_secret=secret
                ),
            )
            for secret in (FIXJE_DEMO[1], "wrong")
        )
    assert isinstance(token, models.LoginResponse), token
    assert (token.token_type, token.expires_in) == ("Bearer", 3600)
    assert isinstance(refused, models.OAuthError) and refused.error.value == "invalid_client"
    with fixje.AuthenticatedClient(base_url=server.url, token=token.access_token) as client:
        walk_an_order(fixje, models, client)


def walk_an_order(fixje: ModuleType, models: Any, client: Any) -> None:
    api = {
        name: submodule(fixje, f"api.{name}")
        for name in (
            "orders.list_orders",
            "orders.create_order",
            "orders.get_order",
            "products.list_products",
            "shipping_methods.list_shipping_methods",
            "storefronts.list_store_fronts",
        )
    }
    product = api["products.list_products"].sync(client=client, page_size=1).data[0]
    method = next(
        m
        for m in api["shipping_methods.list_shipping_methods"].sync(client=client).data
        if "NL" in m.countries
    )
    storefront = api["storefronts.list_store_fronts"].sync(client=client).data[0]
    body = models.OrderCreationRequest.from_dict(
        {
            "reference": "GEN-1",
            "shippingMethodId": str(method.shipping_method_id),
            "storeFrontId": str(storefront.store_front_id),
            "shippingAddress": {
                "lastName": "Jansen",
                "street": "Dorpsstraat",
                "houseNumber": "3",
                "zipCode": "1234 AB",
                "city": "Utrecht",
                "countryCode": "NL",
            },
            "orderItems": [{"sku": product.sku, "quantity": 2}],
        }
    )
    created = api["orders.create_order"].sync(client=client, body=body)
    assert isinstance(created, models.OrderCreationResponse), created
    order = api["orders.get_order"].sync(client=client, order_id=created.order_id)
    assert isinstance(order, models.Order), order
    item = order.order_items[0]
    assert (order.reference, order.order_status.value) == ("GEN-1", "New")
    assert (item.sku, item.quantity) == (product.sku, 2)
    page = api["orders.list_orders"].sync(client=client, pagesize=1)
    assert isinstance(page, models.OrderListResponse) and page.data[0].order_id == created.order_id
    missing = api["orders.get_order"].sync(client=client, order_id=UUID(int=1))
    assert isinstance(missing, models.ProblemDetails) and missing.status == 404


def test_the_generated_vidaxl_client_creates_lists_and_reads_every_format(
    vidaxl: ModuleType,
    server: Server,
) -> None:
    models = submodule(vidaxl, "models")
    with vidaxl.Client(base_url=server.url, httpx_args={"auth": VIDAXL_DEMO}) as client:
        create_list_and_read(vidaxl, models, client)
    with vidaxl.Client(base_url=server.url, httpx_args={"auth": ("nobody@example.com", "x")}) as stranger:
        denied = submodule(vidaxl, "api.orders.list_orders_json").sync(client=stranger)
    assert isinstance(denied, models.Error) and denied.error == "HTTP Basic: Access denied."


def create_list_and_read(vidaxl: ModuleType, models: Any, client: Any) -> None:
    api = {
        name: submodule(vidaxl, f"api.{name}")
        for name in (
            "orders.create_order",
            "orders.list_orders",
            "orders.list_orders_json",
            "orders.list_orders_csv",
            "orders.list_orders_xml",
            "products.list_products_json",
            "documents.list_order_documents_json",
            "documents.get_document_pdf",
        )
    }
    products = api["products.list_products_json"].sync(client=client, limit=20)
    assert isinstance(products, models.ProductList), products
    code = next(p.code for p in products.data if p.active)
    body = models.OrderCreateRequest.from_dict(
        {
            "customer_order_reference": "GEN-2",
            "addressbook": {"country": "DK"},
            "order_products": [
                {
                    "product_code": code,
                    "quantity": 1,
                    "addressbook": {
                        "name": "Mette Hansen",
                        "address": "Vestergade 12",
                        "city": "Aarhus C",
                        "postal_code": "8000",
                        "country": "DK",
                        "email": "mette@example.dk",
                        "phone": "+4512345678",
                    },
                }
            ],
        }
    )
    created = api["orders.create_order"].sync(client=client, body=body)
    assert isinstance(created, models.CreatedOrder), created
    order_id = created.order.id

    # get it back: the list by id, as JSON (with and without the suffix), CSV and XML
    for name in ("orders.list_orders", "orders.list_orders_json"):
        found = api[name].sync(client=client, id_eq=order_id)
        assert [item.order.id for item in found] == [order_id]
        listed = found[0].order
        assert (listed.customer_order_reference, listed.shipping_option_name.value, listed.province) == (
            "GEN-2",
            "Standard delivery",
            "",
        )
        assert listed.shipping_tracking_urls_by_number == []
        line = listed.order_products[0].order_product
        assert (line.product_code, line.addressbook.email, line.addressbook.city) == (
            code,
            "mette@example.dk",
            "Aarhus C",
        )
    as_csv = api["orders.list_orders_csv"].sync(client=client, id_eq=order_id)
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    assert [(row["id"], row["order_product_product_code"]) for row in rows] == [(str(order_id), code)]
    as_xml = api["orders.list_orders_xml"].sync_detailed(client=client, id_eq=order_id)
    assert as_xml.status_code == 200
    assert ET.fromstring(as_xml.content).findtext("order/customer-order-reference") == "GEN-2"

    # a paid order's invoice, listed and as a PDF
    paid = api["orders.list_orders_json"].sync(client=client, status_order_id_eq=5)[0].order
    documents = api["documents.list_order_documents_json"].sync(client=client, id=paid.id)
    invoice = next(d for d in documents if d.type_.value == "invoice")
    assert invoice.number == paid.invoice_no
    pdf = api["documents.get_document_pdf"].sync(client=client, document_id=invoice.id)
    assert pdf.payload.read().startswith(b"%PDF-1.")

    # errors in the documented shape
    refused = api["orders.list_orders_json"].sync(client=client, id_eq=0)
    assert isinstance(refused, models.Error) and "id_eq" in refused.errors.additional_properties
