"""Images from another source are measured beside the run's own splits, never fitted on, and shown in the card."""

import json
import shutil

from skin_classifier.cli import main
from skin_classifier.model_card import OTHER_SOURCE
from skin_classifier.synthetic import make_synthetic_dataset


def test_calibrate_measures_another_source_without_fitting_on_it(trained_run, tmp_path, synthetic_dir):
    output, artifact = trained_run
    copy = shutil.copytree(artifact, tmp_path / "artifact")
    elsewhere = make_synthetic_dataset(tmp_path / "other-clinic", images_per_class=8, seed=7)
    before = json.loads((artifact / "manifest.json").read_text())

    main(
        [
            "calibrate",
            str(copy),
            str(synthetic_dir),
            "--splits",
            str(output / "splits.json"),
            "--output",
            str(tmp_path),
            "--other-source",
            str(elsewhere),
        ]
    )
    metrics = json.loads((copy / "metrics.json").read_text())
    other = metrics[OTHER_SOURCE]
    assert other["samples"] == 24
    assert sum(map(sum, other["confusion_matrix"])) == 24
    assert {"ece_before", "ece_after", "lowest_reachable"} <= set(other["calibration"])
    assert other["uncertainty"]["samples"] == 24
    # Fitted on validation as before: the other source changes no weight, so neither the version.
    after = json.loads((copy / "manifest.json").read_text())
    assert after["training"]["calibration"]["temperature"] == before["training"]["calibration"]["temperature"]
    assert after["model_version"] == before["model_version"]
    card = (copy / "README.md").read_text()
    assert "## Other clinics" in card and "### other-clinic (24 images)" in card
    assert card.index("## Other clinics") < card.index("## Calibration")
