"""Admission for /predict by expected wait: queue what will be answered soon, refuse the rest at once.

A request is admitted from its first byte (by the upload guard), before its body is read, while the wait it
can expect is within `max_wait_s`: the predictions admitted ahead of it times the runtime's recent time
per prediction (`seconds_per_prediction`: each batch's forward pass over its size, measured by
`batching.Batcher` on the runtime served). The model is what every request waits for: decoding runs apart,
in a pool, and one slow decode of a huge photo says nothing about the others' wait. Memory stays bounded too: the uploads admitted are capped by count and by bytes (an upload counts its declared
Content-Length, or the upload limit when it declares none). A request beyond any of these is answered 503
with a Retry-After of the expected wait.
"""

from __future__ import annotations

import math

from fastapi import HTTPException

# The weight of the newest batch in `seconds_per_prediction`: about the last ten batches count.
SMOOTHING = 0.2


def overloaded_message(retry_after_s: int) -> str:
    return f"The server is busy with other predictions; try again in {retry_after_s} seconds."


class Overloaded(HTTPException):
    """503: no room for this prediction now, come back after Retry-After."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(503, overloaded_message(retry_after_s), headers={"Retry-After": str(retry_after_s)})


class Capacity:
    """The predictions admitted and what they may expect; one per app, used from its event loop only."""

    def __init__(self, max_wait_s: float, max_requests: int, max_bytes: int) -> None:
        self.max_wait_s = max_wait_s
        self.max_requests = max_requests
        self.max_bytes = max_bytes
        self.admitted = 0  # admitted and not answered yet: uploading, decoding or waiting for the model
        self.admitted_bytes = 0
        self.shed = 0
        self.seconds_per_prediction: float | None = None  # unknown until the first batch ran

    def expected_wait_s(self) -> float:
        """What a request arriving now can expect to wait: everyone admitted is served first."""
        return self.admitted * (self.seconds_per_prediction or 0.0)

    def retry_after_s(self) -> int:
        """Whole seconds until the predictions admitted now should be answered; at least 1."""
        return max(1, math.ceil(self.expected_wait_s()))

    def admit(self, upload_bytes: int) -> bool:
        """Take a place for one upload of at most `upload_bytes`; every True must be matched by `leave`."""
        if (
            self.expected_wait_s() > self.max_wait_s
            or self.admitted >= self.max_requests
            or self.admitted_bytes + upload_bytes > self.max_bytes
        ):
            self.shed += 1
            return False
        self.admitted += 1
        self.admitted_bytes += upload_bytes
        return True

    def leave(self, upload_bytes: int) -> None:
        self.admitted -= 1
        self.admitted_bytes -= upload_bytes

    def measured(self, seconds_per_prediction: float) -> None:
        """Fold one batch's forward pass time per image into the recent figure."""
        previous = self.seconds_per_prediction
        self.seconds_per_prediction = (
            seconds_per_prediction if previous is None else previous + SMOOTHING * (seconds_per_prediction - previous)
        )
