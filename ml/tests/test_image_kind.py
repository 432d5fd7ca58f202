"""The image-kind check: trained on synthetic dermoscopy, skin photos and everyday scenes with colour statistics
for features, it tells held-out pictures apart, keeps its dermoscopy promise, and travels as JSON."""

import dataclasses
import hashlib
import json

import numpy as np
import pytest
from PIL import Image

from skin_classifier.cli import build_parser
from skin_classifier.dataset import scan_image_folder
from skin_classifier.evaluate import evaluate_artifact
from skin_classifier.image_kind import (
    SKIN_SHOWING_SYNSETS,
    add_image_kind,
    artifact_feature_extractor,
    augment,
    choose_dermoscopy_threshold,
    extract_features,
    kind_splits,
    not_skin_splits,
    skin_photo_splits,
    train_image_kind,
)
from skin_classifier.picture_statistics import check_inputs, picture_statistics
from skin_classifier.serving.artifact import ArtifactError, read_artifact_info
from skin_classifier.serving.image_kind import (
    IMAGE_KIND_FILE,
    IMAGE_KINDS,
    ImageKindCheck,
    read_image_kind_check,
)
from skin_classifier.serving.preprocessing import decode, load_rgb
from skin_classifier.synthetic import make_synthetic_image_kinds, write_mean_colour_artifact

SIZE = 48
# 90 of each kind, 18 in each held-out split. With 45 (9 per split) one image moved a recall by 11 points, and
# whether this module's bars held depended on the data's seed: three of the seeds 0 to 3 failed one of them.
# With 90, at each of those seeds, the held-out recalls were at least 16 of 18 (the bar: 14.4) and the fresh
# pictures' at least 27 of 30 (the bar: 24).
IMAGES_PER_KIND = 90


@pytest.fixture(scope="module")
def kinds_dir(tmp_path_factory):
    root = make_synthetic_image_kinds(
        tmp_path_factory.mktemp("kinds"), images_per_kind=IMAGES_PER_KIND, image_size=SIZE
    )
    # A lesion run's splits.json for the dermoscopy folder, shift split included.
    relative = scan_image_folder(root / "dermoscopy").relative_paths()
    names = ("train", "train", "val", "test", "shift")
    splits = {name: [path for i, path in enumerate(relative) if names[i % 5] == name] for name in set(names)}
    (root / "splits.json").write_text(json.dumps(splits))
    return root


def folders(root):
    return {
        "dermoscopy_dir": root / "dermoscopy",
        "skin_photo_dir": root / "skin-photos",
        "not_skin_dir": root / "not-skin",
        "splits_file": root / "splits.json",
    }


@pytest.fixture(scope="module")
def trained(kinds_dir):
    return train_image_kind(picture_statistics, SIZE, **folders(kinds_dir), views=1, seed=0)


def test_the_check_separates_unseen_pictures_of_each_kind(trained, tmp_path):
    check, report = trained
    assert all(recall >= 0.8 for recall in report["test"]["recall"].values()), report["test"]
    # A fresh set, drawn with another seed, decoded as uploads are.
    fresh = make_synthetic_image_kinds(tmp_path, images_per_kind=30, image_size=SIZE, seed=7)
    for kind, folder in zip(IMAGE_KINDS, ("dermoscopy", "skin-photos", "not-skin"), strict=True):
        pixels = np.stack([load_rgb(path, SIZE) for path in sorted((fresh / folder).rglob("*.jpg"))])
        answers = check.judge(picture_statistics(pixels))
        recall = np.mean([answer.kind == kind for answer in answers])
        assert recall >= 0.8, (kind, recall)
        assert all(0 <= answer.score <= 1 for answer in answers)


def test_the_report_counts_every_split(trained, kinds_dir):
    _, report = trained
    splits = json.loads((kinds_dir / "splits.json").read_text())
    assert report["images"]["val"]["dermoscopy"] == len(splits["val"])
    assert report["images"]["shift"] == {"dermoscopy": len(splits["shift"])}
    assert report["training_rows"]["not-skin"] == 2 * report["images"]["train"]["not-skin"]  # original + 1 view
    assert set(report["dermoscopy_flagged"]) == {"val", "test", "shift"}
    matrix = np.array(report["validation"]["confusion_matrix"])
    assert matrix.shape == (3, 3)
    assert matrix.sum(axis=1).tolist() == [report["images"]["val"][kind] for kind in IMAGE_KINDS]
    assert report["regularisation"]["chosen"] in [row["C"] for row in report["regularisation"]["grid"]]


def test_the_threshold_flags_at_most_one_percent_of_validation_dermoscopy(trained, kinds_dir):
    """The 1% rule's value caps the threshold; below it, it is the lowest the other kinds' recall allows."""
    from skin_classifier.image_kind import lowest_safe_threshold

    check, report = trained
    splits, _ = kind_splits(**folders(kinds_dir))
    features = [extract_features(picture_statistics, splits[kind]["val"], SIZE)[0] for kind in IMAGE_KINDS]
    probabilities = check.probabilities(np.concatenate(features))
    kinds = np.concatenate([np.full(len(rows), index) for index, rows in enumerate(features)])
    probability = probabilities[kinds == 0, 0]
    upper = choose_dermoscopy_threshold(probability)
    assert check.dermoscopy_threshold == lowest_safe_threshold(check, probabilities, kinds, upper) <= upper
    assert np.mean(probability < check.dermoscopy_threshold) <= 0.01
    assert report["validation"]["dermoscopy_flagged"] <= 0.01


def test_the_threshold_rule():
    probability = np.linspace(0.0, 0.4, 201)[::-1]  # 201 validation images, all unsure
    threshold = choose_dermoscopy_threshold(probability)
    assert threshold == pytest.approx(0.004)  # the third lowest: two of 201 (under 1%) fall below it
    assert np.sum(probability < threshold) == 2
    assert choose_dermoscopy_threshold(np.full(50, 0.97)) == 0.5  # never stricter than "likelier than not"
    assert choose_dermoscopy_threshold(np.array([0.2, 0.9])) == 0.2  # too few images to flag any


def test_the_decision_rule():
    check = ImageKindCheck(np.zeros(1), np.ones(1), np.zeros((1, 3)), np.zeros(3), dermoscopy_threshold=0.3)
    probabilities = np.array([[0.35, 0.6, 0.05], [0.25, 0.4, 0.35], [0.25, 0.35, 0.4], [0.2, 0.4, 0.4]])
    assert [IMAGE_KINDS[i] for i in check.decide(probabilities)] == [
        "dermoscopy",  # at the threshold though not the likeliest
        "skin-photo",
        "not-skin",
        "not-skin",  # a tie goes to not-skin
    ]


def test_json_round_trip_gives_identical_judgements(trained, tmp_path):
    check, report = trained
    loaded = ImageKindCheck.load(check.save(tmp_path / IMAGE_KIND_FILE, report))
    features = np.random.default_rng(0).normal(size=(20, check.feature_count)) * check.scale + check.mean
    assert loaded.judge(features) == check.judge(features)
    assert loaded.to_json() == check.to_json()


@pytest.mark.parametrize(
    "damage",
    [
        lambda doc: "{not json",
        lambda doc: {key: value for key, value in doc.items() if key != "weights"},
        lambda doc: doc | {"weights": [row[:2] for row in doc["weights"]]},
        lambda doc: doc | {"bias": [0.0, 0.0]},
        lambda doc: doc | {"standardisation": {"mean": doc["standardisation"]["mean"], "scale": [1.0]}},
        lambda doc: doc | {"kinds": ["dermoscopy", "not-skin", "skin-photo"]},
        lambda doc: doc | {"dermoscopy_threshold": "high"},
        lambda doc: doc | {"format_version": 99},
        lambda doc: doc | {"feature_count": 3},
        lambda doc: doc | {"with_picture_statistics": "yes"},
        lambda doc: [],
    ],
    ids=[
        "not-json",
        "no-weights",
        "weights-shape",
        "bias-shape",
        "scale-shape",
        "kinds",
        "threshold",
        "format",
        "feature-count",
        "statistics-flag",
        "a-list",
    ],
)
def test_a_malformed_check_is_an_artifact_error(trained, tmp_path, damage):
    document = damage(trained[0].to_json())
    path = tmp_path / IMAGE_KIND_FILE
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    with pytest.raises(ArtifactError, match=IMAGE_KIND_FILE):
        ImageKindCheck.load(path)


def test_a_format_1_check_reads_pooled_features_alone(trained, tmp_path):
    document = trained[0].to_json() | {"format_version": 1}
    del document["with_picture_statistics"]
    (tmp_path / IMAGE_KIND_FILE).write_text(json.dumps(document))
    loaded = ImageKindCheck.load(tmp_path / IMAGE_KIND_FILE)
    assert not loaded.with_picture_statistics
    pooled = np.ones((2, loaded.feature_count))
    assert np.array_equal(check_inputs(loaded, pooled, np.zeros((2, SIZE, SIZE, 3))), pooled)


def test_the_served_check_adds_the_pictures_statistics_as_training_did(kinds_dir, tmp_path):
    """Trained on pooled features and picture statistics, the check gets both in serving, from the same pixels."""
    from skin_classifier.serving.classifier import load_classifier

    class_names = scan_image_folder(kinds_dir / "dermoscopy").class_names
    artifact = write_mean_colour_artifact(tmp_path / "artifact", class_names, image_size=SIZE)
    pooled = artifact_feature_extractor(artifact)
    check, report = train_image_kind(pooled, SIZE, **folders(kinds_dir), views=1, with_picture_statistics=True)
    assert check.with_picture_statistics and check.feature_count == 3 + 38  # three mean colours, 38 statistics
    assert "statistics" in check.training["features"]
    add_image_kind(artifact, check, report)
    classifier = load_classifier(artifact)
    assert classifier.image_kind_check is not None and classifier.image_kind_check.with_picture_statistics

    fresh = make_synthetic_image_kinds(tmp_path / "fresh", images_per_kind=30, image_size=SIZE, seed=7)
    for kind, folder in zip(IMAGE_KINDS, ("dermoscopy", "skin-photos", "not-skin"), strict=True):
        paths = sorted((fresh / folder).rglob("*.jpg"))
        served = [prediction.image_kind for prediction in classifier.classify(paths)]
        assert np.mean([answer is not None and answer.kind == kind for answer in served]) >= 0.8, kind
        pixels = np.stack([load_rgb(path, SIZE) for path in paths[:3]])
        expected = check.judge(np.concatenate([pooled(pixels), picture_statistics(pixels)], axis=1))
        assert [answer.kind for answer in served[:3]] == [answer.kind for answer in expected]
        assert [answer.score for answer in served[:3]] == pytest.approx([answer.score for answer in expected])


def test_features_of_another_model_are_refused(trained):
    check, _ = trained
    with pytest.raises(ArtifactError, match="another model"):
        check.judge(np.zeros((2, check.feature_count + 1)))


def test_add_image_kind_describes_the_check_in_the_manifest(trained, tmp_path):
    check, report = trained
    artifact = write_mean_colour_artifact(tmp_path / "artifact", ["a", "b", "c"], image_size=SIZE)
    path = add_image_kind(artifact, check, report)
    section = read_artifact_info(artifact).manifest["image_kind"]
    assert section["file"] == IMAGE_KIND_FILE and path == artifact / IMAGE_KIND_FILE
    assert section["version"] == hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    assert section["kinds"] == list(IMAGE_KINDS)
    assert section["dermoscopy_threshold"] == check.dermoscopy_threshold
    assert section["validation"]["recall"] == report["validation"]["recall"]
    assert section["shift_dermoscopy_flagged"] == report["dermoscopy_flagged"]["shift"]
    served = read_image_kind_check(read_artifact_info(artifact))
    assert served is not None and served.model_version == "mean-colour"

    heavier = dataclasses.replace(check, weights=check.weights * 2)
    add_image_kind(artifact, heavier, report)
    assert read_artifact_info(artifact).manifest["image_kind"]["version"] != section["version"]
    with pytest.raises(ValueError, match="trained on model"):
        add_image_kind(artifact, dataclasses.replace(check, model_version="another"), report)


def test_a_check_for_another_model_is_not_served(trained, tmp_path):
    check, report = trained
    artifact = write_mean_colour_artifact(tmp_path / "artifact", ["a", "b", "c"], image_size=SIZE)
    add_image_kind(artifact, check, report)
    stale = ImageKindCheck.load(artifact / IMAGE_KIND_FILE)
    dataclasses.replace(stale, model_version="older-model").save(artifact / IMAGE_KIND_FILE)
    with pytest.raises(ArtifactError, match="older-model"):
        read_image_kind_check(read_artifact_info(artifact))


def test_augmentation_keeps_shape_and_changes_pixels(kinds_dir):
    path = next((kinds_dir / "skin-photos").rglob("*.jpg"))
    picture = decode(path, SIZE).picture
    plain = load_rgb(path, SIZE)
    views = [augment(picture, SIZE, np.random.default_rng(seed)) for seed in range(4)]
    for view in views:
        assert view.shape == plain.shape == (SIZE, SIZE, 3) and view.dtype == np.uint8
        assert np.abs(view.astype(int) - plain).mean() > 1
    assert np.array_equal(augment(picture, SIZE, np.random.default_rng(0)), views[0])  # seeded
    # A large photo is cropped and blurred at its own resolution, and still comes out at the model's size.
    large = Image.fromarray(np.asarray(picture.resize((400, 300))))
    assert augment(large, SIZE, np.random.default_rng(1)).shape == (SIZE, SIZE, 3)


def test_skin_showing_everyday_photos_are_left_out(tmp_path):
    for name in ("n02837789_bikini", "n04133789_sandal", "n01440764_tench", "n02701002_ambulance", "cat"):
        Image.new("RGB", (8, 8), (10, 120, 200)).save(tmp_path / f"{name}.jpg")
    splits, excluded = not_skin_splits(tmp_path)
    assert excluded == ["n02837789_bikini.jpg", "n04133789_sandal.jpg"]
    kept = sorted(path.name for paths in splits.values() for path in paths)
    assert kept == ["cat.jpg", "n01440764_tench.jpg", "n02701002_ambulance.jpg"]
    assert SKIN_SHOWING_SYNSETS["n02837789"] == "bikini"


def test_skin_photos_split_within_each_condition(kinds_dir):
    splits = skin_photo_splits(kinds_dir / "skin-photos")
    for name, paths in splits.items():
        assert {path.parent.name for path in paths} == {"Rash", "Eczema", "Acne"}, name
    assert sum(map(len, splits.values())) == IMAGES_PER_KIND and len(splits["train"]) == 0.6 * IMAGES_PER_KIND


def test_without_a_splits_file_dermoscopy_is_split_by_seed(kinds_dir):
    arguments = folders(kinds_dir) | {"splits_file": None, "max_dermoscopy": 10}
    splits, _ = kind_splits(**arguments)
    assert set(splits["dermoscopy"]) == {"train", "val", "test"}
    assert len(splits["dermoscopy"]["train"]) == 10  # capped, classes taking turns
    assert len({path.parent.name for path in splits["dermoscopy"]["train"]}) == 3
    assert kind_splits(**arguments)[0] == splits


def test_the_command_line_names_the_folders():
    args = build_parser().parse_args(
        ["image-kind", "art", "--dermoscopy", "d", "--splits", "s.json", "--skin-photos", "p", "--not-skin", "n"]
    )
    assert [str(args.artifact), str(args.dermoscopy), str(args.splits)] == ["art", "d", "s.json"]
    assert [str(args.skin_photos), str(args.not_skin), args.views, args.seed] == ["p", "n", 2, 0]


def test_the_threshold_goes_as_low_as_the_other_kinds_allow():
    """Below the 1% rule's value, the lowest threshold that keeps the other kinds' validation recall."""
    from skin_classifier.image_kind import lowest_safe_threshold
    from skin_classifier.serving.image_kind import ImageKindCheck

    check = ImageKindCheck(np.zeros(1), np.ones(1), np.zeros((1, 3)), np.zeros(3), 0.5)
    # p(dermoscopy), p(skin-photo), p(not-skin); kinds 0 dermoscopy, 1 skin-photo, 2 not-skin
    probabilities = np.array(
        [[0.9, 0.05, 0.05], [0.3, 0.6, 0.1], [0.2, 0.7, 0.1], [0.08, 0.9, 0.02], [0.1, 0.1, 0.8], [0.06, 0.04, 0.9]]
    )
    kinds = np.array([0, 0, 1, 1, 2, 2])
    # Every skin photo and everyday photo must stay told right: just above the skin photo at 0.2.
    strict = {"skin-photo": 1.0, "not-skin": 1.0}
    assert lowest_safe_threshold(check, probabilities, kinds, 0.5, strict, floor=0.01) == np.nextafter(0.2, 1)
    # Half of the skin photos may go: just above the everyday photo at 0.1.
    half = {"skin-photo": 0.5, "not-skin": 1.0}
    assert lowest_safe_threshold(check, probabilities, kinds, 0.5, half, floor=0.01) == np.nextafter(0.1, 1)
    # Nothing to keep: the floor; nothing can be kept below the upper bound: the upper bound.
    assert lowest_safe_threshold(check, probabilities, kinds, 0.5, {}, floor=0.01) == 0.01
    assert lowest_safe_threshold(check, probabilities, kinds, 0.15, strict, floor=0.01) == 0.15


def test_evaluate_says_what_the_check_calls_a_labelled_folder(kinds_dir, tmp_path):
    """`skin-classifier evaluate` on dermoscopy from elsewhere measures the share that would be called
    something else; the same folder layout filled with everyday scenes is called not-skin."""
    dermoscopy = kinds_dir / "dermoscopy"
    class_names = scan_image_folder(dermoscopy).class_names
    artifact = write_mean_colour_artifact(tmp_path / "artifact", class_names, image_size=SIZE)
    check, report = train_image_kind(artifact_feature_extractor(artifact), SIZE, **folders(kinds_dir), views=1)
    add_image_kind(artifact, check, report)

    scenes = tmp_path / "scenes"
    for index, path in enumerate(sorted((kinds_dir / "not-skin").glob("*.jpg"))):
        target = scenes / class_names[index % len(class_names)]
        target.mkdir(parents=True, exist_ok=True)
        target.joinpath(path.name).write_bytes(path.read_bytes())

    called = {}
    for folder in (dermoscopy, scenes):
        evaluated = evaluate_artifact(artifact, folder, tmp_path / f"{folder.name}.json")
        called[folder.name] = evaluated["image_kind"]["called"]
        assert set(called[folder.name]) == set(IMAGE_KINDS)
        assert sum(called[folder.name].values()) == pytest.approx(1.0)
        assert evaluated["image_kind"]["dermoscopy_threshold"] == check.dermoscopy_threshold
    # The tiny artifact's pooled features are three mean colours: enough to keep dermoscopy, not to tell
    # every scene from a skin photo. At data seeds 0 to 3 it kept at least 95% of dermoscopy, called at most
    # 49% of scenes dermoscopy and at least 45% not-skin: the bars leave 5 to 20 points under the worst of them.
    assert called["dermoscopy"]["dermoscopy"] >= 0.9, called
    assert called["scenes"]["dermoscopy"] <= called["dermoscopy"]["dermoscopy"] - 0.3, called
    assert called["scenes"]["not-skin"] >= called["dermoscopy"]["not-skin"] + 0.3, called
