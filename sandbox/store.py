"""Durable state (`sandbox serve --data PATH`): the changes a sandbox made, kept in SQLite.

The seed makes the same world every time, so the state is the seeded world and the changes made
to it since, in order. Each request that changes the state (an order placed, a login, a control
call) is written down (`changes`) before its answer is sent: what it asked, the virtual time it ran
at, and the secrets it drew. A restart builds the seeded world and replays every change through the
same operation, at the same time, with the same secrets: the same state again. The journal (the
request log the control API shows) is kept beside it, and the clock's place against the wall
clock, so that virtual time goes on as if the server had kept running.

SQLite in WAL mode with `synchronous=NORMAL`: a commit is in the operating system's hands before the
answer goes, so a killed server (`kill -9`) loses nothing it answered; a power cut may lose the
last moments, as the WAL documentation says."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import os
import signal
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from starlette.requests import Request

from sandbox.errors import InternalError
from sandbox.spec.router import REPLAY, Operation, Reply
from sandbox.world.clock import Clock
from sandbox.world.entropy import Tape, taped
from sandbox.world.schedule import Schedule

FORMAT = 3
"""The layout of the database; a database of a newer one is refused, an older one migrated."""
SNAPSHOT_TABLE = (
    "CREATE TABLE snapshot (one INTEGER PRIMARY KEY CHECK (one = 1), seq INTEGER NOT NULL,"
    " code TEXT NOT NULL, data BLOB NOT NULL)"
)
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], object]] = {
    1: lambda db: db.execute(SNAPSHOT_TABLE),  # format 2 adds the snapshot
    # format 3's journal entries keep their answers (16 fields); format 2's (9 fields) still load as
    # they are, but a sandbox that reads only 9 must refuse them rather than fail on them
    2: lambda db: None,
}
"""For each format before FORMAT, what brings a database of it to the next."""

SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE changes (seq INTEGER PRIMARY KEY, entry BLOB NOT NULL)",
    "CREATE TABLE journal (id INTEGER PRIMARY KEY, entry TEXT NOT NULL)",
    SNAPSHOT_TABLE,
)
LEFT_OUT_HEADERS = frozenset({b"cookie", b"host", b"connection", b"keep-alive", b"user-agent"})
"""Headers a change's record leaves out: none of them changes what a request does (and the control
API's `Authorization`, the admin token, is left out too: a replay needs none)."""
SNAPSHOT_CHANGES = 5_000
"""Changes after which a serving durable sandbox writes a snapshot in the background, so that a
start after a crash replays at most about this many (plus those of the last moments)."""
FLUSH_SECONDS = 1.0
"""How often the journal's newer entries are written (and the clock's place, when it moved)."""


@functools.cache
def code() -> str:
    """What tells one version of the sandbox from another: the digest of its Python files, and
    Python's version (worked out when a snapshot is first read or written, not at every start).
    A snapshot is read only by the code that wrote it."""
    digest = hashlib.sha256(sys.version.encode())
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:32]


class StoreError(Exception):
    """A database the sandbox cannot use, with the reason (the CLI shows it and exits with 2)."""


@dataclass(frozen=True)
class Identity:
    """What made the seeded world a database's changes apply to."""

    seed: int
    fixtures: str
    """The fixtures file's name and digest."""
    scenario: str | None
    apis: tuple[str, ...]

    def as_meta(self) -> dict[str, str]:
        return {
            "seed": str(self.seed),
            "fixtures": self.fixtures,
            "scenario": self.scenario or "",
            "apis": ",".join(self.apis),
        }

    def text(self, meta: dict[str, str]) -> str:
        scenario = meta.get("scenario") or "none"
        fixtures, apis = meta.get("fixtures"), meta.get("apis")
        return f"seed {meta.get('seed')}, fixtures {fixtures}, scenario {scenario}, APIs {apis}"


@dataclass(frozen=True)
class Consulted:
    """A request that fault rules drew a chance for or fired on (a change to their counts)."""

    seq: int
    api: str
    method: str
    path: str
    credential: str | None


@dataclass(frozen=True)
class Change:
    """One recorded change as a restart replays it: a request an operation answered with a 2xx."""

    seq: int
    at: datetime
    api: str
    operation: str
    method: str
    path: str
    query: bytes
    path_params: dict[str, Any]
    headers: list[tuple[bytes, bytes]]
    body: bytes
    tape: list[str]

    @classmethod
    def read(cls, seq: int, text: bytes) -> Change | Consulted:
        data = orjson.loads(text)
        if data.get("kind") == "faults":
            return Consulted(seq, data["api"], data["method"], data["path"], data["credential"])
        return cls(
            seq,
            datetime.fromisoformat(data["at"]),
            data["api"],
            data["operation"],
            data["method"],
            data["path"],
            data["query"].encode("latin-1"),
            data["path_params"],
            [(name.encode("latin-1"), value.encode("latin-1")) for name, value in data["headers"]],
            data["body"].encode("latin-1"),
            data["tape"],
        )

    def scope(self) -> dict[str, Any]:
        """The request as the operation sees it again, marked as a replay (`REPLAY`)."""
        return {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": self.method,
            "scheme": "http",
            "path": self.path,
            "raw_path": self.path.encode(),
            "root_path": "",
            "query_string": self.query,
            "headers": self.headers,
            "client": ("127.0.0.1", 0),
            "server": ("127.0.0.1", 0),
            "path_params": self.path_params,
            REPLAY: True,
        }


class Store:
    """The database at `path`: opened, checked against `identity`, migrated, ready."""

    def __init__(self, path: Path, identity: Identity, *, reset: bool = False) -> None:
        self.path = path
        self.journal_written = 0
        """The number of the last journal entry written."""
        self.journal_since: Callable[[int], list[list[Any]]] = lambda number: []
        """The journal's entries after a number (`Journal.since`), once the journal is loaded."""
        self.clock_written = -1
        """The clock's `moves` when its place was last written."""
        self.committed: asyncio.Future[None] | None = None
        """Done when the changes written since the last commit are committed."""
        self.last_seq = 0
        """The number of the last change recorded."""
        self.snapshot_seq = 0
        """The number of the last change the latest snapshot holds (0: none, or not of this code)."""
        self.writing: tuple[int, int] | None = None
        """The process writing a snapshot in the background, and the change it holds up to."""
        self.closed = False
        self.db = connect(path)
        try:
            self.meta = self.prepare(identity, reset)
            self.last_seq = self.db.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()[0]
        except sqlite3.DatabaseError as error:
            self.db.close()
            raise StoreError(f"{path} cannot be used: {error}") from None
        except StoreError:
            self.db.close()
            raise

    def prepare(self, identity: Identity, reset: bool) -> dict[str, str]:
        db = self.db
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "meta" not in tables:
            raise StoreError(f"{self.path} is an SQLite database, but not a sandbox's")
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall()) if tables else {}
        wanted = identity.as_meta()
        if meta and not reset:
            found = int(meta.get("format", "0"))
            if found > FORMAT:
                raise StoreError(
                    f"{self.path} has format {found}, newer than this sandbox's {FORMAT}: "
                    "run a newer sandbox on it"
                )
            self.migrate(found)
            differs = {key for key, value in wanted.items() if meta.get(key) != value}
            if differs:
                raise StoreError(
                    f"{self.path} holds the state of {identity.text(meta)}; this sandbox runs "
                    f"{identity.text(wanted)}. Start with --data-reset to begin it afresh (its "
                    "changes are lost), or give another --data path."
                )
            meta["format"] = str(FORMAT)
            return meta
        with self.transaction():
            for table in ("meta", "changes", "journal", "snapshot"):
                db.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in SCHEMA:
                db.execute(statement)
            db.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [*wanted.items(), ("format", str(FORMAT))],
            )
        return {**wanted, "format": str(FORMAT)}

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction around the block (the connection commits each statement on its own
        otherwise); inside the batch of changes of this turn of the event loop, when one is open,
        whose commit is on its way."""
        if self.db.in_transaction:
            yield
            return
        self.db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.db.rollback()
            raise
        self.db.execute("COMMIT")

    def migrate(self, found: int) -> None:
        for version in range(found, FORMAT):
            step = MIGRATIONS.get(version)
            if step is None:
                raise StoreError(f"{self.path} has format {version}, which this sandbox cannot read")
            with self.transaction():
                step(self.db)
                self.db.execute("UPDATE meta SET value = ? WHERE key = 'format'", (str(version + 1),))

    def started(self, now: datetime) -> datetime:
        """The clock's start the database was made with: the first start's `now` unless fixed."""
        kept = self.meta.get("clock_start")
        if kept is not None:
            return datetime.fromisoformat(kept)
        self.put_meta("clock_start", now.isoformat())
        return now

    def put_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
        self.meta[key] = value

    def changes(self, after: int = 0) -> Iterator[Change | Consulted]:
        """The changes recorded after the `after`th, in order."""
        for seq, text in self.db.execute(
            "SELECT seq, entry FROM changes WHERE seq > ? ORDER BY seq", (after,)
        ):
            yield Change.read(seq, text)

    # the snapshot

    def snapshot(self) -> tuple[int, bytes] | None:
        """The state after the change it names, as a sandbox of this very code wrote it (`code`);
        None when there is none, or another version of the sandbox wrote it."""
        row = self.db.execute("SELECT seq, code, data FROM snapshot").fetchone()
        if row is None or row[1] != code():
            return None
        return row[0], row[2]

    @property
    def snapshot_wanted(self) -> bool:
        """Whether there are changes the latest snapshot does not hold."""
        return self.last_seq > self.snapshot_seq

    def save_snapshot(self, data: bytes) -> None:
        """`data` as the state after the last change recorded."""
        with self.transaction():
            seq = self.db.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()[0]
            self.db.execute("INSERT OR REPLACE INTO snapshot VALUES (1, ?, ?, ?)", (seq, code(), data))
        self.snapshot_seq = seq

    def snapshot_in_background(self, snapshot: Callable[[], bytes]) -> None:
        """When SNAPSHOT_CHANGES changes came since the last snapshot, none is being written and
        no batch of changes waits for its commit: a child process (a fork, which sees the state
        as it stands, copy-on-write) pickles it and writes it with a connection of its own, while
        the server goes on. Nothing where processes cannot fork."""
        self.reap()
        due = self.last_seq - self.snapshot_seq >= SNAPSHOT_CHANGES
        if not due or self.writing is not None or self.db.in_transaction or not hasattr(os, "fork"):
            return
        seq, digest = self.last_seq, code()
        pid = os.fork()
        if pid == 0:  # the child: write the snapshot and go, touching nothing of the parent's
            status = 1
            try:
                data = snapshot()
                db = sqlite3.connect(self.path, isolation_level=None, timeout=60)
                db.execute("BEGIN IMMEDIATE")
                db.execute("INSERT OR REPLACE INTO snapshot VALUES (1, ?, ?, ?)", (seq, digest, data))
                db.execute("COMMIT")
                db.close()
                status = 0
            finally:
                os._exit(status)
        self.writing = (pid, seq)

    def reap(self, wait: bool = False) -> None:
        """Take note of a background snapshot that ended (or, `wait`, stop one still writing:
        the stop writes a newer one)."""
        if self.writing is None:
            return
        pid, seq = self.writing
        if wait:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        ended, status = os.waitpid(pid, 0 if wait else os.WNOHANG)
        if ended == 0:
            return
        self.writing = None
        if not wait and os.waitstatus_to_exitcode(status) == 0:
            self.snapshot_seq = max(self.snapshot_seq, seq)

    def record(self, entry: dict[str, Any], clock: Clock) -> asyncio.Future[None]:
        """Write a change (and the clock's place, when it moved); what is done once it is committed,
        which its answer waits for. The changes of one turn of the event loop are committed together
        at its end (a commit costs about as much as twenty writes)."""
        if not self.db.in_transaction:
            self.db.execute("BEGIN")
        added = self.db.execute("INSERT INTO changes (entry) VALUES (?)", (orjson.dumps(entry),))
        self.last_seq = added.lastrowid or self.last_seq
        if clock.moves != self.clock_written:
            self.write_clock(clock)
        if self.committed is None:
            loop = asyncio.get_running_loop()
            self.committed = loop.create_future()
            loop.call_soon(self.commit)
        return self.committed

    def commit(self) -> None:
        committed, self.committed = self.committed, None
        try:
            if self.db.in_transaction:  # a flush may have committed it already
                self.db.execute("COMMIT")
        except sqlite3.Error as error:
            self.db.rollback()
            if committed is not None:
                committed.set_exception(StoreError(f"{self.path}: the change could not be kept: {error}"))
            return
        if committed is not None:
            committed.set_result(None)

    # the journal

    def journal(self, size: int) -> list[list[Any]]:
        rows = self.db.execute("SELECT entry FROM journal ORDER BY id DESC LIMIT ?", (size,)).fetchall()
        return [json.loads(text) for (text,) in reversed(rows)]

    def clear_journal(self) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM journal")

    def write_journal(self) -> None:
        """The journal's entries since the last written (at most those it still holds)."""
        newer = self.journal_since(self.journal_written)
        if newer:
            rows = [(entry[0], json.dumps(entry)) for entry in newer]
            self.db.executemany("INSERT OR REPLACE INTO journal (id, entry) VALUES (?, ?)", rows)
            self.journal_written = newer[-1][0]

    def trim_journal(self, size: int) -> None:
        self.db.execute(
            "DELETE FROM journal WHERE id <= (SELECT id FROM journal ORDER BY id DESC LIMIT 1 OFFSET ?)",
            (size,),
        )

    # the clock

    def write_clock(self, clock: Clock) -> None:
        """The clock's place: its time, and the wall clock's at that time (and whether frozen)."""
        place = {
            "now": clock.now().isoformat(),
            "wall": datetime.now(UTC).isoformat(),
            "frozen": clock.frozen,
        }
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('clock', ?)", (json.dumps(place),))
        self.clock_written = clock.moves

    def clock_now(self, scale: float) -> tuple[datetime, bool] | None:
        """Where the clock stands now, as if it had run on since it was last written; and whether
        it is frozen. None when it was never written."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'clock'").fetchone()
        if row is None:
            return None
        place = json.loads(row[0])
        now = datetime.fromisoformat(place["now"])
        if place["frozen"]:
            return now, True
        passed = max(datetime.now(UTC) - datetime.fromisoformat(place["wall"]), timedelta(0))
        return now + passed * scale, False

    def flush(self, clock: Clock, journal_size: int) -> None:
        """Write the journal's newer entries (dropping those past its bound), and the clock's place
        when it moved. A running clock's place, once written, stays true: it runs with real time."""
        with self.transaction():
            self.write_journal()
            self.trim_journal(journal_size)
            if clock.moves != self.clock_written:
                self.write_clock(clock)

    async def flush_every(
        self,
        clock: Clock,
        journal_size: int,
        snapshot: Callable[[], bytes] | None = None,
        seconds: float = FLUSH_SECONDS,
    ) -> None:
        """`flush` every `seconds` while the server serves, and write a `snapshot` in the
        background when one is due."""
        while True:
            await asyncio.sleep(seconds)
            self.flush(clock, journal_size)
            if snapshot is not None:
                self.snapshot_in_background(snapshot)

    def close(self, clock: Clock, journal_size: int, snapshot: Callable[[], bytes] | None = None) -> None:
        """Write what waits, and a `snapshot` of the state when given; then close (once: the
        server and an app's lifespan both may ask)."""
        if self.closed:
            return
        self.reap(wait=True)
        self.flush(clock, journal_size)
        if snapshot is not None and self.snapshot_wanted:
            self.save_snapshot(snapshot())
        self.db.close()
        self.closed = True


def connect(path: Path) -> sqlite3.Connection:
    """The database at `path`, made (readable by its owner only) when missing; StoreError when it
    cannot be opened or written, or is no SQLite database."""
    try:
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except OSError as error:
        raise StoreError(f"cannot create {path}: {error.strerror}") from None
    except sqlite3.Error as error:
        raise StoreError(f"cannot open {path}: {error}") from None
    if not os.access(path, os.W_OK):
        db.close()
        raise StoreError(f"cannot write {path}: permission denied")
    return db


class Recorder:
    """Runs each change to the state pinned to one virtual time, with its secrets on a tape, and
    writes it to the store when it succeeded; or replays a recorded one the same way."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        schedule: Callable[[], Schedule],
        faults: Callable[[str, str, str, str | None], object],
    ) -> None:
        self.store = store
        self.clock = clock
        self.schedule = schedule
        self.faults = faults
        """Checks a request against the fault rules (`Faults.check`), as a `Consulted` replays."""
        self.replaying: Change | None = None

    def consulted(self, api: str, method: str, path: str, credential: str | None) -> None:
        """Keep a request the fault rules looked at (`Faults.consulted`)."""
        if self.replaying is None:
            entry = {"kind": "faults", "api": api, "method": method, "path": path, "credential": credential}
            self.store.record(entry, self.clock)  # committed with this turn's changes

    def bound(self, api: str) -> Callable[[str, Request, bytes, Callable[[], Reply]], Awaitable[Reply]]:
        """What the router of `api` calls around each handler that changes the state."""
        return lambda operation, request, raw, handle: self.change(api, operation, request, raw, handle)

    async def change(
        self, api: str, operation: str, request: Request, raw: bytes, handle: Callable[[], Reply]
    ) -> Reply:
        replaying = self.replaying
        at = replaying.at if replaying is not None else self.clock.now()
        tape = Tape(replaying.tape if replaying is not None else None)
        self.clock.pin(at)
        try:
            with taped(tape):
                self.schedule().catch_up()  # every move due by `at`, as a replay makes them
                reply = handle()
        finally:
            self.clock.unpin()
        if replaying is None and 200 <= reply.status < 300:
            try:
                await self.store.record(entry(at, api, operation, request, raw, tape), self.clock)
            except StoreError as error:
                raise InternalError(str(error)) from None
        return reply

    def replay(self, operations: Mapping[str, Mapping[str, Operation]], scale: float, after: int = 0) -> int:
        """Make every change recorded after the `after`th again, in order, then put the clock where
        it would be had the server run on; how many changes. StoreError when one no longer applies."""
        count = 0
        for change in self.store.changes(after):
            if isinstance(change, Consulted):
                self.faults(change.api, change.method, change.path, change.credential)
                continue
            operation = operations.get(change.api, {}).get(change.operation)
            if operation is None:
                raise StoreError(
                    f"{self.store.path}: change {change.seq} names an operation this sandbox lacks "
                    f"({change.api} {change.operation})"
                )
            self.replaying = change
            try:
                reply = drive(operation.replay(Request(change.scope(), body_of(change.body))))
            except Exception as error:  # whatever a change that no longer fits does: a message, no traceback
                raise StoreError(
                    f"{self.store.path}: change {change.seq} ({change.method} {change.path}) cannot be "
                    f"made again: {error!r}. Start with --data-reset to begin afresh (its changes are lost)."
                ) from None
            finally:
                self.replaying = None
            if not 200 <= reply.status < 300:
                raise StoreError(
                    f"{self.store.path}: change {change.seq} ({change.method} {change.path}) no longer "
                    f"applies: it was answered {reply.status} on replay. Start with --data-reset to "
                    "begin afresh (its changes are lost)."
                )
            count += 1
        place = self.store.clock_now(scale)
        if place is not None:
            instant, frozen = place
            if frozen:
                self.clock.freeze()  # first: a running clock would move on between the two
                self.clock.set(instant)
            else:
                self.clock.set(instant)
                self.clock.resume()
        return count


def body_of(body: bytes) -> Callable[[], Awaitable[dict[str, Any]]]:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def drive(coroutine: Coroutine[Any, Any, Reply]) -> Reply:
    """The result of a coroutine that never waits (a replayed change reads a body already here)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        result: Reply = done.value
        return result
    coroutine.close()
    raise RuntimeError("a replayed change waited for something")


def entry(at: datetime, api: str, operation: str, request: Request, raw: bytes, tape: Tape) -> dict[str, Any]:
    scope = request.scope
    left_out = LEFT_OUT_HEADERS | {b"authorization"} if api == "sandbox" else LEFT_OUT_HEADERS
    return {
        "at": at.isoformat(),
        "api": api,
        "operation": operation,
        "method": scope["method"],
        "path": scope["path"],
        "query": scope["query_string"].decode("latin-1"),
        "path_params": scope.get("path_params", {}),
        "headers": [
            [name.decode("latin-1"), value.decode("latin-1")]
            for name, value in scope["headers"]
            if name not in left_out
        ],
        "body": raw.decode("latin-1"),
        "tape": tape.drawn,
    }
