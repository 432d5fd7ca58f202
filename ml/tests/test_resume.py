"""A long training run survives a stop: finished phases are loaded, a phase cut short resumes at its next epoch."""

import json
import logging

import keras
import numpy as np
import pytest

from skin_classifier.train import KeepBestEpoch, TrainConfig, train


class StopAfterEpoch(keras.callbacks.Callback):
    """Raises at the end of one epoch, as a killed process would stop there (after the backups ran)."""

    def __init__(self, epoch: int) -> None:
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt


def _tiny_problem():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    labels = (x[:, 0] > 0).astype(int)
    y = np.eye(2, dtype="float32")[labels]
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    return model, x, y


def _fit(model, x, y, tmp_path, epochs, extra=()):
    from skin_classifier.train import BalancedAccuracy

    model.compile(keras.optimizers.Adam(0.05), "categorical_crossentropy", metrics=[BalancedAccuracy(2)])
    keep_best = KeepBestEpoch(tmp_path / "phase.weights.h5", patience=100)
    backup = keras.callbacks.BackupAndRestore(str(tmp_path / "backup"))
    model.fit(
        x, y, validation_data=(x, y), epochs=epochs, batch_size=16, verbose=0, callbacks=[keep_best, backup, *extra]
    )
    return keep_best


def test_a_phase_cut_short_resumes_at_its_next_epoch_and_keeps_its_record(tmp_path):
    model, x, y = _tiny_problem()
    with pytest.raises(KeyboardInterrupt):
        _fit(model, x, y, tmp_path, epochs=5, extra=[StopAfterEpoch(2)])
    state = json.loads((tmp_path / "phase.json").read_text())
    assert len(state["epochs"]) == 3  # epochs 0, 1 and 2 finished before the stop

    restarted, _, _ = _tiny_problem()  # a new process: fresh weights, restored from the backup
    keep_best = _fit(restarted, x, y, tmp_path, epochs=5)
    assert len(keep_best.state["epochs"]) == 5  # 3 from before the stop and 2 after it, none run twice
    best = keep_best.state["best_epoch"]
    assert keep_best.state["best"] == max(row["val_balanced_accuracy"] for row in keep_best.state["epochs"])
    assert keep_best.state["epochs"][best]["val_balanced_accuracy"] == keep_best.state["best"]
    assert not (tmp_path / "backup").exists()  # a finished phase leaves no backup to resume from


def test_a_rerun_loads_finished_phases_instead_of_training_them(synthetic_dir, tiny_training, tmp_path, caplog):
    """Phase 1 on cached pooled features, then the base streamed; the same command again trains nothing."""
    config = TrainConfig(
        data_dir=synthetic_dir,
        output_dir=tmp_path,
        epochs=(3, 1, 1),
        cache_frozen="head",
        cached_views=2,
        weight_decay=0.01,
        label_smoothing=0.1,
        **tiny_training,
    )
    first = train(config)
    history = json.loads((tmp_path / "history.json").read_text())
    assert [row["phase"] for row in history].count("1-head") == 3
    manifest = json.loads((first / "manifest.json").read_text())
    assert "cache_frozen_activations_s" in manifest["training"]["timings_s"]

    with caplog.at_level(logging.INFO, logger="skin_classifier.train"):
        again = train(config)
    loaded = [record.message for record in caplog.records if "finished in an earlier run" in record.message]
    assert len(loaded) == 3
    assert not any("Cached frozen activations" in record.message for record in caplog.records)
    assert json.loads((tmp_path / "history.json").read_text()) == history
    assert json.loads((again / "manifest.json").read_text())["model_version"] == manifest["model_version"]
