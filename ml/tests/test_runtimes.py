"""The runtime registry is the one list of runtimes: everything that names runtimes derives from it."""

import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import numpy as np
import pytest

from skin_classifier.cli import build_parser
from skin_classifier.convert import convert_artifact
from skin_classifier.serving.classifier import load_classifier
from skin_classifier.serving.runtimes import CONVERTIBLE_RUNTIMES, RUNTIMES, SOURCE_RUNTIME
from skin_classifier.synthetic import write_mean_colour_artifact


def _choices(command: str, option: str) -> list[str]:
    (commands,) = [action for action in build_parser()._actions if action.dest == "command"]
    (action,) = [action for action in commands.choices[command]._actions if option in action.option_strings]
    return list(action.choices)


def test_every_entry_is_complete_and_its_converter_exists():
    assert len({runtime.file_name for runtime in RUNTIMES.values()}) == len(RUNTIMES)
    assert RUNTIMES[SOURCE_RUNTIME].converter is None
    for name, runtime in RUNTIMES.items():
        assert runtime.name == name and runtime.extra and callable(runtime.load)
        if runtime.converter is not None:
            assert callable(runtime.resolve_converter()), name


def test_command_line_choices_come_from_the_registry():
    assert (
        _choices("convert", "--runtimes")
        == list(CONVERTIBLE_RUNTIMES)
        == [name for name in RUNTIMES if name != SOURCE_RUNTIME]
    )
    assert _choices("convert", "--default") == _choices("package", "--runtime") == list(RUNTIMES)


def test_serving_imports_no_tensorflow():
    probe = (
        "import sys; import skin_classifier.serving.classifier, skin_classifier.serving.machine, "
        "skin_classifier.serving.logs; sys.exit([m for m in ('tensorflow', 'keras') if m in sys.modules] or None)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]


@pytest.fixture(scope="module")
def onnx_artifact(trained_run, tmp_path_factory):
    """The session's trained artifact with only its ONNX model: nothing in it needs TensorFlow."""
    _, artifact = trained_run
    copy = shutil.copytree(artifact, tmp_path_factory.mktemp("onnx") / "artifact")
    convert_artifact(copy, ("onnx",), default="onnx")
    return copy


def test_evaluating_an_onnx_artifact_imports_no_tensorflow(onnx_artifact, trained_run, synthetic_dir, tmp_path):
    output, _ = trained_run
    probe = (
        "import sys; from skin_classifier.cli import main; main(sys.argv[1:]); "
        "sys.exit([m for m in ('tensorflow', 'keras') if m in sys.modules] or None)"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            probe,
            "evaluate",
            str(onnx_artifact),
            str(synthetic_dir),
            "--splits",
            str(output / "splits.json"),
            "--split",
            "test",
            "--runtime",
            "onnx",
            "--output",
            str(tmp_path / "report.json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert (tmp_path / "report.json").is_file()


class _OverlapCounter:
    """Stands in for a library's run call: sleeps a little, and counts how many calls were inside at once."""

    def __init__(self, run):
        self.run, self.inside, self.most, self.lock = run, 0, 0, threading.Lock()

    def __call__(self, *args, **kwargs):
        with self.lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        time.sleep(0.05)
        try:
            return self.run(*args, **kwargs)
        finally:
            with self.lock:
                self.inside -= 1


def test_a_predictor_runs_one_batch_at_a_time_when_called_from_many_threads(tmp_path):
    """The lock lives in the predictor: callers (the API's worker threads) need none of their own."""
    classifier = load_classifier(write_mean_colour_artifact(tmp_path, ["red", "green", "blue"]))
    predictor = classifier.predictor
    counter = _OverlapCounter(predictor.session.run)
    predictor.session = SimpleNamespace(run=counter)  # the library's session, observed
    batch = np.zeros((1, 32, 32, 3), np.float32)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: predictor.predict(batch), range(8)))
    assert counter.most == 1
    assert all(result.probabilities.shape == (1, 3) for result in results)
