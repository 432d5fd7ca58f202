import numpy as np

from skin_classifier.train import TrainConfig, augmentation, load_data, training_batches


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
