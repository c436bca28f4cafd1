"""Waits in the triggerer for the batch workflow's result, so no worker slot is held meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseTrigger, TriggerEvent
from asgiref.sync import sync_to_async

from .hook import connect, load_settings
from .outcome import failure_message, summarize_result
from .task_state import current_task_state

if TYPE_CHECKING:
    from temporalio.client import Client

#: How long cancelling the workflow may take before the trigger gives up on it.
CANCEL_TIMEOUT_SECONDS = 15.0


class WorkflowResultTrigger(BaseTrigger):
    """Fires one event: {"status": "success", "result": {...}} or {"status": "failed", "message": ...}.

    If its task is marked failed while deferred, it cancels the workflow on the way out.
    """

    def __init__(self, *, conn_id: str, workflow_id: str, run_id: str | None = None) -> None:
        super().__init__()
        self.conn_id = conn_id
        self.workflow_id = workflow_id
        self.run_id = run_id

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Only names and ids: the connection (and its secrets) is read again in the triggerer."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {"conn_id": self.conn_id, "workflow_id": self.workflow_id, "run_id": self.run_id},
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from temporalio.client import WorkflowFailureError

        settings = await sync_to_async(load_settings)(self.conn_id)
        client = await connect(settings)
        try:
            run_id, result = await self._await_result(client)
        except WorkflowFailureError as err:
            yield TriggerEvent({"status": "failed", "workflow_id": self.workflow_id, "message": failure_message(err)})
            return
        except asyncio.CancelledError:
            await self._cancel_workflow_if_task_failed(client)
            raise
        yield TriggerEvent(
            {
                "status": "success",
                "workflow_id": self.workflow_id,
                "run_id": run_id,
                "result": summarize_result(result),
            }
        )

    async def _await_result(self, client: Client) -> tuple[str | None, Any]:
        """Follows the run chain; a reset from the Temporal UI starts a new run that it then follows."""
        from temporalio.client import WorkflowExecutionStatus, WorkflowFailureError

        run_id = self.run_id
        while True:
            handle = client.get_workflow_handle(self.workflow_id, run_id=run_id)
            try:
                return run_id, await handle.result()
            except WorkflowFailureError:
                latest = await client.get_workflow_handle(self.workflow_id).describe()
                if latest.run_id != run_id and latest.status == WorkflowExecutionStatus.RUNNING:
                    self.log.info("Run %s ended; following run %s of %s", run_id, latest.run_id, self.workflow_id)
                    run_id = latest.run_id
                    continue
                raise

    async def _cancel_workflow_if_task_failed(self, client: Client) -> None:
        """Cancels only when the task was failed by hand, not when the triggerer stops or moves it."""
        try:
            state = await current_task_state(self.task_instance)
            if state != "failed":
                return
            self.log.info("Task marked failed: cancelling workflow %s", self.workflow_id)
            # No run id: the current run of this workflow id, also after a reset moved it on.
            handle = client.get_workflow_handle(self.workflow_id)
            await asyncio.wait_for(handle.cancel(reason="Airflow task marked failed"), timeout=CANCEL_TIMEOUT_SECONDS)
        except Exception:  # the trigger is going away either way; say why the cancel did not happen
            self.log.exception("Could not cancel workflow %s", self.workflow_id)
