"""The DAG as Airflow itself loads it: no import errors, the expected shape, no network at parse."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from airflow.models.dagbag import DagBag
from airflow.sdk import DAG

DAG_ID = "movie_rec_batch"
STAGE_TASKS = [
    "validate_data",
    "extract_features",
    "publish_features",
    "train_model",
    "evaluate_model",
    "deploy_model",
    "reload_api",
]


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    return DagBag(dag_folder=str(Path(__file__).resolve().parents[2] / "dags"), include_examples=False)


@pytest.fixture(scope="module")
def dag(dagbag: DagBag) -> DAG:
    # dagbag.dags, not get_dag(): get_dag() consults the metadata database, which these tests do not need.
    assert DAG_ID in dagbag.dags, f"{DAG_ID} not in {sorted(dagbag.dag_ids)}"
    return dagbag.dags[DAG_ID]


def test_dag_folder_imports_without_errors(dagbag: DagBag) -> None:
    assert dagbag.import_errors == {}
    assert dagbag.dag_ids == [DAG_ID]


def test_parsing_opens_no_connection(no_network: list[str], dags_folder: Path) -> None:
    bag = DagBag(dag_folder=str(dags_folder), include_examples=False)
    assert bag.import_errors == {}
    assert DAG_ID in bag.dag_ids
    assert no_network == []


def test_parsing_does_not_load_the_temporal_client(dags_folder: Path) -> None:
    """A fresh interpreter, so that other tests' imports cannot hide a top-level temporalio import."""
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(dags_folder)!r})\n"
        "from airflow.models.dagbag import DagBag\n"
        f"bag = DagBag(dag_folder={str(dags_folder)!r}, include_examples=False)\n"
        "assert bag.import_errors == {}, bag.import_errors\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'temporalio'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_daily_without_catchup(dag: DAG) -> None:
    from airflow.timetables.trigger import CronTriggerTimetable

    assert dag.schedule == "@daily"
    # Airflow 3 runs "@daily" at midnight UTC for that day (no data-interval shift).
    assert isinstance(dag.timetable, CronTriggerTimetable)
    assert dag.timetable.summary == "0 0 * * *"
    assert dag.catchup is False
    assert dag.max_active_runs == 1


def test_tags_and_docs(dag: DAG) -> None:
    assert {"movie-rec", "temporal"} <= set(dag.tags)
    assert dag.doc_md is not None and "batchTrainingWorkflow" in dag.doc_md


def test_every_task_retries(dag: DAG) -> None:
    for task in dag.tasks:
        assert task.retries >= 1, task.task_id
        assert task.retry_delay >= timedelta(minutes=1), task.task_id


def test_tasks_and_stage_order(dag: DAG) -> None:
    assert set(dag.task_ids) == {"start_workflow", "batch_training_workflow", *STAGE_TASKS}
    # The workflow's own edges: features go to DynamoDB beside the training, which nothing waits for.
    assert dag.get_task("extract_features").downstream_task_ids == {"publish_features", "train_model"}
    assert dag.get_task("publish_features").downstream_task_ids == set()
    training_line = ["validate_data", "extract_features", "train_model", "evaluate_model", "deploy_model", "reload_api"]
    for upstream, downstream in pairwise(training_line):
        assert downstream in dag.get_task(upstream).downstream_task_ids
        assert dag.get_task(downstream).upstream_task_ids == {upstream}
    assert dag.get_task("start_workflow").upstream_task_ids == set()
    assert dag.get_task("start_workflow").downstream_task_ids == {"batch_training_workflow", STAGE_TASKS[0]}


def test_workflow_id_and_input_render_from_the_logical_date(dag: DAG) -> None:
    task = dag.get_task("batch_training_workflow")
    context = {"ds": "2025-03-04"}
    assert task.render_template(task.workflow_id, context) == "movie-rec-batch-2025-03-04"
    assert task.render_template(task.workflow_input, context) == {"run_date": "2025-03-04"}
    assert task.workflow_type == "batchTrainingWorkflow"
    stage = dag.get_task("train_model")
    assert stage.render_template(stage.workflow_id, context) == "movie-rec-batch-2025-03-04"
    assert stage.stage == "trainModel"


def test_dag_serializes_for_the_scheduler(dag: DAG) -> None:
    from airflow.serialization.serialized_objects import SerializedDAG

    restored = SerializedDAG.from_dict(SerializedDAG.to_dict(dag))
    assert set(restored.task_ids) == set(dag.task_ids)
