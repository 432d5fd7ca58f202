"""The model card as the API answers it, built from the loaded artifact's manifest and metrics.

Artifacts from other pipelines may lack any part of the metadata, so every figure is optional; a class not
in the serving code's descriptions is still described, with no description and the category "unknown".
"""

from __future__ import annotations

from typing import Any

from app.schemas import (
    DISCLAIMER,
    ModelCalibration,
    ModelCardResponse,
    ModelClass,
    ModelData,
    ModelFile,
    ModelImageKind,
    ModelTestMetrics,
    OnDeviceModel,
)
from skin_classifier.serving.class_descriptions import describe_class
from skin_classifier.serving.classifier import Classifier
from skin_classifier.serving.image_kind import IMAGE_KINDS

# The held-out split the card reports: never trained on, nor used to choose or calibrate the model.
TEST_SPLIT = "test"


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _image_kind(classifier: Classifier) -> ModelImageKind | None:
    check, summary = classifier.image_kind_check, _dict(classifier.info.manifest.get("image_kind"))
    if check is None:
        return None
    return ModelImageKind(
        kinds=list(IMAGE_KINDS),
        dermoscopy_threshold=check.dermoscopy_threshold,
        validation_dermoscopy_flagged=_number(_dict(summary.get("validation")).get("dermoscopy_flagged")),
        test_recall={
            kind: value
            for kind, value in _dict(_dict(summary.get("test")).get("recall")).items()
            if _number(value) is not None
        },
    )


# GET /model/files/{name}: where the page downloads the on-device files (relative to the API's base URL).
FILES_PATH = "model/files"


def _on_device(classifier: Classifier) -> OnDeviceModel | None:
    files = classifier.device_files
    if files is None:
        return None
    described = {
        role: ModelFile(url=f"{FILES_PATH}/{file.name}", sha256=file.sha256, bytes=file.size)
        for role, file in files.items()
    }
    check = classifier.image_kind_check
    return OnDeviceModel(
        model_version=classifier.info.model_version,
        image_size=classifier.info.image_size,
        class_names=list(classifier.info.class_names),
        image_kinds=list(IMAGE_KINDS) if check is not None else [],
        model=described["model"],
        answer=described["answer"],
    )


def model_card(classifier: Classifier) -> ModelCardResponse:
    info, runtime = classifier.info, classifier.runtime
    training = _dict(info.manifest.get("training"))
    data = _dict(training.get("data"))
    calibration = _dict(training.get("calibration"))
    test = _dict(info.metrics.get(TEST_SPLIT))
    per_class = _dict(test.get("per_class"))
    classes = []
    for name in info.class_names:
        described, scores = describe_class(name), _dict(per_class.get(name))
        classes.append(
            ModelClass(
                name=name,
                description=described.description,
                descriptions=dict(described.descriptions),
                category=described.category,
                see_a_doctor=described.see_a_doctor,
                test_recall=_number(scores.get("recall")),
                test_support=_count(scores.get("support")),
            )
        )
    samples = _count(test.get("samples"))
    return ModelCardResponse(
        model_version=info.model_version,
        runtime=runtime,
        created_at=_text(info.manifest.get("created_at")),
        backbone=_text(training.get("backbone")),
        intended_use=info.intended_use,
        disclaimer=DISCLAIMER,
        classes=classes,
        data=ModelData(
            description=_text(data.get("description")),
            source=_text(data.get("source")),
            licence=_text(data.get("licence")),
            split_sizes={split: size for split, size in _dict(data.get("split_sizes")).items() if _count(size)},
        ),
        calibration=ModelCalibration(
            temperature=_number(calibration.get("temperature")),
            fitted_on=_text(calibration.get("fitted_on")),
            test_expected_calibration_error=_number(test.get("expected_calibration_error")),
            uncertainty_threshold=info.uncertainty_threshold,
        ),
        image_kind=_image_kind(classifier),
        on_device=_on_device(classifier),
        test=ModelTestMetrics(
            samples=samples,
            balanced_accuracy=_number(test.get("balanced_accuracy")),
            accuracy=_number(test.get("accuracy")),
        )
        if samples
        else None,
    )
