"""GET /model: the model card as JSON, with what each class means and the model's recall per class."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from app.core.config import Settings
from app.services.classifier import ModelService, load_from_settings
from skin_classifier.serving.classifier import Classifier
from tests.utils import CLASS_NAMES, WAIT_S, ClientFactory, SettingsFactory, assert_error

# Two classes the API knows (one malignant, one benign) and one it does not: any data set must still serve.
CARD_CLASSES = ["Melanoma", "Melanocytic nevi", "Lesion from another data set"]


@pytest.fixture(scope="module")
def card_artifact_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mean-colour artifact with the metadata a trained one carries: data, licence, calibration, metrics."""
    from skin_classifier.answer_graph import write_answer_graph
    from skin_classifier.synthetic import write_mean_colour_artifact

    folder = write_mean_colour_artifact(tmp_path_factory.mktemp("card-artifact"), CARD_CLASSES)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["created_at"] = "2026-01-02T03:04:05+00:00"
    manifest["training"] = {
        "backbone": "efficientnet-lite2",
        "calibration": {"temperature": 1.5, "fitted_on": "val", "uncertainty_threshold": 0.45},
        "data": {"description": "Some photos.", "licence": "CC BY 4.0", "split_sizes": {"train": 30, "test": 9}},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    write_answer_graph(folder)  # its uncertainty threshold is the calibration's
    per_class = {
        name: {"recall": recall, "precision": 0.5, "f1": 0.5, "support": 3}
        for name, recall in zip(CARD_CLASSES, (0.25, 0.75, 1.0), strict=True)
    }
    metrics = {"test": {"samples": 9, "accuracy": 0.6, "balanced_accuracy": 0.5, "expected_calibration_error": 0.04,
                        "per_class": per_class}}  # fmt: skip
    (folder / "metrics.json").write_text(json.dumps(metrics))
    return folder


def test_model_card_describes_classes_data_and_calibration(
    make_settings: SettingsFactory, make_client: ClientFactory, card_artifact_dir: Path
) -> None:
    with make_client(make_settings(model_dir=card_artifact_dir)) as client:
        response = client.get("/model")
    assert response.status_code == 200, response.text
    card = response.json()
    assert card["model_version"] == "mean-colour" and card["runtime"] == "onnx"
    assert card["backbone"] == "efficientnet-lite2" and card["created_at"].startswith("2026-01-02")
    assert "not a medical device" in card["intended_use"].lower()
    assert card["data"] == {
        "description": "Some photos.",
        "source": None,
        "licence": "CC BY 4.0",
        "split_sizes": {"train": 30, "test": 9},
    }
    assert card["calibration"] == {
        "temperature": 1.5,
        "fitted_on": "val",
        "test_expected_calibration_error": 0.04,
        "uncertainty_threshold": 0.45,
    }
    assert card["test"] == {"samples": 9, "balanced_accuracy": 0.5, "accuracy": 0.6}

    classes = {entry["name"]: entry for entry in card["classes"]}
    assert [entry["name"] for entry in card["classes"]] == CARD_CLASSES  # the model's output order
    melanoma, nevi, unknown = (classes[name] for name in CARD_CLASSES)
    assert melanoma["category"] == "malignant" and melanoma["see_a_doctor"] is True
    assert "skin cancer" in melanoma["description"]
    assert melanoma["descriptions"]["en"] == melanoma["description"]
    assert "त्वचा कैंसर" in melanoma["descriptions"]["hi"]  # "skin cancer", in Hindi
    assert nevi["category"] == "benign" and nevi["see_a_doctor"] is False
    assert unknown == {
        "name": "Lesion from another data set",
        "description": None,
        "descriptions": {},
        "category": "unknown",
        "see_a_doctor": False,
        "test_recall": 1.0,
        "test_support": 3,
    }
    assert (melanoma["test_recall"], nevi["test_recall"]) == (0.25, 0.75)


def test_model_card_without_metrics_leaves_figures_out(client) -> None:
    """The tiny test artifact has no metrics.json and no training data: the card still answers."""
    card = client.get("/model").json()
    assert [entry["name"] for entry in card["classes"]] == CLASS_NAMES
    assert all(entry["description"] is None and entry["category"] == "unknown" for entry in card["classes"])
    assert all(entry["descriptions"] == {} for entry in card["classes"])
    assert all(entry["test_recall"] is None for entry in card["classes"])
    assert card["test"] is None and card["calibration"]["temperature"] is None


def test_reference_model_card_flags_the_lesions_to_have_checked(
    make_settings: SettingsFactory, make_client: ClientFactory
) -> None:
    from app.core.config import DEFAULT_MODEL_DIR

    with make_client(make_settings(model_dir=DEFAULT_MODEL_DIR)) as client:
        card = client.get("/model").json()
    checked = {entry["name"] for entry in card["classes"] if entry["see_a_doctor"]}
    assert checked == {"Melanoma", "Basal cell carcinoma", "Actinic keratoses"}
    assert all(entry["description"] and entry["test_recall"] is not None for entry in card["classes"])
    assert all(set(entry["descriptions"]) == {"en", "hi"} for entry in card["classes"])
    assert card["data"]["licence"].startswith("CC BY-NC")


def test_model_card_is_503_while_loading_then_200(
    make_settings: SettingsFactory, make_client: ClientFactory, onnx_artifact_dir: Path
) -> None:
    release = threading.Event()

    def slow_loader(settings: Settings) -> Classifier:
        assert release.wait(WAIT_S)
        return load_from_settings(settings)

    service = ModelService(make_settings(model_dir=onnx_artifact_dir), loader=slow_loader)
    with make_client(service.settings, service, wait=False) as client:
        response = client.get("/model")
        assert_error(response, 503, "loading")
        assert response.headers["retry-after"] == "5"
        release.set()
        assert service.wait(WAIT_S)
        assert client.get("/model").status_code == 200


def test_model_card_is_503_when_the_model_failed(missing_model_client) -> None:
    assert_error(missing_model_client.get("/model"), 503, "failed")


def _is_devanagari(text: str) -> bool:
    letters = [character for character in text if character.isalpha()]
    return bool(letters) and all("\u0900" <= character <= "\u097f" for character in letters)


def test_every_known_class_is_described_in_english_and_in_hindi() -> None:
    """The page shows the Hindi beside the English: each must be there, and the Hindi written in Devanagari."""
    from skin_classifier.serving.class_descriptions import describe_class, known_classes

    assert len(known_classes()) == 7
    for described in known_classes().values():
        english, hindi = described.descriptions["en"], described.descriptions["hi"]
        assert english == described.description and english.isascii()
        assert _is_devanagari(hindi), (described.name, hindi)
    assert describe_class("Lesion from another data set").descriptions == {}


def test_a_description_missing_a_language_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from skin_classifier.serving import class_descriptions

    (tmp_path / class_descriptions.DESCRIPTIONS_FILE).write_text(
        json.dumps({"Melanoma": {"category": "malignant", "description": {"en": "A skin cancer."}}})
    )
    monkeypatch.setattr(class_descriptions, "files", lambda _package: tmp_path)
    class_descriptions.known_classes.cache_clear()
    try:
        with pytest.raises(ValueError, match="no description in hi"):
            class_descriptions.known_classes()
    finally:
        monkeypatch.undo()
        class_descriptions.known_classes.cache_clear()
