"""What the triggers do against a Temporal client, with an in-memory stand-in for the client.

The stand-in answers like temporalio's client (same method names, same exceptions), so these tests
pin the triggers' decisions: result or failure message, following a reset, cancelling only when the
task was marked failed, and a stage's verdict from the `progress` query.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from temporalio.client import WorkflowExecutionStatus, WorkflowFailureError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

import temporal_bridge.operators as operators_module
import temporal_bridge.result_trigger as result_module
import temporal_bridge.stage_trigger as stage_module
from temporal_bridge.hook import TemporalHook, TemporalSettings
from temporal_bridge.operators import TemporalWorkflowOperator
from temporal_bridge.result_trigger import WorkflowResultTrigger
from temporal_bridge.stage_trigger import WorkflowStageTrigger

WORKFLOW_ID = "movie-rec-batch-2025-03-04"


@dataclass
class Run:
    run_id: str
    status: WorkflowExecutionStatus
    result: Any = None
    failure: BaseException | None = None
    progress: dict[str, Any] | None = None
    finished: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Description:
    run_id: str
    status: WorkflowExecutionStatus


class FakeHandle:
    def __init__(self, client: FakeClient, run_id: str | None) -> None:
        self.client = client
        self.run_id = run_id

    def _run(self) -> Run:
        if not self.client.runs:
            raise RPCError("workflow not found", RPCStatusCode.NOT_FOUND, b"")
        if self.run_id is None:
            return self.client.runs[-1]
        return next(r for r in self.client.runs if r.run_id == self.run_id)

    async def result(self) -> Any:
        run = self._run()
        await run.finished.wait()
        if run.failure is not None:
            raise WorkflowFailureError(cause=run.failure)
        return run.result

    async def describe(self) -> Description:
        run = self._run()
        return Description(run.run_id, run.status)

    async def query(self, name: str) -> Any:
        assert name == "progress"
        return self._run().progress

    async def cancel(self, reason: str = "") -> None:
        self.client.cancelled.append((self._run().run_id, reason))


class FakeClient:
    def __init__(self, *runs: Run) -> None:
        self.runs = list(runs)
        self.cancelled: list[tuple[str, str]] = []
        self.starts: list[dict[str, Any]] = []

    def get_workflow_handle(self, workflow_id: str, *, run_id: str | None = None) -> FakeHandle:
        assert workflow_id == WORKFLOW_ID
        return FakeHandle(self, run_id)

    async def start_workflow(self, workflow: str, arg: Any, **options: Any) -> Any:
        """Like the server: a completed last run refuses the start; otherwise the current run is used."""
        self.starts.append({"workflow": workflow, "arg": arg, **options})
        latest = self.runs[-1] if self.runs else None
        if latest is not None and latest.status == WorkflowExecutionStatus.COMPLETED:
            raise WorkflowAlreadyStartedError(options["id"], workflow, run_id=latest.run_id)
        if latest is None or latest.status != WorkflowExecutionStatus.RUNNING:
            latest = Run(f"r-{len(self.runs) + 1}", WorkflowExecutionStatus.RUNNING)
            self.runs.append(latest)
        return type("StartedHandle", (), {"result_run_id": latest.run_id})()


def finished(run_id: str, status: WorkflowExecutionStatus, **fields: Any) -> Run:
    run = Run(run_id, status, **fields)
    run.finished.set()
    return run


InstallClient = Callable[[FakeClient], FakeClient]


@pytest.fixture
def use_client(monkeypatch: pytest.MonkeyPatch) -> InstallClient:
    """Routes the triggers' `connect()` to the given stand-in; the connection itself is never read."""

    def install(client: FakeClient) -> FakeClient:
        async def fake_connect(_settings: TemporalSettings) -> FakeClient:
            return client

        monkeypatch.setattr(TemporalHook, "get_settings", lambda _self: TemporalSettings(target_host="t:7233"))
        monkeypatch.setattr(result_module, "connect", fake_connect)
        monkeypatch.setattr(stage_module, "connect", fake_connect)
        monkeypatch.setattr(operators_module, "connect", fake_connect)
        return client

    return install


async def first_event(events: AsyncIterator[Any]) -> dict[str, Any]:
    async for event in events:
        return dict(event.payload)
    raise AssertionError("the trigger ended without an event")


def test_result_trigger_reports_the_summary(use_client: InstallClient) -> None:
    result = {
        "model_version": "v7",
        "deployed": True,
        "metrics": {"rmse": 0.93},
        "gate": {"passed": True},
        "stages": [],
    }
    use_client(FakeClient(finished("r-1", WorkflowExecutionStatus.COMPLETED, result=result)))
    trigger = WorkflowResultTrigger(conn_id="temporal_default", workflow_id=WORKFLOW_ID, run_id="r-1")
    event = asyncio.run(first_event(trigger.run()))
    assert event["status"] == "success"
    assert event["result"]["model_version"] == "v7"
    assert event["run_id"] == "r-1"


def test_result_trigger_reports_the_failure_message(use_client: InstallClient) -> None:
    failure = ApplicationError("ratings for 2025-03-04 are missing")
    use_client(FakeClient(finished("r-1", WorkflowExecutionStatus.FAILED, failure=failure)))
    trigger = WorkflowResultTrigger(conn_id="temporal_default", workflow_id=WORKFLOW_ID, run_id="r-1")
    event = asyncio.run(first_event(trigger.run()))
    assert event == {"status": "failed", "workflow_id": WORKFLOW_ID, "message": "ratings for 2025-03-04 are missing"}


def test_result_trigger_follows_a_reset_to_the_new_run(use_client: InstallClient) -> None:
    reset = finished("r-1", WorkflowExecutionStatus.TERMINATED, failure=ApplicationError("reset"))
    rerun = finished("r-2", WorkflowExecutionStatus.RUNNING, result={"model_version": "v8", "deployed": False})
    use_client(FakeClient(reset, rerun))
    trigger = WorkflowResultTrigger(conn_id="temporal_default", workflow_id=WORKFLOW_ID, run_id="r-1")
    event = asyncio.run(first_event(trigger.run()))
    assert (event["status"], event["run_id"], event["result"]["model_version"]) == ("success", "r-2", "v8")


@pytest.mark.parametrize(("task_state", "cancels"), [("failed", True), ("deferred", False), (None, False)])
def test_result_trigger_cancels_the_workflow_only_when_the_task_was_marked_failed(
    use_client: InstallClient, monkeypatch: pytest.MonkeyPatch, task_state: str | None, cancels: bool
) -> None:
    async def state_now(_ti: Any) -> str | None:
        return task_state

    monkeypatch.setattr(result_module, "current_task_state", state_now)

    async def scenario() -> FakeClient:
        client = use_client(FakeClient(Run("r-1", WorkflowExecutionStatus.RUNNING)))
        trigger = WorkflowResultTrigger(conn_id="temporal_default", workflow_id=WORKFLOW_ID, run_id="r-1")
        waiting = asyncio.ensure_future(first_event(trigger.run()))
        await asyncio.sleep(0.05)  # let it reach handle.result()
        waiting.cancel()  # what the triggerer does when the trigger is no longer wanted
        with pytest.raises(asyncio.CancelledError):
            await waiting
        return client

    client = asyncio.run(scenario())
    assert client.cancelled == ([("r-1", "Airflow task marked failed")] if cancels else [])


def stage_event(client: FakeClient, stage: str) -> dict[str, Any] | None:
    trigger = WorkflowStageTrigger(conn_id="temporal_default", workflow_id=WORKFLOW_ID, stage=stage, poll_interval=0)
    return asyncio.run(trigger._check(client))  # type: ignore[arg-type]


def test_stage_waits_for_a_workflow_not_started_yet() -> None:
    assert stage_event(FakeClient(), "validateData") is None


def test_stage_waits_then_succeeds_from_the_progress_query() -> None:
    progress = {
        "stage": "trainModel",
        "completed_stages": ["validateData", "extractFeatures"],
        "counts": {"users": 943},
    }
    client = FakeClient(Run("r-1", WorkflowExecutionStatus.RUNNING, progress=progress))
    assert stage_event(client, "trainModel") is None
    assert stage_event(client, "extractFeatures") == {
        "status": "success",
        "stage": "extractFeatures",
        "counts": {"users": 943},
    }


def test_stage_not_run_by_a_completed_workflow_is_skipped() -> None:
    progress = {"stage": "completed", "completed_stages": ["validateData", "evaluateModel"], "counts": {}}
    client = FakeClient(finished("r-1", WorkflowExecutionStatus.COMPLETED, progress=progress, result={}))
    event = stage_event(client, "deployModel")
    assert event is not None and event["status"] == "skipped"


def test_stage_of_a_failed_workflow_fails_with_its_message() -> None:
    progress = {"stage": "trainModel", "completed_stages": ["validateData", "extractFeatures"], "counts": {}}
    failure = ApplicationError("out of memory")
    client = FakeClient(finished("r-1", WorkflowExecutionStatus.FAILED, progress=progress, failure=failure))
    event = stage_event(client, "trainModel")
    assert event is not None and (event["status"], event["message"]) == ("failed", "out of memory")


def batch_operator() -> TemporalWorkflowOperator:
    return TemporalWorkflowOperator(task_id="t", workflow_id=WORKFLOW_ID, workflow_input={"run_date": "2025-03-04"})


def test_operator_starts_once_per_date_with_the_contract_policies(use_client: InstallClient) -> None:
    client = use_client(FakeClient())
    settings = TemporalSettings(target_host="t:7233", task_queue="movie-rec-batch")
    assert asyncio.run(batch_operator()._start(settings)) == "r-1"
    start = client.starts[0]
    assert (start["workflow"], start["arg"], start["id"], start["task_queue"]) == (
        "batchTrainingWorkflow",
        {"run_date": "2025-03-04"},
        WORKFLOW_ID,
        "movie-rec-batch",
    )
    assert start["id_conflict_policy"] == WorkflowIDConflictPolicy.USE_EXISTING
    assert start["id_reuse_policy"] == WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY


def test_operator_awaits_the_completed_run_instead_of_starting_again(use_client: InstallClient) -> None:
    use_client(FakeClient(finished("r-9", WorkflowExecutionStatus.COMPLETED, result={})))
    assert asyncio.run(batch_operator()._start(TemporalSettings(target_host="t:7233"))) == "r-9"


def test_operator_on_kill_cancels_the_workflow_it_started(use_client: InstallClient) -> None:
    client = use_client(FakeClient(Run("r-1", WorkflowExecutionStatus.RUNNING)))
    idle = batch_operator()
    idle.on_kill()
    assert client.cancelled == []
    started = batch_operator()
    started._started = (TemporalSettings(target_host="t:7233"), WORKFLOW_ID)
    started.on_kill()
    assert client.cancelled == [("r-1", "Airflow task killed")]


def test_start_only_operator_returns_the_run_without_deferring(use_client: InstallClient) -> None:
    use_client(FakeClient())
    pushed: dict[str, Any] = {}

    class TaskInstance:
        def xcom_push(self, key: str, value: Any) -> None:
            pushed[key] = value

    start = TemporalWorkflowOperator(
        task_id="start_workflow", workflow_id=WORKFLOW_ID, workflow_input={"run_date": "2025-03-04"}, wait_for_completion=False
    )
    assert start.execute({"ti": TaskInstance()}) == {"workflow_id": WORKFLOW_ID, "run_id": "r-1"}  # type: ignore[typeddict-item]
    assert pushed == {"workflow_id": WORKFLOW_ID, "run_id": "r-1"}
