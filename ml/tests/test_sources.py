"""Training on several sources: finding them, keeping lesions together, drawing them evenly, scoring each."""

import csv
import json
import shutil

import numpy as np
import pytest

from skin_classifier.dataset import scan_image_folder, tidy_class_name
from skin_classifier.serving.artifact import read_artifact_info
from skin_classifier.sources import (
    HELD_OUT_PREFIX,
    add_sources,
    draw_probabilities,
    find_source_folders,
    held_out_report,
    scan_source,
)
from skin_classifier.synthetic import make_synthetic_dataset, write_mean_colour_artifact
from skin_classifier.train import TrainConfig, train
from skin_classifier.training_data import load_data

CLASSES = ["Blue lesion", "Green lesion", "Red lesion"]


@pytest.fixture(scope="module")
def folder_of_sources(tmp_path_factory):
    """Two clinics in one folder, with one metadata.csv beside them: clinic-a's images come in pairs of one
    lesion, clinic-b has no lesion ids (an empty cell), and clinic-b lacks the blue class."""
    root = tmp_path_factory.mktemp("sources")
    make_synthetic_dataset(root / "clinic-a", images_per_class=10, seed=1)
    make_synthetic_dataset(root / "clinic-b", images_per_class=6, seed=2)
    shutil.rmtree(root / "clinic-b" / "Blue_lesion")
    with (root / "metadata.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["image_id", "source", "lesion_id", "path"])
        for clinic in ("clinic-a", "clinic-b"):
            for path in sorted((root / clinic).rglob("img_*")):
                index = int(path.stem.split("_")[1])
                lesion = f"{clinic}-{path.parent.name}-{index // 2}" if clinic == "clinic-a" else ""
                # image ids repeat across class folders in the synthetic sets: make them unique per image
                unique = f"{clinic}-{path.parent.name}-{path.stem}"
                path.rename(path.with_name(unique + path.suffix))
                writer.writerow([unique, clinic, lesion, path.relative_to(root).as_posix()])
    return root


def test_a_folder_of_sources_is_split_into_its_sources_and_a_source_folder_is_taken_whole(folder_of_sources):
    assert [p.name for p in find_source_folders(folder_of_sources, CLASSES)] == ["clinic-a", "clinic-b"]
    assert find_source_folders(folder_of_sources / "clinic-b", CLASSES) == [folder_of_sources / "clinic-b"]
    with pytest.raises(ValueError, match="class folders"):
        find_source_folders(folder_of_sources, ["Melanoma", "Nevus"])


def test_labels_follow_the_main_data_sets_class_order_by_name(folder_of_sources):
    source = scan_source(folder_of_sources / "clinic-b", CLASSES)  # no blue folder: green and red only
    assert set(source.labels.tolist()) == {1, 2}
    assert all(
        CLASSES[label] == tidy_class_name(path.parent.name)
        for label, path in zip(source.labels, source.paths, strict=True)
    )
    with pytest.raises(ValueError, match="lacks"):
        scan_source(folder_of_sources / "clinic-a", ["Green lesion", "Red lesion"])


def test_a_lesions_images_stay_together_and_an_empty_lesion_id_is_its_own_group(folder_of_sources):
    a = scan_source(folder_of_sources / "clinic-a", CLASSES)
    assert len(np.unique(a.groups)) == len(a.paths) // 2
    b = scan_image_folder(folder_of_sources / "clinic-b", folder_of_sources / "metadata.csv")
    assert len(np.unique(b.groups)) == len(b.paths)  # not one group "" for every image without a lesion id


def test_extra_sources_go_to_training_with_a_held_out_share_and_leave_the_main_splits_alone(
    synthetic_dir, folder_of_sources, tmp_path
):
    config = TrainConfig(data_dir=synthetic_dir, output_dir=tmp_path, image_size=16, test_fraction=0.2)
    main = load_data(config)
    data = add_sources(main, [folder_of_sources], 16, holdout=0.3, seed=0, output_dir=tmp_path)
    assert data.source_names == [synthetic_dir.name, "clinic-a", "clinic-b"]
    for name in ("val", "test"):
        assert np.array_equal(data.splits[name], main.splits[name])
    assert np.array_equal(data.splits["train"][: len(main.splits["train"])], main.splits["train"])
    assert len(data.labels) == len(data.images) == len(data.keys) == len(data.paths) == len(data.source_of)
    listed = json.loads((tmp_path / "sources.json").read_text())
    for number, name in enumerate(["clinic-a", "clinic-b"], start=1):
        held_out = data.splits[HELD_OUT_PREFIX + name]
        train = data.splits["train"][data.source_of[data.splits["train"]] == number]
        assert 0 < len(held_out) < len(train)
        assert set(data.source_of[held_out]) == {number}
        assert len(listed[name]["splits"]["held_out"]) == len(held_out)
    # clinic-a's pairs of one lesion never straddle its training and held-out images
    a_groups = scan_source(folder_of_sources / "clinic-a", CLASSES).groups
    by_key = dict(zip(scan_source(folder_of_sources / "clinic-a", CLASSES).keys(), a_groups, strict=True))
    held_groups = {by_key[data.keys[i]] for i in data.splits[HELD_OUT_PREFIX + "clinic-a"]}
    train_groups = {by_key[data.keys[i]] for i in data.splits["train"] if data.keys[i] in by_key}
    assert not held_groups & train_groups
    assert all(not key.startswith("/") for key in data.keys)  # stable names, not this machine's paths
    # every appended image is the one its label names: a blob's colour is its class (blue, green, red channels)
    appended = np.arange(len(main.labels), len(data.labels))
    centre_colour = data.images[appended, 6:10, 6:10].reshape(len(appended), -1, 3).mean(axis=1)
    assert np.array_equal(centre_colour.argmax(axis=1), 2 - data.labels[appended])


def test_even_sources_within_a_class_take_away_each_sources_class_mix():
    """Source 0 is mostly class 0 and source 1 mostly class 1: drawn plainly, the source tells the class; drawn
    evenly within each class, each source's draws show the same class mix."""
    labels = np.array([0] * 90 + [1] * 10 + [0] * 10 + [1] * 90)
    sources = np.array([0] * 100 + [1] * 100)

    def class_mix_by_source(chance):
        return [
            np.bincount(labels[sources == s], weights=chance[sources == s], minlength=2) / chance[sources == s].sum()
            for s in (0, 1)
        ]

    plain = draw_probabilities(labels, sources, 2, balance_classes=False, source_balance="none")
    even = draw_probabilities(labels, sources, 2, balance_classes=False, source_balance="within-class")
    assert plain.sum() == pytest.approx(1) and even.sum() == pytest.approx(1)
    assert abs(class_mix_by_source(plain)[0][0] - class_mix_by_source(plain)[1][0]) > 0.7
    assert np.allclose(class_mix_by_source(even)[0], class_mix_by_source(even)[1])
    # the classes keep their shares of all draws
    assert np.bincount(labels, weights=even, minlength=2) == pytest.approx(np.bincount(labels, weights=plain))
    balanced = draw_probabilities(labels, sources, 2, balance_classes=True, source_balance="within-class")
    assert np.bincount(labels, weights=balanced) == pytest.approx([0.5, 0.5])


def test_the_held_out_report_counts_the_watched_class_found_per_source(synthetic_dir, folder_of_sources, tmp_path):
    config = TrainConfig(data_dir=synthetic_dir, output_dir=tmp_path, image_size=16)
    data = add_sources(load_data(config), [folder_of_sources], 16, holdout=0.3, seed=0)
    split = HELD_OUT_PREFIX + "clinic-b"
    labels = data.labels[data.splits[split]]
    always_red = np.tile(np.eye(3)[2], (len(labels), 1))
    report = held_out_report({split: always_red}, data, "Red lesion")["clinic-b"]
    assert report["recall"]["Red lesion"] == 1.0 and report["recall"]["Green lesion"] == 0.0
    assert report["watched_found"] == f"{np.sum(labels == 2)}/{np.sum(labels == 2)}"
    assert report["balanced_accuracy"] == 0.5  # two classes present, one found


def test_a_student_trains_on_several_sources_with_a_teacher_and_reports_each_source(
    synthetic_dir, folder_of_sources, tiny_training, tmp_path
):
    """The whole path, tiny: extra sources, even draws, blur and round fields, a teacher's cached answers, and
    the held-out images of each source scored in the artifact's metrics."""
    teacher = write_mean_colour_artifact(tmp_path / "teacher", ["Red lesion", "Green lesion", "Blue lesion"], 32)
    config = TrainConfig(
        data_dir=synthetic_dir,
        output_dir=tmp_path / "run",
        **{**tiny_training, "epochs": (3, 0, 0)},
        extra_sources=(folder_of_sources,),
        source_holdout=0.3,
        source_balance="within-class",
        epoch_size=48,
        detail_jitter=0.5,
        round_field=0.3,
        teacher=teacher,
        distill_weight=0.3,
        other_source=make_synthetic_dataset(tmp_path / "elsewhere", images_per_class=4, seed=3),
    )
    artifact = train(config)
    metrics = json.loads((artifact / "metrics.json").read_text())
    assert set(metrics["sources"]) == {"clinic-a", "clinic-b"}
    assert metrics["sources"]["clinic-b"]["images"] > 0 and "other-source" in metrics
    manifest = json.loads((artifact / "manifest.json").read_text())
    training = manifest["training"]
    assert training["settings"]["extra_sources"] == ["clinic-a", "clinic-b"]
    assert training["settings"]["source_balance"] == "within-class"
    assert training["data"]["teacher"]["model_version"] == read_artifact_info(teacher).model_version
    assert "teacher" not in training["settings"] and "/" not in json.dumps(training["settings"]["extra_sources"])
    assert list((tmp_path / "teacher-cache").glob("teacher-*.npz"))  # answers kept for the next run
    history = json.loads((tmp_path / "run" / "history.json").read_text())
    assert len(history) == 3
