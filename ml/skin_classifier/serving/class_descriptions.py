"""What each class means, in plain words, and whether it is malignant, pre-malignant or benign.

Kept with the serving code rather than in an artifact, so any artifact whose class names match (HAM10000's
seven) is described without re-exporting it. A class not in `class_descriptions.json` is still served, with
no description and the category "unknown": any folder-per-class data set must work.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Literal, cast, get_args

Category = Literal["malignant", "pre-malignant", "benign", "unknown"]
CATEGORIES: tuple[Category, ...] = get_args(Category)
# Lesions a person should have checked by a doctor whatever the confidence.
SEE_A_DOCTOR: frozenset[Category] = frozenset({"malignant", "pre-malignant"})
DESCRIPTIONS_FILE = "class_descriptions.json"


@dataclass(frozen=True)
class ClassDescription:
    name: str
    description: str | None
    category: Category

    @property
    def see_a_doctor(self) -> bool:
        return self.category in SEE_A_DOCTOR


@lru_cache(maxsize=1)
def known_classes() -> dict[str, ClassDescription]:
    """The descriptions file, keyed by lower-case class name (folder names may differ in case)."""
    entries = json.loads(files(__name__.rpartition(".")[0]).joinpath(DESCRIPTIONS_FILE).read_text(encoding="utf-8"))
    known: dict[str, ClassDescription] = {}
    for name, entry in entries.items():
        if entry["category"] not in CATEGORIES:
            raise ValueError(f"{DESCRIPTIONS_FILE}: {name!r} has unknown category {entry['category']!r}")
        known[name.casefold()] = ClassDescription(name, str(entry["description"]), cast(Category, entry["category"]))
    return known


def describe_class(name: str) -> ClassDescription:
    """The class's description; unknown classes get none and the category "unknown"."""
    known = known_classes().get(name.casefold())
    return (
        ClassDescription(name, known.description, known.category) if known else ClassDescription(name, None, "unknown")
    )
