"""Skin lesion image classifier: training, evaluation, export and conversion, beside `serving` (what the API needs)."""

__version__ = "0.1.0"
