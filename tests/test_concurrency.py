"""200 order creates at once, from ten Fixje and ten vidaXL tenants, against a real server: no
order is lost or shown to another tenant, and stock stays exact. Each API's product is one with
less stock than the creates ask for, so that reserved plus available stays what there was, never
below zero, and what the stock lacked is backordered: with a warning (Fixje) or `is_backorder`
(vidaXL)."""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.helpers import BERLIN, VIDAXL_DEMO, login_form
from tests.live import Server, serve

TENANTS = 10
CREATES = 10
"""Per tenant: 100 per API."""
QUANTITY = 2
ASKED = TENANTS * CREATES * QUANTITY
"""Units asked for per API."""
WORKERS = 50
TIMEOUT = 30
ADDRESS = {
    "lastName": "Jansen",
    "street": "Dorpsstraat",
    "houseNumber": "3",
    "zipCode": "1234 AB",
    "city": "Utrecht",
    "countryCode": "NL",
}
BACKORDER = re.compile(
    r"^orderItems\[0\]: only (\d+) of (\d+) x SKU (\S+) in stock at '([^']+)'; (\d+) backordered\.$"
)

Json = dict[str, Any]


@dataclass
class Tenant:
    api: str
    auth: dict[str, Any]
    """What `requests` needs: a bearer header, or Basic credentials."""
    storefront: str | None = None


@dataclass
class Create:
    tenant: Tenant
    reference: str
    status: int
    body: Json


@dataclass
class Burst:
    """The creates, and what came before and after them."""

    url: str
    creates: list[Create]
    fixje_product: Json
    """As the API showed it before the creates."""
    vidaxl_product: Json
    fixje_after: Json
    vidaxl_after: Json
    before: Json
    """The exported state (GET /_sandbox/state)."""
    after: Json
    demo_before: tuple[int, int]
    """The demo partner's and the demo customer's order counts."""
    demo_after: tuple[int, int]

    def of(self, api: str) -> list[Create]:
        return [c for c in self.creates if c.tenant.api == api]


def get(url: str, **kwargs: Any) -> Any:
    response = requests.get(url, timeout=TIMEOUT, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def make_tenants(url: str, api: str) -> list[Tenant]:
    made = []
    for number in range(TENANTS):
        response = requests.post(
            f"{url}/_sandbox/tenants", json={"api": api, "name": f"{api} job {number}"}, timeout=TIMEOUT
        )
        assert response.status_code == 201, response.text
        tenant = response.json()
        if api == "vidaxl":
            made.append(Tenant(api, {"auth": (tenant["email"], tenant["token"])}))
            continue
        login = requests.post(
            f"{url}/api/v1/login",
            timeout=TIMEOUT,
            data={
                "grant_type": "client_credentials",
                "client_id": tenant["clientId"],
                "client_secret": tenant["clientSecret"],
            },
        )
        assert login.status_code == 200, login.text
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
        made.append(Tenant(api, {"headers": bearer}, tenant["storeFrontIds"][0]))
    return made


def fixje_stock(product: Json) -> int:
    return sum(s["quantity"] for s in product["stocks"])


def vidaxl_stock(product: Json) -> int:
    """An active product's stock; an inactive one cannot be ordered."""
    return int(float(product["quantity"])) if product["active"] else 0


def low_stock(products: list[Json], stock: Callable[[Json], int]) -> Json:
    """The first product with some stock, but at most half of what the creates ask for."""
    return next(p for p in products if 20 <= stock(p) <= ASKED // 2)


def fixje_catalogue(url: str, auth: dict[str, Any]) -> list[Json]:
    found: list[Json] = []
    while True:
        page = get(f"{url}/api/v1/products?page={len(found) // 100 + 1}&pageSize=100", **auth)
        found += page["data"]
        if not page["data"] or len(found) >= page["totalCount"]:
            return found


def vidaxl_catalogue(url: str, auth: dict[str, Any]) -> list[Json]:
    found: list[Json] = []
    while True:
        page = get(f"{url}/api_customer/products.json?offset={len(found)}&limit=500", **auth)
        found += page["data"]
        if not page["data"] or len(found) >= page["pagination"]["total"]:
            return found


def demo_counts(url: str, token: str) -> tuple[int, int]:
    fixje = get(f"{url}/api/v1/orders?pagesize=1", headers={"Authorization": f"Bearer {token}"})
    vidaxl = get(f"{url}/api_customer/orders.json?status_order_id_eq=1", auth=VIDAXL_DEMO)
    return fixje["totalCount"], len(vidaxl)


pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with serve("--freeze") as running:
        yield running


@pytest.fixture(scope="module")
def burst(server: Server) -> Burst:
    url = server.url
    login = requests.post(
        f"{url}/api/v1/login",
        timeout=TIMEOUT,
        data=login_form(),
    )
    token = login.json()["access_token"]
    fixje_tenants, vidaxl_tenants = make_tenants(url, "fixje"), make_tenants(url, "vidaxl")
    fixje_auth, vidaxl_auth = fixje_tenants[0].auth, vidaxl_tenants[0].auth
    # one held in two or more warehouses, so that the creates also choose between stocks
    held_twice = [p for p in fixje_catalogue(url, fixje_auth) if len(p["stocks"]) > 1]
    fixje_product = low_stock(held_twice, fixje_stock)
    vidaxl_product = low_stock(vidaxl_catalogue(url, vidaxl_auth), vidaxl_stock)
    method = next(
        m["shippingMethodId"]
        for m in get(f"{url}/api/v1/shipping-methods", **fixje_auth)["data"]
        if "NL" in m["countries"]
    )

    def create(job: tuple[Tenant, str]) -> Create:
        tenant, reference = job
        if tenant.api == "fixje":
            response = requests.post(
                f"{url}/api/v1/orders",
                timeout=TIMEOUT,
                **tenant.auth,
                json={
                    "reference": reference,
                    "shippingMethodId": method,
                    "storeFrontId": tenant.storefront,
                    "shippingAddress": ADDRESS,
                    "orderItems": [{"sku": fixje_product["sku"], "quantity": QUANTITY}],
                },
            )
        else:
            response = requests.post(
                f"{url}/api_customer/orders.json",
                timeout=TIMEOUT,
                **tenant.auth,
                json={
                    "customer_order_reference": reference,
                    "addressbook": BERLIN,
                    "order_products": [{"product_code": vidaxl_product["code"], "quantity": QUANTITY}],
                },
            )
        json = "json" in response.headers.get("content-type", "")
        return Create(
            tenant, reference, response.status_code, response.json() if json else {"text": response.text}
        )

    jobs = [
        (tenant, f"CONC-{tenant.api}-{index}-{number}")
        for index, tenant in enumerate(fixje_tenants + vidaxl_tenants)
        for number in range(CREATES)
    ]
    random.Random(42).shuffle(jobs)
    demo_before, before = demo_counts(url, token), get(f"{url}/_sandbox/state")
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        creates = list(pool.map(create, jobs))
    fixje_after = next(p for p in fixje_catalogue(url, fixje_auth) if p["sku"] == fixje_product["sku"])
    vidaxl_after = get(f"{url}/api_customer/products.json?code_eq={vidaxl_product['code']}", **vidaxl_auth)[
        "data"
    ][0]
    return Burst(
        url,
        creates,
        fixje_product,
        vidaxl_product,
        fixje_after,
        vidaxl_after,
        before,
        get(f"{url}/_sandbox/state"),
        demo_before,
        demo_counts(url, token),
    )


def stocks(state: Json, api: str, keys: list[str]) -> dict[str, tuple[int, int]]:
    """(available, reserved) of these stocks in an exported state."""
    held = state[api]["stock"]
    return {key: (held[key][0], held[key][1]) for key in keys}


def new_lines(state: Json, api: str) -> list[Json]:
    """The lines of the orders the creates made, in an exported state."""
    return [
        line
        for order in state[api]["orders"]
        if (order["reference"] or "").startswith("CONC-")
        for line in order["lines"]
    ]


def test_every_create_succeeds(burst: Burst, server: Server) -> None:
    statuses = Counter((c.tenant.api, c.status) for c in burst.creates)
    assert statuses == {("fixje", 200): TENANTS * CREATES, ("vidaxl", 200): TENANTS * CREATES}, [
        c.body for c in burst.creates if c.status != 200
    ][:3]
    assert not any("Traceback" in line for line in server.log), "".join(server.log)


def test_every_fixje_order_is_listed_by_its_tenant_alone(burst: Burst) -> None:
    creates = burst.of("fixje")
    assert len({c.body["orderId"] for c in creates}) == TENANTS * CREATES
    for tenant in {id(c.tenant): c.tenant for c in creates}.values():
        listed = get(f"{burst.url}/api/v1/orders?pagesize=100", **tenant.auth)
        assert listed["totalCount"] == CREATES
        assert {o["orderId"]: o["reference"] for o in listed["data"]} == {
            c.body["orderId"]: c.reference for c in creates if c.tenant is tenant
        }
    assert burst.demo_after[0] == burst.demo_before[0]


def test_every_vidaxl_order_is_listed_by_its_tenant_alone(burst: Burst) -> None:
    creates = burst.of("vidaxl")
    assert len({c.body["order"]["id"] for c in creates}) == TENANTS * CREATES
    for tenant in {id(c.tenant): c.tenant for c in creates}.values():
        listed = get(f"{burst.url}/api_customer/orders.json", **tenant.auth)
        assert {o["order"]["id"]: o["order"]["customer_order_reference"] for o in listed} == {
            c.body["order"]["id"]: c.reference for c in creates if c.tenant is tenant
        }
    assert burst.demo_after[1] == burst.demo_before[1]


def test_fixje_stock_stays_exact(burst: Burst) -> None:
    product = burst.fixje_product
    keys = [s["stockId"] for s in product["stocks"]]
    before, after = stocks(burst.before, "fixje", keys), stocks(burst.after, "fixje", keys)
    # what the API showed is what was available; the creates asked for more
    assert [s["quantity"] for s in product["stocks"]] == [before[key][0] for key in keys]
    assert 0 < fixje_stock(product) < ASKED
    for key in keys:
        assert sum(after[key]) == sum(before[key]), key
        assert after[key][0] == 0, key
    assert [s["quantity"] for s in burst.fixje_after["stocks"]] == [0] * len(keys)
    lines = new_lines(burst.after, "fixje")
    assert len(lines) == TENANTS * CREATES
    assert all(line["reserved"] + line["backordered"] == QUANTITY for line in lines)
    reserved = Counter[str]()
    for line in lines:
        reserved[line["stock_id"]] += line["reserved"]
    assert {key: reserved[key] for key in keys} == {key: after[key][1] - before[key][1] for key in keys}
    assert sum(line["backordered"] for line in lines) == ASKED - fixje_stock(product)


def test_each_fixje_backorder_carries_its_warning(burst: Burst) -> None:
    product = burst.fixje_product
    warehouses = {s["stockId"]: s["name"] for s in product["stocks"]}
    lines = {order["id"]: order["lines"][0] for order in burst.after["fixje"]["orders"]}
    reserved = 0
    for created in burst.of("fixje"):
        line, warnings = lines[created.body["orderId"]], created.body["creationWarnings"]
        if not line["backordered"]:
            assert warnings == []
            reserved += QUANTITY
            continue
        assert warnings == [
            f"orderItems[0]: only {line['reserved']} of {QUANTITY} x SKU {product['sku']} in stock at "
            f"'{warehouses[line['stock_id']]}'; {line['backordered']} backordered."
        ]
        found = BACKORDER.match(warnings[0])
        assert found is not None
        reserved += int(found.group(1))
    # from the answers alone: what was reserved is what the stocks held
    assert reserved == fixje_stock(product)


def test_vidaxl_stock_stays_exact_and_backorders_are_marked(burst: Burst) -> None:
    product, key = burst.vidaxl_product, str(burst.vidaxl_product["id"])
    held = vidaxl_stock(product)
    assert 0 < held < ASKED
    before, after = stocks(burst.before, "vidaxl", [key])[key], stocks(burst.after, "vidaxl", [key])[key]
    assert before[0] == held
    assert (after[0], sum(after)) == (0, sum(before))
    assert burst.vidaxl_after["quantity"] == "0.0"
    # two units an order: the first held // 2 orders are whole, the rest (partly) backordered
    marks = Counter(c.body["order_products"][0]["is_backorder"] for c in burst.of("vidaxl"))
    assert marks == {False: held // QUANTITY, True: TENANTS * CREATES - held // QUANTITY}
    lines = new_lines(burst.after, "vidaxl")
    assert len(lines) == TENANTS * CREATES
    assert all(line["reserved"] + line["backordered"] == QUANTITY for line in lines)
    assert sum(line["reserved"] for line in lines) == after[1] - before[1] == held
