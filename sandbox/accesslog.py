"""uvicorn's access log, line for line as uvicorn writes it, at a tenth of the cost.

uvicorn formats each access line through a copy of its log record and a `%` format, then writes
and flushes it alone: at the default log level that was about 45 µs of a small GET's 150, a third
of the sandbox's throughput. `BatchedAccessLog` takes the place of uvicorn's access handler: it
makes the same line with one f-string (the status text and colours of each status worked out
once), and writes the lines of the next 50 ms together, so a burst costs one write and the log
is never more than 50 ms behind. Filters on the `uvicorn.access` logger run before it, as before.

`FastAccess` takes the place of the logger itself in uvicorn's protocol (`limits.LimitedHttp`):
uvicorn's one access call goes straight to the batch, past the `LogRecord` (and the search of the
caller's frame) the logging module would make for it, a tenth of a small GET's time. Both mask a
token given in a URL (the dashboard's `?token=`).

`Batch` is the batching alone: `serve --log-format json` writes the journal's JSON lines with it,
in place of the access log."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, TextIO

from uvicorn.logging import AccessFormatter

DELAY = 0.05
"""Seconds a line may wait for others to be written with it."""
MOST = 512
"""Lines written at once, whatever the delay, so that the buffer stays small under load."""
TOKEN_IN_QUERY = re.compile(r"(?<=[?&])token=[^&\s]*")


def masked(path: str) -> str:
    """`path` (with its query) with the value of a `token` parameter masked."""
    return TOKEN_IN_QUERY.sub("token=***", path) if "token=" in path else path


class Batch:
    """Lines written to `stream` together: those of the next `delay` seconds (or MOST at once)."""

    def __init__(self, stream: TextIO, delay: float = DELAY) -> None:
        self.stream = stream
        self.delay = delay
        self.lines: list[str] = []

    def add(self, line: str) -> None:
        self.lines.append(line)
        if len(self.lines) >= MOST:
            self.flush()
        elif len(self.lines) == 1:
            try:
                asyncio.get_running_loop().call_later(self.delay, self.flush)
            except RuntimeError:  # no event loop (at start or stop): now
                self.flush()

    def flush(self) -> None:
        if not self.lines:
            return
        text, self.lines = "".join(self.lines), []
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the stream is gone (a closed pipe): the lines with it
            pass


class BatchedAccessLog(Batch, logging.Handler):
    def __init__(self, stream: TextIO, formatter: AccessFormatter, delay: float = DELAY) -> None:
        logging.Handler.__init__(self, logging.INFO)
        Batch.__init__(self, stream, delay)
        self.uvicorn = formatter
        self.colours = formatter.use_colors
        # uvicorn's levelprefix: "INFO:" then spaces to nine characters, the name coloured or not
        self.prefix = formatter.color_level_name("INFO", logging.INFO) if self.colours else "INFO"
        self.prefix += ":" + " " * (8 - len("INFO"))
        self.statuses: dict[int, str] = {}

    def handle(self, record: logging.LogRecord) -> bool:
        # the logger's own filters have run; this handler has none, and no lock is needed: every
        # line comes from the event loop's thread
        self.emit(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        try:
            args: Any = record.args
            client, method, path, version, status = args
            line = self.line(client, method, path, version, int(status))
        except (TypeError, ValueError):  # not uvicorn's access call: format it as uvicorn would
            line = f"{self.uvicorn.format(record)}\n"
        self.add(line)

    def line(self, client: object, method: object, path: object, version: object, status: int) -> str:
        shown = self.statuses.get(status)
        if shown is None:
            shown = self.statuses[status] = self.uvicorn.get_status_code(status)
        request = f"{method} {masked(str(path))} HTTP/{version}"
        if self.colours:
            request = f"\x1b[1m{request}\x1b[0m"
        return f'{self.prefix} {client} - "{request}" {shown}\n'


class FastAccess:
    """What uvicorn's protocol asks of its access logger (`info` with the line's arguments), for a
    logger whose one handler is `log` and that has no filters of its own: the line goes to `log`
    at once when the logger takes INFO (its level, `disabled`), as `logger.info` would send it."""

    def __init__(self, logger: logging.Logger, log: BatchedAccessLog) -> None:
        self.logger = logger
        self.log = log

    def info(self, message: str, client: str, method: str, path: str, version: str, status: int) -> None:
        if self.logger.isEnabledFor(logging.INFO):
            self.log.add(self.log.line(client, method, path, version, status))


def batch_access_log() -> FastAccess | None:
    """Put a `BatchedAccessLog` in place of each of uvicorn's access handlers (which
    `uvicorn.Config` has installed by now), on the same stream and with the same formatter; the
    `FastAccess` to give uvicorn's protocol when there is one such handler and nothing else on the
    logger, else None (uvicorn's protocol then logs through the logger)."""
    logger = logging.getLogger("uvicorn.access")
    for handler in list(logger.handlers):
        if isinstance(handler, logging.StreamHandler) and isinstance(handler.formatter, AccessFormatter):
            logger.removeHandler(handler)
            logger.addHandler(BatchedAccessLog(handler.stream, handler.formatter))
    handlers = logger.handlers
    if len(handlers) == 1 and isinstance(handlers[0], BatchedAccessLog) and not logger.filters:
        return FastAccess(logger, handlers[0]) if not logger.propagate else None
    return None
