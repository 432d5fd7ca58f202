"""Distillation: the teacher's answers, cached once by image key, mixed into the labels as training targets."""

import numpy as np
import pytest

from skin_classifier.dataset import scan_image_folder
from skin_classifier.distill import cache_file, soft_targets, teacher_agreement, teacher_probabilities
from skin_classifier.serving.artifact import read_artifact_info
from skin_classifier.serving.classifier import Classifier, load_classifier
from skin_classifier.synthetic import make_synthetic_dataset, write_mean_colour_artifact

# The mean-colour teacher's classes: redder images lean to the first, greener to the second, bluer to the third.
TEACHER_CLASSES = ["Red lesion", "Green lesion", "Blue lesion"]


@pytest.fixture(scope="module")
def teacher(tmp_path_factory):
    return write_mean_colour_artifact(tmp_path_factory.mktemp("teacher"), TEACHER_CLASSES, image_size=32)


def test_targets_mix_the_softened_teacher_with_the_labels():
    teacher = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [np.nan, np.nan, np.nan]], np.float32)
    labels = np.array([0, 1, 2])
    labels_only = soft_targets(teacher, labels, 3, weight=0.0, temperature=2.0)
    assert np.array_equal(labels_only, np.eye(3)[labels])
    mixed = soft_targets(teacher, labels, 3, weight=0.5, temperature=1.0)
    assert mixed.sum(axis=1) == pytest.approx(np.ones(3))
    assert mixed[0] == pytest.approx(0.5 * teacher[0] + 0.5 * np.eye(3)[0], abs=1e-6)
    assert np.array_equal(mixed[2], np.eye(3)[2])  # no teacher answer: the label alone
    softer = soft_targets(teacher, labels, 3, weight=1.0, temperature=4.0)
    assert softer[0].max() < teacher[0].max()  # a higher temperature flattens the teacher's answer
    assert softer[0].argmax() == 0
    with pytest.raises(ValueError, match="share"):
        soft_targets(teacher, labels, 3, weight=1.5, temperature=1.0)


def test_teacher_answers_follow_the_students_class_order_and_are_cached(teacher, tmp_path, monkeypatch):
    images = make_synthetic_dataset(tmp_path / "images", images_per_class=4)
    folder = scan_image_folder(images)  # classes sorted by name: Blue, Green, Red
    keys = [f"synthetic/{p}" for p in folder.relative_paths()]
    answers = teacher_probabilities(teacher, keys, folder.paths, folder.class_names, tmp_path / "cache")
    assert answers.shape == (len(keys), 3)
    served = load_classifier(teacher)
    direct = served.predict_probabilities(np.stack([served.preprocess(path) for path in folder.paths]))
    for column, name in enumerate(folder.class_names):  # the student's order, not the teacher's
        assert answers[:, column] == pytest.approx(direct[:, TEACHER_CLASSES.index(name)], abs=1e-6)
    assert teacher_agreement(answers, folder.labels) > 0.5  # mostly, each blob's colour is its class
    assert cache_file(tmp_path / "cache", read_artifact_info(teacher).model_version).is_file()

    def no_new_answers(*args, **kwargs):
        raise AssertionError("every answer was cached: the teacher must not run again")

    monkeypatch.setattr(Classifier, "predict_probabilities", no_new_answers)
    again = teacher_probabilities(teacher, keys, folder.paths, folder.class_names, tmp_path / "cache")
    assert np.array_equal(again, answers)


def test_an_unreadable_image_gets_no_teacher_answer(teacher, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image")
    answers = teacher_probabilities(teacher, ["x/broken.jpg"], [broken], TEACHER_CLASSES, tmp_path / "cache")
    assert np.isnan(answers).all()


def test_a_teacher_without_the_students_classes_is_refused(teacher, tmp_path):
    with pytest.raises(ValueError, match="no class"):
        teacher_probabilities(teacher, [], [], ["Melanoma"], tmp_path / "cache")
