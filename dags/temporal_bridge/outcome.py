"""Turns what Temporal returns into what Airflow shows: a short failure message and a small result.

Kept free of temporalio imports at module level so the DAG can be parsed without loading it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .contract import RESULT_KEYS


def summarize_result(result: Any) -> dict[str, Any]:
    """The parts of the workflow result that go to XCom; anything else stays in Temporal."""
    if not isinstance(result, Mapping):
        return {"result": result}
    return {key: result[key] for key in RESULT_KEYS if key in result}


def failure_message(error: BaseException) -> str:
    """Walks the cause chain (workflow -> activity -> application error) into one line.

    The innermost message is the one an operator can act on; the outer layers say where it came from.
    """
    from temporalio.exceptions import (
        ActivityError,
        CancelledError,
        FailureError,
        TerminatedError,
        TimeoutError,
    )

    parts: list[str] = []
    current: BaseException | None = error.__cause__ if error.__cause__ is not None else error
    seen: set[int] = set()
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ActivityError):
            parts.append(f"activity {current.activity_type} failed")
        elif isinstance(current, CancelledError):
            parts.append("cancelled")
        elif isinstance(current, TerminatedError):
            parts.append(f"terminated{': ' + current.message if current.message else ''}")
        elif isinstance(current, TimeoutError):
            parts.append(f"timed out ({current.type.name if current.type is not None else 'unknown'})")
        elif isinstance(current, FailureError):
            parts.append(current.message)
        else:
            parts.append(str(current) or type(current).__name__)
        current = current.__cause__
    return ": ".join(p for p in parts if p) or "workflow failed"
