"""The Fixje catalogue: products with a tax class and prices, stocked in several warehouses."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from sandbox.world.catalogue import ADJECTIVES, MATERIALS, Stock, Warehouse, ean13
from sandbox.world.ids import IdSource
from sandbox.world.money import cents

VAT_RATES = {"high": Decimal(21), "low": Decimal(9), "zero": Decimal(0)}
"""Dutch VAT by tax class: the standard rate, the reduced rate, and the zero rate."""


@dataclass
class Product:
    sku: str
    name: str
    category: str
    ean: str
    mpn: str
    tax_class: str
    price: Decimal
    suggested_retail_price: Decimal
    oem_price: Decimal
    default_retail_price: Decimal
    image: str
    stocks: list[Stock] = field(default_factory=list)

    @property
    def vat_rate(self) -> Decimal:
        return VAT_RATES[self.tax_class]

    def stock(self, stock_id: str) -> Stock | None:
        return next((stock for stock in self.stocks if stock.id == stock_id), None)

    def best_stock(self, quantity: int) -> Stock:
        """The cheapest stock that holds `quantity`, else the one that holds the most."""
        ready = [s for s in self.stocks if s.available >= quantity]
        if ready:
            return min(ready, key=lambda s: s.warehouse.additional_cost)
        return max(self.stocks, key=lambda s: s.available)


class Catalogue:
    def __init__(self, products: list[Product]) -> None:
        self.products = products
        self.by_sku = {product.sku: product for product in products}


# category: (tax class, price range in euros, nouns)
CATEGORIES: dict[str, tuple[str, tuple[int, int], tuple[str, ...]]] = {
    "Garden": (
        "high",
        (8, 400),
        (
            "Garden Chair",
            "Parasol",
            "Planter",
            "Hose Reel",
            "Lounge Set",
            "Garden Bench",
            "Fire Pit",
            "Bird House",
        ),
    ),
    "Kitchen": (
        "high",
        (4, 180),
        ("Chef's Knife", "Frying Pan", "Kettle", "Cutting Board", "Spice Rack", "Stock Pot", "Salad Bowl"),
    ),
    "Furniture": (
        "high",
        (30, 900),
        ("Bookcase", "Coffee Table", "Bar Stool", "Wardrobe", "TV Cabinet", "Desk", "Shoe Rack"),
    ),
    "Lighting": ("high", (9, 250), ("Floor Lamp", "Desk Lamp", "Pendant Light", "Wall Light", "LED Strip")),
    "Toys": (
        "high",
        (5, 120),
        ("Wooden Train Set", "Building Blocks", "Play Tent", "Puzzle", "Balance Bike"),
    ),
    "Pet supplies": ("high", (4, 160), ("Dog Bed", "Cat Tree", "Feeding Bowl", "Pet Carrier")),
    "Books": ("low", (6, 60), ("Cookbook", "Garden Guide", "Atlas", "Picture Book")),
    "Food & drink": ("low", (3, 45), ("Coffee Beans", "Herbal Tea", "Olive Oil", "Dark Chocolate", "Honey")),
    "Gift cards": ("zero", (10, 100), ("Gift Card",)),
}


def _price(rng: random.Random, low: int, high: int) -> Decimal:
    return cents(Decimal(str(round(rng.uniform(low, high), 2))))


def _retail(amount: Decimal) -> Decimal:
    """Round a consumer price up to the next .95."""
    whole = Decimal(int(amount))
    return whole + Decimal("0.95") if amount <= whole + Decimal("0.95") else whole + Decimal("1.95")


def build_catalogue(
    rng: random.Random,
    ids: IdSource,
    brands: list[str],
    *,
    count: int,
    warehouses: list[Warehouse],
    sku_prefix: str,
    ean_prefix: str,
    image_base: str,
) -> Catalogue:
    """`count` products with unique SKUs and EANs and one to three stocks each."""
    products = []
    eans: set[str] = set()
    names = list(CATEGORIES)
    for number in range(count):
        category = names[rng.randrange(len(names))]
        tax_class, (low, high), nouns = CATEGORIES[category]
        brand = brands[rng.randrange(len(brands))]
        name = f"{brand} {rng.choice(nouns)}"
        if category == "Food & drink":
            name += f" {rng.randint(1, 12) * 50} g"
        elif tax_class == "high":
            name = f"{brand} {rng.choice(ADJECTIVES)} {rng.choice(MATERIALS)} {rng.choice(nouns)}"
        width = 12 - len(ean_prefix)
        while True:
            ean = ean13(ean_prefix + f"{rng.randrange(10**width):0{width}d}")
            if ean not in eans:
                eans.add(ean)
                break
        price = _price(rng, low, high)
        gross = price * (1 + VAT_RATES[tax_class] / 100)
        suggested = _retail(gross * Decimal(str(round(rng.uniform(1.3, 1.9), 2))))
        sku = f"{sku_prefix}{100000 + number}"
        chosen = rng.sample(warehouses, rng.randint(1, min(3, len(warehouses))))
        stocks = [Stock(ids.uuid(), warehouse, _quantity(rng)) for warehouse in chosen]
        products.append(
            Product(
                sku=sku,
                name=name,
                category=category,
                ean=ean,
                mpn=f"{brand[:3].upper()}-{rng.randint(1000, 99999)}{rng.choice('ABCDEFGHJK')}",
                tax_class=tax_class,
                price=price,
                suggested_retail_price=suggested,
                oem_price=cents(price * Decimal(str(round(rng.uniform(0.7, 0.9), 2)))),
                default_retail_price=min(suggested, _retail(gross * Decimal("1.25"))),
                image=f"{image_base}/{sku}.jpg",
                stocks=stocks,
            )
        )
    return Catalogue(products)


def _quantity(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.08:
        return 0
    if roll < 0.2:
        return rng.randint(1, 5)
    return rng.randint(6, 400)
