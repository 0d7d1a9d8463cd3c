"""One sandbox's state and what moves it: the clock, each supplier's world and API, the schedule,
the journal, fault rules and rate limits, with `reset()`, `export()` and `restore()`.

Whoever needs a world asks the runtime for the live one (`worlds[name]`, or `live(name)`) when
it needs it: a reset or an import puts new worlds in place. Worlds are built from the seed once;
the live ones, and every reset, are copies of those."""

from __future__ import annotations

import copy
import io
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import IO, Any, ClassVar

from sandbox.coverage import Coverage, Surface
from sandbox.errors import ApiError, BadRequest, Conflict
from sandbox.faults import Faults
from sandbox.fixtures import FixtureError, Fixtures
from sandbox.journal import Journal
from sandbox.ratelimit import RateLimits
from sandbox.resources import spec_path
from sandbox.settings import Settings
from sandbox.spec.loader import Spec, load_spec
from sandbox.spec.messages import field_path
from sandbox.spec.router import SpecApi
from sandbox.store import Store
from sandbox.supplier import Order, Supplier, World
from sandbox.world.clock import Clock, within_range
from sandbox.world.schedule import Schedule, Track
from sandbox.world.snapshot import StateError, under

STATE_FORMAT = "supplier-sandbox/1"


@dataclass(frozen=True)
class Seeded:
    """The worlds as the seed makes them, never changed: the live worlds and every reset are
    copies, bound to the clock of whoever copies them."""

    worlds: dict[str, World]
    clock: Clock
    """The clock they were built on."""
    seed: int
    fixtures: Fixtures

    @classmethod
    def build(cls, suppliers: Sequence[Supplier], fixtures: Fixtures, seed: int, clock: Clock) -> Seeded:
        worlds = {
            s.name: s.build(fixtures.suppliers[s.name], seed, fixtures.locale, clock) for s in suppliers
        }
        return cls(worlds, clock, seed, fixtures)

    def fits(self, suppliers: Sequence[Supplier], fixtures: Fixtures, seed: int, clock: Clock) -> bool:
        """Whether these are the worlds that `build` makes of the same arguments."""
        return [s.name for s in suppliers] == list(self.worlds) and (seed, fixtures, clock.start) == (
            self.seed,
            self.fixtures,
            self.clock.start,
        )

    def copy(self, clock: Clock) -> dict[str, World]:
        """Worlds of their own, bound to `clock`: unpickled from one pickle of these (three times
        as fast as a deep copy, which a reset and every app of a test suite feel), or deep-copied
        when a supplier's world cannot be pickled."""
        if self.pickled is None:
            return copy.deepcopy(self.worlds, {id(self.clock): clock})
        worlds: dict[str, World] = Thaw(io.BytesIO(self.pickled), clock).load()
        return worlds

    @cached_property
    def pickled(self) -> bytes | None:
        buffer = io.BytesIO()
        try:
            Freeze(buffer, self.clock).dump(self.worlds)
        except (pickle.PicklingError, TypeError, AttributeError):
            return None
        return buffer.getvalue()


class Freeze(pickle.Pickler):
    """Pickles worlds with their clock as a reference, which `Thaw` binds to another clock."""

    def __init__(self, file: IO[bytes], clock: Clock) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.clock = clock

    def persistent_id(self, obj: Any) -> str | None:
        return "clock" if obj is self.clock else None


class Thaw(pickle.Unpickler):
    """Reads what `Freeze` wrote (in this process: never a pickle from elsewhere) onto `clock`."""

    def __init__(self, file: IO[bytes], clock: Clock) -> None:
        super().__init__(file)
        self.clock = clock

    def persistent_load(self, pid: Any) -> Clock:
        if pid != "clock":
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")
        return self.clock


def seed_of(settings: Settings, fixtures: Fixtures) -> int:
    return fixtures.seed if settings.seed is None else settings.seed


class Kept(Thaw):
    """Reads a snapshot from a durable sandbox's database: only the classes of the sandbox's
    state (of the shared world, the fault rules, each supplier's package, `packages`, and a few of
    the standard library's) may be named in it, so that a database from elsewhere cannot make the
    unpickling run other code."""

    STANDARD: ClassVar[dict[str, set[str]]] = {
        "builtins": {"list", "dict", "set", "frozenset", "tuple"},
        "collections": {"defaultdict", "OrderedDict", "deque"},
        "datetime": {"datetime", "date", "timedelta", "timezone"},
        "decimal": {"Decimal"},
        "random": {"Random"},
    }

    def __init__(self, file: IO[bytes], clock: Clock, packages: set[str]) -> None:
        super().__init__(file, clock)
        self.packages = {"sandbox.world", *packages}

    def find_class(self, module: str, name: str) -> Any:
        if name in self.STANDARD.get(module, ()):
            return super().find_class(module, name)
        if module == "sandbox.faults" or module.rpartition(".")[0] in self.packages:
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        raise pickle.UnpicklingError(f"a snapshot may not name {module}.{name}")


class Runtime:
    def __init__(
        self,
        settings: Settings,
        fixtures: Fixtures,
        suppliers: Sequence[Supplier],
        *,
        seeded: Seeded | None = None,
        store: Store | None = None,
        snapshot: tuple[int, bytes] | None = None,
    ) -> None:
        """`snapshot`: a durable sandbox's last snapshot (`Store.snapshot`), to begin from when it
        can be read; then the seeded worlds are built only when a reset or an import needs them."""
        self.settings = settings
        self.fixtures = fixtures
        self.suppliers = {supplier.name: supplier for supplier in suppliers}
        self.seed = seed_of(settings, fixtures)
        self.store = store
        """Where a durable sandbox (`--data`) keeps its changes; None in memory."""
        start = fixtures.clock_start or datetime.now(UTC).replace(microsecond=0)
        if store is not None:
            start = store.started(start)  # "now" is the first start's
        self.clock = Clock(start, frozen=settings.freeze, scale=settings.time_scale)
        self.specs: dict[str, Spec] = {s.name: load_spec(s.spec) for s in suppliers}
        events = tuple(dict.fromkeys(event for s in suppliers for event in s.transitions))
        self.control_spec = load_spec(spec_path("sandbox"), tuple(self.suppliers), events)
        if seeded is not None and not seeded.fits(suppliers, fixtures, self.seed, self.clock):
            raise ValueError(
                "the seeded worlds given were made of other suppliers, fixtures, seed or clock start"
            )
        self.given = seeded
        kept = self.thaw(snapshot[1]) if snapshot is not None else None
        self.resumed = snapshot[0] if kept is not None and snapshot is not None else 0
        """The number of the last change the snapshot the sandbox began from holds; 0 for none."""
        self.worlds = kept["worlds"] if kept is not None else self.seeded.copy(self.clock)
        self.apis: dict[str, SpecApi] = {
            s.name: s.api(self.live(s.name), self.specs[s.name]) for s in suppliers
        }
        self.journal = Journal(self.clock, settings.journal_size)
        self.faults = Faults(self.seed, self.control_spec.validator("/components/schemas/FaultRequest"))
        self.coverage = Coverage(
            [Surface.of(s.name, s.title, self.specs[s.name], s.transitions) for s in suppliers]
        )
        """What clients exercised of each API; a reset keeps it."""
        self.faults.fired = self.coverage.fault
        self.rate_limits = RateLimits(
            settings.rate_limits or fixtures.rate_limits_enabled, fixtures.rate_limits
        )
        self.check_schedule()
        self.schedule = Schedule(self.clock, self.seed, self.tracks())
        self.start_faults()
        self.tenants = 0
        """Tenants made so far (their keys are numbered); a reset does not start it again."""
        if kept is not None:
            self.take_up(kept)

    @cached_property
    def seeded(self) -> Seeded:
        """The worlds as the seed makes them (given, or built when first asked for)."""
        suppliers = list(self.suppliers.values())
        return self.given or Seeded.build(suppliers, self.fixtures, self.seed, self.clock)

    def live(self, name: str) -> Callable[[], World]:
        """What gives the live world of `name` at the moment it is called."""
        return lambda: self.worlds[name]

    def tracks(self) -> list[Track]:
        """The live worlds' orders as the schedule follows them."""
        return [self.track(supplier) for supplier in self.suppliers.values()]

    def track(self, supplier: Supplier) -> Track:
        world = self.worlds[supplier.name]
        return Track(
            supplier.name,
            self.fixtures.schedule.get(supplier.name, ()),
            supplier.orders(world).placed,
            supplier.status,
            supplier.since,
            lambda order, event, at: self.move(supplier, world, order, event, {"_at": at}, "schedule"),
        )

    def move(
        self, supplier: Supplier, world: World, order: Order, event: str, payload: Any, cause: str
    ) -> str:
        """`supplier.apply`, counted by the coverage for the order's owner: the new status."""
        before = supplier.status(order)
        after = supplier.apply(world, order, event, payload, cause)
        owner = supplier.owner(world, order, self.fixtures.suppliers[supplier.name])
        self.coverage.transition(supplier.name, owner.key, event, before, after, cause)
        return after

    def check_schedule(self) -> None:
        """A rule of the fixtures' schedule that its supplier's lifecycle does not allow stops the
        start."""
        for name, rules in self.fixtures.schedule.items():
            table = self.suppliers[name].transitions
            for index, rule in enumerate(rules):
                allowed = {str(status) for status in table.get(rule.event, {})}
                if rule.status not in allowed:
                    raise FixtureError(
                        f"schedule.{name}[{index}]: the event '{rule.event}' cannot happen in status "
                        f"'{rule.status}' (it can in: {', '.join(sorted(allowed)) or 'none'})"
                    )

    def start_faults(self) -> None:
        """The fixtures' fault rules, as at start-up."""
        self.faults.clear()
        for index, rule in enumerate(self.fixtures.faults):
            try:
                self.faults.add(rule, "fixtures")
            except ApiError as error:
                raise FixtureError(f"{self.settings.fixtures}: faults[{index}]: {error.detail}") from None

    def install(self, worlds: dict[str, World]) -> None:
        """Make `worlds` the live ones; the schedule follows their orders."""
        self.worlds = worlds
        self.schedule.restart(self.tracks())

    def reset(self) -> None:
        """Back to the seeded state: the clock at its start, the worlds as seeded (with no tokens
        or kept views), an empty journal, the fault rules and rate limits of the start."""
        self.clock.set(self.clock.start)
        self.install(self.seeded.copy(self.clock))
        self.journal.clear()
        self.start_faults()
        self.rate_limits.restore()

    def snapshot(self) -> bytes:
        """What replaying a durable sandbox's changes builds, pickled: the worlds (with the clock
        by reference), what each API holds beside its world, the fault rules, the rate limits and
        the tenants' count. `thaw` and `take_up` read it back."""
        state = {
            "worlds": self.worlds,
            "apis": {name: supplier.api_state(self.apis[name]) for name, supplier in self.suppliers.items()},
            "faults": (self.faults.rules, self.faults.count),
            "rate_limits": (self.rate_limits.enabled, self.rate_limits.limits),
            "tenants": self.tenants,
        }
        buffer = io.BytesIO()
        Freeze(buffer, self.clock).dump(state)
        return buffer.getvalue()

    def thaw(self, snapshot: bytes) -> dict[str, Any] | None:
        """The state a snapshot holds; None when it cannot be read (damaged, or of other APIs).
        It is read as the sandbox's own data only: a class from elsewhere is refused (`Kept`)."""
        packages = {type(supplier).__module__.rpartition(".")[0] for supplier in self.suppliers.values()}
        try:
            state = Kept(io.BytesIO(snapshot), self.clock, packages).load()
        except Exception:  # whatever a damaged or foreign pickle raises: begin without it
            return None
        if not isinstance(state, dict) or set(state) != {
            "worlds",
            "apis",
            "faults",
            "rate_limits",
            "tenants",
        }:
            return None
        if not isinstance(state["worlds"], dict) or sorted(state["worlds"]) != sorted(self.suppliers):
            return None
        kept: dict[str, Any] = state
        return kept

    def take_up(self, state: dict[str, Any]) -> None:
        """Put in place, beside the worlds, what `thaw` read: each API's own state, the fault
        rules, the rate limits, the tenants' count."""
        for name, supplier in self.suppliers.items():
            supplier.resume_api(self.apis[name], state["apis"][name])
        rules, count = state["faults"]
        self.faults.rules[:] = rules
        self.faults.count = count
        enabled, limits = state["rate_limits"]
        self.rate_limits.set(enabled, limits)
        self.tenants = state["tenants"]

    def export(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "seed": self.seed,
            "clock": {"now": self.clock.now().isoformat(), "frozen": self.clock.frozen},
            **{name: supplier.export(self.worlds[name]) for name, supplier in self.suppliers.items()},
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Replace the whole state with an export; nothing changes when it cannot be read. The
        control spec's State schema has checked the form; what only the worlds know (a product,
        a customer, a stock) is each supplier's to check, a 400 naming the field. The broad catch
        is the last line of defence: whatever else a state gets wrong is a 400, never a 500."""
        if state.get("format") != STATE_FORMAT:
            raise BadRequest.field("format", f"Expected a state of format {STATE_FORMAT!r}.")
        if state.get("seed") != self.seed:
            raise Conflict(
                f"This state comes from seed {state.get('seed')!r}; this sandbox runs seed {self.seed}."
            )
        fresh = self.seeded.copy(self.clock)
        try:
            for name, supplier in self.suppliers.items():
                with under(name):
                    supplier.restore(fresh[name], state[name])
            now = within_range("clock.now", lambda: datetime.fromisoformat(state["clock"]["now"]))
            frozen = bool(state["clock"]["frozen"])
        except StateError as error:
            raise BadRequest.field(field_path(error.path), error.message) from None
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, ArithmeticError) as error:
            raise BadRequest(f"This is not a state this sandbox exported: {error!r}.") from None
        self.install(fresh)
        self.clock.set(now)
        if frozen:
            self.clock.freeze()
        else:
            self.clock.resume()
