"""What each class means, in plain words and in each language the page offers, and whether it is malignant,
pre-malignant or benign.

Kept with the serving code rather than in an artifact, so any artifact whose class names match (HAM10000's
seven) is described without re-exporting it. A class not in `class_descriptions.json` is still served, with
no description and the category "unknown": any folder-per-class data set must work. Each description is
written in English (`en`) and Hindi (`hi`), in the file, one beside the other.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from types import MappingProxyType
from typing import Literal, cast, get_args

Category = Literal["malignant", "pre-malignant", "benign", "unknown"]
CATEGORIES: tuple[Category, ...] = get_args(Category)
# Lesions a person should have checked by a doctor whatever the confidence.
SEE_A_DOCTOR: frozenset[Category] = frozenset({"malignant", "pre-malignant"})
DESCRIPTIONS_FILE = "class_descriptions.json"
# The languages every description is written in, by code; English is the one `description` gives.
LANGUAGES: tuple[str, ...] = ("en", "hi")


@dataclass(frozen=True)
class ClassDescription:
    name: str
    descriptions: Mapping[str, str]  # language code -> text; empty for a class the file does not know
    category: Category

    @property
    def description(self) -> str | None:
        """The description in English."""
        return self.descriptions.get("en")

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
        texts = entry["description"]
        missing = [language for language in LANGUAGES if not (isinstance(texts, dict) and texts.get(language))]
        if missing:
            raise ValueError(f"{DESCRIPTIONS_FILE}: {name!r} has no description in {', '.join(missing)}")
        descriptions = MappingProxyType({language: str(texts[language]) for language in LANGUAGES})
        known[name.casefold()] = ClassDescription(name, descriptions, cast(Category, entry["category"]))
    return known


def describe_class(name: str) -> ClassDescription:
    """The class's description; unknown classes get none and the category "unknown"."""
    known = known_classes().get(name.casefold())
    if known is None:
        return ClassDescription(name, MappingProxyType({}), "unknown")
    return ClassDescription(name, known.descriptions, known.category)
