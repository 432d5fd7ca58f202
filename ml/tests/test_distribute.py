"""Training under tf.distribute: two workers on 127.0.0.1 train one tiny model together."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

WORKER = """
import json, sys
from skin_classifier.synthetic import TINY_TRAINING
from skin_classifier.train import TrainConfig, train
artifact = train(TrainConfig(data_dir=sys.argv[1], output_dir=sys.argv[2], **{**TINY_TRAINING, "patience": 5},
                             epochs=(3, 1, 0), seed=7))
print("RESULT " + json.dumps({"artifact": str(artifact) if artifact else None}))
"""

# A guard against a cluster that never forms, not a speed bar: the two workers take about 35 s on an idle
# 2-core machine, and took over 300 s on one busy with another training.
WORKERS_TIMEOUT_S = 1800


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for handle in sockets:
        handle.bind(("127.0.0.1", 0))
    ports = [handle.getsockname()[1] for handle in sockets]
    for handle in sockets:
        handle.close()
    return ports


def test_two_workers_train_one_model(synthetic_dir, tmp_path):
    cluster = {"worker": [f"127.0.0.1:{port}" for port in _free_ports(2)]}
    processes = []
    for index in range(2):
        env = {
            **os.environ,
            "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}),
            "CUDA_VISIBLE_DEVICES": "",
            "TF_CPP_MIN_LOG_LEVEL": "2",
        }
        processes.append(
            subprocess.Popen(
                [sys.executable, "-c", WORKER, str(synthetic_dir), str(tmp_path)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    try:
        outputs = [process.communicate(timeout=WORKERS_TIMEOUT_S)[0] for process in processes]
    finally:
        for process in processes:  # none left behind when the guard fires
            process.kill()
    assert [process.returncode for process in processes] == [0, 0], outputs[0][-3000:] + outputs[1][-3000:]
    results = [
        json.loads(line.split(" ", 1)[1]) for out in outputs for line in out.splitlines() if line.startswith("RESULT ")
    ]
    assert results[0]["artifact"] == str(tmp_path / "artifact") and results[1]["artifact"] is None  # chief exports
    manifest = json.loads((Path(results[0]["artifact"]) / "manifest.json").read_text())
    assert manifest["training"]["machine"]["replicas"] == 2  # one replica per worker, in sync
    assert (tmp_path / "checkpoints" / "worker-1").is_dir()  # the other worker's checkpoints stay apart
