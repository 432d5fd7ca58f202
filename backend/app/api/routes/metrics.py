"""GET /metrics: Prometheus text for operators (included only when METRICS_ENABLED is true).

Left out of the OpenAPI schema: it is for a scraper, not for the page, and the schema must not depend on a
setting. `async`: it reads counters, so a scrape never waits behind inference.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.api.deps import MetricsDep
from app.core.metrics import CONTENT_TYPE

router = APIRouter(include_in_schema=False)


@router.get("/metrics", description="Prometheus metrics: requests, latency, inference time, shedding, model.")
async def metrics(metrics: MetricsDep) -> Response:
    return Response(metrics.render(), media_type=CONTENT_TYPE)
