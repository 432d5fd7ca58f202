"""Logging set-up: one plain format on stderr, level from LOG_LEVEL."""

from __future__ import annotations

import logging

from skin_classifier.serving.logs import LOG_FORMAT


def configure_logging(level: str) -> None:
    """Give the `app` loggers a handler unless the host (uvicorn, pytest) configured one already."""
    logging.basicConfig(format=LOG_FORMAT)
    logging.getLogger("app").setLevel(level)
