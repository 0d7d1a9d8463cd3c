"""How tests/data/durable/format-1.db was made, by the sandbox whose store wrote format 1; kept so
that the next format knows what the old one holds. Do not run it to refresh the database: it is
the old format on purpose (test_durable.py opens it with today's sandbox).

    python tests/data/durable/make_format_1.py   # from the project's root, then move the file here
"""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from sandbox.app import create_app
from sandbox.settings import Settings

HERE = Path(__file__).parent


def main() -> None:
    settings = Settings(fixtures=HERE / "fixtures.yaml", data=Path("format-1.db"), freeze=True)
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        login = client.post(
            "/api/v1/login",
            data={
                "grant_type": "client_credentials",
                "client_id": "fixje-demo-client",
                "client_secret": "fixje-demo-secret",
            },
        ).json()
        bearer = {"Authorization": f"Bearer {login['access_token']}"}
        method = next(
            m
            for m in client.get("/api/v1/shipping-methods", headers=bearer).json()["data"]
            if "NL" in m["countries"]
        )
        storefront = client.get("/api/v1/storefronts", headers=bearer).json()["data"][0]
        sku = client.get("/api/v1/products", headers=bearer).json()["data"][0]["sku"]
        order = client.post(
            "/api/v1/orders",
            headers=bearer,
            json={
                "reference": "PO-FORMAT-1",
                "shippingMethodId": method["shippingMethodId"],
                "storeFrontId": storefront["storeFrontId"],
                "shippingAddress": {
                    "firstName": "Sanne",
                    "lastName": "de Vries",
                    "street": "Stationsstraat",
                    "houseNumber": "12",
                    "zipCode": "5038 EA",
                    "city": "Tilburg",
                    "countryCode": "NL",
                },
                "orderItems": [{"sku": sku, "quantity": 2}],
            },
        ).json()
        client.post(f"/_sandbox/fixje/orders/{order['orderId']}/events", json={"event": "ship"})
        product = client.get(
            "/api_customer/products.json", auth=("demo@vidaxl.sandbox", "vidaxl-demo-token")
        ).json()["data"][0]
        created = client.post(
            "/api_customer/orders.json",
            auth=("demo@vidaxl.sandbox", "vidaxl-demo-token"),
            json={
                "customer_order_reference": "PO-FORMAT-1",
                "addressbook": {
                    "address": "Covent Garden 100",
                    "city": "London",
                    "postal_code": "NR33 7NL",
                    "country": "GB",
                    "name": "John Wall",
                    "phone": "0684541247",
                },
                "order_products": [{"product_code": product["code"], "quantity": 1}],
            },
        ).json()
        tenant = client.post("/_sandbox/tenants", json={"api": "vidaxl", "name": "Format one"}).json()
        client.post(
            "/_sandbox/faults",
            json={"api": "fixje", "path": "/api/v1/storefronts", "status": 503, "times": 1},
        )
        client.post("/_sandbox/clock", json={"advance": "PT10M"})
        print(
            {
                "token": login["access_token"],
                "fixje": order,
                "vidaxl": created["order"]["id"],
                "tenant": tenant,
            }
        )


if __name__ == "__main__":
    main()
