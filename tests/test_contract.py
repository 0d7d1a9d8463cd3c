"""Every operation of every spec gets requests, and every response is checked against the spec."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from sandbox.resources import spec_path
from sandbox.spec.loader import load_spec
from sandbox.spec.messages import collect
from tests.helpers import (
    FIRST_PRODUCT,
    FIXJE_DEMO,
    LONDON,
    VIDAXL_DEMO,
    VIDAXL_OTHER,
    Partner,
    basic,
    login,
    login_form,
    make_app,
    vidaxl_order_to,
)

SPECS = {name: load_spec(spec_path(name)) for name in ("fixje", "vidaxl", "sandbox")}
MISSING_ORDER = "5d1a3c9e-0000-4000-8000-000000000000"
VIDAXL_ORDER = vidaxl_order_to(LONDON, (FIRST_PRODUCT, 1), customer_order_reference=74160086)

Request = Callable[[Partner], Any]


def vidaxl_lists(path: str) -> list[tuple[str, Request, int]]:
    """The cases of one order-list operation of the vidaXL API."""
    return [
        ("default window", lambda p: p.client.get(path, auth=VIDAXL_DEMO), 200),
        ("sent", lambda p: p.client.get(f"{path}?status_order_id_eq=5", auth=VIDAXL_DEMO), 200),
        (
            "dates",
            lambda p: p.client.get(
                f"{path}?submitted_at_gteq=20261020&submitted_at_lteq=2026-11-02", auth=VIDAXL_DEMO
            ),
            200,
        ),
        (
            "bad date",
            lambda p: p.client.get(f"{path}?submitted_at_casted_eq=2026-02-30", auth=VIDAXL_DEMO),
            400,
        ),
        ("no credentials", lambda p: p.client.get(path), 401),
        ("fault", faulted("vidaxl", 500, lambda p: p.client.get(path, auth=VIDAXL_DEMO), "GET"), 500),
    ]


def new_fixje_order(partner: Partner) -> str:
    body = partner.order_body()
    created = partner.post("/api/v1/orders", json=body, headers={"accept": "application/json"})
    order_id: str = created.json()["orderId"]
    return order_id


def vidaxl_products(path: str) -> list[tuple[str, Request, int]]:
    return [
        ("page", lambda p: p.client.get(f"{path}?offset=10&limit=5", auth=VIDAXL_DEMO), 200),
        ("by ids", lambda p: p.client.get(f"{path}?id_in[]=12000&id_in[]=12001", auth=VIDAXL_DEMO), 200),
        ("bad limit", lambda p: p.client.get(f"{path}?limit=501", auth=VIDAXL_DEMO), 400),
        ("no credentials", lambda p: p.client.get(path), 401),
    ]


def vidaxl_create(path: str) -> list[tuple[str, Request, int]]:
    return [
        ("valid", lambda p: p.client.post(path, json=VIDAXL_ORDER, auth=VIDAXL_DEMO), 200),
        ("wrong type", lambda p: p.client.post(path, json={"order_products": {}}, auth=VIDAXL_DEMO), 400),
        (
            "unknown product",
            lambda p: p.client.post(
                path,
                auth=VIDAXL_DEMO,
                json={**VIDAXL_ORDER, "order_products": [{"product_code": "1", "quantity": 1}]},
            ),
            422,
        ),
        ("no credentials", lambda p: p.client.post(path, json=VIDAXL_ORDER), 401),
        (
            "fault",
            faulted("vidaxl", 503, lambda p: p.client.post(path, json=VIDAXL_ORDER, auth=VIDAXL_DEMO)),
            503,
        ),
    ]


def paid_order(partner: Partner, auth: tuple[str, str] = VIDAXL_DEMO) -> int:
    """A sent (so paid) order of the customer: one with an invoice."""
    order_id: int = partner.client.get("/api_customer/orders.json?status_order_id_eq=5", auth=auth).json()[0][
        "order"
    ]["id"]
    return order_id


def vidaxl_order_documents(suffix: str) -> list[tuple[str, Request, int]]:
    path = "/api_customer/orders/{}/documents" + suffix
    return [
        ("paid", lambda p: p.client.get(path.format(paid_order(p)), auth=VIDAXL_DEMO), 200),
        ("unknown order", lambda p: p.client.get(path.format(1), auth=VIDAXL_DEMO), 404),
        (
            "another customer's",
            lambda p: p.client.get(path.format(paid_order(p, VIDAXL_OTHER)), auth=VIDAXL_DEMO),
            404,
        ),
        ("bad id", lambda p: p.client.get(path.format("abc"), auth=VIDAXL_DEMO), 400),
        ("no credentials", lambda p: p.client.get(path.format(paid_order(p))), 401),
    ]


def vidaxl_documents(suffix: str) -> list[tuple[str, Request, int]]:
    path = "/api_customer/orders/documents" + suffix
    return [
        ("all", lambda p: p.client.get(path, auth=VIDAXL_DEMO), 200),
        ("no credentials", lambda p: p.client.get(path), 401),
    ]


def faulted(api: str, status: int, send: Request, method: str = "POST") -> Request:
    """`send`, met once by a fault rule that answers `status` to `method` requests."""

    def call(partner: Partner) -> Any:
        rule = {"api": api, "method": method, "status": status, "times": 1, "retryAfter": 2}
        assert partner.client.post("/_sandbox/faults", json=rule).status_code == 201
        return send(partner)

    return call


# spec.operationId -> requests that exercise it, successes and documented errors alike.
CASES: dict[str, list[tuple[str, Request, int]]] = {
    "sandbox.health": [("ok", lambda p: p.client.get("/_sandbox/health"), 200)],
    "fixje.login": [
        (
            "form",
            lambda p: p.client.post(
                "/api/v1/login",
                data=login_form(),
            ),
            200,
        ),
        (
            "json",
            lambda p: p.client.post(
                "/api/v1/login",
                json=login_form(),
            ),
            200,
        ),
        (
            "basic",
            lambda p: p.client.post(
                "/api/v1/login", data={"grant_type": "client_credentials"}, auth=FIXJE_DEMO
            ),
            200,
        ),
        (
            "bad secret",
            lambda p: p.client.post(
                "/api/v1/login",
                data=login_form((FIXJE_DEMO[0], "x")),
            ),
            401,
        ),
        (
            "bad grant",
            lambda p: p.client.post(
                "/api/v1/login",
                data=login_form(grant_type="password"),
            ),
            400,
        ),
        ("no grant", lambda p: p.client.post("/api/v1/login", data={"client_id": FIXJE_DEMO[0]}), 400),
        (
            "text body",
            lambda p: p.client.post("/api/v1/login", content=b"x", headers={"content-type": "text/plain"}),
            415,
        ),
        (
            "fault",
            faulted(
                "fixje",
                503,
                lambda p: p.client.post(
                    "/api/v1/login",
                    data=login_form(),
                ),
            ),
            503,
        ),
    ],
    "fixje.listOrders": [
        ("page", lambda p: p.get("/api/v1/orders?page=1&pagesize=5"), 200),
        ("pageSize", lambda p: p.get("/api/v1/orders?pageSize=5&page=2"), 200),
        ("past the end", lambda p: p.get("/api/v1/orders?page=99"), 200),
        ("bad size", lambda p: p.get("/api/v1/orders?pagesize=101"), 400),
        ("no token", lambda p: p.client.get("/api/v1/orders"), 401),
    ],
    "fixje.createOrder": [
        ("valid", lambda p: p.post("/api/v1/orders", json=p.order_body()), 200),
        (
            "backorder",
            lambda p: p.post(
                "/api/v1/orders",
                json=p.order_body(
                    orderItems=[{"sku": p.first("/api/v1/products")["sku"], "quantity": 100000, "price": 0.5}]
                ),
            ),
            200,
        ),
        ("invalid", lambda p: p.post("/api/v1/orders", json={"orderItems": []}), 400),
        ("no token", lambda p: p.client.post("/api/v1/orders", json={}), 401),
        (
            "too large",
            lambda p: p.post(
                "/api/v1/orders",
                content=b"[" * (1024 * 1024 + 1),
                headers={"content-type": "application/json"},
            ),
            413,
        ),
        (
            "xml body",
            lambda p: p.post(
                "/api/v1/orders", content=b"<order/>", headers={"content-type": "application/xml"}
            ),
            415,
        ),
        ("fault", faulted("fixje", 502, lambda p: p.post("/api/v1/orders", json=p.order_body())), 502),
    ],
    "fixje.getOrder": [
        ("seeded", lambda p: p.get(f"/api/v1/orders/{p.first('/api/v1/orders')['orderId']}"), 200),
        ("malformed", lambda p: p.get("/api/v1/orders/12345"), 400),
        ("unknown", lambda p: p.get(f"/api/v1/orders/{MISSING_ORDER}"), 404),
        ("no token", lambda p: p.client.get(f"/api/v1/orders/{MISSING_ORDER}"), 401),
        ("fault", faulted("fixje", 504, lambda p: p.get(f"/api/v1/orders/{MISSING_ORDER}"), "GET"), 504),
    ],
    "fixje.listProducts": [
        ("page of 100", lambda p: p.get("/api/v1/products?page=2&pageSize=100"), 200),
        ("lower-case spelling", lambda p: p.get("/api/v1/products?pagesize=3"), 200),
        ("bad page", lambda p: p.get("/api/v1/products?page=0"), 400),
        ("no token", lambda p: p.client.get("/api/v1/products"), 401),
    ],
    "fixje.listShippingMethods": [
        ("all", lambda p: p.get("/api/v1/shipping-methods"), 200),
        ("bad size", lambda p: p.get("/api/v1/shipping-methods?pageSize=abc"), 400),
        ("no token", lambda p: p.client.get("/api/v1/shipping-methods"), 401),
    ],
    "fixje.listStoreFronts": [
        ("all", lambda p: p.get("/api/v1/storefronts"), 200),
        ("bad page", lambda p: p.get("/api/v1/storefronts?page=-1"), 400),
        ("no token", lambda p: p.client.get("/api/v1/storefronts"), 401),
    ],
}
for suffix, ext in (("", ""), ("Json", ".json"), ("Xml", ".xml"), ("Csv", ".csv")):
    CASES[f"vidaxl.listOrders{suffix}"] = vidaxl_lists(f"/api_customer/orders{ext}")
    CASES[f"vidaxl.listOrdersPlural{suffix}"] = vidaxl_lists(f"/api_customers/orders{ext}")
    CASES[f"vidaxl.listProducts{suffix}"] = vidaxl_products(f"/api_customer/products{ext}")
for suffix, ext in (("", ""), ("Json", ".json"), ("Xml", ".xml")):
    CASES[f"vidaxl.listOrderDocuments{suffix}"] = vidaxl_order_documents(ext)
    CASES[f"vidaxl.listDocuments{suffix}"] = vidaxl_documents(ext)
CASES["vidaxl.getDocumentPdf"] = [
    (
        "invoice",
        lambda p: p.client.get(f"/api_customer/documents/{paid_order(p) * 10 + 1}.pdf", auth=VIDAXL_DEMO),
        200,
    ),
    ("unknown", lambda p: p.client.get("/api_customer/documents/11.pdf", auth=VIDAXL_DEMO), 404),
    ("bad id", lambda p: p.client.get("/api_customer/documents/abc.pdf", auth=VIDAXL_DEMO), 400),
    ("no credentials", lambda p: p.client.get(f"/api_customer/documents/{paid_order(p) * 10 + 1}.pdf"), 401),
]
CASES["vidaxl.createOrder"] = vidaxl_create("/api_customer/orders")
CASES["vidaxl.createOrderJson"] = vidaxl_create("/api_customer/orders.json")
CASES["sandbox.applyEvent"] = [
    (
        "fixje cancel",
        lambda p: p.client.post(
            f"/_sandbox/fixje/orders/{new_fixje_order(p)}/events", json={"event": "cancel"}
        ),
        200,
    ),
    (
        "vidaxl refused",
        lambda p: p.client.post("/_sandbox/vidaxl/orders/70001/events", json={"event": "replace"}),
        409,
    ),
    (
        "unknown order",
        lambda p: p.client.post("/_sandbox/vidaxl/orders/1/events", json={"event": "pay"}),
        404,
    ),
    ("bad event", lambda p: p.client.post("/_sandbox/vidaxl/orders/1/events", json={"event": "x"}), 400),
]
CASES["sandbox.listRequests"] = [
    ("all", lambda p: p.client.get("/_sandbox/requests"), 200),
    ("filtered", lambda p: p.client.get("/_sandbox/requests?api=fixje&status=200&path=/api/v1"), 200),
    ("bad status", lambda p: p.client.get("/_sandbox/requests?status=abc"), 400),
]
CASES["sandbox.clearRequests"] = [("clear", lambda p: p.client.delete("/_sandbox/requests"), 204)]


def newest_request(partner: Partner) -> Any:
    """The journal's entry of a request just made."""
    partner.get("/api/v1/storefronts")
    number = partner.client.get("/_sandbox/requests").json()["requests"][0]["id"]
    return partner.client.get(f"/_sandbox/requests/{number}")


CASES["sandbox.getRequest"] = [
    ("one", newest_request, 200),
    ("unknown", lambda p: p.client.get("/_sandbox/requests/999999"), 404),
    ("not a number", lambda p: p.client.get("/_sandbox/requests/first"), 400),
]
CASES["sandbox.getCoverage"] = [
    ("all", lambda p: p.client.get("/_sandbox/coverage"), 200),
    ("filtered", lambda p: p.client.get("/_sandbox/coverage?api=vidaxl&tenant=a&tenant=b"), 200),
    ("unknown api", lambda p: p.client.get("/_sandbox/coverage?api=amazon"), 400),
]
CASES["sandbox.clearCoverage"] = [("clear", lambda p: p.client.delete("/_sandbox/coverage"), 204)]
CASES["sandbox.createTenant"] = [
    ("fixje", lambda p: p.client.post("/_sandbox/tenants", json={"api": "fixje"}), 201),
    ("vidaxl", lambda p: p.client.post("/_sandbox/tenants", json={"api": "vidaxl", "name": "CI"}), 201),
    ("unknown api", lambda p: p.client.post("/_sandbox/tenants", json={"api": "amazon"}), 400),
]
CASES["sandbox.listScenarios"] = [("all", lambda p: p.client.get("/_sandbox/scenarios"), 200)]
CASES["sandbox.playScenario"] = [
    ("played", lambda p: p.client.post("/_sandbox/scenarios/partial-shipment"), 200),
    ("unknown", lambda p: p.client.post("/_sandbox/scenarios/nope"), 404),
    ("bad name", lambda p: p.client.post("/_sandbox/scenarios/No_Such"), 400),
]
CASES["sandbox.getState"] = [("export", lambda p: p.client.get("/_sandbox/state"), 200)]
CASES["sandbox.putState"] = [
    (
        "round trip",
        lambda p: p.client.put(
            "/_sandbox/state",
            content=p.client.get("/_sandbox/state", headers={"accept": "application/json"}).content,
            headers={"content-type": "application/json"},
        ),
        200,
    ),
    ("not a state", lambda p: p.client.put("/_sandbox/state", json={"format": "x"}), 400),
]
CASES["sandbox.tokenFault"] = [
    (
        "expire",
        lambda p: p.client.post("/_sandbox/fixje/tokens/expire", json={"clientId": FIXJE_DEMO[0]}),
        200,
    ),
    ("unknown", lambda p: p.client.post("/_sandbox/fixje/tokens/revoke", json={"token": "nope"}), 404),
]
NOBODY = {"api": "fixje", "credential": "nobody", "latencyMs": 1}
CASES["sandbox.addFault"] = [
    ("latency", lambda p: p.client.post("/_sandbox/faults", json=NOBODY), 201),
    ("no effect", lambda p: p.client.post("/_sandbox/faults", json={"api": "fixje"}), 400),
]
CASES["sandbox.listFaults"] = [("all", lambda p: p.client.get("/_sandbox/faults"), 200)]
CASES["sandbox.removeFault"] = [
    (
        "one",
        lambda p: p.client.delete(
            f"/_sandbox/faults/{p.client.post('/_sandbox/faults', json=NOBODY).json()['id']}"
        ),
        204,
    ),
    ("unknown", lambda p: p.client.delete("/_sandbox/faults/fault-0"), 404),
]
CASES["sandbox.clearFaults"] = [("all", lambda p: p.client.delete("/_sandbox/faults"), 204)]
CASES["sandbox.getRateLimits"] = [("now", lambda p: p.client.get("/_sandbox/rate-limits"), 200)]
CASES["sandbox.setRateLimits"] = [
    (
        "off",
        lambda p: p.client.put(
            "/_sandbox/rate-limits", json={"enabled": False, "vidaxl": {"requests": 5, "per": "PT1M"}}
        ),
        200,
    ),
    ("empty", lambda p: p.client.put("/_sandbox/rate-limits", json={}), 400),
]
CASES["sandbox.reset"] = [("reset", lambda p: p.client.post("/_sandbox/reset"), 200)]
CASES["sandbox.getClock"] = [("now", lambda p: p.client.get("/_sandbox/clock"), 200)]
CASES["sandbox.moveClock"] = [
    ("advance", lambda p: p.client.post("/_sandbox/clock", json={"advance": "PT1M"}), 200),
    ("bad", lambda p: p.client.post("/_sandbox/clock", json={"advance": "soon"}), 400),
]
OPERATIONS = {f"{name}.{op.operation_id}": op for name, spec in SPECS.items() for op in spec.operations}


def test_every_operation_has_cases() -> None:
    assert set(CASES) == set(OPERATIONS)


def assert_ends_as_sent(response: Any) -> None:
    """An answer ends where its document ends, with no newline after it, as the real APIs send
    theirs (README, "A walk-through with curl"). A CSV ends its last record with CR LF like every
    other (RFC 4180; README, "CSV"), and a PDF is a file that ends with `%%EOF` and a newline."""
    media = response.headers["content-type"].split(";")[0]
    body: bytes = response.content
    if media == "text/csv":
        assert body.endswith(b"\r\n") and not body.endswith(b"\n\r\n"), body[-40:]
    elif media == "application/pdf":
        assert body.endswith(b"%%EOF\n"), body[-40:]
    else:
        assert body == body.rstrip(), body[-40:]


@pytest.fixture(scope="module")
def shared() -> Iterator[TestClient]:
    # The app does not check its own replies here: this test checks them from outside.
    with TestClient(make_app(check_responses=False), raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize("accept", ["application/json", "application/xml"])
@pytest.mark.parametrize(
    ("operation", "label", "send", "status"),
    [(op, label, send, status) for op, cases in CASES.items() for label, send, status in cases],
    ids=[f"{op}-{label}" for op, cases in CASES.items() for label, _, _ in cases],
)
def test_response_matches_spec(
    shared: TestClient, operation: str, label: str, send: Request, status: int, accept: str
) -> None:
    partner = Partner.login(shared)
    shared.headers["accept"] = accept
    try:
        response = send(partner)
    finally:
        del shared.headers["accept"]
    assert response.status_code == status, response.text
    op = OPERATIONS[operation]
    key = str(status) if str(status) in op.responses else f"{status // 100}XX"
    assert key in op.responses, f"{status} not documented for {operation}"
    documented = op.responses[key]
    if status == 204:
        assert documented == {} and response.content == b""
        return
    media = response.headers["content-type"].split(";")[0]
    assert media in documented, f"{media} not documented for {operation} {status}"
    assert_ends_as_sent(response)
    if media.endswith("json"):
        assert collect(documented[media].validator.iter_errors(response.json())) == {}
    elif media.endswith("xml"):
        assert ET.fromstring(response.content) is not None
    elif media == "application/pdf":
        assert response.content.startswith(b"%PDF-1.")
    else:
        assert next(csv.reader(io.StringIO(response.text)))
    for header in op.headers[key]:
        assert header.lower() in response.headers, f"documented header {header} missing"


@pytest.mark.parametrize(
    ("path", "media"),
    [
        ("/api/v1/storefronts", "application/xml"),
        ("/api_customer/orders", "application/xml"),
        ("/api_customer/orders.json", "application/json"),
        ("/api_customer/orders.csv", "text/csv"),
        ("/_sandbox/health", "application/json"),
    ],
)
def test_accept_xml_is_honoured_where_the_spec_offers_it(shared: TestClient, path: str, media: str) -> None:
    headers = {"Authorization": f"Bearer {login(shared)}", "accept": "application/xml"}
    auth = VIDAXL_DEMO if path.startswith("/api_customer") else None
    response = shared.get(path, headers=headers, auth=auth)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media


@pytest.mark.parametrize(
    ("method", "path", "accept", "who", "status"),
    [
        ("GET", "/api/v1/nope", "application/json", "nobody", 404),
        ("GET", "/api/v1/nope", "application/xml", "nobody", 404),
        ("DELETE", "/api/v1/orders", "application/json", "fixje", 405),
        ("GET", "/api/v1/orders", "application/json", "fixje, token expired", 401),
        ("GET", "/api/v1/orders", "application/xml", "fixje, token expired", 401),
        ("GET", "/api/v1/orders", "application/json", "fixje, past the rate limit", 429),
        ("GET", "/api/v1/orders", "application/xml", "fixje, past the rate limit", 429),
        ("GET", "/api_customer/nope", "*/*", "vidaxl", 404),
        ("DELETE", "/api_customer/orders.json", "*/*", "vidaxl", 405),
        ("GET", "/api_customer/orders.json", "*/*", "vidaxl, past the rate limit", 429),
        ("GET", "/api_customer/orders.csv", "*/*", "vidaxl, past the rate limit", 429),
        ("GET", "/_sandbox/nope", "*/*", "nobody", 404),
    ],
)
def test_the_answers_beside_the_operations_end_as_sent_too(
    client: TestClient, method: str, path: str, accept: str, who: str, status: int
) -> None:
    """Unknown paths, wrong methods, expired tokens, rate limits: no newline at the end either."""
    headers = {"accept": accept}
    if who.startswith("vidaxl"):
        headers["authorization"] = basic(*VIDAXL_DEMO)
    if who.startswith("fixje"):
        token = login(client)
        headers["authorization"] = f"Bearer {token}"
    if who.endswith("token expired"):
        assert client.post("/_sandbox/fixje/tokens/expire", json={"token": token}).status_code == 200
    if who.endswith("past the rate limit"):
        one = {"requests": 1, "per": "PT1M"}
        limits = {"enabled": True, "fixje": one, "vidaxl": one}
        assert client.put("/_sandbox/rate-limits", json=limits).status_code == 200
        client.request(method, path, headers=headers)
    response = client.request(method, path, headers=headers)
    assert response.status_code == status, response.text
    assert_ends_as_sent(response)
