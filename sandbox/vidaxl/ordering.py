"""POST /api_customer/orders beyond the schema: products, addresses and countries, then placement."""

from __future__ import annotations

from typing import Any

from sandbox.errors import BadRequest, Unprocessable
from sandbox.vidaxl.world import VAT_BY_COUNTRY, Addressbook, Customer, NewLine, Order, VidaxlWorld
from sandbox.world.countries import ISO_3166_ALPHA2

ADDRESS_FIELDS = ("address", "address2", "province", "city", "postal_code", "country", "name",
                  "phone", "comments")
NOT_ACTIVE = "Product is not active"
COULD_NOT = "Could not create order"


class Refusal:
    """The problems found in an order, kept until all are known."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self.first = ""

    def add(self, path: str, message: str, headline: str) -> None:
        self.errors.setdefault(path, []).append(message)
        self.first = self.first or headline


def _country(data: dict[str, Any], path: str, refusal: Refusal) -> None:
    country = data["country"].upper()
    if country not in ISO_3166_ALPHA2:
        refusal.add(f"{path}.country", f"Country '{data['country']}' is unknown.",
                    f"{COULD_NOT}: country '{data['country']}' is unknown")
    elif country not in VAT_BY_COUNTRY:
        refusal.add(f"{path}.country", f"vidaXL does not deliver to {country}.",
                    f"{COULD_NOT}: vidaXL does not deliver to {country}")


def _address(customer: Customer, data: dict[str, Any], path: str,
             refusal: Refusal) -> Addressbook | dict[str, Any] | None:
    """An existing addressbook, a new one still to be stored, or None."""
    if "addressbook" in data:
        _country(data["addressbook"], f"{path}addressbook", refusal)
        return data["addressbook"]  # type: ignore[no-any-return]
    if "addressbook_id" in data:
        entry = customer.addressbook(data["addressbook_id"])
        if entry is None:
            refusal.add(f"{path}addressbook_id", f"Addressbook {data['addressbook_id']} does not exist.",
                        f"{COULD_NOT}: addressbook {data['addressbook_id']} does not exist")
        return entry
    return None


def _names_address(data: dict[str, Any]) -> bool:
    return "addressbook" in data or "addressbook_id" in data


def place_order(world: VidaxlWorld, customer: Customer, body: dict[str, Any]) -> Order:
    """Check what the schema cannot, then store the order; nothing is stored on an error."""
    refusal = Refusal()
    order_address = _address(customer, body, "", refusal)
    lines = []
    for index, item in enumerate(body["order_products"]):
        path = f"order_products[{index}]"
        if "product_code" not in item and "product_id" not in item:
            raise BadRequest.field(f"{path}.product_code", "product_code or product_id is required.")
        if "product_code" in item:
            product = world.by_code.get(str(item["product_code"]).strip())
            where, shown = f"{path}.product_code", item["product_code"]
        else:
            product = world.by_id.get(item["product_id"])
            where, shown = f"{path}.product_id", item["product_id"]
        if product is None:
            refusal.add(where, f"Product {shown} does not exist.",
                        f"{COULD_NOT}: product {shown} does not exist")
        elif not product.active:
            refusal.add(where, f"Product {shown} is not active.", NOT_ACTIVE)
        address = _address(customer, item, f"{path}.", refusal) or order_address
        if address is None and not (_names_address(item) or _names_address(body)):
            refusal.add(f"{path}.addressbook", "An address is required: addressbook or addressbook_id, "
                        "on the order or on the line.", f"{COULD_NOT}: no address for {path}")
        lines.append((product, item["quantity"], address))
    if refusal.errors:
        raise Unprocessable(refusal.first, errors=refusal.errors)

    def stored(address: Addressbook | dict[str, Any]) -> Addressbook:
        if isinstance(address, Addressbook):
            return address
        key = id(address)
        if key not in made:
            fields = {name: address.get(name) for name in ADDRESS_FIELDS}
            fields["country"] = str(fields["country"]).upper()
            made[key] = world.add_addressbook(customer, **fields)
        return made[key]

    made: dict[int, Addressbook] = {}
    new_lines = [NewLine(product, quantity, stored(address))  # type: ignore[arg-type]
                 for product, quantity, address in lines]
    reference = body.get("customer_order_reference")
    return world.place(
        customer, new_lines, reference=None if reference is None else str(reference),
        comments=body.get("comments_customer"),
        addressbook=stored(order_address) if order_address is not None else None,
    )
