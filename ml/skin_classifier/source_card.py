"""The model card's lines about training on several sources: what each source gave, the teacher, and what the
model finds on each source's held-out images (where a shortcut from the source would show)."""

from __future__ import annotations

from typing import Any


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def data_sources_lines(data: dict[str, Any]) -> list[str]:
    """The extra sources' table and the teacher, for the card's Data section; none without them."""
    sources = data.get("extra_sources") or {}
    lines: list[str] = []
    if sources:
        lines += [
            "",
            "Extra sources trained on beside it (each holds out lesion-grouped images, never trained on, scored below):",
            "",
            "| source | images | held out | per class |",
            "|---|---|---|---|",
        ]
        for name, entry in sources.items():
            per_class = ", ".join(f"{cls} {count}" for cls, count in entry.get("per_class", {}).items() if count)
            lines.append(f"| {name} | {entry['images']} | {entry.get('held_out', 0)} | {per_class} |")
    teacher = data.get("teacher")
    if teacher:
        lines += [
            "",
            (
                f"Distilled from the model `{teacher['model_version']}`: each training target is "
                f"{teacher['weight']:.2f} of its answer softened at temperature {teacher['temperature']:g} and the "
                f"rest the label; it agreed with {_percent(teacher.get('agreement_with_labels'))} of the training "
                "labels."
            ),
        ]
    return lines


def held_out_sources_lines(report: dict[str, Any] | None) -> list[str]:
    """Per extra source's held-out images: balanced accuracy, the watched class found, recall per class."""
    if not report:
        return []
    lines = [
        "### Each extra source's held-out images",
        "",
        (
            "A model that read where an image came from (its blur, its dark round field, its clinic's class mix) "
            "rather than the lesion would find one source's melanomas and miss another's."
        ),
        "",
        "| source | images | balanced accuracy | found | recall per class |",
        "|---|---|---|---|---|",
    ]
    for name, entry in report.items():
        found = f"{entry['watched_found']} {entry['watched_class'].lower()}s" if "watched_found" in entry else "n/a"
        recall = ", ".join(f"{cls} {value:.2f}" for cls, value in entry["recall"].items())
        lines.append(f"| {name} | {entry['images']} | {entry['balanced_accuracy']:.3f} | {found} | {recall} |")
    return [*lines, ""]
