"""Exception handlers: every error answer is JSON with a `detail` string a person can read."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app.core.middleware import REQUEST_ID_HEADER

logger = logging.getLogger("app.errors")


def describe_validation_errors(errors: list[dict[str, Any]]) -> str:
    """Turn FastAPI's list of validation errors into one sentence per problem."""
    messages = []
    for error in errors:
        location = error.get("loc") or ()
        field = str(location[-1]) if location else "request"
        if error.get("type") == "missing" and location[:1] == ("body",):
            messages.append(f"Missing form field '{field}': send the image as multipart/form-data field named {field}.")
        elif location[:1] == ("body",):
            messages.append(f"Form field '{field}' must be an uploaded file sent as multipart/form-data.")
        else:
            messages.append(f"Invalid {'.'.join(map(str, location)) or 'request'}: {error.get('msg')}.")
    return " ".join(messages) or "The request is invalid."


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": describe_validation_errors(list(exc.errors()))}, status_code=422)


async def unhandled_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Last resort: log the traceback server-side, answer without one."""
    request_id = getattr(request.state, "request_id", None)
    logger.error("Unhandled error (request_id=%s)", request_id, exc_info=exc)
    headers = {REQUEST_ID_HEADER: request_id} if request_id else None
    return JSONResponse(
        {"detail": "Internal server error. Please try again; if it persists, report the request id."},
        status_code=500,
        headers=headers,
    )


def register_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(Exception, unhandled_error_handler)
