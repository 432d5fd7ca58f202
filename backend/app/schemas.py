"""Response bodies: they are the API contract the frontend and the OpenAPI docs rely on."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

DISCLAIMER = (
    "For education and research only. Not a medical device; it does not diagnose. "
    "See a doctor about any skin lesion that worries you."
)


# OpenAPI description of the header every 503 carries (load shedding, model not ready).
RETRY_AFTER_HEADER = {
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}},
}


class ErrorResponse(BaseModel):
    detail: str = Field(description="What went wrong, in words meant for a person.")


# The 503 of every route that needs the loaded model (/health, /model).
MODEL_NOT_READY_RESPONSE: dict[int | str, dict[str, Any]] = {
    503: {
        "model": ErrorResponse,
        "headers": RETRY_AFTER_HEADER,
        "description": "The model is loading or failed to load.",
    }
}


class ClassScore(BaseModel):
    class_name: str
    confidence: float = Field(ge=0.0, le=1.0)


class QualityWarning(BaseModel):
    code: Literal["too_dark", "too_bright", "blurred", "too_small"] = Field(
        description="What is wrong with the picture, for programs; new codes may be added."
    )
    message: str = Field(description="The reason and advice on a better photo, in words meant for a person.")


ImageKindName = Literal["dermoscopy", "skin-photo", "not-skin"]


class PredictionResponse(BaseModel):
    predicted_class: str
    confidence: float = Field(ge=0.0, le=1.0, description="Confidence of `predicted_class`.")
    all_predictions: list[ClassScore] = Field(description="Every class, most likely first; confidences sum to 1.")
    model_version: str
    runtime: str = Field(description="Which runtime of the model answered (keras, tflite-*, onnx).")
    inference_ms: float = Field(
        description="Server time to classify this image: decode, preprocess and model forward pass."
    )
    quality_warnings: list[QualityWarning] = Field(
        description=(
            "Problems with the picture that make this answer less trustworthy (too dark, too bright, blurred, "
            "too small); empty when it looks fine. The image is classified either way. Thresholds: "
            "docs/quality-thresholds.md."
        ),
    )
    uncertain: bool = Field(
        description=(
            "The calibrated top confidence is below the model's uncertainty threshold (chosen on validation "
            "images, see GET /model): no class is clearly more likely, so the answer names no winner."
        )
    )
    image_kind: ImageKindName | None = Field(
        description=(
            "What kind of image this looks like to the model: `dermoscopy` (what it was trained on), `skin-photo` "
            "(an ordinary photo of skin: the lesion answer is unreliable) or `not-skin`. Null when the model has "
            "no image-kind check."
        )
    )
    image_kind_score: float | None = Field(
        ge=0.0, le=1.0, description="The image-kind check's probability of `image_kind`."
    )
    heatmap: str | None = Field(
        description=(
            "With `explain=true`: where the model looked for the top class (Grad-CAM), as a "
            "`data:image/png;base64,...` RGBA image at the upload's aspect ratio, transparent where it did not "
            "look; lay it over the picture. Otherwise null."
        )
    )
    heatmap_description: str | None = Field(
        description="With `explain=true`: the heat map in words (a text alternative). Otherwise null."
    )


class HealthResponse(BaseModel):
    status: str = Field(examples=["ok"])
    model_version: str
    runtime: str


class RootResponse(BaseModel):
    name: str
    version: str
    description: str
    disclaimer: str
    endpoints: dict[str, str] = Field(description="Path to what it does.")
    model_status: str = Field(description="loading, ready or failed.")
    model_version: str | None = Field(None, description="Set once the model has loaded.")
    runtime: str | None = None
    classes: list[str] = Field(default_factory=list, description="What the model can answer, once loaded.")


class ModelClass(BaseModel):
    name: str
    description: str | None = Field(description="One plain-language sentence; null for a class not known to the API.")
    descriptions: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "The same sentence in every language it is written in, by language code (en: English, as `description`;"
            " hi: Hindi). Empty for a class not known to the API."
        ),
    )
    category: Literal["malignant", "pre-malignant", "benign", "unknown"]
    see_a_doctor: bool = Field(description="Malignant or pre-malignant: have any such lesion checked by a doctor.")
    test_recall: float | None = Field(
        None, ge=0.0, le=1.0, description="Share of this class's test images the model named correctly."
    )
    test_support: int | None = Field(None, description="Test images of this class.")


class ModelData(BaseModel):
    description: str | None = None
    source: str | None = None
    licence: str | None = None
    split_sizes: dict[str, int] = Field(default_factory=dict, description="Images per split.")


class ModelCalibration(BaseModel):
    temperature: float | None = Field(None, description="Softmax temperature fitted after training.")
    fitted_on: str | None = Field(None, description="The split the temperature was fitted on.")
    test_expected_calibration_error: float | None = Field(
        None, description="Mean gap between confidence and accuracy on the test split (0 is perfect)."
    )
    uncertainty_threshold: float | None = Field(
        None,
        description="Below this calibrated top confidence an answer is marked `uncertain`; chosen on the validation split.",
    )


class ModelImageKind(BaseModel):
    kinds: list[str] = Field(description="The kinds of picture the check tells apart.")
    dermoscopy_threshold: float = Field(description="Dermoscopy probability from which an image counts as dermoscopy.")
    validation_dermoscopy_flagged: float | None = Field(
        None, description="Share of the validation split's dermoscopy images the check called something else."
    )
    test_recall: dict[str, float] = Field(
        default_factory=dict, description="Share of each kind's test images the check told right."
    )


class ModelFile(BaseModel):
    url: str = Field(description="Where to download it, relative to the API's base URL.")
    sha256: str = Field(description="SHA-256 of the file, hex: check it before use.")
    bytes: int


class OnDeviceModel(BaseModel):
    """What a browser needs to answer without sending the photo: run `model`, then `answer` on its outputs."""

    model_version: str
    image_size: int = Field(description="The model's input: image_size x image_size RGB pixels, 0..255.")
    class_names: list[str] = Field(description="The order of the model's probabilities.")
    image_kinds: list[str] = Field(description="The order of the answer graph's image kinds; empty without a check.")
    model: ModelFile
    answer: ModelFile


class ModelTestMetrics(BaseModel):
    samples: int
    balanced_accuracy: float | None = Field(None, description="Mean per-class recall.")
    accuracy: float | None = None


class ModelCardResponse(BaseModel):
    model_version: str
    runtime: str
    created_at: str | None = None
    backbone: str | None = None
    intended_use: str
    disclaimer: str
    classes: list[ModelClass] = Field(description="In the model's output order.")
    data: ModelData
    calibration: ModelCalibration
    test: ModelTestMetrics | None = Field(None, description="Held-out test split figures, if the artifact has them.")
    image_kind: ModelImageKind | None = Field(
        None, description="The image-kind check stored with the model; null when the model has none."
    )
    on_device: OnDeviceModel | None = Field(
        None, description="The files to run this model in a browser; null when its runtime is not ONNX."
    )
