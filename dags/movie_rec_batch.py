"""
### movie-rec nightly batch

Starts the Temporal workflow `batchTrainingWorkflow` for the run's logical date and waits for it.
The workflow validates the day's data, extracts user and movie features, trains the hybrid
recommender, evaluates it, deploys it behind the quality gate and reloads the API. Temporal runs and
retries those steps; operators watch and retry them in the Temporal Web UI.

* **start_workflow** starts the workflow `movie-rec-batch-<ds>` on task queue `movie-rec-batch` (or
  the connection's `task_queue`), or attaches to the run that has it, and returns at once.
* **batch_training_workflow** attaches to that run and defers until it ends. A retry or rerun of
  the date attaches to a running workflow, starts a new one after a failed one, and returns the
  result of a completed one. Its XCom holds `model_version`, `deployed`, `metrics` and `gate`.
  Marking it failed while it waits cancels the workflow.
* **validate_data … reload_api** mirror the workflow's seven stages through its `progress` query, so
  the grid shows how far the batch got. They execute nothing. A stage the workflow did not run
  (the gate kept the model back) is *skipped*; the stage where it failed is *failed*. Their edges
  are the workflow's: **publish_features** (DynamoDB) runs beside the training, after
  extract_features, and nothing waits for it but the end of the run.

Connection: `temporal_default` (host, port, `namespace` and optional TLS / API key in extras).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pendulum
from airflow.sdk import DAG

from temporal_bridge import STAGE_UPSTREAM, STAGES, TemporalWorkflowOperator, WorkflowStageSensor, workflow_id

# Temporal retries the activities; Airflow's retries cover losing the Temporal server for a while.
default_args = {
    "owner": "movie-rec",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
}


def task_id_of(stage: str) -> str:
    """validateData -> validate_data: Airflow task ids in the seed pipeline's snake case."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", stage).lower()


with DAG(
    dag_id="movie_rec_batch",
    description="Nightly batch: start and await the Temporal batch training workflow",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["movie-rec", "temporal", "batch"],
    doc_md=__doc__,
) as dag:
    batch_id = workflow_id("{{ ds }}")

    batch_input = {"run_date": "{{ ds }}"}
    # Starting first lets the watching tasks run in any order (`airflow dags test` runs them one by one).
    start = TemporalWorkflowOperator(task_id="start_workflow", workflow_id=batch_id, workflow_input=batch_input, wait_for_completion=False)
    await_result = TemporalWorkflowOperator(task_id="batch_training_workflow", workflow_id=batch_id, workflow_input=batch_input)
    stages = {stage: WorkflowStageSensor(task_id=task_id_of(stage), workflow_id=batch_id, stage=stage) for stage in STAGES}
    start >> await_result
    start >> stages[STAGES[0]]
    for stage, upstream in STAGE_UPSTREAM.items():
        for before in upstream:
            stages[before] >> stages[stage]
