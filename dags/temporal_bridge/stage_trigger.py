"""Watches one stage of the batch workflow through its `progress` query.

The workflow stays the only thing that executes the stages; these triggers only look, so that
Airflow's grid shows how far the batch got and which stage failed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from airflow.triggers.base import BaseTrigger, TriggerEvent
from asgiref.sync import sync_to_async

from .contract import PROGRESS_QUERY
from .hook import connect, load_settings
from .outcome import failure_message

if TYPE_CHECKING:
    from temporalio.client import Client

StageVerdict = Literal["success", "skipped", "failed", "waiting"]


def completed_stage_names(entries: Iterable[Any]) -> set[str]:
    """Stage names from `completed_stages` or the result's `stages`: plain names or {"name": ...}."""
    names: set[str] = set()
    for entry in entries:
        if isinstance(entry, str):
            names.add(entry)
        elif isinstance(entry, Mapping):
            name = entry.get("name") or entry.get("stage")
            status = str(entry.get("status", "completed")).lower()
            if isinstance(name, str) and status not in ("skipped", "failed", "cancelled", "canceled"):
                names.add(name)
    return names


def stage_verdict(stage: str, workflow_status: str | None, completed: set[str]) -> StageVerdict:
    """Where a stage stands, given the workflow's status name (None: not started yet).

    A workflow that completed without running the stage skipped it (the quality gate skips
    deployModel and reloadApi); one that ended any other way before the stage failed it.
    """
    if stage in completed:
        return "success"
    if workflow_status in (None, "RUNNING"):
        return "waiting"
    if workflow_status == "COMPLETED":
        return "skipped"
    return "failed"


class WorkflowStageTrigger(BaseTrigger):
    """Polls until `stage` is done, skipped or failed, then fires one event with that verdict."""

    def __init__(self, *, conn_id: str, workflow_id: str, stage: str, poll_interval: float = 30.0) -> None:
        super().__init__()
        self.conn_id = conn_id
        self.workflow_id = workflow_id
        self.stage = stage
        self.poll_interval = poll_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "conn_id": self.conn_id,
                "workflow_id": self.workflow_id,
                "stage": self.stage,
                "poll_interval": self.poll_interval,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        settings = await sync_to_async(load_settings)(self.conn_id)
        client = await connect(settings)
        while True:
            event = await self._check(client)
            if event is not None:
                yield TriggerEvent(event)
                return
            await asyncio.sleep(self.poll_interval)

    async def _check(self, client: Client) -> dict[str, Any] | None:
        from temporalio.client import WorkflowFailureError
        from temporalio.service import RPCError, RPCStatusCode

        handle = client.get_workflow_handle(self.workflow_id)
        try:
            description = await handle.describe()
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                return None  # the batch task has not started the workflow yet
            raise
        status = description.status.name if description.status is not None else None
        progress = await self._progress(client)
        completed = completed_stage_names(progress.get("completed_stages", []))
        counts = progress.get("counts", {})
        if status == "COMPLETED" and not progress:
            # The worker could not answer the query for a closed workflow: read the result instead.
            result = await handle.result()
            completed = completed_stage_names(result.get("stages", []) if isinstance(result, Mapping) else [])
        verdict = stage_verdict(self.stage, status, completed)
        if verdict == "waiting":
            return None
        event: dict[str, Any] = {"status": verdict, "stage": self.stage, "counts": counts}
        if verdict == "failed":
            try:
                await handle.result()
                event["message"] = f"workflow ended {status} before {self.stage}"
            except WorkflowFailureError as err:
                event["message"] = failure_message(err)
        return event

    async def _progress(self, client: Client) -> dict[str, Any]:
        """The `progress` query's answer, or {} while no worker can answer it."""
        from temporalio.client import WorkflowQueryFailedError, WorkflowQueryRejectedError
        from temporalio.service import RPCError

        try:
            answer = await client.get_workflow_handle(self.workflow_id).query(PROGRESS_QUERY)
        except (WorkflowQueryFailedError, WorkflowQueryRejectedError, RPCError) as err:
            self.log.info("progress query of %s not answered yet: %s", self.workflow_id, err)
            return {}
        return dict(answer) if isinstance(answer, Mapping) else {}
