"""Skin lesion image classifier: VGG16 transfer learning, evaluation, export and shared inference."""

__version__ = "0.1.0"
