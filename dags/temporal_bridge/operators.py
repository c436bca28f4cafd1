"""Airflow operators for the batch workflow: one starts and awaits it, one mirrors a stage of it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.exceptions import AirflowException, AirflowSkipException
from airflow.sdk import BaseOperator

from .contract import WORKFLOW_TYPE
from .hook import TemporalHook, TemporalSettings, connect
from .result_trigger import WorkflowResultTrigger
from .stage_trigger import WorkflowStageTrigger

if TYPE_CHECKING:
    from airflow.sdk import Context


class TemporalWorkflowOperator(BaseOperator):
    """Starts a workflow (or attaches to the run already under that id) and defers until its result.

    Idempotent per workflow id: a running workflow is reused (USE_EXISTING), a failed, cancelled,
    terminated or timed-out one is started afresh (ALLOW_DUPLICATE_FAILED_ONLY), and a completed
    one is not run twice: the task attaches to it and returns its result.

    With ``wait_for_completion=False`` the task only starts (or attaches) and returns the ids, so that
    tasks watching the run can follow it without racing its start.
    """

    template_fields: Sequence[str] = ("workflow_id", "workflow_input", "task_queue")
    template_fields_renderers: ClassVar[dict[str, str]] = {"workflow_input": "json"}
    ui_color = "#d7e8fc"

    def __init__(
        self,
        *,
        workflow_id: str,
        workflow_input: Mapping[str, Any],
        workflow_type: str = WORKFLOW_TYPE,
        task_queue: str | None = None,
        temporal_conn_id: str = TemporalHook.default_conn_name,
        wait_for_completion: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.workflow_id = workflow_id
        self.wait_for_completion = wait_for_completion
        self.workflow_input = workflow_input
        self.workflow_type = workflow_type
        self.task_queue = task_queue
        self.temporal_conn_id = temporal_conn_id
        self._started: tuple[TemporalSettings, str] | None = None

    def execute(self, context: Context) -> dict[str, Any] | None:
        settings = TemporalHook(self.temporal_conn_id).get_settings()
        # Recorded before the start call, so that a kill during it still cancels the workflow.
        self._started = (settings, self.workflow_id)
        run_id = asyncio.run(self._start(settings))
        context["ti"].xcom_push(key="workflow_id", value=self.workflow_id)
        context["ti"].xcom_push(key="run_id", value=run_id)
        if not self.wait_for_completion:
            return {"workflow_id": self.workflow_id, "run_id": run_id}
        self.defer(
            trigger=WorkflowResultTrigger(conn_id=self.temporal_conn_id, workflow_id=self.workflow_id, run_id=run_id),
            method_name="execute_complete",
        )

    async def _start(self, settings: TemporalSettings) -> str | None:
        """Returns the run id to await: the new run, the running one, or the completed one."""
        from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
        from temporalio.exceptions import WorkflowAlreadyStartedError

        client = await connect(settings)
        task_queue = self.task_queue or settings.task_queue
        try:
            handle = await client.start_workflow(
                self.workflow_type,
                dict(self.workflow_input),
                id=self.workflow_id,
                task_queue=task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
            )
        except WorkflowAlreadyStartedError as err:
            # Only a completed run refuses a new start under this reuse policy: report its result.
            self.log.info("Workflow %s already completed (run %s); awaiting its result", self.workflow_id, err.run_id)
            return err.run_id
        self.log.info(
            "Workflow %s (%s) on task queue %s: run %s",
            self.workflow_id,
            self.workflow_type,
            task_queue,
            handle.result_run_id,
        )
        return handle.result_run_id

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """Fails the task with the workflow's own failure message, or hands its summary to XCom."""
        if event.get("status") != "success":
            raise AirflowException(f"Workflow {event.get('workflow_id')} failed: {event.get('message')}")
        result: dict[str, Any] = dict(event.get("result") or {})
        for key in ("model_version", "deployed"):
            if key in result:
                context["ti"].xcom_push(key=key, value=result[key])
        return {"workflow_id": event.get("workflow_id"), "run_id": event.get("run_id"), **result}

    def on_kill(self) -> None:
        """A kill while this task still runs on a worker (before it deferred) cancels the workflow.

        Once deferred, the trigger does this instead when the task is marked failed.
        """
        if self._started is None:
            return
        settings, workflow_id = self._started

        async def cancel() -> None:
            client = await connect(settings)
            await client.get_workflow_handle(workflow_id).cancel(reason="Airflow task killed")

        try:
            asyncio.run(cancel())
            self.log.info("Cancelled workflow %s", workflow_id)
        except Exception:  # on_kill must not raise; the log says what happened
            self.log.exception("Could not cancel workflow %s", workflow_id)


class WorkflowStageSensor(BaseOperator):
    """Defers until one stage of the workflow has finished; skipped or failed when the workflow says so.

    It only observes: the workflow runs the stage, retries it and decides about it.
    """

    template_fields: Sequence[str] = ("workflow_id",)
    ui_color = "#eef5e0"

    def __init__(
        self,
        *,
        workflow_id: str,
        stage: str,
        poll_interval: float = 30.0,
        wait_timeout: timedelta = timedelta(hours=12),
        temporal_conn_id: str = TemporalHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.workflow_id = workflow_id
        self.stage = stage
        self.poll_interval = poll_interval
        self.wait_timeout = wait_timeout
        self.temporal_conn_id = temporal_conn_id

    def execute(self, context: Context) -> None:
        self.defer(
            trigger=WorkflowStageTrigger(
                conn_id=self.temporal_conn_id,
                workflow_id=self.workflow_id,
                stage=self.stage,
                poll_interval=self.poll_interval,
            ),
            method_name="execute_complete",
            timeout=self.wait_timeout,
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        status = event.get("status")
        if status == "skipped":
            raise AirflowSkipException(f"The workflow finished without running {self.stage}")
        if status != "success":
            raise AirflowException(f"{self.stage}: {event.get('message', 'workflow failed')}")
        return {"stage": self.stage, "counts": event.get("counts", {})}
