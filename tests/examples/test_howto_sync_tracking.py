"""How to: a sync job that reads the tracking numbers of shipped orders from both suppliers."""

from __future__ import annotations

import requests

from sandbox.pytest_plugin import FixjeTenant, SandboxControl, VidaxlTenant


def fixje_tracking(session: requests.Session, base_url: str) -> dict[str, list[str]]:
    """Our reference -> the tracking number of each parcel, for Fixje orders with a shipment.
    (`session` carries the bearer token.)"""
    orders = session.get(f"{base_url}/api/v1/orders", params={"pagesize": 100}, timeout=10).json()["data"]
    return {
        order["reference"]: [parcel["trackingNumber"] for parcel in order["shipments"]]
        for order in orders
        if order["shipments"]
    }


def vidaxl_tracking(session: requests.Session, base_url: str) -> dict[str, list[str]]:
    """Our reference -> the tracking numbers, for vidaXL orders that were sent (status 5).
    (`session` carries the Basic credentials.)"""
    orders = session.get(
        f"{base_url}/api_customer/orders.json", params={"status_order_id_eq": 5}, timeout=10
    ).json()
    return {
        entry["order"]["customer_order_reference"]: entry["order"]["shipping_tracking"].split(",")
        for entry in orders
    }


ADDRESS = {
    "lastName": "de Vries",
    "street": "Stationsstraat",
    "houseNumber": "12",
    "zipCode": "5038 EA",
    "city": "Tilburg",
    "countryCode": "NL",
}
ADDRESSBOOK = {
    "address": "Hauptstrasse 5",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
    "name": "Jonas Weber",
    "phone": "+49 30 1234567",
}


def place_fixje_order(session: requests.Session, tenant: FixjeTenant, reference: str) -> str:
    methods = session.get(f"{tenant.base_url}/api/v1/shipping-methods", timeout=10).json()["data"]
    placed = session.post(
        f"{tenant.base_url}/api/v1/orders",
        timeout=10,
        json={
            "reference": reference,
            "storeFrontId": tenant.store_front_ids[0],
            "shippingMethodId": next(m["shippingMethodId"] for m in methods if "NL" in m["countries"]),
            "shippingAddress": ADDRESS,
            "orderItems": [{"sku": "FX100001", "quantity": 2}],
        },
    )
    placed.raise_for_status()
    order_id: str = placed.json()["orderId"]
    return order_id


def place_vidaxl_order(session: requests.Session, tenant: VidaxlTenant, reference: str) -> int:
    placed = session.post(
        f"{tenant.base_url}/api_customer/orders.json",
        timeout=10,
        json={
            "customer_order_reference": reference,
            "addressbook": ADDRESSBOOK,
            "order_products": [{"product_code": "146400", "quantity": 1}],
        },
    )
    placed.raise_for_status()
    order_id: int = placed.json()["order"]["id"]
    return order_id


def test_the_sync_job_finds_every_parcel_once_the_orders_ship(
    sandbox_control: SandboxControl, fixje_tenant: FixjeTenant, vidaxl_tenant: VidaxlTenant
) -> None:
    with requests.Session() as fixje, requests.Session() as vidaxl:
        fixje.headers["Authorization"] = f"Bearer {fixje_tenant.login()}"
        vidaxl.auth = vidaxl_tenant.auth
        fixje_order = place_fixje_order(fixje, fixje_tenant, "PO-2001")
        vidaxl_order = place_vidaxl_order(vidaxl, vidaxl_tenant, "PO-2002")
        assert fixje_tracking(fixje, fixje_tenant.base_url) == {}
        assert vidaxl_tracking(vidaxl, vidaxl_tenant.base_url) == {}

        # One parcel now, by hand; the schedule ships the rest a day later.
        sandbox_control.apply_event(
            "fixje",
            fixje_order,
            "ship",
            items={"FX100001": 1},
            trackingNumber="3SPARCEL00001",
            carrier="PostNL",
        )
        sandbox_control.apply_event("vidaxl", vidaxl_order, "pay")
        sandbox_control.apply_event(
            "vidaxl", vidaxl_order, "ship", trackingNumbers=["JVGL0000000001", "JVGL0000000002"]
        )
        assert fixje_tracking(fixje, fixje_tenant.base_url) == {"PO-2001": ["3SPARCEL00001"]}
        assert vidaxl_tracking(vidaxl, vidaxl_tenant.base_url) == {
            "PO-2002": ["JVGL0000000001", "JVGL0000000002"]
        }

        sandbox_control.advance("P1D")
        fixje.headers["Authorization"] = f"Bearer {fixje_tenant.login()}"  # a day later: a new token
        parcels = fixje_tracking(fixje, fixje_tenant.base_url)["PO-2001"]
        assert parcels[0] == "3SPARCEL00001"
        assert len(parcels) == 2 and parcels[1] != parcels[0]
