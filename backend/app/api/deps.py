"""Dependencies the routes declare; tests swap them with `app.dependency_overrides`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.core.config import Settings
from app.core.metrics import Metrics
from app.services.capacity import Capacity
from app.services.classifier import ModelService


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_model_service(request: Request) -> ModelService:
    service: ModelService = request.app.state.model_service
    return service


def get_capacity(request: Request) -> Capacity:
    capacity: Capacity = request.app.state.capacity
    return capacity


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics  # the /metrics route exists only when this is set
    return metrics


SettingsDep = Annotated[Settings, Depends(get_settings)]
ModelServiceDep = Annotated[ModelService, Depends(get_model_service)]
CapacityDep = Annotated[Capacity, Depends(get_capacity)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
