import numpy as np

from skin_classifier.augment import DetailJitter, RoundField, augmentation
from skin_classifier.batches import training_batches
from skin_classifier.train import TrainConfig
from skin_classifier.training_data import load_data


def test_a_data_set_smaller_than_one_batch_still_yields_batches():
    images = np.zeros((5, 8, 8, 3), np.uint8)
    labels = np.array([0, 0, 1, 1, 2])
    pixels, one_hot = next(iter(training_batches(images, labels, 3, 32, None, False, seed=0)))
    assert pixels.shape == (5, 8, 8, 3) and one_hot.shape == (5, 3)


def test_balanced_sampling_evens_out_the_classes():
    features = np.zeros((1, 1000, 4), np.float16)  # cached activations: (views, N, ...)
    labels = np.array([0] * 900 + [1] * 90 + [2] * 10)
    batches = training_batches(features, labels, 3, 100, None, True, seed=0).take(30)
    counts = sum(np.asarray(one_hot).sum(axis=0) for _, one_hot in batches)
    assert counts.min() / counts.max() > 0.8, counts
    plain = training_batches(features, labels, 3, 100, None, False, seed=0).take(30)
    assert sum(np.asarray(one_hot).sum(axis=0) for _, one_hot in plain)[2] < 0.05 * 3000


def test_a_split_seed_keeps_the_splits_while_the_training_seed_changes(synthetic_dir, tmp_path):
    """Ensemble members trained with different seeds must share one test split, or each would be scored on
    images another member trained on."""

    def splits(seed: int, split_seed: int | None) -> dict[str, list[int]]:
        output = tmp_path / f"{seed}-{split_seed}"
        output.mkdir()
        config = TrainConfig(
            data_dir=synthetic_dir,
            output_dir=output,
            image_size=32,
            test_fraction=0.2,
            seed=seed,
            split_seed=split_seed,
        )
        return {name: sorted(index.tolist()) for name, index in load_data(config).splits.items()}

    assert splits(1, 42) == splits(2, 42)
    assert splits(1, None) != splits(2, None)  # by default the seed draws the split too


def test_colour_jitter_changes_the_colour_balance_and_keeps_pixels_in_range(tmp_path):
    """Geometry alone moves pixels but keeps each image's mean colour; the jitter shifts it, as another
    clinic's light would."""
    image = np.random.default_rng(0).integers(40, 215, (1, 32, 32, 3)).astype(np.uint8)
    images = np.repeat(image, 8, axis=0)

    def colour_shift(jitter: float) -> float:
        config = TrainConfig(data_dir=tmp_path, output_dir=tmp_path, image_size=32, colour_jitter=jitter, zoom=0)
        augmented = np.asarray(augmentation(config)(images, training=True))
        assert augmented.min() >= 0 and augmented.max() <= 255
        return float(np.abs(augmented.mean(axis=(1, 2)) - image.mean(axis=(1, 2))).max())

    assert colour_shift(0.0) < 2.0
    assert colour_shift(0.3) > 5.0


def test_an_epoch_is_a_fixed_number_of_draws_from_the_given_chances_with_the_given_targets():
    images = np.zeros((10, 4, 4, 3), np.uint8)
    labels = np.array([0] * 5 + [1] * 5)
    targets = np.full((10, 2), 0.5, np.float32)
    draw = np.array([0.0] * 5 + [0.2] * 5)  # only class 1's images
    batches = list(
        training_batches(images, labels, 2, 4, None, False, 0, targets=targets, draw=draw, epoch_size=12).take(3)
    )
    assert [len(np.asarray(y)) for _, y in batches] == [4, 4, 4]
    assert all(np.all(np.asarray(y) == 0.5) for _, y in batches)
    weights = np.array([1.0, 3.0], np.float32)
    _, _, sample_weights = next(iter(training_batches(images, labels, 2, 4, weights, False, 0, draw=draw)))
    assert np.all(np.asarray(sample_weights) == 3.0)  # every draw is of class 1


def test_detail_jitter_blurs_some_images_and_leaves_the_rest():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (64, 32, 32, 3)).astype(np.float32)  # noise: all fine detail

    def detail(batch):  # mean absolute difference between neighbouring pixels
        return np.abs(np.diff(np.asarray(batch), axis=2)).mean(axis=(1, 2, 3))

    assert np.array_equal(np.asarray(DetailJitter(0.0)(images)), images)
    jittered = np.asarray(DetailJitter(0.5, seed=1)(images))
    changed = detail(jittered) < 0.9 * detail(images)
    assert 0.2 < changed.mean() < 0.8, changed.mean()
    assert np.array_equal(jittered[~changed], images[~changed])
    assert np.array_equal(np.asarray(DetailJitter(1.0)(images, training=False)), images)


def test_a_round_field_darkens_the_corners_and_keeps_the_centre():
    images = np.full((16, 32, 32, 3), 200.0, np.float32)
    framed = np.asarray(RoundField(1.0, seed=0)(images))
    assert np.all(framed[:, 0, 0] <= 0.15 * 200 + 1e-3)  # corners are outside every field drawn
    assert np.allclose(framed[:, 16, 16], 200.0)
    assert np.array_equal(np.asarray(RoundField(0.0)(images)), images)
