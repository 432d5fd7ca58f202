"""Schemathesis against the API's own OpenAPI schema: generated requests, valid and invalid, for every route.

Every check runs (no 5xx, documented status codes, content types, headers such as Retry-After, response
bodies matching their schemas, invalid data refused...) except positive-data acceptance: OpenAPI cannot say
that `file` must be the bytes of a real image, so a schema-valid upload of random bytes is rightly refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.core.config import Settings
from app.main import create_app
from app.services.classifier import ModelService
from tests.utils import LOAD_TIMEOUT_S, SettingsFactory

# The schema does not depend on the model, so the app exists at import (Schemathesis parametrizes from it);
# the fixture below gives it a loaded model before any case runs.
app = create_app(Settings(model_dir=Path("/nonexistent"), docs_enabled=True))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
def loaded_model(make_settings: SettingsFactory, onnx_artifact_dir: Path) -> Iterator[None]:
    service = ModelService(make_settings(model_dir=onnx_artifact_dir))
    service.start()
    assert service.wait(LOAD_TIMEOUT_S)
    app.state.model_service = service
    return


@schema.parametrize()
@settings(max_examples=100, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
