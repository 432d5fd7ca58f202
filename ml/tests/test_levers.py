"""The lever table reads each build's own files: a row per artifact, figures as the artifact recorded them."""

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "levers.py"


def test_the_lever_table_has_a_row_per_build_with_its_own_figures(trained_run, tmp_path):
    _, artifact = trained_run
    serving = tmp_path / "serving.json"
    serving.write_text(
        json.dumps(
            {
                "machine": {"cpu": "test cpu"},
                "levels": [
                    {"concurrency": 1, "p50_ms": 12.5, "throughput_rps": 70.0},
                    {"concurrency": 8, "p50_ms": 90.0, "throughput_rps": 95.0},
                ],
            }
        )
    )
    metrics = json.loads((artifact / "metrics.json").read_text())
    served_val = tmp_path / "served-val.json"  # as `skin-classifier evaluate` writes it for a served runtime
    served_val.write_text(json.dumps(metrics["val"]))
    output = tmp_path / "levers"
    subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--row",
            f"first={artifact}",
            "--row",
            f"second={artifact}",
            "--serving",
            f"second={serving}",
            "--other-clinics",
            f"second={served_val}",
            "--output",
            str(output),
        ],
        check=True,
    )
    report = json.loads(output.with_suffix(".json").read_text())
    first, second = report["rows"]
    version = json.loads((artifact / "manifest.json").read_text())["model_version"]
    assert first["build"] == "first" and first["model_version"] == version
    assert first["val_balanced_accuracy"] == metrics["val"]["balanced_accuracy"]
    assert second["other_balanced_accuracy"] == metrics["val"]["balanced_accuracy"]  # the served runtime's figures
    assert "p50_ms" not in first and second["p50_ms"] == 12.5 and second["images_per_s_8_clients"] == 95.0
    table = output.with_suffix(".md").read_text()
    assert table.count(f"`{version}`") == 2 and "| 12.5 | 70.0 |" in table
