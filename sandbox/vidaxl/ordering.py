"""POST /api_customer/orders beyond the schema: addresses, products and countries, then placement.

Each line ships to its own addressbook when that one is deliverable, else to the order's. Real
integrations send an order-level addressbook with only a country and the whole address on each
line; the docs' sample puts the house number in `address2`. Both are taken as the service takes
them."""

from __future__ import annotations

from typing import Any

from sandbox.errors import BadRequest, Unprocessable
from sandbox.vidaxl.world import DELIVERY, VAT_BY_COUNTRY, Addressbook, Customer, NewLine, Order, VidaxlWorld
from sandbox.world.countries import ISO_3166_ALPHA2, upper_code

ADDRESS_FIELDS = (
    "address",
    "address2",
    "province",
    "city",
    "postal_code",
    "country",
    "name",
    "phone",
    "comments",
    "email",
    "reference_code",
)
NOT_ACTIVE = "Product is not active"
COULD_NOT = "Could not create order"
HOUSE_NUMBER = "The address must hold a house number: at least one digit in address or address2."


class Refusal:
    """The problems found in an order, kept until all are known."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self.first = ""

    def add(self, path: str, message: str, headline: str = "") -> None:
        self.errors.setdefault(path, []).append(message)
        self.first = self.first or headline


def _entry(data: dict[str, Any]) -> Addressbook:
    """A new addressbook from the request, not stored yet (id 0)."""
    fields = {name: data.get(name) for name in ADDRESS_FIELDS}
    if isinstance(fields["country"], str):
        fields["country"] = upper_code(fields["country"].strip())
    return Addressbook(0, **fields)


def _address(
    customer: Customer, data: dict[str, Any], path: str, invalid: Refusal, refusal: Refusal
) -> Addressbook | None:
    """The addressbook `data` names: a new one (id 0), one of the customer's, or None."""
    if "addressbook" in data:
        entry = _entry(data["addressbook"])
        where = f"{path}addressbook"
        if not entry.missing() and not any(map(str.isdigit, f"{entry.address}{entry.address2 or ''}")):
            invalid.add(f"{where}.address", HOUSE_NUMBER)
        if entry.country:
            _country(entry.country, data["addressbook"]["country"], f"{where}.country", refusal)
        return entry
    if "addressbook_id" in data:
        found = customer.addressbook(data["addressbook_id"])
        if found is None:
            refusal.add(
                f"{path}addressbook_id",
                f"Addressbook {data['addressbook_id']} does not exist.",
                f"{COULD_NOT}: addressbook {data['addressbook_id']} does not exist",
            )
        return found
    return None


def _country(country: str, given: str, path: str, refusal: Refusal) -> None:
    if country not in ISO_3166_ALPHA2:
        refusal.add(path, f"Country '{given}' is unknown.", f"{COULD_NOT}: country '{given}' is unknown")
    elif country not in VAT_BY_COUNTRY:
        refusal.add(
            path,
            f"vidaXL does not deliver to {country}.",
            f"{COULD_NOT}: vidaXL does not deliver to {country}",
        )


def _names_address(data: dict[str, Any]) -> bool:
    return "addressbook" in data or "addressbook_id" in data


def _delivery(own: Addressbook | None, order: Addressbook | None) -> Addressbook | None:
    """Where a line goes: its own address if deliverable, else the order's if deliverable."""
    return next((entry for entry in (own, order) if entry is not None and not entry.missing()), None)


def _no_delivery(own: Addressbook | None, order: Addressbook | None) -> str:
    """Why a line has no deliverable address, naming the fields that neither address has."""
    given = [entry for entry in (own, order) if entry is not None]
    lacking = [name for name in DELIVERY if all(name in entry.missing() for entry in given)]
    if not lacking:  # each has some of them, neither all
        lacking = [name for name in DELIVERY if any(name in entry.missing() for entry in given)]
    names = ", ".join(lacking)
    if own is None:
        why = f"it has no addressbook of its own and the order's lacks {names}."
    elif order is None:
        why = f"its addressbook lacks {names}, and the order has none."
    else:
        why = f"neither its addressbook nor the order's has {names}."
    return f"No deliverable address for this line: {why}"


def place_order(world: VidaxlWorld, customer: Customer, body: dict[str, Any]) -> Order:
    """Check what the schema cannot, then store the order; nothing is stored on an error. Missing
    or malformed fields are 400; an order that cannot be made (product, addressbook, country) 422."""
    invalid, refusal = Refusal(), Refusal()
    order_address = _address(customer, body, "", invalid, refusal)
    lines = []
    for index, item in enumerate(body["order_products"]):
        path = f"order_products[{index}]"
        if "product_code" not in item and "product_id" not in item:
            invalid.add(f"{path}.product_code", "product_code or product_id is required.")
            continue
        if "product_code" in item:
            product = world.by_code.get(str(item["product_code"]).strip())
            where, shown = f"{path}.product_code", item["product_code"]
        else:
            product = world.by_id.get(item["product_id"])
            where, shown = f"{path}.product_id", item["product_id"]
        if product is None:
            refusal.add(
                where, f"Product {shown} does not exist.", f"{COULD_NOT}: product {shown} does not exist"
            )
        elif not product.active:
            refusal.add(where, f"Product {shown} is not active.", NOT_ACTIVE)
        own = _address(customer, item, f"{path}.", invalid, refusal)
        address = _delivery(own, order_address)
        if address is None and (own is not None or order_address is not None):
            invalid.add(f"{path}.addressbook", _no_delivery(own, order_address))
        elif address is None and not (_names_address(item) or _names_address(body)):
            refusal.add(
                f"{path}.addressbook",
                "An address is required: addressbook or addressbook_id, on the order or on the line.",
                f"{COULD_NOT}: no address for {path}",
            )
        lines.append((product, item["quantity"], address))
    if invalid.errors:
        raise BadRequest(errors=invalid.errors)
    if refusal.errors:
        raise Unprocessable(refusal.first, errors=refusal.errors)

    def stored(entry: Addressbook) -> Addressbook:
        if entry.id:
            return entry
        if id(entry) not in made:
            fields = {name: getattr(entry, name) for name in ADDRESS_FIELDS}
            made[id(entry)] = world.add_addressbook(customer, **fields)
        return made[id(entry)]

    made: dict[int, Addressbook] = {}
    new_lines = [
        NewLine(product, quantity, stored(address))  # type: ignore[arg-type]
        for product, quantity, address in lines
    ]
    reference = body.get("customer_order_reference")
    return world.place(
        customer,
        new_lines,
        reference=None if reference is None else str(reference),
        comments=body.get("comments_customer"),
        addressbook=stored(order_address) if order_address is not None else None,
    )
