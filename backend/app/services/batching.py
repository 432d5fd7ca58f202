"""Dynamic batching for /predict: images that wait together go through the model as one batch.

Each admitted upload is decoded and preprocessed in a pool of `decode_workers` threads (one per core), apart
from the model. Its pixels then wait for the model with the others: one task takes up to `max_batch_size`
of them, at most `batch_window_s` after the oldest was ready (only while more are on their way), and runs
them as one batch on the model's own thread, so the runtime keeps its cores to itself and throughput rises
with the clients. A runtime computes each row of a batch on its own, so every image gets the answer it would
get alone. Each batch's forward pass time per image is what `Capacity` admits by.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from app.services.capacity import Capacity
from app.services.classifier import Classification, ModelService
from skin_classifier.serving.classifier import Classifier, Inspected
from skin_classifier.serving.preprocessing import ImageSource
from skin_classifier.serving.runtimes import ModelOutputs


class ClientGoneError(Exception):
    """The client closed its connection while its image waited for the model; the model did not run for it."""


@dataclass(frozen=True)
class BatchRun:
    """One forward pass: what the metrics record."""

    runtime: str
    size: int
    model_s: float
    waits_s: tuple[float, ...]  # each image's wait from decoded to the start of this forward pass


BatchObserver = Callable[[BatchRun], None]


@dataclass(eq=False)  # compared by identity: each is one request
class _Waiting:
    classifier: Classifier
    pixels: np.ndarray
    gone: Callable[[], Awaitable[bool]]
    future: asyncio.Future[tuple[ModelOutputs, int]]
    ready_at: float = field(default_factory=time.perf_counter)


class Batcher:
    """Decode in a pool, batch for the model; `start` and `stop` run with the app's lifespan."""

    def __init__(self, capacity: Capacity, max_batch_size: int, batch_window_s: float, decode_workers: int) -> None:
        self.capacity = capacity
        self.max_batch_size = max_batch_size
        self.batch_window_s = batch_window_s
        self.decode_workers = decode_workers
        self.observers: list[BatchObserver] = []
        self._waiting: list[_Waiting] = []
        # Made by `start`, on the serving loop and for each run of the app.
        self._arrived = asyncio.Event()
        self._decode_pool: ThreadPoolExecutor | None = None
        self._model_thread: ThreadPoolExecutor | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        """Decoded images waiting for the model now."""
        return len(self._waiting)

    def start(self) -> None:
        self._waiting, self._arrived = [], asyncio.Event()
        self._decode_pool = ThreadPoolExecutor(self.decode_workers, thread_name_prefix="decode")
        self._model_thread = ThreadPoolExecutor(1, thread_name_prefix="model")
        self._task = asyncio.get_running_loop().create_task(self._run_batches(), name="batcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for item in self._waiting:  # their requests end with the server
            item.future.cancel()
        for pool in (self._decode_pool, self._model_thread):
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)

    async def classify(
        self,
        service: ModelService,
        image: ImageSource,
        gone: Callable[[], Awaitable[bool]],
        request_id: str | None = None,
        explain: bool = False,
    ) -> Classification:
        """Decode `image`, run it in the next batch, and answer it; `gone()` says the client has left.

        Raises what `service.inspect` and `service.answer` raise, and `ClientGoneError`.
        """
        if self._decode_pool is None:
            raise RuntimeError("Batcher.start() was not called: the app's lifespan did not run")
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        inspected: Inspected = await loop.run_in_executor(self._decode_pool, service.inspect, image, request_id)
        classifier = service.ready_classifier()
        future: asyncio.Future[tuple[ModelOutputs, int]] = loop.create_future()
        self._waiting.append(_Waiting(classifier, inspected.pixels, gone, future))
        self._arrived.set()
        outputs, row = await future
        prediction = await loop.run_in_executor(
            self._decode_pool, service.answer, outputs, row, inspected, explain, request_id
        )
        return Classification(
            prediction, (time.perf_counter() - started) * 1000, classifier.info.model_version, classifier.runtime
        )

    async def _next_batch(self) -> list[_Waiting]:
        """Up to `max_batch_size` waiting images for the same model, once the oldest has waited
        `batch_window_s` or they fill a batch. The window is waited only while other admitted uploads are still
        arriving or decoding: an image alone in the server has no one to wait for."""
        await self._arrived.wait()
        delay = self._waiting[0].ready_at + self.batch_window_s - time.perf_counter()
        if delay > 0 and len(self._waiting) < min(self.max_batch_size, self.capacity.admitted):
            await asyncio.sleep(delay)
        model = self._waiting[0].classifier
        batch = [item for item in self._waiting if item.classifier is model][: self.max_batch_size]
        self._waiting = [item for item in self._waiting if item not in batch]
        if not self._waiting:
            self._arrived.clear()
        kept = []
        for item in batch:
            if item.future.done():  # its request was cancelled
                continue
            try:
                gone = await item.gone()
            except Exception:  # a connection that cannot even say whether it is open has gone
                gone = True
            if gone:
                item.future.set_exception(ClientGoneError())
                continue
            kept.append(item)
        return kept

    async def _run_batches(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._next_batch()
            if not batch:
                continue
            classifier = batch[0].classifier
            started = time.perf_counter()
            try:
                outputs = await loop.run_in_executor(
                    self._model_thread, classifier.predict_outputs, np.stack([item.pixels for item in batch])
                )
            except Exception as error:  # a model that returns nonsense fails its batch, not the server
                for item in batch:
                    if not item.future.done():
                        item.future.set_exception(error)
                continue
            model_s = time.perf_counter() - started
            for row, item in enumerate(batch):
                if not item.future.done():
                    item.future.set_result((outputs, row))
            self.capacity.measured(model_s / len(batch))
            run = BatchRun(classifier.runtime, len(batch), model_s, tuple(started - item.ready_at for item in batch))
            for observer in self.observers:
                observer(run)
