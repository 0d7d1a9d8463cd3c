"""The vidaXL order list's status and date filters and its 24-hour default, which find their orders in
the order book's indexes: after every way an order's status or dates change (an order placed, a
control-API event, the schedule, a scenario, a state import, a reset, a clock set back) each
filter answers what a walk over all of the customer's orders would."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from sandbox.vidaxl import api
from sandbox.vidaxl.world import NewLine, Order
from tests.helpers import STATUS_NAMES, VIDAXL_ORDERS, Customer, ok, vidaxl_order_body, vidaxl_world

Params = dict[str, Any]


def filter_cases(today: date) -> list[Params]:
    """Every status alone; each date filter on days around `today`; some of them together; none."""
    days = [(today - timedelta(days=n)).isoformat() for n in (-1, 0, 1, 2, 3, 5, 8, 12, 20, 30)]
    cases: list[Params] = [{}]
    cases += [{"status_order_id_eq": status} for status in STATUS_NAMES]
    cases += [{"submitted_at_castedeq": day} for day in days]
    cases += [{"submitted_at_gteq": day} for day in days[::3]]
    cases += [{"submitted_at_lteq": day} for day in days[::3]]
    cases += [
        {"submitted_at_gteq": days[5], "submitted_at_lteq": days[1]},
        {"submitted_at_gt_eq": days[4], "submitted_at_casted_eq": days[3].replace("-", "")},
        {"submitted_at_gteq": days[1], "submitted_at_lteq": days[5]},  # an empty range
        {"status_order_id_eq": 5, "submitted_at_gteq": days[7]},
        {"status_order_id_eq": 2, "submitted_at_castedeq": days[1]},
        {"status_order_id_eq": 1, "customer_order_reference_eq": "FLAT"},
    ]
    return cases


def listed(customer: Customer, params: Params) -> list[int]:
    return [order["id"] for order in customer.listed(**params)]


def walked(client: TestClient, params: Params) -> list[int]:
    """The demo customer's orders that the filters keep, found by walking all of them newest first."""
    world = vidaxl_world(client)
    matches = api.order_filter(params, world.clock.now())
    return [order.id for order in reversed(world.orders.of("9")) if matches(order)]


def answers(client: TestClient, customer: Customer) -> dict[str, list[int]]:
    """Each filter's answer, after checking that it is the walk's."""
    found = {}
    for params in filter_cases(vidaxl_world(client).clock.now().date()):
        ids = listed(customer, params)
        assert ids == walked(client, params), params
        found[repr(params)] = ids
    return found


def status_of(customer: Customer, order_id: int) -> int:
    """The order's status, and it is in the list of that status and of no other."""
    status: int = customer.listed(id_eq=order_id)[0]["status_order_id"]
    for each in STATUS_NAMES:
        assert (order_id in listed(customer, {"status_order_id_eq": each})) == (each == status), each
    return status


def event(client: TestClient, order_id: int, name: str) -> None:
    ok(client.post(f"/_sandbox/vidaxl/orders/{order_id}/events", json={"event": name}))


def test_the_seeded_answers_are_the_walks(client: TestClient, customer: Customer) -> None:
    found = answers(client, customer)
    assert sum(len(found[repr({"status_order_id_eq": s})]) for s in STATUS_NAMES) == 16
    assert found["{}"], "some seeded orders fall in the last 24 hours"


def test_an_order_placed_and_each_event_move_it_between_the_filters(
    client: TestClient, customer: Customer
) -> None:
    code = customer.stocked(1)[0]["code"]
    order_id = customer.create(vidaxl_order_body((code, 1), customer_order_reference="FLAT"))["order"]["id"]
    assert status_of(customer, order_id) == 1
    assert listed(customer, {})[0] == order_id
    today = {"submitted_at_castedeq": "2026-11-02"}
    assert order_id not in listed(customer, today)
    for name, status in (("pay", 2), ("prepare", 4), ("ship", 5), ("refund", 8)):
        event(client, order_id, name)
        assert status_of(customer, order_id) == status
        assert listed(customer, today)[0] == order_id
        answers(client, customer)


def test_the_schedule_moves_orders_in_the_filters(client: TestClient, customer: Customer) -> None:
    code = customer.stocked(1)[0]["code"]
    order_id = customer.create(vidaxl_order_body((code, 1)))["order"]["id"]
    event(client, order_id, "pay")
    before = answers(client, customer)
    ok(client.post("/_sandbox/clock", json={"advance": "P2D"}))
    assert status_of(customer, order_id) == 5  # prepared after 2 hours, sent 22 hours later
    after = answers(client, customer)
    assert after[repr({"status_order_id_eq": 2})] == []
    assert after != before


def test_a_scenario_moves_its_order_in_the_filters(client: TestClient, customer: Customer) -> None:
    ok(client.post("/_sandbox/scenarios/supplier-cancellation"))
    order_id = customer.listed(customer_order_reference_eq="SCN-CANCEL")[0]["id"]
    assert status_of(customer, order_id) == 7
    assert listed(customer, {"submitted_at_castedeq": "2026-11-02"})[0] == order_id
    answers(client, customer)


def test_an_import_puts_each_order_where_its_status_and_day_say(
    client: TestClient, customer: Customer
) -> None:
    state = ok(client.get("/_sandbox/state"))
    mine = [order for order in state["vidaxl"]["orders"] if order["customer"] == 9]
    moved, unsent = mine[0], mine[-1]
    assert (moved["status"], unsent["status"]) != (9, 9)
    moved["status"] = 9
    # late on 20 October where it was submitted, 21 October in UTC: the filters take its own day
    unsent["submitted_at"] = "2026-10-20T23:30:00-02:00"
    ok(client.put("/_sandbox/state", json=state))
    assert status_of(customer, moved["id"]) == 9
    assert unsent["id"] in listed(customer, {"submitted_at_castedeq": "2026-10-20"})
    assert unsent["id"] not in listed(customer, {"submitted_at_castedeq": "2026-10-21"})
    answers(client, customer)


def test_a_reset_brings_back_the_seeded_answers(client: TestClient, customer: Customer) -> None:
    seeded = answers(client, customer)
    code = customer.stocked(1)[0]["code"]
    order_id = customer.create(vidaxl_order_body((code, 1), customer_order_reference="FLAT"))["order"]["id"]
    event(client, order_id, "pay")
    first = listed(customer, {"status_order_id_eq": 5})[-1]
    event(client, first, "refund")
    ok(client.post("/_sandbox/clock", json={"advance": "P1D"}))
    assert answers(client, customer) != seeded
    ok(client.post("/_sandbox/reset"))
    assert answers(client, customer) == seeded


def test_a_clock_set_back_and_forth(client: TestClient, customer: Customer) -> None:
    code = customer.stocked(1)[0]["code"]
    ok(client.post("/_sandbox/clock", json={"set": "2026-10-25T12:00:00Z"}))
    early = customer.create(vidaxl_order_body((code, 1)))["order"]["id"]
    event(client, early, "pay")
    last_day = answers(client, customer)["{}"]
    assert last_day[0] == early
    assert listed(customer, {"submitted_at_castedeq": "2026-10-25"})[0] == early
    ok(client.post("/_sandbox/clock", json={"set": "2026-11-03T12:00:00Z"}))
    late = customer.create(vidaxl_order_body((code, 1)))["order"]["id"]
    assert answers(client, customer)["{}"] == [late]
    ok(client.post("/_sandbox/clock", json={"set": "2026-10-25T13:00:00Z"}))
    # the list keeps what was placed since a day before now, also what the clock placed after now
    assert answers(client, customer)["{}"][:2] == [late, early]
    # newest first is the order they were placed in, not that of their days
    since = listed(customer, {"submitted_at_gteq": "2026-10-25"})
    assert since[0] == early and len(since) > 1


@pytest.mark.parametrize(
    "params",
    [
        {"status_order_id_eq": 5},
        {"submitted_at_castedeq": "2026-10-28"},
        {"submitted_at_lteq": "2026-10-20"},
        {},
    ],
)
def test_the_filters_look_only_at_orders_they_may_keep(
    client: TestClient, customer: Customer, monkeypatch: pytest.MonkeyPatch, params: Params
) -> None:
    """With a thousand more orders of the customer, none of them submitted or of status 5, nor
    placed in the last 24 hours, the filter is asked about the orders it keeps and no others."""
    world = vidaxl_world(client)
    buyer = world.customers[0]
    product = next(p for p in world.products if p.active)
    for number in range(1000):
        placed = world.clock.now() - timedelta(days=40, minutes=number)
        world.place(
            buyer,
            [NewLine(product, 1, buyer.addressbooks[0])],
            reference=None,
            comments=None,
            addressbook=None,
            created_at=placed,
        )
    asked: list[int] = []

    def counting(params: Params, now: datetime) -> Any:
        matches = original(params, now)

        def counted(order: Order) -> bool:
            asked.append(order.id)
            return matches(order)

        return counted

    original = api.order_filter
    monkeypatch.setattr(api, "order_filter", counting)
    ids = listed(customer, params)
    assert ids and asked == ids


def test_an_addressbook_is_found_by_id_among_those_orders_added(
    client: TestClient, customer: Customer
) -> None:
    """Each order placed with an address adds an addressbook; `addressbook_id` finds each, the
    first ones and those added since the last lookup."""
    code = customer.stocked(1)[0]["code"]
    books = []
    for number in range(4):
        body = vidaxl_order_body((code, 1), customer_order_reference=f"BOOK-{number}")
        books.append(customer.create(body)["order"]["addressbook_id"])
        named = {**vidaxl_order_body((code, 1)), "addressbook_id": books[0]}
        del named["addressbook"]
        assert customer.create(named)["order"]["addressbook_id"] == books[0]
    for book in books:
        named = {**vidaxl_order_body((code, 1)), "addressbook_id": book}
        del named["addressbook"]
        assert customer.create(named)["order"]["addressbook_id"] == book
    named["addressbook_id"] = books[-1] + 1
    assert customer.post(VIDAXL_ORDERS, json=named).status_code == 422
