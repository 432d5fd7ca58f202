"""Dependencies the routes declare; tests swap them with `app.dependency_overrides`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.core.config import Settings
from app.core.metrics import Metrics
from app.services.batching import Batcher
from app.services.classifier import ModelService


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_model_service(request: Request) -> ModelService:
    service: ModelService = request.app.state.model_service
    return service


def get_batcher(request: Request) -> Batcher:
    batcher: Batcher = request.app.state.batcher
    return batcher


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics  # the /metrics route exists only when this is set
    return metrics


SettingsDep = Annotated[Settings, Depends(get_settings)]
ModelServiceDep = Annotated[ModelService, Depends(get_model_service)]
BatcherDep = Annotated[Batcher, Depends(get_batcher)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
