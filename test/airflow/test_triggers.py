"""Triggers survive Airflow's own serialize/store/restore cycle; their decisions are pure functions."""

from __future__ import annotations

from typing import Any

import pytest
from airflow.exceptions import AirflowException, AirflowSkipException
from airflow.models.trigger import Trigger
from airflow.serialization.serialized_objects import smart_decode_trigger_kwargs
from airflow.triggers.base import BaseTrigger
from airflow.utils.module_loading import import_string
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ActivityError, ApplicationError, RetryState

from temporal_bridge import TemporalWorkflowOperator, WorkflowStageSensor
from temporal_bridge.outcome import failure_message, summarize_result
from temporal_bridge.result_trigger import WorkflowResultTrigger
from temporal_bridge.stage_trigger import WorkflowStageTrigger, completed_stage_names, stage_verdict


def restore_like_the_triggerer(trigger: BaseTrigger) -> BaseTrigger:
    """What Airflow does between `defer()` and the triggerer: encrypt, store, decrypt, re-create."""
    stored = Trigger.from_object(trigger)
    kwargs = {k: smart_decode_trigger_kwargs(v) for k, v in Trigger._decrypt_kwargs(stored.encrypted_kwargs).items()}
    restored = import_string(stored.classpath)(**kwargs)
    assert isinstance(restored, BaseTrigger)
    return restored


@pytest.mark.parametrize(
    "trigger",
    [
        WorkflowResultTrigger(conn_id="temporal_default", workflow_id="movie-rec-batch-2025-03-04", run_id="r-1"),
        WorkflowResultTrigger(conn_id="temporal_default", workflow_id="movie-rec-batch-2025-03-04"),
        WorkflowStageTrigger(
            conn_id="temporal_default", workflow_id="movie-rec-batch-2025-03-04", stage="trainModel", poll_interval=5.0
        ),
    ],
)
def test_serialize_round_trip(trigger: BaseTrigger) -> None:
    restored = restore_like_the_triggerer(trigger)
    assert type(restored) is type(trigger)
    assert restored.serialize() == trigger.serialize()


def test_serialized_kwargs_hold_no_connection_secrets() -> None:
    _, kwargs = WorkflowResultTrigger(conn_id="temporal_default", workflow_id="w").serialize()
    assert set(kwargs) == {"conn_id", "workflow_id", "run_id"}


def test_completed_stage_names_accepts_names_and_records() -> None:
    entries = [
        "validateData",
        {"name": "trainModel", "status": "completed"},
        {"name": "deployModel", "status": "skipped"},
    ]
    assert completed_stage_names(entries) == {"validateData", "trainModel"}


@pytest.mark.parametrize(
    ("status", "completed", "verdict"),
    [
        (None, set(), "waiting"),
        ("RUNNING", {"validateData"}, "waiting"),
        ("RUNNING", {"validateData", "trainModel"}, "success"),
        ("COMPLETED", {"validateData", "trainModel"}, "success"),
        ("COMPLETED", {"validateData"}, "skipped"),
        ("FAILED", {"validateData"}, "failed"),
        ("TERMINATED", set(), "failed"),
    ],
)
def test_stage_verdict(status: str | None, completed: set[str], verdict: str) -> None:
    assert stage_verdict("trainModel", status, completed) == verdict


def activity_failure(message: str) -> WorkflowFailureError:
    cause = ActivityError(
        "Activity task failed",
        scheduled_event_id=5,
        started_event_id=6,
        identity="worker",
        activity_type="validateData",
        activity_id="1",
        retry_state=RetryState.MAXIMUM_ATTEMPTS_REACHED,
    )
    cause.__cause__ = ApplicationError(message, type="NoDataError", non_retryable=True)
    return WorkflowFailureError(cause=cause)


def test_failure_message_names_the_activity_and_its_error() -> None:
    message = failure_message(activity_failure("no events for 2025-03-04"))
    assert message == "activity validateData failed: no events for 2025-03-04"


def test_summary_keeps_the_contract_keys_only() -> None:
    result = {
        "model_version": "v7",
        "deployed": True,
        "metrics": {"ndcg@10": 0.41},
        "gate": {"passed": True},
        "debug": "x",
    }
    assert summarize_result(result) == {
        "model_version": "v7",
        "deployed": True,
        "metrics": {"ndcg@10": 0.41},
        "gate": {"passed": True},
    }


class RecordingTaskInstance:
    def __init__(self) -> None:
        self.pushed: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value


def operator() -> TemporalWorkflowOperator:
    return TemporalWorkflowOperator(
        task_id="t", workflow_id="movie-rec-batch-2025-03-04", workflow_input={"run_date": "2025-03-04"}
    )


def test_operator_fails_with_the_workflow_message() -> None:
    event = {
        "status": "failed",
        "workflow_id": "movie-rec-batch-2025-03-04",
        "message": "activity trainModel failed: oom",
    }
    with pytest.raises(AirflowException, match="activity trainModel failed: oom"):
        operator().execute_complete({"ti": RecordingTaskInstance()}, event)  # type: ignore[typeddict-item]


def test_operator_returns_the_result_and_pushes_version_and_deployed() -> None:
    ti = RecordingTaskInstance()
    event = {
        "status": "success",
        "workflow_id": "movie-rec-batch-2025-03-04",
        "run_id": "r-1",
        "result": {"model_version": "v7", "deployed": False, "metrics": {}, "gate": {"passed": False}},
    }
    returned = operator().execute_complete({"ti": ti}, event)  # type: ignore[typeddict-item]
    assert returned["model_version"] == "v7" and returned["run_id"] == "r-1"
    assert ti.pushed == {"model_version": "v7", "deployed": False}


def test_stage_sensor_maps_events_to_task_states() -> None:
    sensor = WorkflowStageSensor(task_id="deploy_model", workflow_id="w", stage="deployModel")
    with pytest.raises(AirflowSkipException):
        sensor.execute_complete({}, {"status": "skipped"})
    with pytest.raises(AirflowException, match="deployModel: gate store unreachable"):
        sensor.execute_complete({}, {"status": "failed", "message": "gate store unreachable"})
    assert sensor.execute_complete({}, {"status": "success", "counts": {"users": 3}}) == {
        "stage": "deployModel",
        "counts": {"users": 3},
    }
