"""Choosing a `tf.distribute` strategy, and one fix that Keras 3 needs for training on several workers."""

from __future__ import annotations

import json
import os

import tensorflow as tf


def _tf_config() -> dict:
    return json.loads(os.environ.get("TF_CONFIG") or "{}")


def distribution_strategy() -> tf.distribute.Strategy:
    """Several workers from TF_CONFIG, else several local GPUs, else the plain single-device strategy."""
    if sum(len(hosts) for hosts in _tf_config().get("cluster", {}).values()) > 1:
        _fix_keras_multi_worker_metric_reduction()
        return tf.distribute.MultiWorkerMirroredStrategy()
    if len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def is_chief() -> bool:
    """The worker that writes the results: "chief", or worker 0 when the cluster names no chief."""
    config = _tf_config()
    task = config.get("task", {})
    if not task:
        return True
    if "chief" in config.get("cluster", {}):
        return task.get("type") == "chief"
    return task.get("type") == "worker" and int(task.get("index", 0)) == 0


def worker_index() -> int:
    return int(_tf_config().get("task", {}).get("index", 0))


def _fix_keras_multi_worker_metric_reduction() -> None:
    """Keras 3 averages each step's outputs over workers with `strategy.reduce("MEAN", v, axis=0)`, which
    fails for the scalar loss and metrics ("Invalid reduction dimension 0"). Scalars need axis=None."""
    from keras.src.backend.tensorflow import trainer

    original = trainer.reduce_per_replica
    if getattr(original, "fixed_for_scalars", False):
        return

    def reduce_per_replica(values, strategy, reduction):
        if reduction in ("auto", "mean") and trainer._collective_all_reduce_multi_worker(strategy):

            def mean(value):
                rank = strategy.experimental_local_results(value)[0].shape.rank
                return strategy.reduce("MEAN", value, axis=0 if rank else None)

            return tf.nest.map_structure(mean, values)
        return original(values, strategy, reduction)

    reduce_per_replica.fixed_for_scalars = True  # type: ignore[attr-defined]
    trainer.reduce_per_replica = reduce_per_replica
