"""HTTP API that classifies skin lesion images with an exported `skin_classifier` artifact."""

__version__ = "0.1.0"
