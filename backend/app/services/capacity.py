"""Load shedding for /predict: a few predictions run, a few more wait briefly, the rest are told to come back.

Queueing everything only makes every answer slow (and holds every upload in memory), so the work in the
process is bounded twice: `admit` counts requests from their first byte to their answer, uploads included,
and `slot` lets `concurrent` of them decode and run the model while the others wait. A request that is not
admitted, or waits longer than the queue timeout, is answered 503 with Retry-After at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import HTTPException

# What a shed request is told to wait: a prediction takes well under a second once the model is warm.
RETRY_AFTER_S = 2


def overloaded_message() -> str:
    return f"The server is busy with other predictions; try again in {RETRY_AFTER_S} seconds."


class Overloaded(HTTPException):
    """503: no room for this prediction now, come back after Retry-After."""

    def __init__(self) -> None:
        super().__init__(503, overloaded_message(), headers={"Retry-After": str(RETRY_AFTER_S)})


class Capacity:
    """Admission and concurrency limits for predictions; one per app, used from its event loop only."""

    def __init__(self, concurrent: int, queued: int, queue_timeout_s: float) -> None:
        self.concurrent = concurrent
        self.limit = concurrent + queued
        self.queue_timeout_s = queue_timeout_s
        self.admitted = 0
        self.shed = 0
        self._slots = asyncio.Semaphore(concurrent)  # binds to the serving loop on first contention

    def admit(self) -> bool:
        """Take a place for one request if there is one; every True must be matched by `leave`."""
        if self.admitted >= self.limit:
            self.shed += 1
            return False
        self.admitted += 1
        return True

    def leave(self) -> None:
        self.admitted -= 1

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the `concurrent` places to decode and predict; raises `Overloaded` after the timeout."""
        try:
            with anyio.fail_after(self.queue_timeout_s):  # cancels the wait cleanly: no permit is lost
                await self._slots.acquire()
        except TimeoutError as error:
            self.shed += 1
            raise Overloaded from error
        try:
            yield
        finally:
            self._slots.release()
