"""The runtime on its own: reset, export and restore of the whole state, with no app around it."""

from __future__ import annotations

import gc
import json
from datetime import timedelta

import pytest

from sandbox.errors import BadRequest, Conflict
from sandbox.fixtures import Fixtures, load_fixtures
from sandbox.resources import default_fixtures
from sandbox.runtime import Runtime
from sandbox.suppliers import SUPPLIERS
from sandbox.world.clock import Clock
from tests.helpers import FIXJE_DEMO, TEST_SETTINGS, VIDAXL_DEMO


@pytest.fixture(scope="module")
def fixtures() -> Fixtures:
    return load_fixtures(default_fixtures(), SUPPLIERS)


def make(fixtures: Fixtures) -> Runtime:
    return Runtime(TEST_SETTINGS, fixtures, SUPPLIERS)


def change(runtime: Runtime) -> None:
    """An order of each supplier's scenario kind, a tenant, a clock move and a journal entry."""
    fixje, vidaxl = runtime.suppliers["fixje"], runtime.suppliers["vidaxl"]
    fixje.place(runtime.worlds["fixje"], FIXJE_DEMO[0], [{"sku": "FX100001", "quantity": 1}], "RT-1")
    vidaxl.place(runtime.worlds["vidaxl"], VIDAXL_DEMO[0], [{"code": "146400", "quantity": 1}], "RT-2")
    fixje.add_tenant(runtime.worlds["fixje"], "Tenant", "tenant-key")
    runtime.clock.advance(timedelta(hours=5))


def exported(runtime: Runtime) -> str:
    return json.dumps(runtime.export(), sort_keys=True)


def test_a_reset_gives_back_the_seeded_state(fixtures: Fixtures) -> None:
    runtime = make(fixtures)
    seeded, worlds = exported(runtime), runtime.worlds
    change(runtime)
    assert exported(runtime) != seeded
    runtime.reset()
    assert exported(runtime) == seeded
    assert runtime.worlds is not worlds  # new worlds, copied from the seeded ones
    assert runtime.worlds["fixje"] is not runtime.seeded.worlds["fixje"]
    change(runtime)  # the seeded worlds never change: a second reset gives the same
    runtime.reset()
    assert exported(runtime) == seeded


def test_an_export_restores_onto_another_runtime_byte_for_byte(fixtures: Fixtures) -> None:
    runtime = make(fixtures)
    change(runtime)
    state = runtime.export()
    other = make(fixtures)
    other.restore(json.loads(json.dumps(state)))
    assert exported(other) == exported(runtime)
    # the schedule follows the restored orders: both move the same way from here
    for each in (runtime, other):
        each.clock.advance(timedelta(days=3))
        each.schedule.catch_up()
    assert exported(other) == exported(runtime)


def test_a_state_that_cannot_be_read_changes_nothing(fixtures: Fixtures) -> None:
    runtime = make(fixtures)
    change(runtime)
    before = exported(runtime)
    state = runtime.export()
    with pytest.raises(Conflict):
        runtime.restore({**state, "seed": 7})
    with pytest.raises(BadRequest) as refused:
        runtime.restore({**state, "fixje": {**state["fixje"], "stock": {"not-a-stock": [1, 0]}}})
    assert list(refused.value.errors) == ["fixje.stock.not-a-stock"]
    assert exported(runtime) == before


def clocks(worlds: object) -> list[Clock]:
    """Every clock the worlds reach."""
    found, seen, todo = [], set(), [worlds]
    while todo:
        item = todo.pop()
        if id(item) in seen or isinstance(item, type):
            continue
        seen.add(id(item))
        if isinstance(item, Clock):
            found.append(item)
        else:
            todo += gc.get_referents(item)
    return found


@pytest.mark.parametrize("pickled", [True, False], ids=["unpickled", "deep-copied"])
def test_each_copy_of_the_seeded_worlds_is_its_own_on_the_clock_given(
    fixtures: Fixtures, pickled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = make(fixtures)
    seeded, fixje = runtime.seeded, runtime.suppliers["fixje"]
    if not pickled:  # as for a supplier whose world cannot be pickled
        monkeypatch.setitem(seeded.__dict__, "pickled", None)
    clock = Clock(seeded.clock.start, frozen=True)
    one, two = seeded.copy(clock), seeded.copy(clock)
    assert clocks(one) == [clock] and clocks(seeded.worlds) == [seeded.clock]
    assert fixje.export(one["fixje"]) == fixje.export(two["fixje"]) == fixje.export(seeded.worlds["fixje"])
    fixje.place(one["fixje"], FIXJE_DEMO[0], [{"sku": "FX100001", "quantity": 1}], "RT-1")
    assert fixje.export(one["fixje"]) != fixje.export(two["fixje"]) == fixje.export(seeded.worlds["fixje"])
