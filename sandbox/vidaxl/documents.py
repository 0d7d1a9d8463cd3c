"""An order's documents: its invoice once paid, a credit note once refunded; as the documents
endpoints list them and as the PDF each one's `url` serves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sandbox.vidaxl.pdf import Page, render
from sandbox.vidaxl.world import Addressbook, Order
from sandbox.world.orders import OrderBook

KINDS = {1: ("invoice", "INV", "Invoice"), 2: ("credit_note", "CN", "Credit note")}
CURRENCY = "EUR"


@dataclass(frozen=True)
class Document:
    order: Order
    kind: int
    """1 the invoice, 2 the credit note (the last digit of the id)."""
    date: datetime

    @property
    def id(self) -> int:
        return self.order.id * 10 + self.kind

    @property
    def type(self) -> str:
        return KINDS[self.kind][0]

    @property
    def number(self) -> str:
        return f"{KINDS[self.kind][1]}-{self.order.order_number}"

    @property
    def sign(self) -> int:
        """A credit note gives the amounts back."""
        return -1 if self.kind == 2 else 1

    @property
    def file_name(self) -> str:
        return f"{self.number}.pdf"


def invoice_number(order: Order) -> str:
    return Document(order, 1, order.created_at).number


def of(order: Order) -> list[Document]:
    """The order's documents, oldest first."""
    found = []
    if order.payment_date is not None:
        found.append(Document(order, 1, order.payment_date))
        refunded = order.refunded_at()
        if refunded is not None:
            found.append(Document(order, 2, refunded))
    return found


def find(orders: OrderBook[Order], document_id: int) -> Document | None:
    """The document with this id, whoever's it is."""
    order_id, kind = divmod(document_id, 10)
    order = orders.find(order_id)
    if order is None:
        return None
    return next((d for d in of(order) if d.kind == kind), None)


def _money(amount: Decimal) -> str:
    return f"{abs(amount) if amount == 0 else amount:.2f}"


def _address(entry: Addressbook) -> list[str | None]:
    place = " ".join(part for part in (entry.postal_code, entry.city) if part)
    return [entry.name, entry.address, entry.address2, entry.province, place, entry.country]


COLUMNS = (
    (50, "Code"),
    (110, "Product"),
    (330, "Qty"),
    (365, "Price"),
    (420, "VAT %"),
    (465, "VAT"),
    (515, "Total"),
)


def pdf(document: Document) -> bytes:
    """The document as a PDF: who and where, each line with its VAT, the totals."""
    order, sign = document.order, document.sign
    title = KINDS[document.kind][2]
    page = Page()
    page.text(50, 790, "vidaXL", size=20, bold=True)
    page.text(400, 790, title, size=20, bold=True)
    page.text(50, 772, "supplier-sandbox: a document of the vidaXL sandbox, not a real invoice", size=8)
    facts = (
        (f"{title} number", document.number),
        (f"{title} date", document.date.date().isoformat()),
        ("Order number", order.order_number),
        ("Order id", str(order.id)),
        ("Your reference", order.reference or "-"),
    )
    for row, (label, value) in enumerate(facts):
        page.text(320, 740 - 14 * row, label, bold=True)
        page.text(430, 740 - 14 * row, value)
    customer = order.customer
    page.block(
        50, 740, "Customer", [customer.company, customer.name, customer.email, f"Customer id {customer.id}"]
    )
    books = list({line.addressbook.id: line.addressbook for line in order.lines}.values())
    for index, entry in enumerate(books):
        heading = "Delivery address" + (f" {index + 1}" if len(books) > 1 else "")
        page.block(50 + (index % 3) * 170, 650 - 112 * (index // 3), heading, _address(entry))
    y = page.room(650 - 112 * ((len(books) - 1) // 3 + 1))
    for x, label in COLUMNS:
        page.text(x, y, label, bold=True)
    page.rule(y - 4)
    net = vat = Decimal(0)
    for line in order.lines:
        y = page.room(y - 16)
        net += line.total_before_vat
        vat += line.total_vat
        cells = (
            line.product.code,
            line.product.name[:40],
            str(line.quantity),
            _money(sign * line.price),
            f"{line.vat_percentage:.1f}",
            _money(sign * line.total_vat),
            _money(sign * line.total_after_vat),
        )
        for (x, _), text in zip(COLUMNS, cells, strict=True):
            page.text(x, y, text, size=9)
    page.rule(y - 6)
    for label, amount in (("Total before VAT", net), ("VAT", vat), (f"Total {CURRENCY}", net + vat)):
        y = page.room(y - 16)
        page.text(380, y, label, bold=label.startswith("Total "))
        page.text(490, y, _money(sign * amount), bold=label.startswith("Total "))
    return render(page, f"{title} {document.number}")
