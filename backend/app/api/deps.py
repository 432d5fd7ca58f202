"""Dependencies the routes declare; tests swap them with `app.dependency_overrides`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.core.config import Settings
from app.services.capacity import Capacity
from app.services.classifier import ModelService


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_model_service(request: Request) -> ModelService:
    return request.app.state.model_service


def get_capacity(request: Request) -> Capacity:
    return request.app.state.capacity


SettingsDep = Annotated[Settings, Depends(get_settings)]
ModelServiceDep = Annotated[ModelService, Depends(get_model_service)]
CapacityDep = Annotated[Capacity, Depends(get_capacity)]
